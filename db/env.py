"""Alembic environment. The app runs migrations from code with its own connection
(``clinic_app.storage.database.Database.upgrade``); SQLite uses batch mode for ALTERs."""

from alembic import context

from clinic_app.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from clinic_app.storage.database import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as connection:
            _run(connection)
        return
    _run(connection)


def include_name(name, type_, parent_names) -> bool:  # noqa: ANN001
    """The FTS5 indexes and their shadow tables are managed by hand-written SQL, not the models."""
    return not (type_ == "table" and name and name.startswith(("search_index", "search_refs")))


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        include_name=include_name,
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run 'clinic-app db upgrade'")
run_migrations_online()
