"""The optional edit passphrase: only a salted scrypt hash is stored, and it checks what it should."""

from __future__ import annotations

import pytest

from clinic_app.services import edit_guard
from clinic_app.services.edit_guard import PassphraseError

PHRASE = "blue heron at noon"


def test_no_passphrase_by_default_lets_anyone_in(store):
    assert not edit_guard.has_passphrase(store)
    assert edit_guard.check_passphrase(store, "")


def test_set_stores_a_salted_hash_not_the_text(store):
    edit_guard.set_passphrase(store, PHRASE, by="Dr Lee")
    assert edit_guard.has_passphrase(store)
    stored = store.meta()[edit_guard.KEY]
    assert PHRASE not in stored and PHRASE.encode().hex() not in stored
    scheme, n, r, p, salt, digest = stored.split("$")
    assert scheme == "scrypt" and int(n) >= 2**14 and len(bytes.fromhex(salt)) == 16 and len(digest) == 64
    assert store.meta()[edit_guard.BY_KEY].startswith("Dr Lee, ")
    edit_guard.set_passphrase(store, PHRASE, by="Dr Lee")  # a new salt each time
    assert store.meta()[edit_guard.KEY].split("$")[4] != salt


def test_check_accepts_only_the_passphrase(store):
    edit_guard.set_passphrase(store, PHRASE, by="Dr Lee")
    assert edit_guard.check_passphrase(store, PHRASE)
    for wrong in ("", "blue heron at noon ", "Blue heron at noon", "blue heron"):
        assert not edit_guard.check_passphrase(store, wrong), wrong


def test_a_damaged_value_matches_nothing(store):
    edit_guard._set_meta(store, {edit_guard.KEY: "scrypt$nonsense"})
    assert edit_guard.has_passphrase(store) and not edit_guard.check_passphrase(store, PHRASE)


def test_clear_opens_the_editors_again(store):
    edit_guard.set_passphrase(store, PHRASE, by="Dr Lee")
    edit_guard.clear_passphrase(store, by="Dr Lee")
    assert not edit_guard.has_passphrase(store) and edit_guard.check_passphrase(store, "anything")
    assert edit_guard.KEY not in store.meta() and edit_guard.BY_KEY not in store.meta()


def test_short_passphrases_and_nobody_are_refused(store):
    with pytest.raises(PassphraseError, match="at least 4"):
        edit_guard.set_passphrase(store, " ab ", by="Dr Lee")
    with pytest.raises(PassphraseError, match="who is setting"):
        edit_guard.set_passphrase(store, PHRASE, by=" ")
    with pytest.raises(PassphraseError, match="who is clearing"):
        edit_guard.clear_passphrase(store, by="")
    assert not edit_guard.has_passphrase(store)


def test_the_command_line_sets_asks_for_and_clears_it(prepared_location, store, monkeypatch, capsys):
    import getpass

    from clinic_app.cli import main

    def run(*args):
        return main(["--data-dir", str(prepared_location.data_dir), "clinic", "set", *args])

    assert run("--edit-passphrase", PHRASE) == 1  # who is needed
    assert not edit_guard.has_passphrase(store)
    assert run("--edit-passphrase", PHRASE, "--by", "Dr Lee") == 0
    assert edit_guard.check_passphrase(store, PHRASE) and PHRASE not in capsys.readouterr().out
    typed = iter(["heron at dusk", "heron at dusk"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(typed))
    assert run("--edit-passphrase", "--by", "Dr Lee") == 0  # no value: asked for, unseen
    assert edit_guard.check_passphrase(store, "heron at dusk") and not edit_guard.check_passphrase(store, PHRASE)
    typed = iter(["one phrase", "another phrase"])
    assert run("--edit-passphrase", "--by", "Dr Lee") == 1  # typed twice, differently: nothing changes
    assert edit_guard.check_passphrase(store, "heron at dusk")
    assert run("--clear-edit-passphrase", "--by", "Dr Lee") == 0
    assert not edit_guard.has_passphrase(store)
