"""The incident database: URLs, migrations equal to the models, faults as IncidentStoreError (a real lock, a
redacted password), transactions."""

from __future__ import annotations

import datetime as dt
import io
import re
import sqlite3
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, select

from govern.errors import IncidentStoreError
from govern.respond import db as models
from govern.respond.database import (
    MIGRATIONS,
    Database,
    alembic_config,
    current_revision,
    default_url,
    head_revision,
    open_database,
)

ROOT = Path(__file__).resolve().parents[2]
AT = dt.datetime(2026, 10, 1, 2, 0, tzinfo=dt.UTC)


def feed(name: str = "loans") -> models.Feed:
    return models.Feed(name=name, status="enabled", since=AT, by="govern", reason="new")


def test_the_default_url_is_an_sqlite_file_in_the_state_folder(tmp_path: Path) -> None:
    assert default_url(tmp_path) == f"sqlite:///{tmp_path}/governance.db"


def test_opening_creates_the_parent_folder_and_migrates_to_the_head(tmp_path: Path) -> None:
    path = tmp_path / "state" / "deeper" / "governance.db"
    with open_database(f"sqlite:///{path}") as database:
        assert path.is_file()
        assert current_revision(database) == head_revision() == "0001"
        assert set(inspect(database.engine).get_table_names()) == {*models.Base.metadata.tables, "alembic_version"}
        with database.session() as session:  # the migration seeds the chain's head at the genesis hash
            head = session.get(models.AuditHead, 1)
            assert head is not None and (head.seq, head.hash) == (0, "0" * 64)


def _schema_differences(database: Database) -> list[object]:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, models.Base.metadata))


@pytest.mark.parametrize("form", ["absolute", "relative_with_driver"])
def test_the_migrated_schema_is_exactly_the_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str) -> None:
    # two files reached by two URL forms: an absolute path, and a relative one naming the driver explicitly
    if form == "absolute":
        url = f"sqlite:///{tmp_path / 'a.db'}"
    else:
        monkeypatch.chdir(tmp_path)
        url = "sqlite+pysqlite:///state/b.db"
    with open_database(url) as database:
        assert _schema_differences(database) == []
    assert (tmp_path / ("a.db" if form == "absolute" else "state/b.db")).is_file()


def test_the_comparison_sees_a_difference_when_there_is_one(tmp_path: Path) -> None:
    # the test above cannot pass vacuously: a dropped index and a dropped table are both reported
    with open_database(f"sqlite:///{tmp_path / 'g.db'}") as database:
        with database.engine.begin() as connection:
            connection.exec_driver_sql("DROP INDEX ix_incidents_status")
            connection.exec_driver_sql("DROP TABLE denylist")
        found = {diff[0] for diff in _schema_differences(database) if isinstance(diff, tuple)}
        assert {"remove_index", "add_table"} <= found or {"add_index", "add_table"} <= found


def test_upgrading_twice_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    with open_database(url) as database, database.session() as session:
        session.add(feed())
    with open_database(url) as database:  # a second open: already at the head
        with database.engine.begin() as connection:  # and a direct second upgrade
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        assert current_revision(database) == "0001"
        assert _schema_differences(database) == []
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(models.Feed)) == 1
            assert session.scalar(select(func.count()).select_from(models.AuditHead)) == 1


def test_without_upgrading_an_unmigrated_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IncidentStoreError, match=r"must be at revision 0001; got no schema instead"):
        open_database(f"sqlite:///{tmp_path / 'new.db'}", upgrade=False)
    url = f"sqlite:///{tmp_path / 'old.db'}"
    open_database(url).close()
    open_database(url, upgrade=False).close()


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_the_migration_holds_no_sqlite_only_sql(dialect: str) -> None:
    # rendered offline for another dialect: no server and no driver needed, and the SQL must still be right
    buffer = io.StringIO()
    command.upgrade(
        alembic_config(f"{dialect}://governance@db.example/governance", output_buffer=buffer), "head", sql=True
    )
    sql = buffer.getvalue()
    assert "CREATE TABLE incidents" in sql and "CREATE TABLE audit_log" in sql
    assert "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')" in sql
    assert "CONSTRAINT fk_notifications_event_id_incident_events FOREIGN KEY" in sql  # the naming convention
    for sqlite_only in ("sqlite", "PRAGMA", "AUTOINCREMENT", "_alembic_tmp", "BEGIN IMMEDIATE", "WITHOUT ROWID"):
        assert sqlite_only.lower() not in sql.lower(), sqlite_only
    if dialect == "postgresql":
        assert "TIMESTAMP WITH TIME ZONE" in sql and "SERIAL" in sql


def test_the_migration_scripts_are_package_data() -> None:
    # an installed (non-editable) wheel carries every file Alembic reads: the .py files as modules of the
    # namespace packages under govern/, the template through package-data
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "govern*" in settings["packages"]["find"]["include"]
    shipped = settings["package-data"]["govern.respond.migrations"]
    others = [p for p in MIGRATIONS.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")]
    assert others and all(p.name in shipped for p in others), others


# ---------------------------------------------------------------------------------------------- faults


def test_foreign_keys_are_enforced_on_sqlite(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'g.db'}")
    failure = r"storing an event failed: IntegrityError: FOREIGN KEY"
    with pytest.raises(IncidentStoreError, match=failure), database.session("storing an event") as session:
        session.add(models.IncidentEvent(incident_id=999, at=AT, kind="note", by="x", detail={}))
    database.close()


def _hold_exclusive_lock(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    return holder


def test_a_locked_database_is_reported_as_locked_after_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    url = f"sqlite:///{path}"
    open_database(url).close()
    holder = _hold_exclusive_lock(path)
    try:
        started = time.monotonic()
        with pytest.raises(IncidentStoreError) as opening:
            open_database(url, lock_timeout=0.3)
        assert time.monotonic() - started >= 0.3
        assert str(opening.value).startswith(f"incident database {url}: reading the schema revision failed: locked: ")
        assert "another process holds it; waited 0.3 s" in str(opening.value)
    finally:
        holder.rollback()
    with open_database(url, lock_timeout=0.3) as database:
        holder.execute("BEGIN EXCLUSIVE")
        try:
            failure = r"recording a feed failed: locked: .*waited 0.3 s"
            with pytest.raises(IncidentStoreError, match=failure), database.session("recording a feed") as session:
                session.add(feed())
        finally:
            holder.rollback()
            holder.close()
        with database.session() as session:  # the lock gone, the same database works again
            session.add(feed())


def test_a_password_never_appears_in_errors_or_reprs() -> None:
    url = "postgresql://alice:s3cret-pw@127.0.0.1:1/governance"
    with pytest.raises(IncidentStoreError) as caught:
        open_database(url, lock_timeout=0.5)
    assert "s3cret-pw" not in str(caught.value) and "alice:***@127.0.0.1" in str(caught.value)
    database = Database(url, create_engine("sqlite://"), lock_timeout=1)
    assert "s3cret-pw" not in repr(database) + str(database) and "***" in repr(database)
    with pytest.raises(IncidentStoreError, match=r"must be a SQLAlchemy URL .*; got 'no url:\*\*\*@here' instead"):
        open_database("no url:secret@here")


def test_an_unreachable_database_says_so(tmp_path: Path) -> None:
    with pytest.raises(IncidentStoreError, match=r"incident database .*: .* failed: unreachable: unable to open"):
        open_database(f"sqlite:///{tmp_path}", lock_timeout=0.2)  # a folder, not a database file
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(IncidentStoreError, match=r"the database's folder must be creatable; got FileExistsError"):
        open_database(f"sqlite:///{tmp_path}/a-file/g.db")


def test_a_session_rolls_back_and_lets_other_errors_through(tmp_path: Path) -> None:
    with open_database(f"sqlite:///{tmp_path / 'g.db'}") as database:
        with pytest.raises(KeyError), database.session() as session:
            session.add(feed())
            session.flush()
            raise KeyError("boom")
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(models.Feed)) == 0
            session.add(feed())
        with database.session() as session:  # objects stay readable after their session committed
            row = session.get(models.Feed, "loans")
        assert row is not None and row.since == AT


def test_new_processes_opening_a_new_database_at_once_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    code = (
        "import sys; from govern.respond.database import open_database, current_revision; "
        "print(current_revision(open_database(sys.argv[1])))"
    )
    runs = [subprocess.Popen([sys.executable, "-c", code, url], stdout=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [run.communicate(timeout=60)[0].strip() for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0] and outputs == ["0001"] * 3
    with open_database(url) as database:
        assert _schema_differences(database) == []


def test_head_revision_is_the_newest_script() -> None:
    revisions = [re.match(r"(\w+?)_", p.name) for p in (MIGRATIONS / "versions").glob("*.py")]
    assert head_revision() == max(m.group(1) for m in revisions if m)


def test_a_reader_never_creates_the_database_it_would_read_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "state" / "governance.db"
    with pytest.raises(IncidentStoreError, match="the file must exist to be read; got none at"):
        open_database(f"sqlite:///{path}", create=False)
    assert not path.exists() and not path.parent.exists()
    open_database(f"sqlite:///{path}").close()  # the nightly run creates it
    open_database(f"sqlite:///{path}", create=False).close()
