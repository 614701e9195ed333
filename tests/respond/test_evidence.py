"""Evidence exports: checked by the real ``sha256sum -c`` and the embedded standard-library script, and by
``verify_evidence``; one flipped byte of a result or an audit entry fails each check, naming the file or entry;
other models' entries stay links only; the zip is written atomically."""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import io
import json
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from govern.errors import ResultError
from govern.respond import audit, evidence
from govern.respond import verify_evidence as offline
from govern.respond.database import Database, open_database
from govern.respond.db import Action, Incident, IncidentEvent, IncidentFinding
from govern.results import ModelNightResult
from govern.store import ResultsStore
from tests.test_results import finding

AT = dt.datetime(2026, 10, 3, 9, 30, tzinfo=dt.UTC)
NIGHTS = ("2026-10-01", "2026-10-02")
PYTHON3 = shutil.which("python3") or sys.executable


@dataclass
class State:
    db: Database
    store: ResultsStore
    incident: int
    other_incident: int


def _incident(model: str, check: str, night: str, **fields: object) -> Incident:
    values: dict[str, object] = {
        "fleet": "demo",
        "key": f"{model}|{check}|income",
        "model": model,
        "feed": None,
        "check": check,
        "subject": "income",
        "type": "drift",
        "fault": "data",
        "sev": "SEV3",
        "status": "open",
        "title": f"{check} on {model}",
        "escalation": [],
        "first_night": night,
        "last_night": night,
        "opened_at": AT,
        "detected_at": AT,
        "updated_at": AT,
    }
    values.update(fields)
    return Incident(**values)


@pytest.fixture
def state(tmp_path: Path) -> State:
    db = open_database(f"sqlite:///{tmp_path / 'governance.db'}")
    store = ResultsStore(tmp_path / "runs")
    with db.session() as session:
        for night in NIGHTS:
            for model in ("credit", "fraud"):
                found = (finding(),) if (model, night) == ("credit", "2026-10-02") else ()
                result = ModelNightResult(
                    model=model, night=night, status="findings" if found else "healthy", findings=found
                )
                store.write_result(result)
                digest = hashlib.sha256(result.to_json().encode("utf-8")).hexdigest()
                audit.append(
                    session,
                    at=AT,
                    actor="govern",
                    kind="night.judged",
                    subject=f"model:{model}",
                    payload={"night": night, "result_sha256": digest, "status": result.status, "model": model},
                )
        credit = _incident("credit", "drift.feature", "2026-10-02", feed="loans")
        fraud = _incident("fraud", "security.client", "2026-10-01")
        session.add_all([credit, fraud])
        session.flush()
        session.add(IncidentEvent(incident_id=credit.id, at=AT, kind="opened", by="govern", night="2026-10-02"))
        session.add(
            IncidentFinding(
                incident_id=credit.id,
                night="2026-10-02",
                model="credit",
                check="drift.feature",
                subject="income",
                measured=0.3,
                threshold=0.1,
                comparison="<=",
                severity="medium",
                fault="data",
                policy="drift_standard",
                message="x",
                result_path=store.location("2026-10-02", "credit"),
                result_sha256="0" * 64,
            )
        )
        session.add(
            Action(
                key="denylist|fraud|c9",
                incident_id=fraud.id,
                kind="denylist",
                model="fraud",
                night="2026-10-01",
                status="done",
                params={"client": "c9"},
                requested_at=AT,
                requested_by="govern",
            )
        )
        opened: list[tuple[str, str | None, str]] = [
            (f"incident:{credit.id}", "credit", "loans"),
            ("feed:loans", None, "loans"),
        ]
        for subject, named, feed in opened:
            audit.append(
                session,
                at=AT,
                actor="govern",
                kind="incident.opened",
                subject=subject,
                payload={"model": named, "feed": feed},
            )
        audit.append(
            session,
            at=AT,
            actor="govern",
            kind="action.done",
            subject="model:fraud",
            payload={"model": "fraud", "feed": None, "client": "c9"},
        )
    return State(db, store, credit.id, fraud.id)


def export(state: State, out: Path) -> evidence.EvidenceSummary:
    return evidence.export_evidence(state.db, state.store, "credit", NIGHTS[0], NIGHTS[1], out, at=AT)


def unzip(path: Path, folder: Path) -> Path:
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
    return folder


def offline_checks(folder: Path) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """The documented offline command, for real: ``sha256sum -c SHA256SUMS`` and ``python3 verify_evidence.py``."""
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    script = subprocess.run([PYTHON3, "-I", "verify_evidence.py"], cwd=folder, capture_output=True, text=True)
    return sums, script


def rezip(path: Path, name: str, change: bytes) -> None:
    """Rewrite the zip with one member replaced (what someone editing the evidence would do)."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members[name] = change
    with zipfile.ZipFile(path, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


# ---------------------------------------------------------------------------------------------- a good export


def test_an_export_passes_every_check(state: State, tmp_path: Path) -> None:
    out = tmp_path / "out" / "credit.zip"
    summary = export(state, out)
    assert summary.nights == NIGHTS and summary.incidents == 1 and summary.unjudged == ()
    assert summary.chain_ok and summary.audit_entries == 7 and summary.full_entries == 4
    assert summary.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert str(summary).startswith(f"{out}: evidence of credit from 2026-10-01 to 2026-10-02: 2 results, 1 incidents")
    sums, script = offline_checks(unzip(out, tmp_path / "ev"))
    assert sums.returncode == 0 and sums.stdout.count(": OK") == 6, sums.stdout + sums.stderr
    assert script.returncode == 0 and script.stdout.startswith("OK: 6 files match SHA256SUMS"), script.stdout
    assert evidence.verify_evidence(out) == evidence.EvidenceCheck(True, ())
    assert evidence.verify_evidence(out, against=state.db).ok
    assert subprocess.run([PYTHON3, "-I", str(tmp_path / "ev" / "verify_evidence.py"), str(out)]).returncode == 0


def test_the_export_holds_the_models_results_incidents_and_chain(state: State, tmp_path: Path) -> None:
    out = tmp_path / "credit.zip"
    export(state, out)
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        read = {name: archive.read(name) for name in names}
    assert names == {
        "SHA256SUMS",
        "manifest.json",
        "verify_evidence.py",
        "incidents.json",
        "audit_log.jsonl",
        "results/2026-10-01/credit.json",
        "results/2026-10-02/credit.json",
    }
    assert read["results/2026-10-02/credit.json"] == (
        state.store.fs.cat_file(state.store.location(NIGHTS[1], "credit"))
    )
    assert read["verify_evidence.py"] == Path(offline.__file__).read_bytes()
    manifest = json.loads(read["manifest.json"])
    with state.db.session() as session:
        head = audit.head(session)
    assert manifest["chain_head"] == {"seq": head[0], "hash": head[1]} and manifest["created"] == "2026-10-03T09:30:00Z"
    assert [r["judged_in"] for r in manifest["results"]] == [1, 3]  # the entries that judged these very bytes
    incidents = json.loads(read["incidents.json"])
    assert [i["id"] for i in incidents["incidents"]] == [state.incident]
    assert [e["kind"] for e in incidents["incidents"][0]["events"]] == ["opened"]
    assert incidents["incidents"][0]["findings"][0]["check"] == "drift.feature"
    assert incidents["incidents"][0]["opened_at"] == "2026-10-03T09:30:00Z"
    lines = [json.loads(line) for line in read["audit_log.jsonl"].decode().splitlines()]
    assert [e["seq"] for e in lines] == list(range(1, 8))
    full = {e["seq"]: e for e in lines if "payload" in e}
    # credit's judgements, its incident and its feed's entry in full; fraud's entries as links only
    assert sorted(full) == [1, 3, 5, 6]
    others = [e for e in lines if e["seq"] not in full]
    assert all(set(e) == {"seq", "prev_hash", "hash"} for e in others) and len(others) == 3
    assert b"fraud" not in read["audit_log.jsonl"] and b"c9" not in read["incidents.json"]


# ---------------------------------------------------------------------------------------------- tampering


def test_one_flipped_byte_of_a_result_fails_every_check_naming_the_file(state: State, tmp_path: Path) -> None:
    out = tmp_path / "credit.zip"
    export(state, out)
    name = "results/2026-10-02/credit.json"
    folder = unzip(out, tmp_path / "ev")
    (folder / name).write_bytes(flip((folder / name).read_bytes(), 40))
    sums, script = offline_checks(folder)
    assert sums.returncode != 0 and f"{name}: FAILED" in sums.stdout
    assert script.returncode == 1 and f"FAILED: {name}: its SHA-256 does not match SHA256SUMS" in script.stdout
    rezip(out, name, (folder / name).read_bytes())
    check = evidence.verify_evidence(out)
    assert not check.ok and f"{name}: its SHA-256 does not match SHA256SUMS (the file was changed)" in check.problems
    assert any(p.startswith(f"{name}: its SHA-256 must be the one audit entry 3 recorded") for p in check.problems)


def test_one_flipped_byte_of_an_audit_entry_fails_every_check_naming_the_entry(state: State, tmp_path: Path) -> None:
    out = tmp_path / "credit.zip"
    export(state, out)
    folder = unzip(out, tmp_path / "ev")
    log = folder / "audit_log.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    lines[2] = lines[2].replace(b"2026-10-02", b"2026-10-03", 1)  # entry 3, a full entry of credit's: one byte
    log.write_bytes(b"".join(lines))
    sums, script = offline_checks(folder)
    assert sums.returncode != 0 and "audit_log.jsonl: FAILED" in sums.stdout
    assert "FAILED: audit_log.jsonl: entry 3 was edited: its hash does not match its content" in script.stdout
    rezip(out, "audit_log.jsonl", log.read_bytes())
    check = evidence.verify_evidence(out)
    assert "audit_log.jsonl: entry 3 was edited: its hash does not match its content" in check.problems


def test_a_forgery_that_recomputes_every_digest_is_caught_by_the_live_log(state: State, tmp_path: Path) -> None:
    # rewrite entry 3, rehash the chain from there, and redo the manifest and SHA256SUMS: offline it holds
    # together, but its head and hashes are not the live log's
    out = tmp_path / "credit.zip"
    export(state, out)
    with zipfile.ZipFile(out) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    entries = [json.loads(line) for line in files["audit_log.jsonl"].decode().splitlines()]
    previous = offline.GENESIS
    for entry in entries:
        entry["prev_hash"] = previous
        if entry["seq"] == 3:
            entry["actor"] = "someone else"
        if "payload" in entry:
            fields = [entry[f] for f in ("at", "actor", "kind", "subject", "payload")]
            entry["hash"] = offline.entry_hash(previous, entry["seq"], *fields)
        previous = entry["hash"]
    files["audit_log.jsonl"] = "".join(offline.canonical(e) + "\n" for e in entries).encode()
    manifest = json.loads(files["manifest.json"])
    manifest["chain_head"]["hash"] = previous
    files.pop("SHA256SUMS")
    manifest["files"] = {n: offline.sha256(c) for n, c in files.items() if n != "manifest.json"}
    files["manifest.json"] = json.dumps(manifest).encode()
    files["SHA256SUMS"] = offline.sums_text(files).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    out.write_bytes(buffer.getvalue())
    assert evidence.verify_evidence(out).ok  # offline it holds together: only the live log tells
    check = evidence.verify_evidence(out, against=state.db)
    assert check.problems == (
        f"audit_log.jsonl: entry 3 must be the live log's entry 3; its hash is {entries[2]['hash']}, the live one "
        f"{_live_hash(state.db, 3)}",
    )


def _live_hash(db: Database, seq: int) -> str:
    with db.session() as session:
        return next(e.hash for e in audit.read(session) if e.seq == seq)


def test_a_damaged_zip_or_a_missing_file_is_reported(state: State, tmp_path: Path) -> None:
    out = tmp_path / "credit.zip"
    export(state, out)
    data = out.read_bytes()
    corrupt = tmp_path / "corrupt.zip"
    start = data.index(b"results/2026-10-01/credit.json") + 60  # inside that member's compressed bytes
    corrupt.write_bytes(flip(data, start))
    check = evidence.verify_evidence(corrupt)
    assert not check.ok and "must be readable" in check.problems[0]
    with zipfile.ZipFile(out) as archive:
        kept = {n: archive.read(n) for n in archive.namelist() if n != "incidents.json"}
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in kept.items():
            archive.writestr(name, content)
    assert "incidents.json: listed in SHA256SUMS but missing from the export" in evidence.verify_evidence(out).problems
    assert not evidence.verify_evidence(tmp_path / "absent.zip").ok


# ---------------------------------------------------------------------------------------------- writing


def test_the_zip_is_written_atomically(state: State, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "credit.zip"
    out.write_bytes(b"the previous export")

    def broken(*args: object) -> bytes:
        raise OSError("disk full")

    monkeypatch.setattr(evidence, "_zip", broken)
    with pytest.raises(OSError, match="disk full"):
        export(state, out)
    assert out.read_bytes() == b"the previous export"
    monkeypatch.undo()
    replaced: list[tuple[str, str]] = []
    real_replace = evidence.write_bytes_atomic.__globals__["os"].replace

    def spy(source: str, target: Path) -> None:
        replaced.append((str(source), str(target)))
        real_replace(source, target)

    monkeypatch.setattr(evidence.write_bytes_atomic.__globals__["os"], "replace", spy)
    export(state, out)
    assert replaced and replaced[0][1] == str(out) and Path(replaced[0][0]).parent == out.parent
    assert evidence.verify_evidence(out).ok and sorted(p.name for p in tmp_path.glob("*.zip*")) == ["credit.zip"]


def test_one_export_is_one_byte_string(state: State, tmp_path: Path) -> None:
    export(state, tmp_path / "a.zip")
    export(state, tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_a_period_or_model_that_makes_no_sense_is_refused(state: State, tmp_path: Path) -> None:
    out = tmp_path / "x.zip"
    with pytest.raises(ResultError, match=r"--from must be a night such as 2026-10-18; got '2026-13-01' instead"):
        evidence.export_evidence(state.db, state.store, "credit", "2026-13-01", "2026-10-02", out, at=AT)
    with pytest.raises(ResultError, match=r"--from must be on or before --to"):
        evidence.export_evidence(state.db, state.store, "credit", "2026-10-02", "2026-10-01", out, at=AT)
    with pytest.raises(ResultError, match=r"must be a name"):
        evidence.export_evidence(state.db, state.store, "../etc", "2026-10-01", "2026-10-02", out, at=AT)
    with pytest.raises(ResultError, match=r"found none \(is the model's name right\?\)"):
        evidence.export_evidence(state.db, state.store, "credti", "2026-10-01", "2026-10-02", out, at=AT)
    assert not out.exists()


def test_the_offline_script_uses_only_the_standard_library() -> None:
    tree = ast.parse(Path(offline.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert imported and {name.split(".")[0] for name in imported} <= set(sys.stdlib_module_names)
