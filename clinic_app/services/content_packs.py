"""Content packs: the clinic's own fields (:mod:`~clinic_app.services.clinic_fields`) moved from one
install to another as one zip file.

    export_pack(store, Path("fields.zip"), by="Dr Lee")        # writes the pack, whole or not at all
    pack = read_pack(Path("fields.zip"), store)                 # every check, before anything is written
    plan_import(store, pack)                                    # what would change: therapy, field, before, after
    import_pack(store, location, pack, by="Dr Lee", why="fields from the main clinic")

A pack holds ``manifest.json`` (pack format, app and library version, when and by whom it was made,
and the SHA-256 and size of each other file), ``fields.json`` (every therapy's clinic fields with
their value and when and by whom each was last set) and, from format 2, ``edits.json``: for each
therapy whose shipped text the clinic edited (origin "clinic"), the shipped version the edit is based
on and only the editable text fields that differ from that shipped text. A pack never holds a whole
therapy, so nothing shipped is ever replaced by one: an import applies each edited field on top of
the importing install's current text of that therapy and holds the whole edited therapy to the
checks of :func:`~clinic_app.services.therapy_edits.check_snapshot`. Also from format 2,
``therapies.json`` holds each therapy the clinic added itself (origin "clinic-added", also when edited
since): its current therapy file and its own references (the stored Z records). The importing install
holds each to the checks of :func:`~clinic_app.services.clinic_therapies.add_therapy`, refuses a slug
it ships or already has (an identical therapy it added before, from this pack or by hand, is
skipped: nothing to import), gives the references its own next free Z keys and writes the therapy
with origin "clinic-added". From format 3, ``conditions.json`` holds, for each condition whose text
the clinic edited (:mod:`~clinic_app.services.condition_edits`), only the fields that differ from the
shipped text the edit is based on; an import puts them on top of the importing install's current text
of that condition and holds the whole condition to the checks of an edit, one revision per condition.
A pack is written in the lowest format that holds what it carries: 1 with fields only (every version
reads it), 2 with edited therapy text or added therapies, 3 with edited condition text; every lower
format is still read. A therapy the clinic removed (``therapy remove``) is not in the library, so it
is not exported; importing a pack that adds a therapy under a slug this install's clinic removed is
refused, naming the slug (restore it, or rename it in the pack).

A pack comes from outside and is read as hostile: it is refused, with every problem named, before
anything is written when it is not a zip or is damaged, names a file outside itself or any file
but those (``edits.json`` and ``therapies.json`` only from format 2), would unpack to more than :data:`MAX_UNCOMPRESSED`
bytes (the sizes it declares are checked, and reading stops at the cap whatever it declares), is
not UTF-8 JSON (or is nested too deeply), does not match its manifest, was made by a newer version,
names a therapy or field this install does not know, holds a value that
:func:`~clinic_app.services.clinic_fields.check_value` refuses, or holds an edited text that is not
text, holds a control character, is longer than :data:`MAX_EDIT_TEXT`, names a field a clinic may
not edit (:func:`~clinic_app.services.therapy_edits.editable_fields`) or leaves the therapy failing
its checks, or holds an added therapy that is not a therapy file with the clinic's references,
holds a control character or a text longer than :data:`MAX_EDIT_TEXT`, fails a check of
:func:`~clinic_app.services.clinic_therapies.add_therapy` or takes a slug this install ships or
has. An import takes a backup first, then writes every change in one transaction, a revision
for each (an edited therapy one revision with origin "clinic", an added one one revision with
origin "clinic-added"), so a crash or a kill leaves the
fields and the text as they were or as the pack has them.
Fields a pack does not hold are left as they are; a field the pack holds empty is cleared.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from clinic_app import __version__
from clinic_app.content.files import Parsed
from clinic_app.errors import ClinicAppError, ContentError
from clinic_app.services import clinic_fields, clinic_therapies, condition_edits, therapy_edits
from clinic_app.services.clinic_fields import FIELDS, Revision, _check_who_and_why, check_value
from clinic_app.services.library import library_meta, therapy_slugs, unknown_therapies
from clinic_app.settings import Location, shown
from clinic_app.storage import leftovers
from clinic_app.storage.reader import Reader
from clinic_app.storage.store import Store
from clinic_app.storage.targets import target_problem

FORMAT = "clinic-app content pack"
FORMAT_VERSION = 3  # 2: edits.json and therapies.json may be there too; 3: conditions.json too
MANIFEST = "manifest.json"
FIELDS_FILE = "fields.json"
EDITS_FILE = "edits.json"
THERAPIES_FILE = "therapies.json"
CONDITIONS_FILE = "conditions.json"
SINCE = {EDITS_FILE: 2, THERAPIES_FILE: 2, CONDITIONS_FILE: 3}  # the first format holding each optional file
OPTIONAL = tuple(SINCE)
MEMBERS = (MANIFEST, FIELDS_FILE, *OPTIONAL)
REQUIRED = (MANIFEST, FIELDS_FILE)
_HOLDS = (f"{MANIFEST} and {FIELDS_FILE} (and, from format 2, {EDITS_FILE}: the clinic's edits of therapy text, "
          f"and {THERAPIES_FILE}: the therapies the clinic added itself; from format 3, {CONDITIONS_FILE}: the "
          "clinic's edits of condition text)")
MAX_THERAPIES = 50  # therapies the clinic added, in one pack
MAX_EDIT_TEXT = 20_000  # characters of one edited text field
MAX_PATH = 120  # characters of a field's dotted path

MAX_PACK_BYTES = 5 * 1024 * 1024  # the zip file itself
MAX_UNCOMPRESSED = 5 * 1024 * 1024  # all its members unpacked, together
MAX_MEMBERS = 8  # entries in the zip's directory looked at one by one; more is refused at once
MAX_DEPTH = 8  # nesting of JSON objects and lists (a pack needs 4)
MAX_PROBLEMS = 100  # problems named in one message; the error's ``problems`` holds them all
MAX_NAME = 200  # characters of "exported by" and "updated by" (the database holds 200)
CHUNK = 64 * 1024

PARTIAL_SUFFIX = ".partial"
_PARTIAL_NAME = re.compile(rf"^\..+-{leftovers.RANDOM_PART}{re.escape(PARTIAL_SUFFIX)}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_DRIVE = re.compile(r"^[A-Za-z]:")
_VERSION = re.compile(r"(\d+)((?:\.\d+)*)(?:[.+-]?[A-Za-z0-9.+-]*)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MANIFEST_KEYS = {"format", "format_version", "app_version", "library_version", "created_at", "exported_by",
                  "members"}
_ENTRY_KEYS = {"value", "updated_at", "updated_by"}
_EDIT_KEYS = {"based_on_version", "fields"}
_THERAPY_PARTS = set(clinic_therapies.PARTS)  # {"therapy", "references"}, as in a clinic's therapy file
_REFERENCE_FIELDS = tuple(clinic_therapies.ClinicReference.model_fields)
_FIELD_PATH = re.compile(r"^[a-z_]+(?:\.[A-Za-z0-9_-]+|\[\d{1,3}\])*$")
_NOT_THERAPY_TEXT = "a pack carries only the clinic's own fields, never a therapy's shipped text"


class PackError(ClinicAppError):
    """A content pack that cannot be written or read; ``problems`` lists every one found."""

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        self.problems = list(problems)
        super().__init__(message, "\n".join(self.problems))


@dataclass(frozen=True)
class PackField:
    value: str  # as check_value returns it: trimmed; empty clears the field
    updated_at: dt.datetime
    updated_by: str


@dataclass(frozen=True)
class Manifest:
    format_version: int
    app_version: str
    library_version: str
    created_at: str
    exported_by: str
    members: dict[str, dict]


@dataclass(frozen=True)
class PackEdit:
    based_on_version: int  # the shipped version the exporting clinic's edit was based on
    fields: dict[str, str]  # dotted field path -> the clinic's text


@dataclass(frozen=True)
class Pack:
    path: Path
    manifest: Manifest
    fields: dict[str, dict[str, PackField]]  # therapy slug -> field key -> field
    edits: dict[str, PackEdit] = field(default_factory=dict)  # therapy slug -> the clinic's edit of its text
    therapies: dict[str, dict] = field(default_factory=dict)  # slug -> {"therapy": ..., "references": [...]}
    conditions: dict[str, dict[str, str]] = field(default_factory=dict)  # condition slug -> edited field -> text

    @property
    def field_count(self) -> int:
        return sum(1 for values in self.fields.values() for item in values.values() if item.value)


@dataclass(frozen=True)
class PackSummary:
    path: Path
    therapies: int
    fields: int
    size: int
    sha256: str
    edited: int = 0  # therapies whose edited text the pack holds
    added: int = 0  # therapies the clinic added itself, whole, with their references
    conditions: int = 0  # conditions whose edited text the pack holds


@dataclass(frozen=True)
class PlannedChange:
    therapy: str
    key: str  # a clinic field's key; for therapy text, the field's dotted path
    before: str
    after: str
    kind: str = "field"  # "field": a clinic field; "text": the clinic's edit of therapy text; "therapy": a new
    # one; "condition": the clinic's edit of a condition's text (``therapy`` is then the condition's slug)
    references: int = 0  # of a new therapy ("therapy"; ``key`` is its name): the clinic's references it brings

    @property
    def label(self) -> str:
        return FIELDS[self.key].label if self.kind == "field" else self.key


@dataclass(frozen=True)
class ImportSummary:
    path: Path
    revisions: list[Revision] = field(default_factory=list)
    backup: Path | None = None
    edits: list[therapy_edits.EditResult] = field(default_factory=list)  # each therapy whose text changed
    added: list[clinic_therapies.AddResult] = field(default_factory=list)  # each therapy the pack added
    conditions: list[condition_edits.EditResult] = field(default_factory=list)  # each condition whose text changed

    @property
    def texts(self) -> int:
        return sum(len(edit.changed) for edit in (*self.edits, *self.conditions))

    @property
    def changed(self) -> int:
        return len(self.revisions) + self.texts + len(self.added)

    @property
    def therapies(self) -> int:
        return len({revision.therapy for revision in self.revisions} | {edit.slug for edit in self.edits}
                   | {added.slug for added in self.added})


# --- export -------------------------------------------------------------------------------------


def export_pack(reader: Reader, path: Path, by: str) -> PackSummary:
    """Write every therapy's clinic fields to the pack ``path``: through a temporary file in the
    same folder, then renamed, so ``path`` is the whole pack or is left as it was. A folder that
    does not exist is an error, never made."""
    path = Path(path)
    by = (by or "").strip()
    if not by:
        raise PackError(f"cannot write {shown(path)}: say who is exporting the clinic's fields (by); nothing was written")
    if len(by) > MAX_NAME:
        raise PackError(f"cannot write {shown(path)}: the name of who is exporting is {len(by)} characters long; the "
                        f"most is {MAX_NAME}; nothing was written")
    problem = target_problem(path)
    if problem:
        said = "" if "nothing was written" in problem or "left as it was" in problem else "; nothing was written"
        raise PackError(f"cannot write {shown(path)}: {problem}{said}")
    fields = {slug: {item.key: {"value": item.value, "updated_at": item.updated_at.isoformat(),
                                "updated_by": item.updated_by}
                     for item in clinic_fields.field_values(reader, slug)}
              for slug in therapy_slugs(reader)}
    body = json.dumps({"fields": fields}, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"
    bodies = {FIELDS_FILE: body}
    added = {therapy.slug: _added_document(reader, therapy.slug) for therapy in
             clinic_therapies.list_clinic_therapies(reader)}
    edits = {slug: edit for slug, edit in therapy_edits.clinic_edits(reader).items() if slug not in added}
    if edits:
        bodies[EDITS_FILE] = json.dumps({slug: {"based_on_version": version, "fields": changed}
                                         for slug, (version, changed) in edits.items()},
                                        ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"
    if added:
        bodies[THERAPIES_FILE] = json.dumps(dict(sorted(added.items())), ensure_ascii=False,
                                            indent=2).encode("utf-8") + b"\n"
    conditions = condition_edits.clinic_edits(reader)
    if conditions:
        bodies[CONDITIONS_FILE] = json.dumps({slug: {"fields": changed} for slug, changed in conditions.items()},
                                             ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"
    library = library_meta(reader)
    manifest = {
        "format": FORMAT,
        "format_version": max([1, *(SINCE[name] for name in bodies if name in SINCE)]),  # the lowest that holds it
        "app_version": __version__,
        "library_version": str(library.get("version") or reader.meta().get("library_version") or ""),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "exported_by": by,
        "members": {name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                    for name, data in bodies.items()},
    }
    head = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    _write_atomically(path, {MANIFEST: head, **bodies})
    data = path.read_bytes()
    return PackSummary(path=path, therapies=sum(1 for values in fields.values() if values),
                       fields=sum(len(values) for values in fields.values()), size=len(data),
                       sha256=hashlib.sha256(data).hexdigest(), edited=len(edits), added=len(added),
                       conditions=len(conditions))


def _added_document(reader: Reader, slug: str) -> dict:
    """A therapy the clinic added, as a clinic's therapy file holds it: its current text (the latest
    revision's therapy file) and its own references (the stored Z records, every field)."""
    snapshot = therapy_edits.current_snapshot(reader, slug)
    cited = [entry.get("key") for entry in snapshot.get("references") or ()]
    rows = {row["key"]: row for row in reader.query(
        f"SELECT {', '.join(_REFERENCE_FIELDS)} FROM reference WHERE verification = ?",
        (clinic_therapies.CLINIC_VERIFICATION,))}
    references = [{name: row[name] for name in _REFERENCE_FIELDS if row[name] is not None}
                  for row in (rows[key] for key in cited if key in rows)]
    return {"therapy": snapshot, "references": references}


def _write_atomically(path: Path, members: Mapping[str, bytes]) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    leftovers.remove_stale(folder, _PARTIAL_NAME)
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}-", suffix=PARTIAL_SUFFIX, dir=folder)
    except OSError as exc:
        raise PackError(f"cannot write {shown(path)}: {exc.strerror or exc}; nothing was written") from exc
    try:
        with os.fdopen(handle, "wb") as out:
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as pack:
                for name, data in members.items():
                    pack.writestr(name, data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, path)
    except OSError as exc:
        raise PackError(f"cannot write {shown(path)}: {exc.strerror or exc}; nothing was written") from exc
    finally:
        Path(tmp_name).unlink(missing_ok=True)


# --- reading and checking -----------------------------------------------------------------------


def read_pack(path: Path, reader: Reader | None = None) -> Pack:
    """The pack at ``path``, checked whole; else a :class:`PackError` naming every problem found.
    With ``reader``, the therapies it names are checked against that install's library too."""
    path = Path(path)
    problems: list[str] = []
    raw = _read_members(path, problems)
    manifest = fields = None
    edits: dict[str, PackEdit] | None = {}
    therapies: dict[str, dict] | None = {}
    conditions: dict[str, dict[str, str]] | None = {}
    if raw is not None:
        manifest = _check_manifest(raw, problems)
        if manifest is not None and manifest.format_version <= FORMAT_VERSION and _newer(manifest.app_version) is False:
            fields = _check_fields(raw.get(FIELDS_FILE), problems)
            if EDITS_FILE in raw and manifest.format_version >= 2:
                edits = _check_edits(raw[EDITS_FILE], problems)
            if THERAPIES_FILE in raw and manifest.format_version >= 2:
                therapies = _check_therapies(raw[THERAPIES_FILE], problems)
            if CONDITIONS_FILE in raw and manifest.format_version >= SINCE[CONDITIONS_FILE]:
                conditions = _check_conditions(raw[CONDITIONS_FILE], problems)
    if therapies and reader is not None:
        problems += _plan_therapies(reader, therapies)[1]
    if fields is not None and reader is not None:
        unknown = _unknown(reader, fields, therapies or {})
        if unknown:
            problems.append(f"{FIELDS_FILE}: {_unknown_message(reader, unknown)}")
    if edits and reader is not None:
        problems += _plan_edits(reader, edits)[1]
    if conditions and reader is not None:
        problems += _plan_conditions(reader, conditions)[1]
    if problems or manifest is None or fields is None or edits is None or therapies is None or conditions is None:
        raise refused(path, problems or ["it could not be read"])
    return Pack(path=path, manifest=manifest, fields=fields, edits=edits, therapies=therapies, conditions=conditions)


def refused(path: Path, problems: list[str]) -> PackError:
    """The error for a pack that cannot be imported: one line naming the file and every problem (the
    first :data:`MAX_PROBLEMS`; the error's ``problems`` holds them all)."""
    named = problems[:MAX_PROBLEMS]
    more = f"; and {len(problems) - MAX_PROBLEMS} more" if len(problems) > MAX_PROBLEMS else ""
    count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
    return PackError(f"the content pack {shown(path)} was refused ({count}); the database was left unchanged: "
                     f"{'; '.join(named)}{more}", problems)


def _unknown(reader: Reader, fields: Mapping[str, object], added: Iterable[str] = ()) -> list[str]:
    known = set(therapy_slugs(reader)) | set(added)  # and the therapies the pack adds
    return sorted(slug for slug in fields if slug not in known)


def _unknown_message(reader: Reader, unknown: list[str]) -> str:
    return unknown_therapies(reader, [shown(slug, 80) for slug in unknown]).message


def _read_members(path: Path, problems: list[str]) -> dict[str, bytes] | None:
    """The pack's two members, read with every limit; None (with the problems said) when they cannot be."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        problems.append("there is no such file")
        return None
    except (OSError, ValueError) as exc:
        problems.append(f"it cannot be read ({getattr(exc, 'strerror', None) or exc})")
        return None
    if not stat.S_ISREG(info.st_mode):
        problems.append("it is not a file (a folder, a device or a pipe?)")
        return None
    if info.st_size > MAX_PACK_BYTES:
        problems.append(f"it is {info.st_size:,} bytes; a content pack is at most {MAX_PACK_BYTES:,} bytes")
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(f"it cannot be read ({exc.strerror or exc})")
        return None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        problems.append(f"it is not a zip file, or the zip is damaged ({exc})")
        return None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_MEMBERS:
            problems.append(f"it holds {len(entries):,} files; a content pack holds only {_HOLDS}")
            return None
        usable: list[zipfile.ZipInfo] = []
        seen: set[str] = set()
        for entry in entries:
            name = entry.filename
            problem = _name_problem(name, entry)
            if problem:
                problems.append(f"'{shown(name, 80)}': {problem}")
            elif name in seen:
                problems.append(f"{name}: it is in the zip twice")
            else:
                seen.add(name)
                usable.append(entry)
        for name in REQUIRED:
            if name not in seen and not any(e.filename == name for e in entries):
                problems.append(f"{name}: it is missing")
        declared = sum(entry.file_size for entry in entries)
        if declared > MAX_UNCOMPRESSED:
            problems.append(f"its files would unpack to {declared:,} bytes; a content pack unpacks to at most "
                            f"{MAX_UNCOMPRESSED:,} bytes (a zip bomb?)")
            return None
        if problems:
            return None
        members: dict[str, bytes] = {}
        budget = MAX_UNCOMPRESSED
        for entry in usable:
            body = _read_member(archive, entry, budget, problems)
            if body is None:
                return None
            budget -= len(body)
            members[entry.filename] = body
    return members


def _name_problem(name: str, entry: zipfile.ZipInfo) -> str | None:
    if "\\" in name or name.startswith("/") or _DRIVE.match(name) or ".." in name.split("/") or "\0" in name:
        return "a name that points outside the pack (a path such as '..', '/', '\\' or a drive letter); refused"
    if name not in MEMBERS:
        if name.split("/")[0].lower().startswith(("therap", "reference", "library", "attribute", "content")):
            return f"{_NOT_THERAPY_TEXT}, so this file is refused; a pack holds only {_HOLDS}"
        return f"a file a content pack does not hold; a pack holds only {_HOLDS}"
    kind = stat.S_IFMT(entry.external_attr >> 16)
    if entry.is_dir() or kind not in (0, stat.S_IFREG):
        return "it is not a plain file (a folder or a link?)"
    if entry.flag_bits & 0x1:
        return "it is encrypted; a content pack is not"
    if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return "it is compressed in a way a content pack never is"
    return None


def _read_member(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, budget: int, problems: list[str]) -> bytes | None:
    """``entry``'s bytes, read a piece at a time and stopped as soon as they pass ``budget`` or the
    size the zip declares for it (a declared size can lie)."""
    limit = min(budget, entry.file_size)
    parts: list[bytes] = []
    total = 0
    try:
        with archive.open(entry) as member:
            while True:
                part = member.read(CHUNK)
                if not part:
                    break
                total += len(part)
                if total > limit:
                    problems.append(f"{entry.filename}: it unpacks to more than {limit:,} bytes, more than the zip "
                                    "declares or a pack may hold (a zip bomb?); reading stopped there")
                    return None
                parts.append(part)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError) as exc:
        problems.append(f"{entry.filename}: it is damaged ({exc})")
        return None
    return b"".join(parts)


def _loads(name: str, data: bytes, problems: list[str]) -> object | None:
    """``data`` as JSON: UTF-8, nested at most :data:`MAX_DEPTH` deep, no key twice, no NaN."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(f"{name}: it is not UTF-8 text (byte {exc.start}); a content pack is JSON only")
        return None
    depth = _depth(text)
    if depth > MAX_DEPTH:
        problems.append(f"{name}: its lists and objects nest more than {MAX_DEPTH} levels deep; a content pack "
                        "needs 4")
        return None

    def pairs(items: list[tuple[str, object]]) -> dict:
        found = dict(items)
        if len(found) != len(items):
            seen: set[str] = set()
            twice = next(key for key, _ in items if key in seen or seen.add(key))
            raise ValueError(f"the key '{shown(twice, 60)}' is given twice")
        return found

    def constant(word: str) -> object:
        raise ValueError(f"{word} is not a value a content pack holds")

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except (ValueError, RecursionError) as exc:
        problems.append(f"{name}: it is not valid JSON ({shown(str(exc), 120)}); a content pack is JSON only")
        return None


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def _depth(text: str) -> int:
    """How deeply ``text``'s JSON lists and objects nest, counted without parsing it."""
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    depth = deepest = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        else:
            depth -= 1
    return deepest


def _names(keys: Iterable[str]) -> str:
    return ", ".join(f"'{shown(key, 40)}'" for key in keys)


def _version(text: str) -> tuple[int, ...] | None:
    found = _VERSION.fullmatch(text) if isinstance(text, str) and len(text) <= 40 else None
    if not found:
        return None
    return tuple(int(part) for part in (found.group(1) + found.group(2)).split("."))


def _newer(app_version: str) -> bool | None:
    """Whether a pack made by ``app_version`` comes from a newer app than this one; None when unknown."""
    theirs, ours = _version(app_version), _version(__version__)
    if theirs is None or ours is None:
        return None
    width = max(len(theirs), len(ours))
    return theirs + (0,) * (width - len(theirs)) > ours + (0,) * (width - len(ours))


def _check_manifest(raw: dict[str, bytes], problems: list[str]) -> Manifest | None:
    data = _loads(MANIFEST, raw[MANIFEST], problems)
    if data is None:
        return None
    if not isinstance(data, dict):
        problems.append(f"{MANIFEST}: it is not a JSON object")
        return None
    extra = sorted(set(data) - _MANIFEST_KEYS)
    if extra:
        problems.append(f"{MANIFEST}: unknown entries {_names(extra)}")
    missing = sorted(_MANIFEST_KEYS - set(data))
    if missing:
        problems.append(f"{MANIFEST}: missing {', '.join(missing)}")
    if data.get("format", FORMAT) != FORMAT:
        problems.append(f"{MANIFEST}: format is '{shown(data.get('format'), 60)}', not {FORMAT!r}")
    version = data.get("format_version", FORMAT_VERSION)
    if type(version) is not int or version < 1:
        problems.append(f"{MANIFEST}: format_version is '{shown(version, 40)}'; it must be a whole number from 1")
        version = None
    elif version > FORMAT_VERSION:
        problems.append(f"{MANIFEST}: the pack is in format {version}, made by a newer version of Clinic Reference; "
                        f"this version ({__version__}) reads format {FORMAT_VERSION}: update this install first")
    app = data.get("app_version", __version__)
    newer = _newer(app) if isinstance(app, str) else None
    if newer is None:
        problems.append(f"{MANIFEST}: app_version '{shown(app, 40)}' is not a version number such as {__version__!r}")
    elif newer:
        problems.append(f"{MANIFEST}: the pack was made by Clinic Reference {shown(app, 40)}, newer than this version "
                        f"({__version__}): update this install first")
    for key in ("library_version", "created_at", "exported_by"):
        if key in data and not isinstance(data[key], str):
            problems.append(f"{MANIFEST}: {key} must be text, not '{shown(data[key], 40)}'")
        elif key in data and _CONTROL.search(data[key]):
            problems.append(f"{MANIFEST}: {key} '{shown(data[key], 60)}' holds a control character")
    if isinstance(data.get("exported_by"), str) and len(data["exported_by"]) > MAX_NAME:
        problems.append(f"{MANIFEST}: exported_by is {len(data['exported_by'])} characters long; the most is {MAX_NAME}")
    members = data.get("members")
    allowed = {FIELDS_FILE, *(name for name in OPTIONAL if (version or 1) >= SINCE[name])}
    for name in OPTIONAL:
        if version is not None and version < SINCE[name] and name in raw:
            problems.append(f"{name}: a pack of format {version} does not hold it; " + (
                f"a pack of format 1 holds only {MANIFEST} and {FIELDS_FILE}" if version == 1
                else f"it is in packs from format {SINCE[name]}"))
    if not isinstance(members, dict):
        problems.append(f"{MANIFEST}: members must list {FIELDS_FILE} with its sha256 and size")
    else:
        for name in sorted(set(members) - allowed):
            holds = f"{MANIFEST} and {FIELDS_FILE}" if version == 1 else _HOLDS
            problems.append(f"{MANIFEST}: it lists '{shown(name, 60)}'; a content pack holds only {holds}"
                            + (f" ({_NOT_THERAPY_TEXT})" if "therap" in name.lower() else ""))
        _check_member(members.get(FIELDS_FILE), raw.get(FIELDS_FILE, b""), problems)
        for name in OPTIONAL:
            if name not in allowed:
                continue
            if name in members and name not in raw:
                problems.append(f"{name}: {MANIFEST} lists it, but it is missing")
            elif name in raw and name not in members:
                problems.append(f"{name}: it is in the pack, but {MANIFEST} does not list it with its sha256 and size")
            elif name in raw:
                _check_member(members.get(name), raw[name], problems, name)
    if version is None:
        return None
    return Manifest(format_version=version, app_version=str(data.get("app_version", "")),
                    library_version=str(data.get("library_version", "")), created_at=str(data.get("created_at", "")),
                    exported_by=str(data.get("exported_by", "")), members=members if isinstance(members, dict) else {})


def _check_member(entry: object, body: bytes, problems: list[str], name: str = FIELDS_FILE) -> None:
    if not isinstance(entry, dict) or set(entry) != {"sha256", "size"}:
        problems.append(f"{MANIFEST}: the entry for {name} must give exactly its sha256 and size")
        return
    size, digest = entry["size"], entry["sha256"]
    if type(size) is not int or size != len(body):
        problems.append(f"{name}: it is {len(body):,} bytes, but {MANIFEST} says {shown(size, 40)}; the pack "
                        "was changed or damaged after it was made")
    actual = hashlib.sha256(body).hexdigest()
    if not isinstance(digest, str) or digest.lower() != actual:
        problems.append(f"{name}: its SHA-256 is {actual}, but {MANIFEST} says {shown(digest, 70)}; the pack "
                        "was changed or damaged after it was made")


def _check_fields(body: bytes | None, problems: list[str]) -> dict[str, dict[str, PackField]] | None:
    if body is None:
        return None
    data = _loads(FIELDS_FILE, body, problems)
    if data is None:
        return None
    if not isinstance(data, dict):
        problems.append(f"{FIELDS_FILE}: it is not a JSON object with 'fields'")
        return None
    before = len(problems)
    for key in sorted(set(data) - {"fields"}):
        problems.append(f"{FIELDS_FILE}: '{shown(key, 60)}' is not part of a content pack; {_NOT_THERAPY_TEXT}")
    therapies = data.get("fields")
    if not isinstance(therapies, dict):
        problems.append(f"{FIELDS_FILE}: 'fields' must map each therapy to its clinic fields")
        return None
    found: dict[str, dict[str, PackField]] = {}
    for slug, values in therapies.items():
        name = shown(slug, 80)
        if not _SLUG.match(slug):
            problems.append(f"{FIELDS_FILE}: {name!r} is not a therapy's name (lower-case letters, digits and '-')")
            continue
        if not isinstance(values, dict):
            problems.append(f"{FIELDS_FILE}: {slug}: its fields must be an object of {', '.join(FIELDS)}")
            continue
        found[slug] = {}
        for key, item in values.items():
            where = f"{FIELDS_FILE}: {slug}: {shown(key, 40)}"
            if key not in FIELDS:
                problems.append(f"{where}: unknown clinic field; clinic fields are {', '.join(FIELDS)}, and "
                                f"{_NOT_THERAPY_TEXT}")
                continue
            checked = _check_entry(slug, key, item, where, problems)
            if checked is not None:
                found[slug][key] = checked
    return None if len(problems) > before else found


def _check_entry(slug: str, key: str, item: object, where: str, problems: list[str]) -> PackField | None:
    if not isinstance(item, dict):
        problems.append(f"{where}: must be an object with value, updated_at and updated_by")
        return None
    bad = False
    extra = sorted(set(item) - _ENTRY_KEYS)
    if extra:
        problems.append(f"{where}: unknown entries {_names(extra)}; {_NOT_THERAPY_TEXT}")
        bad = True
    missing = sorted(_ENTRY_KEYS - set(item))
    if missing:
        problems.append(f"{where}: missing {', '.join(missing)}")
        return None
    value, when, who = item["value"], item["updated_at"], item["updated_by"]
    if not isinstance(value, str):
        problems.append(f"{where}: value must be text, not '{shown(value, 40)}'")
        return None
    if _CONTROL.search(value):
        problems.append(f"{where}: the value '{shown(value, 60)}' holds a control character (such as NUL or ESC)")
        return None
    try:
        value = check_value(slug, key, value)
    except ClinicAppError as exc:
        problems.append(f"{where}: {exc.message}")
        bad = True
    stamp = _when(when)
    if stamp is None:
        problems.append(f"{where}: updated_at '{shown(when, 40)}' is not a date and time such as 2026-01-31T09:30:00")
        bad = True
    if not isinstance(who, str) or len(who) > MAX_NAME:
        problems.append(f"{where}: updated_by must be a name of at most {MAX_NAME} characters")
        bad = True
    return None if bad else PackField(value=value, updated_at=stamp, updated_by=who)


def _when(text: object) -> dt.datetime | None:
    if not isinstance(text, str) or len(text) > 40:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _check_edits(body: bytes, problems: list[str]) -> dict[str, PackEdit] | None:
    """``edits.json`` read on its own: {slug: {"based_on_version": int, "fields": {dotted path: text}}}."""
    data = _loads(EDITS_FILE, body, problems)
    if data is None:
        return None
    if not isinstance(data, dict):
        problems.append(f"{EDITS_FILE}: it is not a JSON object mapping each edited therapy to its edited text")
        return None
    before = len(problems)
    found: dict[str, PackEdit] = {}
    for slug, item in data.items():
        if not _SLUG.match(slug):
            problems.append(f"{EDITS_FILE}: {shown(slug, 80)!r} is not a therapy's name (lower-case letters, digits "
                            "and '-')")
            continue
        if not isinstance(item, dict):
            problems.append(f"{EDITS_FILE}: {slug}: must be an object with based_on_version and fields")
            continue
        extra, missing = sorted(set(item) - _EDIT_KEYS), sorted(_EDIT_KEYS - set(item))
        if extra:
            problems.append(f"{EDITS_FILE}: {slug}: unknown entries {_names(extra)}; {_NOT_THERAPY_TEXT}")
        if missing:
            problems.append(f"{EDITS_FILE}: {slug}: missing {', '.join(missing)}")
            continue
        version, texts = item["based_on_version"], item["fields"]
        if type(version) is not int or version < 0:
            problems.append(f"{EDITS_FILE}: {slug}: based_on_version '{shown(version, 40)}' must be a whole number")
        if not isinstance(texts, dict) or not texts:
            problems.append(f"{EDITS_FILE}: {slug}: fields must map each edited field's dotted path to its text")
            continue
        checked = {path: therapy_edits.stored_text(path, text)
                   for path, text in _checked_texts(f"{EDITS_FILE}: {slug}", texts, "patient.recovery", problems).items()}
        found[slug] = PackEdit(based_on_version=version if type(version) is int else 0, fields=checked)
    return None if len(problems) > before else found


def _checked_texts(owner: str, texts: dict, example: str, problems: list[str]) -> dict[str, str]:
    """The edited texts of one entry in a pack ({dotted path: text}) that are well formed; each one that
    is not (a path that is no field's, a value that is not text, a control character, too long) is
    named in ``problems`` under ``owner`` (the file and the entry)."""
    checked: dict[str, str] = {}
    for path, text in texts.items():
        where = f"{owner}: {shown(path, 60)}"
        if len(path) > MAX_PATH or not _FIELD_PATH.match(path):
            problems.append(f"{where}: not a field's dotted path such as {example}")
        elif not isinstance(text, str):
            problems.append(f"{where}: must be text, not '{shown(text, 40)}'")
        elif _CONTROL.search(text):
            problems.append(f"{where}: the text '{shown(text, 60)}' holds a control character (such as NUL or ESC)")
        elif len(text) > MAX_EDIT_TEXT:
            problems.append(f"{where}: the text is {len(text):,} characters long; the most is {MAX_EDIT_TEXT:,}")
        else:
            checked[path] = text
    return checked


def _check_conditions(body: bytes, problems: list[str]) -> dict[str, dict[str, str]] | None:
    """``conditions.json`` read on its own: {condition slug: {"fields": {dotted path: text}}}."""
    data = _loads(CONDITIONS_FILE, body, problems)
    if data is None:
        return None
    if not isinstance(data, dict):
        problems.append(f"{CONDITIONS_FILE}: it is not a JSON object mapping each edited condition to its edited text")
        return None
    before = len(problems)
    found: dict[str, dict[str, str]] = {}
    for slug, item in data.items():
        if not _SLUG.match(slug):
            problems.append(f"{CONDITIONS_FILE}: {shown(slug, 80)!r} is not a condition's name (lower-case letters, "
                            "digits and '-')")
            continue
        if not isinstance(item, dict) or set(item) != {"fields"} or not isinstance(item["fields"], dict) \
                or not item["fields"]:
            problems.append(f"{CONDITIONS_FILE}: {slug}: must be an object holding only 'fields', which maps each "
                            "edited field's dotted path to its text")
            continue
        found[slug] = _checked_texts(f"{CONDITIONS_FILE}: {slug}", item["fields"], "patient.first_steps", problems)
    return None if len(problems) > before else found


def _plan_conditions(reader: Reader, conditions: Mapping[str, Mapping[str, str]]
                     ) -> tuple[list[tuple[str, dict, str, list[PlannedChange]]], list[str]]:
    """For each condition whose text the pack edits: its edited snapshot, base hash and the fields that
    would change; and every problem, by name."""
    known = set(condition_edits.condition_slugs(reader))
    problems = [f"{CONDITIONS_FILE}: unknown condition {shown(slug, 80)!r}; known conditions: {', '.join(sorted(known))}"
                for slug in sorted(conditions) if slug not in known]
    planned = []
    for slug in sorted(set(conditions) & known):
        snapshot, changes, base_hash, found = condition_edits.plan_fields(reader, slug, conditions[slug])
        problems += [f"{CONDITIONS_FILE}: {slug}: {problem}" for problem in found]
        if changes and not found:
            planned.append((slug, snapshot, base_hash, [PlannedChange(therapy=slug, key=change.path,
                                                                      before=change.before, after=change.after,
                                                                      kind="condition") for change in changes]))
    return planned, problems


def _check_therapies(body: bytes, problems: list[str]) -> dict[str, dict] | None:
    """``therapies.json`` read on its own: {slug: {"therapy": a therapy file, "references": [the
    clinic's references]}}, every text without control characters and at most :data:`MAX_EDIT_TEXT`
    long. The checks of ``therapy add`` come later, against the importing install."""
    data = _loads(THERAPIES_FILE, body, problems)
    if data is None:
        return None
    if not isinstance(data, dict):
        problems.append(f"{THERAPIES_FILE}: it is not a JSON object mapping each therapy the clinic added to its "
                        "therapy file and references")
        return None
    before = len(problems)
    if len(data) > MAX_THERAPIES:
        problems.append(f"{THERAPIES_FILE}: it holds {len(data):,} therapies; a pack holds at most {MAX_THERAPIES}")
        return None
    found: dict[str, dict] = {}
    for slug, item in data.items():
        if not _SLUG.match(slug):
            problems.append(f"{THERAPIES_FILE}: {shown(slug, 80)!r} is not a therapy's name (lower-case letters, "
                            "digits and '-')")
            continue
        where = f"{THERAPIES_FILE}: {slug}"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be an object with therapy and references")
            continue
        extra, missing = sorted(set(item) - _THERAPY_PARTS), sorted(_THERAPY_PARTS - set(item))
        if extra:
            problems.append(f"{where}: unknown entries {_names(extra)}; an added therapy holds only therapy and "
                            "references")
        if missing:
            problems.append(f"{where}: missing {', '.join(missing)}")
            continue
        therapy, references = item["therapy"], item["references"]
        if not isinstance(therapy, dict):
            problems.append(f"{where}: therapy must be a therapy file (an object)")
        elif therapy.get("slug") != slug:
            problems.append(f"{where}: therapy.slug is '{shown(therapy.get('slug'), 80)}', not {slug!r}")
        if not isinstance(references, list) or not all(isinstance(ref, dict) for ref in references):
            problems.append(f"{where}: references must be a list of the clinic's references (objects)")
        count = len(problems)
        _check_texts(where, item, "", problems)
        if len(problems) == count and not extra:
            found[slug] = item
    return None if len(problems) > before else found


def _check_texts(where: str, value: object, path: str, problems: list[str]) -> None:
    """Every text in ``value`` (and every key) free of control characters and not over-long."""
    if isinstance(value, dict):
        for key, item in value.items():
            if _CONTROL.search(key) or len(key) > MAX_PATH:
                problems.append(f"{where}: {path or '(top)'}: the name '{shown(key, 60)}' is not a field's name")
                continue
            _check_texts(where, item, f"{path}.{key}" if path else key, problems)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_texts(where, item, f"{path}[{index}]", problems)
    elif isinstance(value, str):
        if _CONTROL.search(value):
            problems.append(f"{where}: {path}: the text '{shown(value, 60)}' holds a control character (such as NUL "
                            "or ESC)")
        elif len(value) > MAX_EDIT_TEXT:
            problems.append(f"{where}: {path}: the text is {len(value):,} characters long; the most is "
                            f"{MAX_EDIT_TEXT:,}")


# --- planning and importing ---------------------------------------------------------------------


def _clinic_references_here(reader: Reader, slug: str) -> list[dict]:
    """The clinic's references ``slug`` cites on this install, in its order, every field but the key."""
    fields = [name for name in _REFERENCE_FIELDS if name != "key"]
    rows = reader.query(
        f"SELECT f.key, {', '.join('f.' + name for name in fields)} FROM therapy t "
        "JOIN therapy_reference tr ON tr.therapy_id = t.id JOIN reference f ON f.id = tr.reference_id "
        "WHERE t.slug = ? AND f.verification = ? ORDER BY tr.position", (slug, clinic_therapies.CLINIC_VERIFICATION))
    return [{"key": row["key"], **{name: row[name] for name in fields}} for row in rows]


def _same_as_here(reader: Reader, slug: str, document: dict) -> bool:
    """Whether the therapy the pack adds is already here, added by this install's clinic, exactly so:
    the same text (its references' keys aside) and the same references, every field."""
    from pydantic import ValidationError

    from clinic_app.content.schema import TherapyFile

    here_refs = _clinic_references_here(reader, slug)
    try:
        theirs = [clinic_therapies.ClinicReference.model_validate(ref) for ref in document["references"]]
        order = [entry["key"] for entry in document["therapy"].get("references") or ()]
        theirs.sort(key=lambda ref: order.index(ref.key) if ref.key in order else len(order))
        if len(theirs) != len(here_refs):
            return False
        for ref, here in zip(theirs, here_refs, strict=True):
            values = ref.model_dump(exclude={"key"})
            values["design"] = values["design"] or clinic_therapies.CLINIC_DESIGN
            if values != {name: value for name, value in here.items() if name != "key"}:
                return False
        keys = {ref.key: here["key"] for ref, here in zip(theirs, here_refs, strict=True)}
        pack = TherapyFile.model_validate(clinic_therapies._renumbered(document["therapy"], keys))
        current = TherapyFile.model_validate(therapy_edits.current_snapshot(reader, slug))
    except (ValidationError, ClinicAppError, KeyError, TypeError, ValueError, AttributeError):
        return False
    return pack.model_dump(mode="json") == current.model_dump(mode="json")


def _plan_therapies(reader: Reader, therapies: Mapping[str, dict]) -> tuple[list[PlannedChange], list[str]]:
    """Each therapy the pack adds that this install does not have yet, checked as ``therapy add``
    checks a clinic's file; and every problem, by name. One this install's clinic added before, the
    same in every field, is left out (nothing to import)."""
    problems: list[str] = []
    planned: list[PlannedChange] = []
    library = clinic_therapies.library_of(reader)
    today = dt.date.today()
    names: dict[str, str] = {}
    needed = 0
    for slug in sorted(therapies):
        where = f"{THERAPIES_FILE}: {slug}"
        document = therapies[slug]
        if slug in library["shipped_slugs"]:
            problems.append(f"{where}: {slug} is a shipped therapy on this install; a pack never replaces a shipped "
                            "therapy")
            continue
        if slug in library["slugs"]:
            if not _same_as_here(reader, slug, document):
                problems.append(f"{where}: {slug} is already in this install: remove it first or rename it in the "
                                "pack")
            continue
        try:
            clinic_therapies.check_document(where, Parsed(data=document), library, today)
        except ContentError as exc:
            problems += [str(problem) for problem in exc.problems or [f"{where}: {exc.message}"]]
            continue
        therapy = document["therapy"]
        for alias in (therapy["name"], *(therapy.get("aliases") or ())):
            other = names.setdefault(alias.casefold(), slug)
            if other != slug:
                problems.append(f"{where}: therapy.name or alias {alias!r} already names {other}, which the pack "
                                "adds too")
        needed += len(document["references"])
        planned.append(PlannedChange(therapy=slug, key=therapy["name"], before="", after=therapy["name"],
                                     kind="therapy", references=len(document["references"])))
    free = clinic_therapies.MAX_CLINIC_KEYS - len(library["clinic_keys"])
    if needed > free:
        problems.append(f"{THERAPIES_FILE}: the clinic's references of the therapies it adds need {needed} new keys, "
                        f"but only {free} of Z1-Z{clinic_therapies.MAX_CLINIC_KEYS} are free on this install")
    return planned, problems


def _plan_edits(reader: Reader, edits: Mapping[str, PackEdit]) -> tuple[list[tuple[str, dict, list[PlannedChange]]],
                                                                         list[str]]:
    """For each therapy whose text the pack edits: its edited snapshot (this install's current text
    with the pack's fields on top) and the fields that would change; and every problem, by name."""
    problems: list[str] = []
    unknown = _unknown(reader, edits)
    if unknown:
        problems.append(f"{EDITS_FILE}: {_unknown_message(reader, unknown)}")
    origins = {row[0]: row[1] for row in reader.query("SELECT slug, origin FROM therapy")}
    planned: list[tuple[str, dict, list[PlannedChange]]] = []
    for slug in sorted(set(edits) - set(unknown)):
        if origins.get(slug) == therapy_edits.CLINIC_ADDED:
            problems.append(f"{EDITS_FILE}: {slug}: here {slug} is a therapy this clinic added, not shipped text; a "
                            "pack does not change it")
            continue
        current = therapy_edits.current_snapshot(reader, slug)
        fields = therapy_edits.snapshot_fields(current)
        bad = [path for path in edits[slug].fields if path not in fields]
        for path in bad:
            problems.append(f"{EDITS_FILE}: {slug}: {shown(path, 60)}: not a text field of {slug} a clinic may edit "
                            "on this install")
        changes = [PlannedChange(therapy=slug, key=path, before=fields[path], after=text, kind="text")
                   for path, text in edits[slug].fields.items() if path in fields and text != fields[path]]
        if not changes:
            continue
        order = list(fields)
        changes.sort(key=lambda change: order.index(change.key))
        edited = therapy_edits._apply(current, {change.key: change.after for change in changes},
                                      therapy_edits.reference_findings(reader))
        found = therapy_edits.snapshot_problems(reader, slug, edited)
        problems += [f"{EDITS_FILE}: {slug}: {problem}" for problem in found]
        if not found and not bad:
            planned.append((slug, edited, changes))
    return planned, problems




def plan_import(reader: Reader, pack: Pack) -> list[PlannedChange]:
    """Every therapy the pack adds (``kind`` "therapy", ``key`` its name, ``references`` how many of the
    clinic's references it brings), then every field the import would change (therapy, field, before,
    after), in therapy and :data:`~clinic_app.services.clinic_fields.FIELDS` order, then every edited
    text field (``kind`` "text", ``key`` its dotted path) in therapy and field order, then every edited
    condition field (``kind`` "condition"); what is already equal is left out. A pack whose edits
    would leave a therapy or condition failing its checks here, or whose added therapy fails one, is
    refused, every problem named."""
    return _plan(reader, pack)[0]


def _plan(reader: Reader, pack: Pack) -> tuple[list[PlannedChange], tuple[list, list]]:
    """The new therapies, the field changes then the text changes (:func:`plan_import`), and each
    edited therapy's and condition's snapshot."""
    added, problems = _plan_therapies(reader, pack.therapies) if pack.therapies else ([], [])
    unknown = _unknown(reader, pack.fields, pack.therapies)
    problems += [f"{FIELDS_FILE}: {_unknown_message(reader, unknown)}"] if unknown else []
    edited, found = _plan_edits(reader, pack.edits) if pack.edits else ([], [])
    conditions, found_conditions = _plan_conditions(reader, pack.conditions) if pack.conditions else ([], [])
    found += found_conditions
    if problems or found:
        raise refused(pack.path, problems + found)
    changes: list[PlannedChange] = []
    for slug in sorted(pack.fields):
        current = clinic_fields.fields_for(reader, slug)
        for key in FIELDS:
            if key not in pack.fields[slug]:
                continue
            before, after = current.get(key, ""), pack.fields[slug][key].value
            if before != after:
                changes.append(PlannedChange(therapy=slug, key=key, before=before, after=after))
    return (added + changes + [change for _, _, texts in edited for change in texts]
            + [change for *_, texts in conditions for change in texts]), (edited, conditions)


def import_pack(store: Store, location: Location, pack: Pack, by: str, why: str) -> ImportSummary:
    """Import ``pack`` (read with :func:`read_pack`): a backup of the store first, then every change
    in one transaction, each a revision naming ``by`` and ``why``. Nothing to change, nothing done."""
    from clinic_app.storage import backup

    by, why = _check_who_and_why(by, why)
    changes, (edited, conditions) = _plan(store, pack)
    if not changes:
        return ImportSummary(path=pack.path)
    taken = backup.create(location, reason="before-import")
    by_therapy: dict[str, dict[str, str]] = {}
    for change in changes:
        if change.kind == "field":
            by_therapy.setdefault(change.therapy, {})[change.key] = change.after
    made: list[Revision] = []
    texts: list[therapy_edits.EditResult] = []
    added: list[clinic_therapies.AddResult] = []
    edited_conditions: list[condition_edits.EditResult] = []
    today = dt.date.today()
    try:
        with store.write() as session:
            for change in changes:  # first: the pack's fields and edits may be of a therapy it adds
                if change.kind == "therapy":
                    where = f"{THERAPIES_FILE}: {change.therapy}"
                    added.append(clinic_therapies.add_document(
                        session, where, Parsed(data=pack.therapies[change.therapy]), by,
                        f"added from a content pack: {why}", today))
            for slug, values in by_therapy.items():
                made.extend(clinic_fields.write_fields(session, slug, values, by, why))
            for slug, snapshot, planned in edited:
                number = therapy_edits.write_edited(session, slug, snapshot, by, why)
                texts.append(therapy_edits.EditResult(slug, number, therapy_edits.CLINIC,
                                                      tuple(change.key for change in planned)))
            for slug, snapshot, base_hash, planned in conditions:
                number = condition_edits.write_edited(session, slug, snapshot, base_hash, by, why)
                edited_conditions.append(condition_edits.EditResult(slug, number, condition_edits.CLINIC,
                                                                    tuple(change.key for change in planned)))
    except therapy_edits.TherapyEditError as exc:  # checked before, so only if the library changed meanwhile
        raise refused(pack.path, [f"{EDITS_FILE}: {problem}" for problem in exc.problems or [exc.message]]) from exc
    except condition_edits.ConditionEditError as exc:  # the same: checked before
        raise refused(pack.path, [f"{CONDITIONS_FILE}: {problem}" for problem in exc.problems or [exc.message]]) from exc
    except clinic_therapies.ClinicTherapyError as exc:  # the same: checked before
        raise refused(pack.path, [str(problem) for problem in exc.problems or [exc.message]]) from exc
    return ImportSummary(path=pack.path, revisions=made, backup=taken.path, edits=texts, added=added,
                         conditions=edited_conditions)
