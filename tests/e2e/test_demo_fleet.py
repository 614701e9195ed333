"""End to end: the demo fleet built from scratch, then its 30 nights, each served (``demo.serve_night``: the
night's requests scored by the version the serving alias names), governed and responded to by the real demo
flow (``flows.demo``) on the embedded Prefect API, the real MLflow registry (SQLite), real GE and NannyML, and
the real incident database. Every planted incident must be found on the right model, for the right reason, in
time, and contained by the right playbook; every healthy model must stay quiet on every night but the one its
feed fails."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from demo import DEMO_NIGHTS as DEMO_DATES
from demo import FEED_INCIDENTS, INCIDENTS
from govern.store import ResultsStore
from tests.e2e.conftest import DemoRun

pytestmark = pytest.mark.e2e
GOVERN = str(Path(sys.executable).parent / "govern")

ROOT = Path(__file__).resolve().parents[2]
INCIDENT_MODELS = {incident.model for incident in INCIDENTS}
DEMO_NIGHTS = [night.isoformat() for night in DEMO_DATES]
FEED_FAILURES = {(model, night.isoformat()) for i in FEED_INCIDENTS for model in i.models for night in i.nights}
FEED_MODELS = {model for model, _ in FEED_FAILURES}


def test_the_committed_configs_and_suites_are_what_the_generator_writes(demo: DemoRun) -> None:
    assert demo.changed_files == ()  # a build over the committed configs/ and expectations/ leaves them as they are


def test_every_model_is_recorded_every_night_without_errors(demo: DemoRun) -> None:
    models = sorted(p.stem for p in (demo.root / "configs" / "models").glob("*.yaml"))
    assert len(models) >= 24
    assert [s["night"] for s in demo.summaries] == list(DEMO_NIGHTS)
    for night in DEMO_NIGHTS:
        summary = demo.fleet(night)
        assert [line["model"] for line in summary["models"]] == models
        errors = {line["model"]: line["errors"] for line in summary["models"] if line["status"] == "error"}
        assert errors == {}, f"{night}: {errors}"


def test_healthy_models_stay_quiet_every_night(demo: DemoRun) -> None:
    noise = []
    for night in DEMO_NIGHTS:
        for line in demo.fleet(night)["models"]:
            planted = line["model"] in INCIDENT_MODELS or (line["model"], night) in FEED_FAILURES
            if not planted and line["status"] != "healthy":
                findings = demo.result(night, line["model"])["findings"]
                noise += [f"{night} {line['model']}: {f['message']}" for f in findings]
    assert noise == []


@pytest.mark.parametrize("incident", FEED_INCIDENTS, ids=lambda i: f"{i.feed}-{i.kind}")
def test_planted_feed_failure_is_bad_data_for_each_model_of_the_feed_that_night_only(
    demo: DemoRun, incident: Any
) -> None:
    failed = {n.isoformat() for n in incident.nights}
    for model in incident.models:
        for night in DEMO_NIGHTS:
            result = demo.result(night, model)
            if result["evidence"]["validation"] is None:  # refused: the response disabled the feed after it failed
                assert night > min(failed) and incident.feed in result["evidence"]["feed_disabled"], (model, night)
                continue
            assert result["evidence"]["validation"]["bad_data"] is (night in failed), (model, night)
            if night in failed:
                critical = [f for f in result["findings"] if f["check"] == "data_quality.critical_expectation"]
                assert {f["subject"] for f in critical} == set(incident.expectations), model
                assert {f["fault"] for f in critical} == {"data"}


@pytest.mark.parametrize("incident", INCIDENTS, ids=lambda i: f"{i.model}-{i.kind}")
def test_planted_incident_is_found_for_the_right_reason_in_time(demo: DemoRun, incident: Any) -> None:
    first, detect_by = incident.first_night.isoformat(), incident.detect_by.isoformat()
    for section in incident.sections:
        in_time = [(night, f) for night, f in demo.findings(incident.model, section) if first <= night <= detect_by]
        assert in_time, f"{incident.model}: no {section} finding between {first} and {detect_by}"
    primary = [f for night, f in demo.findings(incident.model, incident.sections[0]) if night >= first]
    assert any(
        any(subject in f["subject"] or subject in f["message"] for subject in incident.subjects) for f in primary
    ), f"{incident.model}: {incident.sections[0]} findings name none of {incident.subjects}"
    assert {f["fault"] for f in primary} == {incident.fault}
    quiet_before = [(night, f["message"]) for night, f in demo.findings(incident.model) if night < first]
    assert quiet_before == []


def test_bad_upstream_data_is_blamed_on_the_data(demo: DemoRun) -> None:
    for night in DEMO_NIGHTS:
        result = demo.result(night, "loan_approval_us")
        broken = "2026-10-18" <= night <= "2026-10-23"  # the upstream fix ships for the delivery of 10-24
        if result["evidence"]["validation"] is None:  # refused: the response disabled the feed after 10-18
            assert night > "2026-10-18" and "loan_applications" in result["evidence"]["feed_disabled"], night
            continue
        assert result["evidence"]["validation"]["bad_data"] is broken
        if broken:
            assert result["fault"] == "data"
            assert any(
                f["check"] == "data_quality.critical_expectation" and "annual_income" in f["subject"]
                for f in result["findings"]
            )


def test_churn_decay_is_seen_in_the_estimate_before_labels_confirm_it(demo: DemoRun) -> None:
    estimated = [
        n
        for n, f in demo.findings("churn_retail", "performance")
        if f["check"].startswith("performance.estimated_roc_auc")
    ]
    realized = [
        n
        for n, f in demo.findings("churn_retail", "performance")
        if f["check"].startswith("performance.realized_roc_auc")
    ]
    assert estimated and realized
    assert min(estimated) < min(realized)
    first_realized = demo.result(min(realized), "churn_retail")
    # the labels confirm the decay on a batch from the days the estimate was flagging it (10 days' delay)
    confirmed_batch = dt.date.fromisoformat(first_realized["evidence"]["labelled_night"])
    assert confirmed_batch >= dt.date.fromisoformat(min(estimated)) - dt.timedelta(days=3)


def test_worse_new_version_is_pinned_on_the_version_change(demo: DemoRun) -> None:
    versions = {night: demo.result(night, "credit_default_pd")["evidence"]["model_version"] for night in DEMO_NIGHTS}
    assert {versions[n] for n in DEMO_NIGHTS if n < "2026-10-16"} == {"2"}
    # served by v3 on the night its deployment moved the alias; the response rolls the alias back to v2 in that
    # night's run, and the serving step scores the following nights with v2
    assert versions["2026-10-16"] == "3" and {versions[n] for n in DEMO_NIGHTS if n > "2026-10-16"} == {"2"}
    findings = demo.result("2026-10-16", "credit_default_pd")["findings"]
    estimated = [f for f in findings if f["check"] == "performance.estimated_roc_auc"]
    assert estimated and estimated[0]["fault"] == "model" and "version 3" in estimated[0]["message"]
    regression = [f for f in findings if f["check"] == "performance.version_regression"]
    assert regression and regression[0]["subject"] == "version 3 vs 2" and regression[0]["fault"] == "model"
    comparison = demo.result("2026-10-16", "credit_default_pd")["evidence"]["performance"]["version_comparison"]
    assert comparison["previous_value"] - comparison["value"] > 0.1
    before = demo.result("2026-10-15", "credit_default_pd")["evidence"]["performance"]["version_comparison"]
    assert before["version"] == "2" and before["value"] > before["previous_value"]  # v2 was an improvement


def test_prefect_recorded_the_flow_runs_and_artifacts(demo: DemoRun) -> None:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs()
        artifacts = client.read_artifacts()
    assert any(r.name and r.state and r.state.is_completed() for r in runs)
    keys = {a.key for a in artifacts}
    assert {f"governance-{night}" for night in DEMO_NIGHTS} <= keys


# ---------------------------------------------------------------------------------------------- the response


def _month(demo: DemoRun) -> Any:
    """The incident database as the month left it (a copy: later tests rerun nights on the live one)."""
    from govern.respond.database import open_database

    return open_database(f"sqlite:///{demo.root / 'governance-after-the-month.db'}")


def _registry(demo: DemoRun) -> Any:
    from govern.config import load_fleet
    from govern.registry import MlflowRegistry

    return MlflowRegistry.for_fleet(load_fleet(demo.fleet_path))


def test_the_loan_pipeline_change_disables_the_feed_and_does_not_roll_back(demo: DemoRun) -> None:
    from sqlalchemy import select

    from govern.respond import incidents
    from govern.respond.db import Action, Feed

    with _month(demo) as db, db.session() as session:
        (incident,) = [i for i in incidents.listing(session, model="loan_approval_us")
                       if i.check == "data_quality.critical_expectation"]  # fmt: skip
        assert incident.first_night == "2026-10-18" and incident.fault == "data"
        actions = session.scalars(select(Action).where(Action.model == "loan_approval_us")).all()
        assert {a.kind for a in actions} == {"quarantine_batch", "disable_feed"}
        assert all(a.status == "done" and a.night == "2026-10-18" for a in actions)
        assert incident.contained_at is not None and incident.time_to_contain_s == 0
        feed = session.get(Feed, "loan_applications")
        assert feed is not None and feed.status == "enabled" and feed.by == "Priya Raman"  # re-enabled 10-25
        assert incident.status == "resolved" and incident.resolved_by == "Priya Raman"
    refused = [n for n in DEMO_NIGHTS if demo.result(n, "loan_approval_us")["evidence"]["feed_disabled"]]
    assert refused == [f"2026-10-{d}" for d in range(19, 25)]  # from the night after, until re-enabled
    assert _registry(demo).version_by_alias("loan_approval_us", "champion").version == "2"


def test_the_shared_feed_failure_is_one_incident_naming_the_feed(demo: DemoRun) -> None:
    from govern.respond import incidents

    (planted,) = FEED_INCIDENTS
    with _month(demo) as db, db.session() as session:
        feeds = [i for i in incidents.listing(session) if i.model is None]
        assert [(i.feed, i.first_night) for i in feeds] == [(planted.feed, planted.nights[0].isoformat())]
        models = {f.model for f in incidents.findings(session, feeds[0].id)}
        assert models == set(planted.models)
        for model in planted.models:  # none of them opened an incident of its own
            assert incidents.listing(session, model=model) == []
        assert feeds[0].status == "resolved"


def test_the_bad_credit_version_is_rolled_back_on_the_night_it_is_caught(demo: DemoRun) -> None:
    from sqlalchemy import select

    from govern.respond import incidents
    from govern.respond.db import Action, IncidentEvent

    registry = _registry(demo)
    assert registry.version_by_alias("credit_default_pd", "champion").version == "2"
    assert registry.get_version("credit_default_pd", "3").tags["governance.status"] == "quarantined"
    assert registry.get_version("credit_default_pd", "2").tags["governance.status"] == "passed"
    with _month(demo) as db, db.session() as session:
        done = select(Action).where(Action.kind == "rollback", Action.status == "done")
        (rollback,) = session.scalars(done).all()  # the one rollback of the month: the others had no safe version
        assert rollback.model == "credit_default_pd" and rollback.night == "2026-10-16" and rollback.status == "done"
        assert (rollback.params["from_version"], rollback.params["to_version"]) == ("3", "2")
        credit = incidents.listing(session, model="credit_default_pd")
        assert credit and all(i.status in ("contained", "resolved") for i in credit)
        estimated = next(i for i in credit if i.check == "performance.estimated_roc_auc")
        resolved = session.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == estimated.id,
                                                               IncidentEvent.kind == "resolved")).one()  # fmt: skip
        assert resolved.detail["within_rto"] is True
    later = [demo.result(n, "credit_default_pd") for n in DEMO_NIGHTS if n > "2026-10-16"]
    assert all(r["evidence"]["model_version"] == "2" for r in later)
    assert all(not any(f["check"].startswith("performance.estimated") for f in r["findings"]) for r in later)


def test_fairness_incidents_without_a_safe_version_escalate_with_a_recommendation(demo: DemoRun) -> None:
    from govern.respond import incidents

    with _month(demo) as db, db.session() as session:
        for model in ("mortgage_approval", "resume_screening"):
            fairness = [i for i in incidents.listing(session, model=model) if i.type == "fairness"]
            assert fairness, model
            for incident in fairness:
                assert "no safe version" in (incident.recommendation or ""), (model, incident.check)
                assert "human review" in incident.recommendation
                assert incident.escalation_level >= 1
            primary = {"mortgage_approval": "race", "resume_screening": "university_tier"}[model]
            (main,) = [i for i in fairness if i.check == "fairness.impact_ratio" and i.subject == primary]
            assert main.status == "acknowledged"  # acknowledged by its owner, open until the model is reworked
    assert _registry(demo).version_by_alias("mortgage_approval", "champion").version == "2"


def test_the_fraud_client_is_denylisted_and_the_model_is_not_rolled_back(demo: DemoRun) -> None:
    clients = json.loads((demo.root / ".state" / "serving" / "denylist.json").read_text())["clients"]
    assert [(c["model"], c["client"], c["by"]) for c in clients] == [
        ("fraud_card_payments", "client_orbitpay", "Tomas Alvarez")
    ]
    assert _registry(demo).version_by_alias("fraud_card_payments", "champion").version == "2"


def test_the_healthy_models_have_no_incidents_and_the_audit_log_proves_itself(demo: DemoRun) -> None:
    from govern.respond import audit, incidents

    with _month(demo) as db, db.session() as session:
        models = {i.model for i in incidents.listing(session) if i.model is not None}
        assert models == INCIDENT_MODELS
        chain = audit.verify(session)
        assert chain.ok and chain.entries > len(DEMO_NIGHTS) * 26


def test_editing_one_byte_of_the_audit_log_makes_verify_fail_at_that_entry(demo: DemoRun) -> None:
    import sqlite3

    import yaml

    copy = demo.root / "tampered.db"
    shutil.copy(demo.root / "governance-after-the-month.db", copy)
    fleet = yaml.safe_load(demo.fleet_path.read_text())
    tampered_fleet = demo.fleet_path.with_name("tampered.yaml")
    tampered_fleet.write_text(yaml.safe_dump({**fleet, "incident_db": f"sqlite:///{copy}"}))
    intact = subprocess.run([GOVERN, "audit-log", "verify", "--fleet", str(tampered_fleet)], capture_output=True,
                            text=True)  # fmt: skip
    assert intact.returncode == 0 and "intact" in intact.stdout, intact.stderr
    with sqlite3.connect(copy) as db:
        (payload,) = db.execute("SELECT payload FROM audit_log WHERE seq = 100").fetchone()
        db.execute("UPDATE audit_log SET payload = ? WHERE seq = 100", (payload.replace(":", ";", 1),))
    broken = subprocess.run([GOVERN, "audit-log", "verify", "--fleet", str(tampered_fleet)], capture_output=True,
                            text=True)  # fmt: skip
    assert broken.returncode == 1 and "entry 100" in broken.stderr, broken.stderr


def test_rerunning_a_night_replaces_its_results(demo: DemoRun) -> None:
    from flows.nightly import nightly

    night = "2026-10-18"
    before = {m: demo.result(night, m) for m in ("loan_approval_us", "fraud_card_payments")}
    files_before = sorted(p.name for p in (demo.runs / night / "models").iterdir())
    summary = nightly(
        fleet=str(demo.fleet_path),
        night=night,
        models=["loan_approval_us", "fraud_card_payments"],
    )
    assert sorted(p.name for p in (demo.runs / night / "models").iterdir()) == files_before
    assert len(demo.fleet(night)["models"]) == len(files_before)  # the other models are kept, once
    assert [m["model"] for m in summary["models"]] == [p.removesuffix(".json") for p in files_before]
    for model, old in before.items():
        new = demo.result(night, model)
        assert new["findings"] == old["findings"]
        assert new["run"]["flow_run_id"] != old["run"]["flow_run_id"]
        kept = ResultsStore(demo.runs).superseded(night, model)  # the result the rerun replaced is kept
        assert [r.run.flow_run_id for r in kept] == [old["run"]["flow_run_id"]]


def test_every_result_reads_back_typed_and_the_history_covers_every_night(demo: DemoRun) -> None:
    store = ResultsStore(demo.runs)
    assert store.nights() == DEMO_NIGHTS
    for night in DEMO_NIGHTS:
        summary = store.read_fleet(night)
        assert summary.to_dict() == demo.fleet(night)  # the typed summary is the file, both ways
    churn = store.history("churn_retail")
    assert [r.night for r in churn] == DEMO_NIGHTS
    assert all(r.to_dict() == demo.result(r.night, "churn_retail") for r in churn)


def test_history_and_show_read_the_demo_nights(demo: DemoRun) -> None:
    fleet = ["--fleet", str(demo.fleet_path)]
    history = subprocess.run([GOVERN, "history", "churn_retail", *fleet], capture_output=True, text=True)
    assert history.returncode == 0, history.stderr
    lines = [line for line in history.stdout.splitlines() if line.startswith("2026-")]
    assert [line.split()[0] for line in lines] == DEMO_NIGHTS
    assert "roc_auc" in lines[0] and "healthy" in history.stdout and "findings" in history.stdout
    as_json = subprocess.run(
        [GOVERN, "history", "churn_retail", "--from", "2026-10-18", "--to", "2026-10-20", "--json", *fleet],
        capture_output=True,
        text=True,
    )
    nights = json.loads(as_json.stdout)
    assert [n["night"] for n in nights] == ["2026-10-18", "2026-10-19", "2026-10-20"]
    assert all(n["sla_metric"] == "roc_auc" and n["estimated"] is not None for n in nights)
    assert nights[0]["findings"].get("high", 0) >= 1  # the estimate breaks the SLA from 10-18 on
    shown = subprocess.run(
        [GOVERN, "show", "loan_approval_us", "--night", "2026-10-18", *fleet], capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert text.splitlines()[0].startswith("loan_approval_us on 2026-10-18: FINDINGS")  # the verdict first
    assert text.index("Findings") < text.index("Figures")
    assert "data_quality.critical_expectation" in text and "annual_income" in text
    raw = subprocess.run(
        [GOVERN, "show", "loan_approval_us", "--night", "2026-10-18", "--json", *fleet],
        capture_output=True,
        text=True,
    )
    assert json.loads(raw.stdout) == demo.result("2026-10-18", "loan_approval_us")


def test_one_models_missing_batch_does_not_stop_the_others(demo: DemoRun) -> None:
    from flows.nightly import nightly

    night = DEMO_NIGHTS[-1]
    # the first model that is healthy all month: not an incident model, and its feed never failed (a failed feed
    # is disabled by the response until a person re-enables it, and a disabled feed's batches are refused)
    quiet = {p.stem for p in (demo.root / "configs" / "models").glob("*.yaml")} - INCIDENT_MODELS - FEED_MODELS
    batch = next((demo.root / ".state").rglob(f"{min(quiet)}/batches/{night}.parquet"))
    model = batch.parent.parent.name
    hidden = batch.with_suffix(".hidden")
    batch.rename(hidden)
    try:
        summary = nightly(fleet=str(demo.fleet_path), night=night)
    finally:
        hidden.rename(batch)
    lines = {line["model"]: line for line in summary["models"]}
    # a batch that did not arrive is a freshness finding of that model (its late labels still judged), not an error
    assert lines[model]["status"] == "findings" and "data_quality.batch_missing" in lines[model]["checks"]
    (finding,) = [f for f in demo.result(night, model)["findings"] if f["check"] == "data_quality.batch_missing"]
    assert str(batch) in finding["message"]
    assert all(line["status"] != "error" for line in lines.values())


def test_a_second_run_of_the_same_night_changes_nothing(demo: DemoRun) -> None:
    """The credit night again, after the month: the same judgement, so no incident, action or event is new and
    the alias is not moved again."""
    from sqlalchemy import func, select

    from flows.nightly import nightly
    from govern.respond.database import open_database
    from govern.respond.db import Action, AuditEntry, Incident, IncidentEvent

    def counts() -> tuple[int, ...]:
        with open_database(f"sqlite:///{demo.root / '.state' / 'governance.db'}") as db, db.session() as session:
            return tuple(int(session.scalar(select(func.count()).select_from(t)) or 0)
                         for t in (Incident, IncidentEvent, Action))  # fmt: skip

    before = counts()
    nightly(fleet=str(demo.fleet_path), night="2026-10-16")
    assert counts() == before
    assert _registry(demo).version_by_alias("credit_default_pd", "champion").version == "2"
    with open_database(f"sqlite:///{demo.root / '.state' / 'governance.db'}") as db, db.session() as session:
        judged = session.scalars(select(AuditEntry).where(AuditEntry.kind == "night.judged")).all()
        credit = [
            e for e in judged if '"model":"credit_default_pd"' in e.payload and '"night":"2026-10-16"' in e.payload
        ]
        assert len(credit) == 1  # the rerun judged the same: no second night.judged entry for it
