"""``clinic-app db check``: integrity, foreign keys, the library's own rules, and the records kept for
the clinic: the record chain, every stored handout against its SHA-256, and the database's rules that
keep records from being changed or deleted; reported plainly."""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from dataclasses import dataclass, field

from clinic_app.settings import Location
from clinic_app.storage import backup, chain, preflight


@dataclass
class CheckReport:
    location: Location
    facts: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        width = max((len(k) for k, _ in self.facts), default=0)
        out = [f"{key:<{width}}  {value}" for key, value in self.facts]
        out += [f"problem: {p}" for p in self.problems]
        out.append("result: OK" if self.ok else f"result: {len(self.problems)} problem(s)")
        return out


DOMAIN_CHECKS = (
    ("therapies without a reference",
     "SELECT slug FROM therapy t WHERE NOT EXISTS (SELECT 1 FROM therapy_reference r WHERE r.therapy_id = t.id)"),
    ("therapies missing a comparison value",
     "SELECT slug FROM therapy t WHERE (SELECT count(*) FROM attribute_value v WHERE v.therapy_id = t.id)"
     " < (SELECT count(*) FROM attribute)"),
    ("therapies missing from the search index",
     "SELECT slug FROM therapy WHERE slug NOT IN (SELECT slug FROM search_index)"),
)

# The database's rules (triggers) that keep records as they were written: (name, table, what it stops).
APPEND_ONLY_RULES = (
    ("consultation_unchanged", "consultation", "consultation records being changed"),
    ("consultation_kept", "consultation", "consultation records being deleted"),
    ("consultation_handout_unchanged", "consultation_handout", "the handouts of a consultation being changed"),
    ("consultation_handout_kept", "consultation_handout", "the handouts of a consultation being deleted"),
    ("handout_print_unchanged", "handout_print", "handout records being changed"),
    ("handout_print_kept", "handout_print", "handout records being deleted"),
    ("record_chain_unchanged", "record_chain", "the record chain being changed"),
    ("record_chain_kept", "record_chain", "entries of the record chain being deleted"),
)
BACKUPS_HINT = "compare with a backup made before it ('clinic-app db backups' lists them)"


def _first_of(problems: list[str], what: str) -> str:
    more = len(problems) - 1
    return f"{what}: {problems[0]}" + (f" (and {more} more problem(s) after it)" if more else "")


def _check_rules(conn: sqlite3.Connection, report: CheckReport) -> None:
    found = {name: (table, sql or "") for name, table, sql in
             conn.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")}
    missing = []
    for name, table, stops in APPEND_ONLY_RULES:
        kept = found.get(name)
        if kept is None or kept[0] != table or "RAISE(ABORT" not in kept[1].upper().replace(" ", ""):
            missing.append(f"{name} (it stops {stops})")
    report.facts.append(("append-only rules", f"all {len(APPEND_ONLY_RULES)} in place" if not missing
                         else f"{len(missing)} of {len(APPEND_ONLY_RULES)} missing"))
    if missing:
        report.problems.append("the database rules that keep records unchanged are missing or altered: "
                               f"{', '.join(missing)}; records could be changed without the app")


def _check_chain(conn: sqlite3.Connection, report: CheckReport) -> None:
    try:
        verified = chain.verify(chain.runner(conn))
    except sqlite3.DatabaseError as exc:
        report.facts.append(("chain", "could not be read"))
        report.problems.append(f"the record chain could not be read ({exc}); {BACKUPS_HINT}")
        return
    records = f"{verified.entries} record{'' if verified.entries == 1 else 's'}"
    if verified.ok:
        report.facts.append(("chain", f"{records}, verified"))
        return
    report.facts.append(("chain", f"{records}, broken"))
    report.problems.append(_first_of(verified.problems, "record chain broken; the first broken link") + f"; {BACKUPS_HINT}")


def _check_snapshots(conn, report: CheckReport, batch: int = 100) -> None:  # noqa: ANN001 - a connection or a store
    """Every stored handout, decompressed and hashed, against the SHA-256 recorded with it."""
    read = conn.query if hasattr(conn, "query") else (lambda sql, params: conn.execute(sql, params).fetchall())
    checked, bad, last = 0, [], 0
    while rows := read("SELECT id, snapshot, sha256 FROM handout_print WHERE id > ? ORDER BY id LIMIT ?",
                       (last, batch)):
        for print_id, blob, digest in rows:
            checked += 1
            try:
                payload = zlib.decompress(blob)
            except (zlib.error, TypeError):
                bad.append(f"handout #{print_id}'s stored copy is damaged (it cannot be read back)")
                continue
            if hashlib.sha256(payload).hexdigest() != digest:
                bad.append(f"handout #{print_id}'s stored copy does not match its SHA-256")
        last = rows[-1][0]
    report.facts.append(("stored handouts", f"{checked} verified against their SHA-256" if not bad
                         else f"{len(bad)} of {checked} do not match their SHA-256"))
    if bad:
        report.problems.append(_first_of(bad, "stored handouts changed or damaged; the first") + f"; {BACKUPS_HINT}")


def check_database(location: Location) -> CheckReport:
    report = CheckReport(location)
    if location.is_server:
        _check_server(location, report)
        _check_outbox(location, report)
        _check_library_copy(location, report)
        return report
    path = location.sqlite_path
    report.facts.append(("database", str(path or location.database_url)))
    if path is None or not path.exists():
        report.problems.append(f"no database at {path}; run 'clinic-app db upgrade' or start the app once")
        return report
    state = preflight.inspect(path)  # raises for a file that is not ours, damaged, or too new
    report.facts.append(("size", f"{path.stat().st_size:,} bytes"))
    report.facts.append(("schema revision", f"{state.revision or 'none'} (this version: {preflight.head_revision()})"))
    if state.needs_upgrade:
        report.problems.append("the schema is not at this version's revision; run 'clinic-app db upgrade'")
        return report
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        report.facts.append(("integrity check", integrity))
        if integrity != "ok":
            report.problems.append(f"integrity check failed: {integrity}")
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        report.facts.append(("foreign keys", "ok" if not fk else f"{len(fk)} broken link(s)"))
        if fk:
            report.problems.append(f"{len(fk)} row(s) point to missing rows (first: table {fk[0][0]})")
        meta = dict(conn.execute("SELECT key, value FROM app_meta").fetchall())
        report.facts.append(("content library", meta.get("library_version", "not loaded")))
        report.facts.append(("therapies", str(conn.execute("SELECT count(*) FROM therapy").fetchone()[0])))
        report.facts.append(("references", str(conn.execute("SELECT count(*) FROM reference").fetchone()[0])))
        edited = [r[0] for r in conn.execute("SELECT slug FROM therapy WHERE origin = 'clinic' ORDER BY slug")]
        report.facts.append(("edited by the clinic", ", ".join(edited) or "none"))
        added = [r[0] for r in conn.execute("SELECT slug FROM therapy WHERE origin = 'clinic-added' ORDER BY slug")]
        report.facts.append(("added by the clinic", ", ".join(added) or "none"))
        for label, sql in DOMAIN_CHECKS:
            bad = [r[0] for r in conn.execute(sql)]
            if bad:
                report.problems.append(f"{label}: {', '.join(bad)}")
        _check_chain(conn, report)
        _check_snapshots(conn, report)
        _check_rules(conn, report)
    except sqlite3.DatabaseError as exc:
        report.problems.append(f"could not read {path}: {exc}")
    finally:
        conn.close()
    backups = backup.list_backups(location)
    report.facts.append(("backups", f"{len(backups)} in {location.backup_dir}"
                         + (f", newest {backups[0].taken_at:%Y-%m-%d %H:%M}" if backups else "")))
    from clinic_app.services.store_setup import backup_problem

    problem = backup_problem(location)
    if problem:
        report.problems.append(f"last automatic backup failed: {problem}")
    return report


# On a clinic's server ------------------------------------------------------------------------------

_SERVER_RULES = ("SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                 "JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' "
                 "AND p.proname = 'clinic_refuse' AND c.relnamespace = current_schema()::regnamespace")
RECORD_TABLES = ("consultation", "consultation_handout", "handout_print", "record_chain")


def _check_server(location: Location, report: CheckReport) -> CheckReport:
    """The same checks on a PostgreSQL server: reached, its revision, the library, the role's rights
    on the records, the rules that keep them, the chain and every stored handout. The server checks
    its own pages (checksums, ``amcheck``); backups are the server's (``pg_dump``, archiving)."""
    from clinic_app.storage.server_reader import ServerReader

    report.facts.append(("database", location.shown_url))
    store = ServerReader(location.database_url)  # the server itself, never this room's copy of the library
    try:
        return _check_server_with(store, report)
    finally:
        store.close()


def _check_server_with(store, report: CheckReport) -> CheckReport:  # noqa: ANN001 - a ServerReader
    from clinic_app.errors import DatabaseError

    try:
        version, user = store.query("SELECT current_setting('server_version'), current_user")[0]
    except DatabaseError as exc:
        report.problems.append(str(exc))
        return report
    report.facts.append(("server", f"PostgreSQL {version}, connected as {user}"))
    revision = store.query("SELECT version_num FROM alembic_version") if _has_table(store, "alembic_version") else []
    report.facts.append(("schema revision", f"{revision[0][0] if revision else 'none'} "
                                            f"(this version: {preflight.head_revision()})"))
    if not revision or revision[0][0] != preflight.head_revision():
        report.problems.append("the schema is not at this version's revision; run 'clinic-app db upgrade' as the "
                               "database's owner")
        return report
    meta = store.meta()
    report.facts.append(("content library", meta.get("library_version", "not loaded")))
    report.facts.append(("therapies", str(store.query("SELECT count(*) FROM therapy")[0][0])))
    report.facts.append(("references", str(store.query("SELECT count(*) FROM reference")[0][0])))
    for label, origin in (("edited by the clinic", "clinic"), ("added by the clinic", "clinic-added")):
        slugs = [r[0] for r in store.query("SELECT slug FROM therapy WHERE origin = ? ORDER BY slug", (origin,))]
        report.facts.append((label, ", ".join(slugs) or "none"))
    for label, sql in DOMAIN_CHECKS:
        bad = [r[0] for r in store.query(sql)]
        if bad:
            report.problems.append(f"{label}: {', '.join(bad)}")
    rights = {table: [right for right in ("UPDATE", "DELETE")
                      if store.query("SELECT has_table_privilege(current_user, ?, ?)", (table, right))[0][0]]
              for table in RECORD_TABLES}
    may = sorted({right.lower() for granted in rights.values() for right in granted})
    report.facts.append(("role rights on records", "add and read only" if not may else
                         f"may also {' and '.join(may)} (the owner's role; rooms should use a role made with "
                         "'clinic-app db grant-rooms')"))
    found = {name: table for name, table in store.query(_SERVER_RULES)}
    missing = [f"{name} (it stops {stops})" for name, table, stops in APPEND_ONLY_RULES if found.get(name) != table]
    report.facts.append(("append-only rules", f"all {len(APPEND_ONLY_RULES)} in place" if not missing
                         else f"{len(missing)} of {len(APPEND_ONLY_RULES)} missing"))
    if missing:
        report.problems.append("the database rules that keep records unchanged are missing or altered: "
                               f"{', '.join(missing)}; records could be changed without the app")
    verified = chain.verify(store.query)
    records = f"{verified.entries} record{'' if verified.entries == 1 else 's'}"
    report.facts.append(("chain", f"{records}, verified" if verified.ok else f"{records}, broken"))
    if not verified.ok:
        report.problems.append(_first_of(verified.problems, "record chain broken; the first broken link")
                               + "; compare with the server's backups (pg_dump, point-in-time recovery)")
    _check_snapshots(store, report)
    report.facts.append(("backups", "kept by the server (pg_dump or continuous archiving; see the README)"))
    return report


def _check_library_copy(location: Location, report: CheckReport) -> None:
    """This room's own copy of the library (read while the server cannot be reached): information."""
    from clinic_app.storage import library_copy

    path = library_copy.path_of(location)
    facts = library_copy.copy_facts(path)
    report.facts.append(("library copy in this room", "none yet (made when the window opens with the server)"
                         if facts is None else f"{path}, as the server held it at "
                         f"{facts[library_copy.TAKEN_KEY].replace('T', ' ')} UTC"))


def _check_outbox(location: Location, report: CheckReport) -> None:
    """This room's outbox: how many records it holds for the server and since when (information),
    each one the server refused (a problem: the clinic must settle it), and how many are set aside."""
    from clinic_app.errors import ClinicAppError
    from clinic_app.storage.outbox import Outbox, waiting_on

    outbox = Outbox.of(location)
    try:
        held, aside = outbox.entries(), outbox.set_aside_entries()
    except ClinicAppError as exc:
        report.facts.append(("held in this room", "the outbox could not be read"))
        report.problems.append(exc.message)
        return
    if held:
        oldest = min(entry.created_at for entry in held)
        report.facts.append(("held in this room", f"{len(held)} record(s) for the server, the oldest held "
                                                  f"{_stamp(oldest)} ('clinic-app db deliver' sends them)"))
    else:
        report.facts.append(("held in this room", "none"))
    waits = waiting_on(held)
    for entry in held:
        if entry.refused:
            report.problems.append(f"the server refused the {entry.kind} held in this room (key {entry.key}, held "
                                   f"{_stamp(entry.created_at)}): {entry.refusal}; 'clinic-app db outbox' shows it, "
                                   "'--export KEY FILE' writes it out, '--set-aside KEY' takes it out of delivery")
        elif entry.key in waits:
            report.facts.append(("waiting", f"the held {entry.kind} (key {entry.key}) waits for the held handout "
                                            f"(key {waits[entry.key]}) it gave, which the server refused"))
    report.facts.append(("set aside in this room", f"{len(aside)} record(s), kept in {outbox.path}" if aside
                         else "none"))


def _stamp(value: str) -> str:
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(value).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return value


def _has_table(store, name: str) -> bool:  # noqa: ANN001 - a ServerStore
    return bool(store.query("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
                            "AND table_name = ?", (name,)))
