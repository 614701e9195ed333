"""The hash-chained audit log: the hash computed by hand, every kind of tampering named at its entry, and
concurrent appenders (threads and processes) making one chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from govern.respond import audit
from govern.respond.database import Database, open_database
from govern.respond.db import AuditEntry

AT = dt.datetime(2026, 10, 1, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "governance.db"


@pytest.fixture
def database(path: Path) -> Iterator[Database]:
    with open_database(f"sqlite:///{path}") as opened:
        yield opened


def fill(database: Database, count: int = 5) -> None:
    with database.session() as session:
        for n in range(1, count + 1):
            audit.append(
                session,
                at=AT + dt.timedelta(minutes=n),
                actor="govern",
                kind="night.judged",
                subject=f"model:m{n % 2}",
                payload={"night": "2026-10-01", "n": n, "model": f"m{n % 2}"},
            )


def check(database: Database) -> audit.ChainReport:
    with database.session() as session:
        return audit.verify(session)


def sql(path: Path, statement: str, *args: object) -> None:
    with sqlite3.connect(path) as connection:  # the tamperer: plain SQL on the file, behind the code's back
        connection.execute(statement, args)


def raw(path: Path, column: str, seq: int) -> str:
    with sqlite3.connect(path) as connection:
        return str(connection.execute(f"SELECT {column} FROM audit_log WHERE seq = ?", (seq,)).fetchone()[0])


def test_the_hash_of_a_two_entry_chain_computed_by_hand(database: Database) -> None:
    paris = dt.timezone(dt.timedelta(hours=2))
    with database.session() as session:
        first = audit.append(
            session,
            at=dt.datetime(2026, 10, 1, 4, 0, 5, 987654, tzinfo=paris),  # 02:00:05 UTC, the fraction dropped
            actor="govern",
            kind="night.judged",
            subject="model:credit",
            payload={"status": "healthy", "night": "2026-10-01"},
        )
        second = audit.append(
            session, at=AT, actor="Zoë", kind="command.ack", subject="incident:7", payload={"note": "vu é"}
        )
    genesis = "0" * 64
    body1 = (
        '{"actor":"govern","at":"2026-10-01T02:00:05Z","kind":"night.judged",'
        '"payload":"{\\"night\\":\\"2026-10-01\\",\\"status\\":\\"healthy\\"}","seq":1,"subject":"model:credit"}'
    )
    hash1 = hashlib.sha256((genesis + body1).encode("utf-8")).hexdigest()
    body2 = (
        '{"actor":"Zoë","at":"2026-10-01T02:00:00Z","kind":"command.ack",'
        '"payload":"{\\"note\\":\\"vu é\\"}","seq":2,"subject":"incident:7"}'
    )
    hash2 = hashlib.sha256((hash1 + body2).encode("utf-8")).hexdigest()
    assert (first.seq, first.prev_hash, first.hash) == (1, genesis, hash1)
    assert (second.seq, second.prev_hash, second.hash) == (2, hash1, hash2)
    assert first.payload == '{"night":"2026-10-01","status":"healthy"}'
    assert first.at == dt.datetime(2026, 10, 1, 2, 0, 5, tzinfo=dt.UTC)
    assert check(database) == audit.ChainReport(True, 2, 2, hash2)


def test_an_empty_log_verifies_at_the_genesis_head(database: Database) -> None:
    assert check(database) == audit.ChainReport(True, 0, 0, audit.GENESIS)


def test_an_append_is_kept_only_if_the_callers_transaction_commits(database: Database) -> None:
    fill(database, 2)
    with pytest.raises(RuntimeError), database.session() as session:
        audit.append(session, at=AT, actor="a", kind="k", subject="s", payload={})
        raise RuntimeError("the caller's work failed")
    report = check(database)
    assert report.ok and report.entries == 2 and report.head_seq == 2


def test_payloads_and_times_are_checked_at_the_boundary(database: Database) -> None:
    with database.session() as session:
        with pytest.raises(ValueError, match="timezone-aware"):
            audit.append(session, at=dt.datetime(2026, 10, 1), actor="a", kind="k", subject="s", payload={})
        with pytest.raises(ValueError, match="audit entry k on s: the payload must be JSON"):
            audit.append(session, at=AT, actor="a", kind="k", subject="s", payload={"x": float("nan")})


# ---------------------------------------------------------------------------------------------- tampering


def _flip(text: str, index: int) -> str:
    """The text with one character changed (a digit stays a digit, so a time still reads as a time)."""
    old = text[index]
    new = str((int(old) + 1) % 10) if old.isdigit() else ("b" if old != "b" else "c")
    return text[:index] + new + text[index + 1 :]


@pytest.mark.parametrize(
    ("column", "index"),
    [("payload", 10), ("actor", 0), ("kind", 3), ("subject", -1), ("at", 15), ("prev_hash", 5), ("hash", 63)],
)
def test_one_byte_edited_in_any_field_fails_at_that_entry(
    database: Database, path: Path, column: str, index: int
) -> None:
    fill(database)
    sql(path, f"UPDATE audit_log SET {column} = ? WHERE seq = 3", _flip(raw(path, column, 3), index))
    report = check(database)
    assert not report.ok and report.first_bad == 3
    assert report.problem == "entry 3 was edited: its hash does not match its content"


def test_a_time_edited_into_something_that_is_not_a_time_is_an_edit(database: Database, path: Path) -> None:
    fill(database)
    sql(path, "UPDATE audit_log SET at = 'yesterday' WHERE seq = 2")
    assert (check(database).first_bad, check(database).problem) == (
        2,
        "entry 2 was edited: its hash does not match its content",
    )


def test_the_untouched_chain_verifies(database: Database) -> None:
    fill(database)
    report = check(database)
    assert report.ok and report.entries == 5 and report.first_bad is None


@pytest.mark.parametrize("seq", [1, 3, 5])
def test_a_deleted_entry_is_named_as_missing(database: Database, path: Path, seq: int) -> None:
    # the entry named is the deleted one (the numbering's gap shows which), not the one after it
    fill(database)
    sql(path, "DELETE FROM audit_log WHERE seq = ?", seq)
    report = check(database)
    assert not report.ok and report.first_bad == seq
    assert report.problem is not None and report.problem.startswith(f"entry {seq} is missing")


@pytest.mark.parametrize(("first", "second"), [(2, 3), (2, 5), (1, 4)])
def test_two_swapped_entries_are_out_of_order(database: Database, path: Path, first: int, second: int) -> None:
    fill(database)
    sql(path, "UPDATE audit_log SET seq = -1 WHERE seq = ?", first)
    sql(path, "UPDATE audit_log SET seq = ? WHERE seq = ?", first, second)
    sql(path, "UPDATE audit_log SET seq = ? WHERE seq = -1", second)
    report = check(database)
    assert not report.ok and report.first_bad == first
    assert report.problem == f"entries out of order: entry {second} is stored as entry {first}"


def test_an_entry_replaced_with_a_recomputed_hash_breaks_the_next_link(database: Database, path: Path) -> None:
    # whoever rewrites entry 3 and recomputes its own hash still leaves entry 4 pointing at the old one
    fill(database)
    with sqlite3.connect(path) as connection:
        (prev_hash,) = connection.execute("SELECT prev_hash FROM audit_log WHERE seq = 3").fetchone()
    forged = audit.entry_hash(prev_hash, 3, "2026-10-01T02:03:00Z", "govern", "night.judged", "model:m1", "{}")
    sql(path, "UPDATE audit_log SET payload = '{}', hash = ? WHERE seq = 3", forged)
    report = check(database)
    assert not report.ok and report.first_bad == 4
    assert report.problem is not None and report.problem.startswith("entry 4's link is broken")


def test_an_entry_added_behind_the_heads_back_is_named(database: Database, path: Path) -> None:
    fill(database, 2)
    with database.session() as session:
        last = session.get(AuditEntry, 2)
        assert last is not None
        fake = audit.entry_hash(last.hash, 3, "2026-10-01T03:00:00Z", "x", "k", "s", "{}")
    sql(
        path,
        "INSERT INTO audit_log (seq, at, actor, kind, subject, payload, prev_hash, hash) VALUES (3, ?, 'x', 'k', 's', "
        "'{}', ?, ?)",
        "2026-10-01 03:00:00.000000",
        last.hash,
        fake,
    )
    report = check(database)
    assert not report.ok and report.first_bad == 3 and "past the chain's head" in str(report.problem)


# ---------------------------------------------------------------------------------------------- reading


def test_reading_filters_by_subject_and_time(database: Database) -> None:
    fill(database)
    with database.session() as session:
        assert [e.seq for e in audit.read(session)] == [1, 2, 3, 4, 5]
        assert [e.seq for e in audit.read(session, subjects={"model:m1"})] == [1, 3, 5]
        window = audit.read(session, start=AT + dt.timedelta(minutes=2), end=AT + dt.timedelta(minutes=4))
        assert [e.seq for e in window] == [2, 3, 4]
        assert audit.payload_of(window[0]) == {"night": "2026-10-01", "n": 2, "model": "m0"}
        assert audit.head(session) == (5, audit.read(session)[-1].hash)


# ---------------------------------------------------------------------------------------------- concurrency


def _seqs_and_writers(database: Database) -> tuple[list[int], list[tuple[str, int]]]:
    with database.session() as session:
        entries = audit.read(session)
    return [e.seq for e in entries], sorted((e.actor, json.loads(e.payload)["i"]) for e in entries)


def test_threads_appending_at_once_make_one_chain(database: Database) -> None:
    def write(writer: str) -> None:
        for i in range(25):
            with database.session() as session:
                audit.append(session, at=AT, actor=writer, kind="k", subject="s", payload={"i": i})

    threads = [threading.Thread(target=write, args=(f"t{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seqs, writers = _seqs_and_writers(database)
    assert seqs == list(range(1, 51))
    assert writers == sorted((f"t{n}", i) for n in range(2) for i in range(25))
    assert check(database).ok


WRITER = """
import datetime as dt, sys
from govern.respond import audit
from govern.respond.database import open_database
database = open_database(sys.argv[1], upgrade=False)
for i in range(int(sys.argv[3])):
    with database.session() as session:
        audit.append(session, at=dt.datetime.now(dt.UTC), actor=sys.argv[2], kind="k", subject="s", payload={"i": i})
"""


def test_processes_appending_at_once_to_one_file_make_one_chain(database: Database) -> None:
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, database.url, f"p{n}", "40"], stderr=subprocess.PIPE, text=True)
        for n in range(2)
    ]
    errors = [writer.communicate(timeout=120)[1] for writer in writers]
    assert [w.returncode for w in writers] == [0, 0], errors
    seqs, found = _seqs_and_writers(database)
    assert seqs == list(range(1, 81))
    assert found == sorted((f"p{n}", i) for n in range(2) for i in range(40))
    report = check(database)
    assert report.ok and report.head_seq == 80
