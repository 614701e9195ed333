"""End to end: the demo fleet built from scratch, then its 30 nights, each served (``demo.serve_night``: the
night's requests scored by the version the serving alias names) and governed by the real backfill flow on the
embedded Prefect API, the real MLflow registry (SQLite), real GE and NannyML. Every planted incident must be found
on the right model, for the right reason, in time; every healthy model must stay quiet on every night but the
one its feed fails."""

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

pytestmark = pytest.mark.e2e
GOVERN = str(Path(sys.executable).parent / "govern")

ROOT = Path(__file__).resolve().parents[2]
INCIDENT_MODELS = {incident.model for incident in INCIDENTS}
DEMO_NIGHTS = [night.isoformat() for night in DEMO_DATES]
FEED_FAILURES = {(model, night.isoformat()) for i in FEED_INCIDENTS for model in i.models for night in i.nights}
FEED_MODELS = {model for model, _ in FEED_FAILURES}


class DemoRun:
    def __init__(self, root: Path, summaries: list[dict[str, Any]], changed_files: tuple[Path, ...]) -> None:
        self.root = root
        self.changed_files = changed_files
        self.fleet_path = root / "configs" / "fleet.yaml"
        self.runs = root / "runs"
        self.summaries = summaries

    def result(self, night: str, model: str) -> dict[str, Any]:
        return json.loads((self.runs / night / "models" / f"{model}.json").read_text())

    def fleet(self, night: str) -> dict[str, Any]:
        return json.loads((self.runs / night / "fleet.json").read_text())

    def findings(self, model: str, section: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        """(night, finding) over all nights, optionally only one policy section's checks."""
        found = []
        for night in DEMO_NIGHTS:
            for finding in self.result(night, model)["findings"]:
                if section is None or finding["check"].startswith(section + "."):
                    found.append((night, finding))
        return found


def serve_and_govern(fleet_path: Path, nights: list[dt.date]) -> list[dict[str, Any]]:
    """The demo's nights as production runs them: each night's requests are served (scored by the version the
    serving alias names then, after the night's scheduled deployment), then the night is governed, so whatever
    the run does to the alias shows in the next night's batches. Returns the nights' summaries."""
    from demo import serve_night
    from flows.nightly import backfill

    summaries: list[dict[str, Any]] = []
    for night in nights:
        serve_night(fleet_path, night)
        # return_state: a night with a model in error ends Failed; its summaries are still the data (and asserted)
        state = backfill(fleet=str(fleet_path), start=night.isoformat(), end=night.isoformat(), return_state=True)
        summaries += state.result(raise_on_failure=False)
    return summaries


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    from demo import build_demo

    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(ROOT / "configs", root / "configs")
    shutil.copytree(ROOT / "expectations", root / "expectations")
    fleet_path = root / "configs" / "fleet.yaml"
    built = build_demo(fleet_path)
    summaries = serve_and_govern(fleet_path, list(DEMO_DATES))
    return DemoRun(root, summaries, built.changed_files)


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
