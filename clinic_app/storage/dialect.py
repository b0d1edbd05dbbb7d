"""The few places where SQLite and PostgreSQL say the same thing differently.

Services write their queries once, with ``?`` placeholders, and take these fragments from the
store they read (``store.sql``) where the two databases differ: a case-blind sort, a month of a
timestamp, the values of a JSON list, a joined list of strings. Everything else they write is
plain SQL both understand. The search index, whose two forms differ most, is in
:mod:`clinic_app.services.search`, behind the same function for both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Sql:
    name: str  # "sqlite" or "postgresql"

    @property
    def is_server(self) -> bool:
        return self.name == "postgresql"

    def nocase(self, expression: str) -> str:
        """``expression`` for ORDER BY, letters compared without case."""
        return f"lower({expression})" if self.is_server else f"{expression} COLLATE NOCASE"

    def month(self, expression: str) -> str:
        """'YYYY-MM' of a timestamp."""
        return f"to_char({expression}, 'YYYY-MM')" if self.is_server else f"strftime('%Y-%m', {expression})"

    def json_values(self, expression: str, alias: str) -> str:
        """A FROM item: the values of the JSON list ``expression`` as text, one row each, as ``alias.value``."""
        if self.is_server:
            return f"json_array_elements_text({expression}) AS {alias}(value)"
        return f"json_each({expression}) AS {alias}"

    def json_rows(self, columns: str, order: str) -> str:
        """The aggregate JSON list of ``[columns]`` arrays, one per row in ``order`` (``[]`` for none)."""
        if self.is_server:
            return f"coalesce(json_agg(json_build_array({columns}) ORDER BY {order}), '[]'::json)"
        return f"json_group_array(json_array({columns}))"  # rows come in order from an ordered subquery

    def joined(self, expression: str, separator: str) -> str:
        """The aggregate of ``expression`` joined by ``separator`` (a plain literal)."""
        if self.is_server:
            return f"string_agg({expression}, '{separator}')"
        return f"group_concat({expression}, '{separator}')"


SQLITE = Sql("sqlite")
POSTGRESQL = Sql("postgresql")


def server_placeholders(sql: str) -> str:
    """``sql`` written with ``?`` placeholders in psycopg's words (``%s``; a literal ``%`` doubled).
    Text inside quotes is left as it is, but for its ``%``."""
    out: list[str] = []
    quote = ""
    for char in sql:
        if char == "%":
            out.append("%%")
        elif quote:
            out.append(char)
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
            out.append(char)
        elif char == "?":
            out.append("%s")
        else:
            out.append(char)
    return "".join(out)


def is_server(connection: Any) -> bool:  # noqa: ANN401 - a SQLAlchemy or a stdlib connection
    """Whether ``connection`` (SQLAlchemy's) reaches a PostgreSQL server."""
    dialect = getattr(connection, "dialect", None)
    return dialect is not None and dialect.name == "postgresql"


def driver_sql(connection: Any) -> Callable[..., Any]:  # noqa: ANN401 - a SQLAlchemy or a stdlib connection
    """``connection``'s way to run SQL written with ``?`` placeholders (and a list of parameter
    tuples for many rows), whichever database it reaches."""
    execute = getattr(connection, "exec_driver_sql", None) or connection.execute
    if is_server(connection):
        return lambda sql, params=(): execute(server_placeholders(sql), params)
    return execute
