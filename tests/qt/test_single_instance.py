"""One window per data folder: a second launch on the same folder brings the first window to the
front and exits; another folder gets its own window; a lock left by a window that died is taken
over. Each window runs in a process of its own, as the app does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from clinic_app.ui.single_instance import LOCK_FILE


def launch(data_dir, home, probe=True):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(home), XDG_CONFIG_HOME=str(home / "config"))
    if probe:
        env["CLINIC_APP_STARTUP_PROBE"] = "2"  # prints the moments, and the window stays open
    return subprocess.Popen([sys.executable, "-m", "clinic_app", "--data-dir", str(data_dir)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(predicate, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def first_window(prepared_location, tmp_path):
    process = launch(prepared_location.data_dir, tmp_path)
    assert wait_for(lambda: (prepared_location.data_dir / LOCK_FILE).exists()), "the first window took no lock"
    yield process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_a_second_launch_brings_the_first_window_forward_and_exits(first_window, prepared_location, tmp_path):
    second = launch(prepared_location.data_dir, tmp_path, probe=False)
    out, err = second.communicate(timeout=30)
    assert second.returncode == 0, err
    assert "already open" in err and "brought to the front" in err
    assert first_window.poll() is None  # the first window is still there
    first_window.send_signal(signal.SIGTERM)
    _, first_err = first_window.communicate(timeout=15)
    assert "startup-probe raised" in first_err


def test_another_folder_gets_its_own_window(first_window, tmp_path):
    other = tmp_path / "other"
    second = launch(other, tmp_path)
    try:
        assert wait_for(lambda: (other / LOCK_FILE).exists())
        time.sleep(0.5)
        assert second.poll() is None and first_window.poll() is None
    finally:
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=15)


def test_the_lock_of_a_window_that_died_is_taken_over(first_window, prepared_location, tmp_path):
    first_window.kill()  # kill -9: the lock file stays behind
    first_window.wait(10)
    assert (prepared_location.data_dir / LOCK_FILE).exists()
    again = launch(prepared_location.data_dir, tmp_path)
    time.sleep(3)
    assert again.poll() is None
    again.send_signal(signal.SIGTERM)
    _, err = again.communicate(timeout=15)
    assert "startup-probe paint" in err and "already open" not in err  # it opened its own window
