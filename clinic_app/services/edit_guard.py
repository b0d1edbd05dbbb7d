"""An optional clinic passphrase asked before the window lets anyone edit a therapy's text or the
clinic's own fields.

    set_passphrase(store, "long enough words", by="Dr Lee")
    has_passphrase(store)                  # True
    check_passphrase(store, "long enough words")  # True (a constant-time compare)
    clear_passphrase(store, by="Dr Lee")

Only an scrypt hash with a random salt is stored, in ``app_meta`` (key ``edit_passphrase``), with who
set it and when beside it (``edit_passphrase_by``). It keeps a casual click out of the editors on a
shared front-desk PC; it is not access control over the database file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from clinic_app.errors import ClinicAppError
from clinic_app.storage.reader import Reader
from clinic_app.storage.store import Store

KEY = "edit_passphrase"
BY_KEY = "edit_passphrase_by"
MIN_LENGTH = 4
SCHEME = "scrypt"
N, R, P, LENGTH = 2**14, 8, 1, 32  # 16 MiB and a few tens of milliseconds per check


class PassphraseError(ClinicAppError):
    """A passphrase that cannot be set (too short, or no one named)."""


def _hash(text: str, salt: bytes, n: int = N, r: int = R, p: int = P, length: int = LENGTH) -> bytes:
    return hashlib.scrypt(text.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=64 * 1024 * 1024)


def _set_meta(store: Store, values: dict[str, str | None]) -> None:
    from clinic_app.storage.models import AppMeta

    with store.write() as session:
        for key, value in values.items():
            row = session.get(AppMeta, key)
            if value is None:
                if row is not None:
                    session.delete(row)
            elif row is None:
                session.add(AppMeta(key=key, value=value))
            else:
                row.value = value


def set_passphrase(store: Store, text: str, by: str) -> None:
    """Require ``text`` before the edit dialogs open (replacing any passphrase set before)."""
    by = (by or "").strip()
    if not by:
        raise PassphraseError("setting the edit passphrase needs who is setting it (by); nothing was changed")
    if len((text or "").strip()) < MIN_LENGTH:
        raise PassphraseError(f"the edit passphrase must be at least {MIN_LENGTH} characters; nothing was changed")
    salt = secrets.token_bytes(16)
    stored = f"{SCHEME}${N}${R}${P}${salt.hex()}${_hash(text, salt).hex()}"
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    _set_meta(store, {KEY: stored, BY_KEY: f"{by}, {when}"})


def has_passphrase(reader: Reader) -> bool:
    return bool(reader.meta().get(KEY))


def check_passphrase(reader: Reader, text: str) -> bool:
    """True when ``text`` is the passphrase set (or none is set)."""
    stored = reader.meta().get(KEY)
    if not stored:
        return True
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != SCHEME:
            return False
        given = _hash(text or "", bytes.fromhex(salt), int(n), int(r), int(p), len(bytes.fromhex(expected)))
    except ValueError:  # a damaged value: nothing matches it (clear it and set it again)
        return False
    return hmac.compare_digest(given, bytes.fromhex(expected))


def clear_passphrase(store: Store, by: str) -> None:
    """Open the edit dialogs without a passphrase again."""
    if not (by or "").strip():
        raise PassphraseError("clearing the edit passphrase needs who is clearing it (by); nothing was changed")
    _set_meta(store, {KEY: None, BY_KEY: None})
