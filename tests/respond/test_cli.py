"""The people's commands on the command line: ``govern incidents``, ``feed``, ``audit-log verify``, ``evidence``,
over the same small world as the response tests (a real SQLite incident database)."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from cli.app import app
from govern.respond.db import AuditEntry, Feed
from tests.respond.world import CRITICAL, NIGHTS, finding, night, result

runner = CliRunner()


def govern(world: dict[str, Any], *args: str) -> Any:
    return runner.invoke(app, [*args, "--fleet", str(world["fleet"].path)])


def test_list_show_ack_and_resolve(world: dict[str, Any]) -> None:
    night(world, NIGHTS[0], {"loan": result("loan", NIGHTS[0], finding(*CRITICAL))})
    listed = govern(world, "incidents", "list", "--json")
    assert listed.exit_code == 0, listed.output
    (line,) = json.loads(listed.output)
    assert line["model"] == "loan" and line["status"] == "contained" and line["sev"] in ("SEV2", "SEV3")
    shown = govern(world, "incidents", "show", str(line["id"]))
    assert "data_quality.critical_expectation" in shown.output and "disable_feed" in shown.output
    acked = govern(world, "incidents", "ack", str(line["id"]), "--by", "Priya Raman", "--at", "2026-10-02T09:30:00Z")
    assert acked.exit_code == 0 and "acknowledged" in acked.output
    refused = govern(world, "incidents", "resolve", str(line["id"]), "--by", "govern", "--note", "x")
    assert refused.exit_code != 0  # the automation's own name is not a person's
    enabled = govern(world, "feed", "enable", "loan_applications", "--by", "Priya Raman", "--reason", "fixed upstream")
    assert enabled.exit_code == 0, enabled.output
    with world["db"].session() as session:
        assert session.get(Feed, "loan_applications").status == "enabled"
    resolved = govern(world, "incidents", "resolve", str(line["id"]), "--by", "Priya Raman", "--note", "fixed")
    assert resolved.exit_code == 0 and "resolved" in resolved.output
    document = json.loads(govern(world, "incidents", "show", str(line["id"]), "--json").output)
    assert [e["kind"] for e in document["events"]][-2:] == ["feed_enabled", "resolved"]
    assert document["acknowledged"]["by"] == "Priya Raman"


def test_approve_from_the_command_line(world: dict[str, Any]) -> None:
    shifted = result("payments", NIGHTS[0], finding("segments.share_increase", "client_x", 0.3, 0.1, "<="))
    night(world, NIGHTS[0], {"payments": shifted})
    (line,) = json.loads(govern(world, "incidents", "list", "--json", "--model", "payments").output)
    approved = govern(world, "incidents", "approve", str(line["id"]), "--by", "Tomas Alvarez")
    assert approved.exit_code == 0, approved.output
    assert "denylisted" in approved.output
    again = govern(world, "incidents", "approve", str(line["id"]), "--by", "Tomas Alvarez")
    assert again.exit_code != 0 and "awaiting approval" in str(again.exception)  # decided once


def test_audit_log_verify_names_the_edited_entry(world: dict[str, Any]) -> None:
    night(world, NIGHTS[0], {"loan": result("loan", NIGHTS[0], finding(*CRITICAL))})
    intact = govern(world, "audit-log", "verify")
    assert intact.exit_code == 0 and "intact" in intact.output
    with world["db"].session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.seq == 3)).one()
        entry.actor = entry.actor + "x"
    broken = runner.invoke(app, ["audit-log", "verify", "--fleet", str(world["fleet"].path)])
    assert broken.exit_code == 1 and "entry 3" in broken.output


def test_evidence_export_checks_offline(world: dict[str, Any], tmp_path: Path) -> None:
    night(world, NIGHTS[0], {"loan": result("loan", NIGHTS[0], finding(*CRITICAL))})
    night(world, NIGHTS[1])
    out = tmp_path / "loan-evidence.zip"
    exported = govern(world, "evidence", "loan", "--from", NIGHTS[0], "--to", NIGHTS[1], "--out", str(out))
    assert exported.exit_code == 0, exported.output
    folder = tmp_path / "ev"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(folder)
    subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, check=True, capture_output=True)
    checked = subprocess.run(["python3", "verify_evidence.py"], cwd=folder, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_history_marks_a_quarantined_night(world: dict[str, Any]) -> None:
    night(world, NIGHTS[0], {"loan": result("loan", NIGHTS[0], finding(*CRITICAL))})
    night(world, NIGHTS[1])
    shown = govern(world, "history", "loan", "--json")
    assert shown.exit_code == 0, shown.output
    lines = {line["night"]: line for line in json.loads(shown.output)}
    assert lines[NIGHTS[0]]["quarantined"] is True and lines[NIGHTS[1]]["quarantined"] is False
    assert "findings (quarantined)" in govern(world, "history", "loan").output


def test_a_refused_rollback_is_on_the_record(world: dict[str, Any]) -> None:
    import pytest

    from govern.errors import ContainmentError
    from govern.respond import human
    from tests.respond.world import at_of

    night(world, NIGHTS[0])
    with pytest.raises(ContainmentError, match="no version to roll back to"):  # no other version ever passed
        human.rollback(world["responder"], "hiring", by="Sofia Novak", at=at_of(NIGHTS[0], 9))
    with world["db"].session() as session:
        (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.kind == "command.rollback")).all()
        assert entry.actor == "Sofia Novak" and "refused" in entry.payload and "recorded_at" in entry.payload
