"""Comparison presets: the built-in sets, and those a clinic saves by name in its database.

Reads go through the store's read connection; saving and deleting are one ``store.write()``
transaction each. A preset names therapies in column order and, optionally, the rows
to show (none means every row). Therapies or rows that are no longer in the library are left out
when a preset is listed, and named in ``missing``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

from clinic_app.errors import ClinicAppError, ConflictError
from clinic_app.services.comparison import MIN_OPTIONS, check_rows, check_slugs, row_catalogue
from clinic_app.services.library import therapy_slugs
from clinic_app.storage.reader import Reader
from clinic_app.storage.store import Store

MAX_NAME = 100

# Sets that weigh regenerative care against other choices include self-care: a fair comparison
# includes doing little.
BUILT_IN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Regenerative injections",
     ("bone-marrow-concentrate", "growth-factors", "platelet-rich-plasma", "prolotherapy")),
    ("Regenerative vs conventional",
     ("platelet-rich-plasma", "bone-marrow-concentrate", "exercise-therapy", "nsaids", "self-care")),
    ("Injection vs exercise vs surgery",
     ("platelet-rich-plasma", "exercise-therapy", "lumbar-fusion", "self-care")),
)


class PresetError(ClinicAppError):
    """A preset that cannot be saved or found; the message names it."""


@dataclass(frozen=True)
class ComparisonPresetItem:
    name: str
    slugs: tuple[str, ...]
    row_keys: tuple[str, ...]  # empty: every row
    built_in: bool
    created_at: dt.datetime | None = None
    missing: tuple[str, ...] = ()  # therapies or rows named by the preset that the library lacks
    version: int = 0  # which save of it this is: replacing it from an older one is a conflict
    updated_in: str = ""  # the room that saved it last

    @property
    def usable(self) -> bool:
        return len(self.slugs) >= MIN_OPTIONS


def _fit(reader: Reader, name: str, slugs: Sequence[str], rows: Sequence[str], built_in: bool,
         created_at: dt.datetime | None = None, version: int = 0, updated_in: str = "") -> ComparisonPresetItem:
    known = set(therapy_slugs(reader))
    valid_rows = {r.key for r in row_catalogue(reader)}
    missing = tuple(s for s in slugs if s not in known) + tuple(k for k in rows if k not in valid_rows)
    return ComparisonPresetItem(name=name, slugs=tuple(s for s in slugs if s in known),
                                row_keys=tuple(k for k in rows if k in valid_rows), built_in=built_in,
                                created_at=created_at, missing=missing, version=version, updated_in=updated_in)


def _saved_rows(reader: Reader) -> list:
    return reader.query("SELECT name, therapy_slugs, row_keys, created_at, version, updated_in FROM comparison_preset "
                        f"ORDER BY {reader.sql.nocase('name')}")


def list_presets(reader: Reader) -> list[ComparisonPresetItem]:
    """Built-in presets first, then the clinic's own by name."""
    items = [_fit(reader, name, slugs, (), built_in=True) for name, slugs in BUILT_IN]
    for row in _saved_rows(reader):
        created = dt.datetime.fromisoformat(row["created_at"]) if row["created_at"] else None
        items.append(_fit(reader, row["name"], json.loads(row["therapy_slugs"]), json.loads(row["row_keys"]),
                          built_in=False, created_at=created, version=row["version"], updated_in=row["updated_in"]))
    return items


def get_preset(reader: Reader, name: str) -> ComparisonPresetItem:
    items = list_presets(reader)
    for item in items:
        if item.name.casefold() == name.strip().casefold():
            return item
    raise PresetError(f"no comparison preset named {name!r}; presets: {', '.join(i.name for i in items)}")


def _check_name(reader: Reader, name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise PresetError("give the preset a name")
    if len(name) > MAX_NAME:
        raise PresetError(f"the preset name is {len(name)} characters long; the limit is {MAX_NAME}")
    if any(name.casefold() == built.casefold() for built, _ in BUILT_IN):
        raise PresetError(f"{name!r} is the name of a built-in preset; choose another name")
    return name


def save_preset(store: Store, name: str, slugs: Sequence[str], row_keys: Sequence[str] = (),
                replace: bool = False, based_on: int | None = None) -> ComparisonPresetItem:
    """Store a preset; with ``replace`` an existing one of that name is overwritten. Nothing is
    written when the name, a therapy or a row is refused, or when ``based_on`` (the version of the
    preset the user replaces, as listed to them) is older than the stored one: another room saved it
    since (a :class:`ConflictError` naming where and when, with both versions)."""
    from clinic_app.settings import room_name
    from clinic_app.storage.models import ComparisonPreset

    name = _check_name(store, name)
    slugs = check_slugs(store, list(slugs))
    rows = check_rows(store, row_keys) if row_keys else []
    with store.write() as session:
        existing = [p for p in session.query(ComparisonPreset).all() if p.name.casefold() == name.casefold()]
        if existing and not replace:
            raise PresetError(f"a preset named {existing[0].name!r} already exists")
        if existing and based_on is not None and existing[0].version != based_on:
            theirs = existing[0]
            when = f"{theirs.updated_at:%H:%M on %d %b}" if theirs.updated_at else "meanwhile"
            raise ConflictError(
                f"the preset {theirs.name!r} was changed in {theirs.updated_in or 'another room'} at {when}, after "
                f"you opened it; nothing was saved. Theirs: {', '.join(theirs.therapy_slugs)}. Yours: "
                f"{', '.join(slugs)}. Choose it again to see theirs, or save yours under another name.",
                mine=list(slugs), theirs=list(theirs.therapy_slugs))
        row = existing[0] if existing else ComparisonPreset(name=name, version=0)
        row.name, row.therapy_slugs, row.row_keys = name, list(slugs), list(rows)
        row.created_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        row.version = (row.version or 0) + 1
        row.updated_in, row.updated_at = room_name(), row.created_at
        session.add(row)
        created, version, room = row.created_at, row.version, row.updated_in
    return ComparisonPresetItem(name=name, slugs=tuple(slugs), row_keys=tuple(rows), built_in=False,
                                created_at=created, version=version, updated_in=room)


def delete_preset(store: Store, name: str) -> None:
    from clinic_app.storage.models import ComparisonPreset

    if any(name.strip().casefold() == built.casefold() for built, _ in BUILT_IN):
        raise PresetError(f"{name!r} is a built-in preset and cannot be deleted")
    with store.write() as session:
        found = [p for p in session.query(ComparisonPreset).all() if p.name.casefold() == name.strip().casefold()]
        if not found:
            raise PresetError(f"no saved preset named {name!r}")
        session.delete(found[0])
