"""Result documents: they read back into the same types, their JSON Schemas are the committed ones, and the
schema_version rule is enforced when a file is loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govern.errors import ResultError
from govern.results import (
    SCHEMA_VERSION,
    AppliedRule,
    ColumnDrift,
    DriftReport,
    DriftResult,
    DriftThresholds,
    Evidence,
    Finding,
    FleetSummary,
    MetricValue,
    ModelNightResult,
    PerformanceResult,
    RunInfo,
    StageError,
    json_schema,
)
from govern.rulebook import Severity

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


def finding(*, check: str = "drift.feature", severity: Severity = Severity.MEDIUM, fault: str = "data") -> Finding:
    return Finding(
        check=check,
        subject="income",
        measured=0.2,
        threshold=0.1,
        comparison="<=",
        severity=severity,
        fault=fault,  # type: ignore[arg-type]
        policy="drift_standard",
        message="feature income drifted",
    )


def metric(*, value: float | None = 0.8, kind: str = "estimated") -> MetricValue:
    return MetricValue(
        metric="roc_auc",
        kind=kind,  # type: ignore[arg-type]
        batch_night="2026-10-01",
        value=value,
        lower=None if value is None else value - 0.02,
        upper=None if value is None else value + 0.02,
        sampling_error=0.01,
        lower_threshold=0.7,
        upper_threshold=None,
        alert=False,
        reference=0.85,
        n=1000,
    )


def column(*, name: str = "income", js: float = 0.2) -> ColumnDrift:
    return ColumnDrift(
        column=name,
        kind="numeric",
        n_reference=100,
        n_current=100,
        null_fraction_reference=0.0,
        null_fraction_current=0.0,
        jensen_shannon=js,
        psi=float("nan"),
        wasserstein=None,
        ks_statistic=0.3,
        ks_pvalue=0.01,
        chi2_statistic=None,
        chi2_pvalue=None,
        mean_reference=1.0,
        mean_current=2.0,
        drifted=js > 0.1,
        exceeded=("jensen_shannon",) if js > 0.1 else (),
    )


def result(**overrides: object) -> ModelNightResult:
    values: dict[str, object] = {
        "model": "loan",
        "night": "2026-10-01",
        "status": "findings",
        "evidence": Evidence(
            model_version="2",
            rows=100,
            performance=PerformanceResult(metrics=(metric(), metric(kind="realized", value=None))),
            drift=DriftResult(features=DriftReport(thresholds=DriftThresholds(), columns=(column(),))),
        ),
        "findings": (finding(), finding(check="fairness.impact_ratio", severity=Severity.HIGH, fault="model")),
        "rules": (AppliedRule(section="drift", name="max_psi", value=0.2, source="default"),),
        "run": RunInfo(flow_run_id="abc"),
    }
    values.update(overrides)
    return ModelNightResult(**values)  # type: ignore[arg-type]


def test_a_result_reads_back_into_the_same_type() -> None:
    original = result()
    loaded = ModelNightResult.from_json(original.to_json())
    assert loaded == original
    assert loaded.max_severity is Severity.HIGH and loaded.fault == "data"  # derived fields are recomputed


def test_nan_is_null_in_memory_and_in_json() -> None:
    drift = result().evidence.drift
    assert drift is not None and drift.features.columns[0].psi is None
    payload = json.loads(result().to_json())
    assert payload["evidence"]["drift"]["features"]["columns"][0]["psi"] is None
    assert payload["evidence"]["drift"]["features"]["n_drifted"] == 1
    assert payload["max_severity"] == "high"


def test_the_fleet_summary_is_built_from_results_and_reads_back() -> None:
    error = result(
        model="cards", status="error", findings=(), errors=(StageError(stage="load", error="DataError", message="x"),)
    )
    summary = FleetSummary.of("2026-10-01", [result(), error], RunInfo(seconds=1.5))
    assert [line.model for line in summary.models] == ["cards", "loan"]
    assert summary.counts == {"healthy": 0, "incomplete": 0, "findings": 1, "error": 1}
    assert summary.line("loan").checks == ("drift.feature", "fairness.impact_ratio")
    assert FleetSummary.from_json(summary.to_json()) == summary


@pytest.mark.parametrize("document", ["result", "fleet"])
def test_the_committed_schema_is_the_codes(document: str) -> None:
    committed = json.loads((SCHEMAS / f"{document}.schema.json").read_text())
    assert committed == json_schema(document), f"run: govern schema {document} > schemas/{document}.schema.json"
    assert committed["x-schema-version"] == SCHEMA_VERSION


def test_documents_validate_against_their_published_schemas() -> None:
    import jsonschema

    jsonschema.validate(json.loads(result().to_json()), json_schema("result"))
    summary = FleetSummary.of("2026-10-01", [result()], RunInfo())
    jsonschema.validate(json.loads(summary.to_json()), json_schema("fleet"))
    broken = json.loads(result().to_json())
    broken["status"] = "fine"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, json_schema("result"))


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("1.0", "older major version"),
        ("3.0", "newer version of model-governance"),
        (f"{SCHEMA_VERSION.split('.')[0]}.{int(SCHEMA_VERSION.split('.')[1]) + 1}", "newer version"),
        ("two", "must be MAJOR.MINOR"),
    ],
)
def test_a_schema_version_this_reader_cannot_read_is_refused(version: str, message: str) -> None:
    payload = json.loads(result().to_json())
    payload["schema_version"] = version
    with pytest.raises(ResultError, match=message):
        ModelNightResult.from_json(json.dumps(payload), source="runs/x.json")


def test_an_older_minor_of_the_same_major_loads_and_a_newer_one_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    import govern.results

    monkeypatch.setattr(govern.results, "SCHEMA_VERSION", "2.3")  # as if two optional fields had been added
    payload = json.loads(result().to_json())
    for older in ("2.0", "2.3"):
        payload["schema_version"] = older
        loaded = ModelNightResult.from_json(json.dumps(payload))
        assert loaded.model == "loan" and loaded.schema_version == "2.3"  # read into this version's types
    payload["schema_version"] = "2.4"
    with pytest.raises(ResultError, match="newer version"):
        ModelNightResult.from_json(json.dumps(payload))


def test_a_changed_schema_comes_with_a_new_version() -> None:
    """Each published version's schema is fingerprinted in schemas/versions.json: changing the types without
    bumping SCHEMA_VERSION (and recording the new fingerprint) fails here."""
    import hashlib

    recorded = json.loads((SCHEMAS / "versions.json").read_text())
    for document in ("result", "fleet"):
        canonical = json.dumps(json_schema(document), sort_keys=True).encode()
        assert recorded[document].get(SCHEMA_VERSION) == hashlib.sha256(canonical).hexdigest(), (
            f"the {document} schema changed: bump SCHEMA_VERSION in govern/results.py (minor: optional fields "
            f"added; major: anything else), then record it in schemas/versions.json"
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update(colour="red"), "colour"),
        (lambda p: p.pop("model"), "model"),
        (lambda p: p["findings"][0].update(severity="urgent"), "findings.0.severity"),
    ],
)
def test_a_malformed_document_names_the_file_and_the_field(change, message: str) -> None:
    payload = json.loads(result().to_json())
    change(payload)
    with pytest.raises(ResultError, match=rf"runs/x\.json: .*{message}"):
        ModelNightResult.from_json(json.dumps(payload), source="runs/x.json")
    with pytest.raises(ResultError, match="invalid JSON"):
        ModelNightResult.from_json("{not json", source="runs/x.json")


def test_a_finding_must_carry_a_check_id_of_the_catalogue() -> None:
    from pydantic import ValidationError

    assert finding(check="performance.estimated_mae").check == "performance.estimated_mae"
    with pytest.raises(ValidationError, match="check must be an id of govern.rulebook.CHECKS"):
        finding(check="fairness.impact")
