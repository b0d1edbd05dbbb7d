"""What the migrations write differently for SQLite and PostgreSQL: the triggers that keep records
unchanged, and the full-text search tables. Everything else in a migration is portable ``op.*``.

The rules are written once, in SQLite's words (``WHEN NEW.x IS NOT OLD.x ...``), and said in
PostgreSQL's for a server: one shared function raises the refusal, and each trigger compares the
columns as text (PostgreSQL's ``json`` type has no equality, and a text comparison is exact).

Search on SQLite is FTS5 (a virtual table, ranked by bm25 with column weights). On PostgreSQL it is
a plain table with a stored ``tsvector`` built from the same columns with weights A-D (name,
aliases, summary, body), ``simple`` configuration (no stemming, as SQLite's unicode61), accents
folded by ``unaccent``, a GIN index, and ``pg_trgm`` for near spellings.
"""

from __future__ import annotations

import re

from alembic import op

_REFUSE = """
CREATE OR REPLACE FUNCTION clinic_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END
$$"""

# accents folded by a function the index may use (unaccent itself is only STABLE)
_UNACCENT = """
CREATE OR REPLACE FUNCTION clinic_fold(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT lower(public.unaccent('public.unaccent'::regdictionary, coalesce(value, '')))
$$"""


def is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _postgres_condition(condition: str) -> str:
    """SQLite's ``WHEN`` condition in PostgreSQL's words: ``X IS NOT Y`` compares as text."""
    def distinct(match: re.Match) -> str:
        left, right = match.group(1), match.group(2)
        return f"{left}::text IS DISTINCT FROM {right}::text"

    said = re.sub(r"((?:NEW|OLD)\.\w+) IS NOT ((?:NEW|OLD)\.\w+)", distinct, condition)
    return said


def refuse(name: str, table: str, event: str, message: str, when: str | None = None) -> None:
    """A trigger named ``name`` refusing ``event`` (``UPDATE`` or ``DELETE``) on ``table`` with
    ``message``, only where ``when`` holds (SQLite's words) if given."""
    if is_postgresql():
        op.execute(_REFUSE)
        condition = f"WHEN ({_postgres_condition(when)}) " if when else ""
        quoted = message.replace("'", "''")
        op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW {condition}"
                   f"EXECUTE FUNCTION clinic_refuse('{quoted}')")
        return
    condition = f"WHEN {when} " if when else ""
    quoted = message.replace("'", "''")
    op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} {condition}"
               f"BEGIN SELECT RAISE(ABORT, '{quoted}'); END")


def drop_refusal(name: str, table: str) -> None:
    if is_postgresql():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _weighted(columns: dict[str, str]) -> str:
    return " || ".join(f"setweight(to_tsvector('simple', clinic_fold({column})), '{weight}')"
                       for column, weight in columns.items())


def create_postgres_search_tables() -> None:
    """The therapy search index (slug, name, aliases, summary, body) and the separate index of each
    therapy's references (slug, refs), as SQLite's FTS5 tables hold them (rowid is the therapy's id)."""
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    op.execute(_UNACCENT)
    op.execute("CREATE TABLE search_index (rowid integer PRIMARY KEY, slug text NOT NULL, name text NOT NULL, "
               "aliases text NOT NULL DEFAULT '', summary text NOT NULL DEFAULT '', body text NOT NULL DEFAULT '', "
               "document tsvector GENERATED ALWAYS AS ("
               f"{_weighted({'name': 'A', 'aliases': 'B', 'summary': 'C', 'body': 'D'})}) STORED)")
    op.execute("CREATE INDEX ix_search_index_document ON search_index USING gin (document)")
    op.execute("CREATE TABLE search_refs (rowid integer PRIMARY KEY, slug text NOT NULL, refs text NOT NULL, "
               f"document tsvector GENERATED ALWAYS AS ({_weighted({'refs': 'D'})}) STORED)")
    op.execute("CREATE INDEX ix_search_refs_document ON search_refs USING gin (document)")


def drop_search_tables() -> None:
    op.execute("DROP TABLE IF EXISTS search_refs")
    op.execute("DROP TABLE IF EXISTS search_index")
