from pathlib import Path

import pytest

from clinic_app import settings
from clinic_app.errors import ConfigurationError


def test_default_is_a_sqlite_file_in_the_user_data_dir():
    location = settings.resolve()
    assert location.sqlite_path is not None
    assert location.sqlite_path.name == settings.DATABASE_FILE
    assert "clinic-app" in str(location.data_dir)


def test_data_dir_option_and_environment(tmp_path, monkeypatch):
    assert settings.resolve(data_dir=tmp_path).sqlite_path == (tmp_path / settings.DATABASE_FILE).resolve()
    monkeypatch.setenv(settings.ENV_DATA_DIR, str(tmp_path / "env"))
    assert settings.resolve().data_dir == (tmp_path / "env").resolve()
    # the option wins over the environment
    assert settings.resolve(data_dir=tmp_path / "opt").data_dir == (tmp_path / "opt").resolve()


def test_database_url_option_and_environment(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    assert settings.resolve(database_url=url).sqlite_path == Path(tmp_path / "other.db")
    monkeypatch.setenv(settings.ENV_DATABASE_URL, url)
    assert settings.resolve(data_dir=tmp_path / "x").database_url == url


def test_unsupported_database_url_is_refused_with_its_value():
    with pytest.raises(ConfigurationError, match="mysql://x"):
        settings.resolve(database_url="mysql://x")
