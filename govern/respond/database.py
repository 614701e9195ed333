"""The incident database: any SQLAlchemy URL (an SQLite file under the state folder by default), migrated with
Alembic, used one transaction at a time, its faults raised as ``IncidentStoreError``.

The schema is owned by the migrations in ``govern/respond/migrations/`` (``open_database`` upgrades to the newest
one; no ``alembic.ini`` is needed). A new migration, after changing ``govern.respond.db``::

    python -c "from alembic import command; from govern.respond.database import alembic_config; \\
        command.revision(alembic_config('sqlite:///scratch.db'), autogenerate=True, message='what changed')"

(on a scratch database upgraded to the current head), then review the file it writes under ``versions/``.
"""

from __future__ import annotations

import contextlib
import functools
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from govern.errors import IncidentStoreError

MIGRATIONS = Path(__file__).resolve().with_name("migrations")
_CREDENTIALS = re.compile(r"([\w.~%+-]*:)[^@\s/]+(@)")  # user:password@ in a URL or in a driver's message


def default_url(state_dir: Path) -> str:
    """``sqlite:///<state_dir>/governance.db``, the state folder made absolute."""
    return f"sqlite:///{(Path(state_dir).absolute() / 'governance.db').as_posix()}"


def redact(url: str) -> str:
    """The URL with its password (if any) shown as ``***``: safe for logs, errors and reports."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return _CREDENTIALS.sub(r"\1***\2", url)


class Database:
    """An open incident database. ``session()`` is one transaction; ``repr``/``str`` never show a password."""

    def __init__(self, url: str, engine: Engine, *, lock_timeout: float) -> None:
        self.url = url
        self.engine = engine
        self.lock_timeout = lock_timeout
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def shown_url(self) -> str:
        """The URL with its password as ``***``."""
        return redact(self.url)

    def __repr__(self) -> str:
        return f"Database({self.shown_url!r})"

    def __str__(self) -> str:
        return self.shown_url

    @contextlib.contextmanager
    def session(self, what: str = "a transaction") -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises. A database fault (locked,
        unreachable, a constraint) becomes an IncidentStoreError naming the URL, ``what`` failed and the fault;
        other exceptions pass through unchanged after the rollback. Objects stay readable after the commit."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except SQLAlchemyError as exc:
            session.rollback()
            raise store_error(self.url, what, exc, lock_timeout=self.lock_timeout) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_database(url: str, *, lock_timeout: float = 10.0, upgrade: bool = True, create: bool = True) -> Database:
    """Open the incident database at a SQLAlchemy URL and (``upgrade``) migrate it to the newest schema.

    SQLite: the parent folder is created, a locked file is waited on for ``lock_timeout`` seconds, foreign keys
    are enforced. With ``upgrade=False`` the database must already be at the newest revision. Raises
    IncidentStoreError (the password redacted) when the URL is malformed, its driver missing, the database
    unreachable or locked, or the migration fails. With ``create=False`` (a reader: the pages) an SQLite file
    that does not exist is that error too, instead of a new empty database that would read as "no incident".
    """
    shown = redact(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise IncidentStoreError(
            f"incident database: the URL must be a SQLAlchemy URL such as sqlite:///state/governance.db; "
            f"got {shown!r} instead"
        ) from exc
    database_file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    a_file = bool(database_file) and database_file != ":memory:" and not str(database_file).startswith("file:")
    if not create and a_file and not Path(str(database_file)).is_file():
        raise IncidentStoreError(
            f"incident database {shown}: the file must exist to be read; got none at {database_file} (no "
            "night has been responded to with this database yet)"
        )
    try:
        engine = _engine(parsed, lock_timeout)
    except OSError as exc:
        raise IncidentStoreError(
            f"incident database {shown}: the database's folder must be creatable; got {type(exc).__name__}: "
            f"{exc} instead"
        ) from exc
    except (ImportError, SQLAlchemyError) as exc:
        raise IncidentStoreError(
            f"incident database {shown}: the URL must name an installed database driver; "
            f"got {type(exc).__name__}: {_clean(str(exc), url)} instead"
        ) from exc
    database = Database(url, engine, lock_timeout=lock_timeout)
    try:
        if upgrade:
            _upgrade(database)
        else:
            _require_head(database)
    except BaseException:
        database.close()
        raise
    return database


def _engine(url: URL, lock_timeout: float) -> Engine:
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": lock_timeout})

    @event.listens_for(engine, "connect")
    def _enforce_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
        # SQLite leaves foreign keys unenforced unless each connection asks (other backends always enforce them)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


# ---------------------------------------------------------------------------------------------- migrations


def alembic_config(url: str | None = None, *, output_buffer: Any = None) -> Any:
    """An Alembic ``Config`` for the package's migrations, built in code (no ``alembic.ini``); offline SQL
    (``command.upgrade(config, "head", sql=True)``) goes to ``output_buffer`` (stdout if None)."""
    from alembic.config import Config

    config = Config(output_buffer=output_buffer)
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def current_revision(database: Database) -> str | None:
    """The database's Alembic revision (None before the first migration)."""
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@functools.cache
def head_revision() -> str:
    """The newest migration's revision, read from the scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise IncidentStoreError(f"{MIGRATIONS}: the package must hold the migrations; found none")
    return head


def _upgrade(database: Database) -> None:
    """Upgrade to head in one transaction (where the backend has transactional DDL). Another process may be
    migrating the same new database at this moment: if the upgrade fails, wait (up to the lock timeout) for the
    database to reach the head by the other's hand before giving up."""
    from alembic import command

    head = head_revision()
    if _revision(database, "reading the schema revision") == head:
        return
    try:
        with database.engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        deadline = time.monotonic() + database.lock_timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(IncidentStoreError):
                if _revision(database, "reading the schema revision") == head:
                    return
            time.sleep(0.1)
        raise store_error(database.url, f"migrating to revision {head}", exc, database.lock_timeout) from exc


def _require_head(database: Database) -> None:
    head = head_revision()
    found = _revision(database, "reading the schema revision")
    if found != head:
        raise IncidentStoreError(
            f"incident database {database.shown_url}: the schema must be at revision {head}; got "
            f"{found or 'no schema'} instead (open it with upgrade=True to migrate it)"
        )


def _revision(database: Database, what: str) -> str | None:
    try:
        return current_revision(database)
    except SQLAlchemyError as exc:
        raise store_error(database.url, what, exc, database.lock_timeout) from exc


# ---------------------------------------------------------------------------------------------- errors


def store_error(url: str, what: str, exc: BaseException, lock_timeout: float) -> IncidentStoreError:
    """An IncidentStoreError for a database fault: "incident database <url>: <what> failed: <fault>"."""
    return IncidentStoreError(f"incident database {redact(url)}: {what} failed: {_fault(exc, url, lock_timeout)}")


def _fault(exc: BaseException, url: str, lock_timeout: float) -> str:
    # the driver's own error (sqlite3.OperationalError, ...) or the one a statement raised (a bad value)
    original = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
    text = _clean(str(original).strip(), url)
    lowered = text.lower()
    statement = getattr(exc, "statement", None)
    during = f" (during {' '.join(str(statement).split())[:80]})" if statement else ""
    if "locked" in lowered or "lock timeout" in lowered or getattr(original, "pgcode", None) == "55P03":
        return f"locked: another process holds it; waited {lock_timeout:g} s{during}"
    unreachable = ("unable to open", "could not connect", "connection refused", "could not translate host")
    if any(marker in lowered for marker in unreachable):
        return f"unreachable: {text}"
    return f"{type(original).__name__}: {text}{during}"


def _clean(text: str, url: str) -> str:
    """The text with the URL's password taken out, wherever a driver may have echoed it."""
    with contextlib.suppress(ArgumentError):
        password = make_url(url).password
        if password:
            text = text.replace(str(password), "***")
    return _CREDENTIALS.sub(r"\1***\2", text)
