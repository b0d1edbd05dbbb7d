"""What the clinic's text edits share, for therapies (:mod:`clinic_app.services.therapy_edits`) and
conditions (:mod:`clinic_app.services.condition_edits`): fields by dotted path, list fields as one text
a line each, every change signed with who and why, schema problems named by field and value, and
word-level diffs for the history.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from clinic_app.errors import ClinicAppError, ConflictError

SHORT = 60  # characters of a value quoted in a message
KEY = re.compile(r"^[A-Z][0-9]{1,2}$")  # the schema's reference key pattern


@dataclass(frozen=True)
class FieldChange:
    path: str
    before: str
    after: str

    @property
    def diff(self) -> str:
        return word_diff(self.before, self.after)


def word_diff(before: str, after: str) -> str:
    """``after`` against ``before``, word by word: removed words as ``[-old-]``, added as ``{+new+}``."""
    old, new = before.split(), after.split()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            out += old[i1:i2]
            continue
        if op in ("delete", "replace"):
            out.append(f"[-{' '.join(old[i1:i2])}-]")
        if op in ("insert", "replace"):
            out.append(f"{{+{' '.join(new[j1:j2])}+}}")
    return " ".join(out)


def changed_fields(old: Mapping[str, str], new: Mapping[str, str]) -> tuple[FieldChange, ...]:
    """The fields whose text differs between two field maps (a field missing from one is empty there)."""
    return tuple(FieldChange(path, old.get(path, ""), new.get(path, "")) for path in dict.fromkeys([*old, *new])
                 if old.get(path, "") != new.get(path, ""))


def lines(value: str) -> list[str]:
    """A list field typed as one text: a value a line, blank lines and outer spaces dropped."""
    return [line.strip() for line in value.splitlines() if line.strip()]


def same_text(path: str, value: str, list_fields: Collection[str]) -> str:
    """``value`` as a snapshot holds it: trimmed; a list field a value a line."""
    if path in list_fields:
        return "\n".join(lines(value))
    return value.strip()


def dotted(path: str) -> list[str | int]:
    """``"by_condition[0].patient"`` -> ``["by_condition", 0, "patient"]``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"[.\[\]]+", path) if part]


def quoted(value: str, limit: int = SHORT) -> str:
    value = " ".join(str(value).split())
    return repr(value if len(value) <= limit else value[: limit - 1].rstrip() + "\u2026")


def schema_problems(model: type, snapshot: dict) -> tuple[object | None, list[str]]:
    """``snapshot`` validated as ``model`` (a pydantic content-file class), or None and each problem
    as "field path 'value': what is wrong"."""
    from pydantic import ValidationError

    try:
        return model.model_validate(snapshot), []
    except ValidationError as exc:
        out = []
        for error in exc.errors():
            path = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in error["loc"]).replace(".[", "[")
            value = error.get("input")
            shown = f" {quoted(value)}" if isinstance(value, str) else ""
            out.append(f"{path}{shown}: {error['msg']}")
        return None, out


def check_who_and_why(by: str, why: str, what: str = "a change to a therapy's text") -> tuple[str, str]:
    """``by`` and ``why`` trimmed; a :class:`ClinicAppError` naming what is missing when either is empty."""
    by, why = (by or "").strip(), (why or "").strip()
    missing = [name for name, given in (("who is making it (by)", by), ("a short reason (why)", why)) if not given]
    if missing:
        raise ClinicAppError(f"{what} needs {' and '.join(missing)}; nothing was changed")
    return by, why


def when(value) -> dt.datetime:  # noqa: ANN001 - a datetime, or the text sqlite3 returns
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def copied(snapshot: Mapping) -> dict:
    """A deep copy of a JSON snapshot."""
    return json.loads(json.dumps(snapshot, default=str))


def reference_list_problems(keys: list[str], known: Mapping[str, str], owner: str) -> list[str]:
    """What is wrong with a reference list typed a key a line: a key twice, a key that is not one, or
    one the library does not hold (each named)."""
    out = []
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            out.append(f"references: {key} is listed twice")
        elif not KEY.match(key):
            out.append(f"references {quoted(key)}: not a reference key (a letter and a number, such as G2)")
        elif key not in known:
            out.append(f"references: unknown reference key {key!r}: the library holds no such reference; "
                       f"{owner} can list only the library's references")
        seen.add(key)
    return out


def name_clashes(names: Mapping[str, str], taken: Mapping[str, str], owner: str) -> list[str]:
    """The names and aliases in ``names`` (field path -> name) that already name another therapy or
    condition (``taken``: folded name -> "therapy SLUG" or "condition SLUG"; ``owner`` is this one)."""
    return [f"{path} {quoted(name)}: already names {taken[name.casefold()]}" for path, name in names.items()
            if taken.get(name.casefold(), owner) != owner]


def check_based_on(current: Mapping, based_on: int | None, what: str, fields_now: Mapping[str, str],
                   changes: Mapping[str, str]) -> None:
    """Refuse an edit made from revision ``based_on`` when the text has a newer revision since (another
    room, or another window, saved first): a :class:`ConflictError` naming who and when, with the
    edited fields as typed (``mine``) and as stored now (``theirs``); nothing is written."""
    if based_on is None or current["revision"] == based_on:
        return
    saved = when(current["created_at"])
    raise ConflictError(
        f"{what} was changed by {current['author']} at {saved:%H:%M on %d %b} (revision {current['revision']}) "
        f"after you opened it at revision {based_on}; nothing was saved. Compare the two, then save yours over it "
        "or take theirs.",
        mine=dict(changes), theirs={path: fields_now.get(path, "") for path in changes})
