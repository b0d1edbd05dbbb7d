"""A real PostgreSQL server for the tests that run the app against a clinic's shared store.

One private cluster per test session (see ``tests/pg_cluster.py``); a database migrated and
loaded with the shipped content once, and each test's own copy of it (``CREATE DATABASE ...
TEMPLATE``), dropped afterwards. Where no server can be started the tests are skipped, saying why.
"""

from __future__ import annotations

import os

import pg_cluster
import pytest
from pg_cluster import drop_database, new_database

from clinic_app import settings


@pytest.fixture(scope="session")
def pg_server():
    """(superuser URL, the private cluster or None when the environment names a server of its own)."""
    try:
        url, cluster = pg_cluster.admin_url()
    except pg_cluster.NoServer as exc:
        pytest.skip(f"no PostgreSQL server for these tests: {exc}")
    yield url, cluster
    if cluster is not None:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_admin_url(pg_server):
    return pg_server[0]


@pytest.fixture
def pg_cluster_control(pg_server):
    """The session's private cluster, for a test that stops and starts the server; it runs again
    after the test whatever happened in it."""
    url, cluster = pg_server
    if cluster is None:
        pytest.skip(f"the server named by {pg_cluster.ENV_URL} is not this session's to stop")
    try:
        yield cluster
    finally:
        if not cluster.running:
            cluster.start()
        pg_cluster.wait_until_accepting(url)


@pytest.fixture(scope="session")
def pg_template(pg_admin_url, tmp_path_factory) -> str:
    """A database at the newest schema with the shipped content, copied by each test."""
    from clinic_app.services import store_setup
    from clinic_app.storage.store import Store

    name = f"clinic_template_{os.getpid()}"
    pg_cluster.execute(pg_admin_url, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
    location = settings.resolve(data_dir=tmp_path_factory.mktemp("pg-template"),
                                database_url=pg_cluster.with_database(pg_admin_url, name))
    store_setup.prepare(location)
    Store.forget(location)  # a template database must have no one connected
    yield name
    pg_cluster.execute(pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def server_location(pg_admin_url, pg_template, data_dir) -> settings.Location:
    """A ready clinic database of this test's own on the server (migrated, shipped content loaded)."""
    url = new_database(pg_admin_url, pg_template)
    yield settings.resolve(data_dir=data_dir, database_url=url)
    drop_database(pg_admin_url, url)


@pytest.fixture
def empty_server_location(pg_admin_url, data_dir) -> settings.Location:
    """An empty database on the server, as a clinic's IT hands it over."""
    url = new_database(pg_admin_url)
    yield settings.resolve(data_dir=data_dir, database_url=url)
    drop_database(pg_admin_url, url)


@pytest.fixture
def server_store(server_location):
    from clinic_app.storage.store import Store

    return Store.of(server_location)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request):
    """The same tests on the embedded SQLite file and on the clinic's PostgreSQL server."""
    from clinic_app.storage.store import Store

    location = request.getfixturevalue("prepared_location" if request.param == "sqlite" else "server_location")
    return Store.of(location)
