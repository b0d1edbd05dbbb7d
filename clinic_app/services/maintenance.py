"""``clinic-app db check``: integrity, foreign keys and the library's own rules, reported plainly."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from clinic_app.settings import Location
from clinic_app.storage import backup, preflight


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


def check_database(location: Location) -> CheckReport:
    report = CheckReport(location)
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
        for label, sql in DOMAIN_CHECKS:
            bad = [r[0] for r in conn.execute(sql)]
            if bad:
                report.problems.append(f"{label}: {', '.join(bad)}")
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
