"""The command line: the audits' printed tables and documented JSON, config checks, clear errors, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli.app import app
from govern.errors import DataError
from tests.fleet_factory import model_config, write_fleet

GOVERN = str(Path(sys.executable).parent / "govern")
runner = CliRunner()


@pytest.fixture()
def decisions(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 2000
    gender = rng.choice(["F", "M"], n)
    race = rng.choice(["a", "b", "c"], n)
    approved = (rng.random(n) < np.where(race == "c", 0.3, 0.6)).astype(int)
    frame = pd.DataFrame(
        {
            "gender": gender,
            "race": race,
            "approved": approved,
            "repaid": (rng.random(n) < 0.5).astype(int),
            "score": rng.random(n),
        }
    )
    path = tmp_path / "decisions.csv"
    frame.to_csv(path, index=False)
    return path


def test_audit_fairness_prints_and_writes_the_documented_json(decisions: Path, tmp_path: Path) -> None:
    out = tmp_path / "fairness.json"
    result = runner.invoke(
        app,
        [
            "audit",
            "fairness",
            "--data",
            str(decisions),
            "--prediction",
            "approved",
            "--label",
            "repaid",
            "--score",
            "score",
            "--group",
            "gender",
            "--group",
            "race",
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "FAILS 4/5" in result.output  # race c is selected at about half the rate of a and b
    payload = json.loads(out.read_text())
    groups = {(g["attribute"], g["group"]): g for g in payload["groups"]}
    for key in ("attribute", "group", "n", "selection_rate", "impact_ratio", "tpr", "fpr", "fnr"):
        assert key in groups[("race", "c")]
    assert ("gender x race", "F x c") in groups and groups[("gender x race", "F x c")]["intersectional"]
    frame = pd.read_csv(decisions)
    rates = frame.groupby("race")["approved"].mean()
    assert groups[("race", "c")]["selection_rate"] == pytest.approx(rates["c"])
    assert groups[("race", "c")]["impact_ratio"] == pytest.approx(rates["c"] / rates.max())
    assert all(0 <= g["tpr"] <= 1 for g in payload["groups"] if g["tpr"] is not None)


def test_audit_drift_prints_and_writes_one_record_per_column(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    reference = pd.DataFrame({"income": rng.normal(50, 10, 5000), "region": rng.choice(["n", "s"], 5000)})
    current = pd.DataFrame(
        {"income": rng.normal(50, 10, 5000) / 1000 * 1000 + 15, "region": rng.choice(["n", "s"], 5000)}
    )
    reference.to_parquet(tmp_path / "ref.parquet")
    current.to_csv(tmp_path / "cur.csv", index=False)
    out = tmp_path / "drift.json"
    result = runner.invoke(
        app,
        [
            "audit",
            "drift",
            "--reference",
            str(tmp_path / "ref.parquet"),
            "--current",
            str(tmp_path / "cur.csv"),
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1 of 2 columns drifted" in result.output
    columns = {c["column"]: c for c in json.loads(out.read_text())["columns"]}
    assert columns["income"]["drifted"] and not columns["region"]["drifted"]
    assert {"jensen_shannon", "psi", "ks_statistic", "ks_pvalue", "wasserstein"} <= set(columns["income"])
    assert columns["region"]["chi2_pvalue"] is not None


def test_validate_config_reports_every_broken_model(tmp_path: Path) -> None:
    bad = model_config("churn")
    bad["colour"] = "red"
    fleet = write_fleet(tmp_path, models=[model_config(), bad])
    result = runner.invoke(app, ["validate-config", "--fleet", str(fleet)])
    assert result.exit_code == 1
    assert "churn.yaml: colour: unknown key" in result.output
    good = runner.invoke(app, ["validate-config", "--fleet", str(write_fleet(tmp_path / "ok"))])
    assert good.exit_code == 0 and "1 models and 3 policies are valid" in good.output


def test_errors_are_one_clear_line_not_a_traceback(tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path)
    unknown = subprocess.run(
        [GOVERN, "run", "nightly", "--models", "loans", "--fleet", str(fleet)], capture_output=True, text=True
    )
    assert unknown.returncode == 2
    assert "unknown loans (did you mean 'loan'?)" in unknown.stderr and "Traceback" not in unknown.stderr
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    missing = subprocess.run(
        [
            GOVERN,
            "audit",
            "fairness",
            "--data",
            str(tmp_path / "data.csv"),
            "--prediction",
            "approved",
            "--group",
            "gender",
        ],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2
    assert "columns must include 'approved'" in missing.stderr and "Traceback" not in missing.stderr


def test_every_command_has_help() -> None:
    for command in (
        ["demo"],
        ["run", "nightly"],
        ["run", "backfill"],
        ["validate-config"],
        ["expectations", "init"],
        ["audit", "fairness"],
        ["audit", "drift"],
        ["schema"],
        ["history"],
        ["show"],
    ):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, command


def test_expectations_init_profiles_the_reference_into_a_suite(tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path)
    rng = np.random.default_rng(2)
    reference = pd.DataFrame(
        {
            "id": range(500),
            "ts": pd.Timestamp("2026-09-01"),
            "income": rng.lognormal(11, 0.5, 500),
            "region": rng.choice(["n", "s"], 500),
            "repaid": rng.integers(0, 2, 500),
            "gender": rng.choice(["F", "M"], 500),
        }
    )
    (tmp_path / "data" / "loan").mkdir(parents=True)
    reference.to_parquet(tmp_path / "data" / "loan" / "reference.parquet")
    refused = runner.invoke(app, ["expectations", "init", "loan", "--fleet", str(fleet)])
    assert refused.exit_code == 2 and "pass --force" in refused.output
    result = runner.invoke(app, ["expectations", "init", "loan", "--fleet", str(fleet), "--force"])
    assert result.exit_code == 0, result.output
    suite = json.loads((tmp_path / "expectations" / "loan.json").read_text())
    between = [
        e
        for e in suite["expectations"]
        if e["type"] == "expect_column_values_to_be_between" and e["kwargs"]["column"] == "income"
    ]
    assert between and between[0]["meta"]["critical"]
    assert between[0]["kwargs"]["min_value"] > 0  # positive data: a scale change (x 1/1000) must fail it


def test_expectations_init_writes_the_first_suite_of_a_new_model(tmp_path: Path) -> None:
    from govern.validation import validate_batch

    fleet = write_fleet(tmp_path)
    (tmp_path / "expectations" / "loan.json").unlink()  # a new model: no suite yet, so the fleet refuses it
    rng = np.random.default_rng(3)
    reference = pd.DataFrame(
        {
            "id": range(400),
            "ts": pd.Timestamp("2026-09-01"),
            "income": rng.lognormal(11, 0.5, 400),
            "region": rng.choice([1, 2, 3], 400),  # a categorical feature held as integer codes
            "repaid": rng.integers(0, 2, 400),
            "gender": rng.choice(["F", "M"], 400),
        }
    )
    (tmp_path / "data" / "loan").mkdir(parents=True)
    reference.to_parquet(tmp_path / "data" / "loan" / "reference.parquet")
    result = runner.invoke(app, ["expectations", "init", "loan", "--fleet", str(fleet)])
    assert result.exit_code == 0, result.output
    suite = json.loads((tmp_path / "expectations" / "loan.json").read_text())
    in_set = [e for e in suite["expectations"] if e["type"] == "expect_column_values_to_be_in_set"]
    assert in_set[0]["kwargs"]["value_set"] == [1, 2, 3]
    scored = reference.assign(approved=1, score=0.5)
    assert not [o for o in validate_batch(scored, suite).failed if o.column == "region"]  # its own data passes


@pytest.mark.parametrize(
    ("values", "favourable"),
    [([0, 1], "1"), (["0", "1"], "1"), ([False, True], "true"), (["N", "Y"], "Y")],
)
def test_audit_fairness_reads_the_favourable_value_in_the_columns_own_type(
    tmp_path: Path, values: list[object], favourable: str
) -> None:
    frame = pd.DataFrame({"group": ["a"] * 40 + ["b"] * 40, "decision": [values[1]] * 60 + [values[0]] * 20})
    path = tmp_path / "d.parquet"
    frame.to_parquet(path)
    out = tmp_path / "f.json"
    args = ["audit", "fairness", "--data", str(path), "--prediction", "decision", "--group", "group"]
    result = runner.invoke(app, [*args, "--favourable", favourable, "--json", str(out)])
    assert result.exit_code == 0, result.output
    rates = {g["group"]: g["selection_rate"] for g in json.loads(out.read_text())["groups"]}
    assert rates == {"a": 1.0, "b": 0.5}


def test_audit_fairness_refuses_a_favourable_value_the_column_never_holds(decisions: Path) -> None:
    args = ["audit", "fairness", "--data", str(decisions), "--prediction", "approved", "--group", "gender"]
    result = subprocess.run([GOVERN, *args, "--favourable", "yes"], capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--favourable 'yes' must be a value of column 'approved'; got only 0, 1" in result.stderr


def test_audits_take_fsspec_uris_and_a_group_named_twice_once(decisions: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.json"
    uri = f"file://{decisions}"
    args = ["audit", "fairness", "--data", uri, "--prediction", "approved", "--group", "race", "--group", "race,race"]
    result = runner.invoke(app, [*args, "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert {g["attribute"] for g in json.loads(out.read_text())["groups"]} == {"race"}
    drift = runner.invoke(app, ["audit", "drift", "--reference", uri, "--current", uri, "--json", str(out)])
    assert drift.exit_code == 0, drift.output
    empty = runner.invoke(app, ["audit", "fairness", "--data", uri, "--prediction", "approved", "--group", ","])
    assert empty.exit_code == 2 and "--group must name at least one" in empty.output


def test_a_bad_date_is_refused_before_anything_starts(tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path)
    result = runner.invoke(app, ["run", "nightly", "--date", "2026-13-01", "--fleet", str(fleet)])
    assert result.exit_code == 2 and "--date must be an ISO date" in result.output
    assert not (tmp_path / "state").exists()  # no state folder, no Prefect home


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["audit", "fairness", "--min-impact-ratio", "5"], "min_impact_ratio must be a finite number in (0, 1]"),
        (["audit", "fairness", "--min-group-size", "0"], "min_group_size must be a finite number in [1, inf)"),
        (["audit", "drift", "--max-js", "0"], "max_jensen_shannon must be a finite number in (0, 1]"),
        (["audit", "drift", "--max-psi", "-1"], "max_psi must be a finite number in (0, inf)"),
    ],
)
def test_a_threshold_outside_its_range_is_refused_on_the_cli_as_at_load(
    args: list[str], message: str, decisions: Path
) -> None:
    data = (
        ["--data", str(decisions), "--prediction", "approved", "--group", "race"]
        if args[1] == "fairness"
        else ["--reference", str(decisions), "--current", str(decisions)]
    )
    result = runner.invoke(app, [*args, *data])
    assert result.exit_code == 2
    assert message in " ".join(result.output.replace("│", " ").split())  # typer wraps the message in a box


def test_schema_prints_the_committed_schemas() -> None:
    root = Path(__file__).resolve().parents[1]
    for document in ("result", "fleet"):
        result = runner.invoke(app, ["schema", document])
        assert result.exit_code == 0
        assert json.loads(result.output) == json.loads((root / "schemas" / f"{document}.schema.json").read_text())
    assert runner.invoke(app, ["schema", "nope"]).exit_code == 2


def test_history_and_show_of_a_model_without_results_say_so(tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path)
    history = runner.invoke(app, ["history", "loan", "--fleet", str(fleet)])
    assert history.exit_code == 1 and "must have results" in history.output
    bad = runner.invoke(app, ["history", "loan", "--from", "yesterday", "--fleet", str(fleet)])
    assert bad.exit_code == 2 and "--from must be an ISO date" in bad.output


# ---------------------------------------------------------------------------------------------- bad input, said


def test_audit_fairness_refuses_predictions_outside_the_labels_domain(tmp_path: Path) -> None:
    """The issue's case: --positive-label yes over 0/1 predictions gave TPR 0 and FPR 0 for every group."""
    path = tmp_path / "decisions.csv"
    pd.DataFrame({"g": ["a", "b"] * 20, "y": ["yes", "no", "no", "yes"] * 10, "p": [0, 1] * 20}).to_csv(
        path, index=False
    )
    args = ["audit", "fairness", "--data", str(path), "--prediction", "p", "--group", "g", "--label", "y"]
    result = subprocess.run([GOVERN, *args, "--positive-label", "yes"], capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        f"--data {path}: prediction column 'p' must hold only the label's classes 'no', 'yes'; got labels 'no', "
        "'yes' in column 'y' (str) and predictions 0, 1 in column 'p' (int64) instead"
    ) in " ".join(result.stderr.split())


def test_audit_fairness_of_a_file_without_rows_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "decisions.csv"
    path.write_text("g,p\n")
    result = runner.invoke(app, ["audit", "fairness", "--data", str(path), "--prediction", "p", "--group", "g"])
    assert isinstance(result.exception, DataError)
    assert str(result.exception) == (
        f"--data {path}: file {path} must have at least one row; got none (only a header of 2 columns: 'g', 'p')"
    )


def test_audit_drift_of_an_empty_file_names_the_file(decisions: Path, tmp_path: Path) -> None:
    empty = tmp_path / "current.csv"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["audit", "drift", "--reference", str(decisions), "--current", str(empty)])
    assert isinstance(result.exception, DataError)
    assert f"--current {empty}: file {empty} must hold a header and rows; got an empty file" in str(result.exception)


def test_audit_fairness_reads_a_semicolon_separated_export(decisions: Path, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(b"\xef\xbb\xbf" + pd.read_csv(decisions).to_csv(sep=";", index=False, decimal=",").encode())
    out = tmp_path / "f.json"
    args = ["audit", "fairness", "--data", str(path), "--prediction", "approved", "--group", "race"]
    result = runner.invoke(app, [*args, "--score", "score", "--json", str(out)])
    assert result.exit_code == 0, result.output
    race_c = next(g for g in json.loads(out.read_text())["groups"] if g["group"] == "c")
    frame = pd.read_csv(decisions)
    assert race_c["mean_score"] == pytest.approx(frame.loc[frame["race"] == "c", "score"].mean())


def test_audit_fairness_refuses_an_identifier_as_group_unless_the_limit_is_raised(tmp_path: Path) -> None:
    from govern.fairness import MAX_GROUPS

    path = tmp_path / "decisions.parquet"
    pd.DataFrame({"customer": range(300), "p": [0, 1, 1] * 100}).to_parquet(path)
    args = ["audit", "fairness", "--data", str(path), "--prediction", "p", "--group", "customer"]
    refused = runner.invoke(app, args)
    assert isinstance(refused.exception, DataError)
    assert str(refused.exception) == (
        f"--data {path}: protected attribute 'customer' must have at most {MAX_GROUPS} distinct values; got 300 "
        "instead (is it an identifier?)"
    )
    assert runner.invoke(app, [*args, "--max-groups", "300", "--min-group-size", "1"]).exit_code == 0
    usage = runner.invoke(app, ["audit", "fairness", "--help"], terminal_width=400)
    assert f"(default {MAX_GROUPS}:" in " ".join(usage.output.replace("│", " ").split())


# ---------------------------------------------------------------------------------------------- exit codes


@pytest.fixture()
def drifted(tmp_path: Path) -> list[str]:
    rng = np.random.default_rng(1)
    reference = pd.DataFrame({"income": rng.normal(50, 10, 2000), "region": rng.choice(["n", "s"], 2000)})
    current = reference.assign(income=reference["income"] + 15)
    reference.to_parquet(tmp_path / "ref.parquet")
    current.to_parquet(tmp_path / "cur.parquet")
    return ["--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "cur.parquet")]


@pytest.mark.parametrize(
    ("fail_on", "exit_code"),
    [(None, 0), ("info", 1), ("high", 1), ("HIGH", 1), ("critical", 0)],
)
def test_audit_fairness_fails_on_a_breach_at_or_above_the_level(
    decisions: Path, fail_on: str | None, exit_code: int
) -> None:
    args = ["audit", "fairness", "--data", str(decisions), "--prediction", "approved", "--group", "race"]
    result = runner.invoke(app, args + ([] if fail_on is None else ["--fail-on", fail_on]))
    assert result.exit_code == exit_code, result.output
    assert "FAILS 4/5" in result.output  # the table is printed either way
    if exit_code:
        assert "exit 1: 1 fairness breach(es) (race=c), severity high, at or above --fail-on" in result.output


def test_audit_fairness_without_a_breach_passes_any_level(decisions: Path) -> None:
    args = ["audit", "fairness", "--data", str(decisions), "--prediction", "approved", "--group", "gender"]
    assert runner.invoke(app, [*args, "--fail-on", "info"]).exit_code == 0


@pytest.mark.parametrize(("fail_on", "exit_code"), [(None, 0), ("low", 1), ("medium", 1), ("high", 0)])
def test_audit_drift_fails_on_a_drifted_column_at_or_above_the_level(
    drifted: list[str], fail_on: str | None, exit_code: int
) -> None:
    result = runner.invoke(app, ["audit", "drift", *drifted, *([] if fail_on is None else ["--fail-on", fail_on])])
    assert result.exit_code == exit_code, result.output
    assert "1 of 2 columns drifted" in result.output
    if exit_code:
        assert "exit 1: 1 drift breach(es) (income), severity medium" in result.output


def test_fail_on_takes_only_a_severity(decisions: Path) -> None:
    args = ["audit", "fairness", "--data", str(decisions), "--prediction", "approved", "--group", "race"]
    result = runner.invoke(app, [*args, "--fail-on", "severe"])
    assert result.exit_code == 2
    assert "'severe' is not one of" in " ".join(result.output.replace("│", " ").split())


def _line(model: str, status: str, severity: str | None = None) -> dict[str, object]:
    return {
        "model": model,
        "business_unit": None,
        "risk_tier": None,
        "status": status,
        "model_version": "1",
        "n_findings": 0 if severity is None else 1,
        "max_severity": severity,
        "fault": None,
        "checks": [],
        "errors": ["load: the batch is missing"] if status == "error" else [],
    }


@pytest.fixture()
def flows(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., None]:
    """Stand-ins for the Prefect flows (the e2e tests run the real ones): each night's fleet summary as given."""
    from types import ModuleType, SimpleNamespace

    import cli.app as cli
    from govern.results import FleetSummary

    nights: list[dict[str, object]] = []

    module = ModuleType("flows.nightly")

    def state(data: Callable[[], object]) -> Callable[..., SimpleNamespace]:  # what return_state=True gives
        return lambda **_: SimpleNamespace(result=lambda raise_on_failure=True: data())

    module.nightly = state(lambda: nights[0])  # type: ignore[attr-defined]
    module.backfill = state(lambda: list(nights))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "flows.nightly", module)
    fleet = SimpleNamespace(select=lambda models: None, output=str(tmp_path / "runs"), config=None)
    monkeypatch.setattr(cli, "_prepare", lambda path: fleet)

    def set_nights(*lines_by_night: list[dict[str, object]]) -> None:
        for day, lines in enumerate(lines_by_night, start=1):
            nights.append(FleetSummary.model_validate({"night": f"2026-10-0{day}", "models": lines}).to_dict())

    return set_nights


@pytest.mark.parametrize(
    ("lines", "fail_on", "exit_code", "why"),
    [
        ([_line("loan", "healthy"), _line("churn", "findings", "high")], None, 0, None),
        ([_line("loan", "healthy"), _line("churn", "error")], None, 1, "exit 1: 1 model(s) in error: churn"),
        ([_line("loan", "findings", "high")], "high", 1, "1 with findings at or above --fail-on high: loan (high)"),
        ([_line("loan", "findings", "critical")], "medium", 1, "loan (critical)"),
        ([_line("loan", "findings", "high")], "critical", 0, None),
        ([_line("loan", "error"), _line("churn", "findings", "low")], "low", 1, "in error: loan; 1 with findings"),
    ],
)
def test_run_nightly_exits_1_on_a_model_in_error_or_a_finding_at_fail_on(
    flows: Callable[..., None], lines: list[dict[str, object]], fail_on: str | None, exit_code: int, why: str | None
) -> None:
    flows(lines)
    result = runner.invoke(app, ["run", "nightly", *([] if fail_on is None else ["--fail-on", fail_on])])
    assert result.exit_code == exit_code, result.output
    assert "night 2026-10-01" in result.output  # the summary is printed either way
    if why:
        assert why in result.output


def test_run_backfill_exits_1_when_any_night_has_a_model_in_error(flows: Callable[..., None]) -> None:
    flows([_line("loan", "healthy")], [_line("loan", "error")], [_line("loan", "findings", "medium")])
    nights = ["run", "backfill", "--start", "2026-10-01", "--end", "2026-10-03"]
    result = runner.invoke(app, nights)
    assert result.exit_code == 1
    assert "2026-10-02: 0 healthy" in result.output
    assert "exit 1: 1 model(s) in error: loan on 2026-10-02" in result.output
    severe = runner.invoke(app, [*nights, "--fail-on", "medium"])
    assert "loan on 2026-10-03 (medium)" in severe.output


def test_run_backfill_of_assessed_models_exits_0(flows: Callable[..., None]) -> None:
    flows([_line("loan", "healthy")], [_line("loan", "findings", "critical")])
    nights = ["run", "backfill", "--start", "2026-10-01", "--end", "2026-10-02"]
    assert runner.invoke(app, nights).exit_code == 0
    assert runner.invoke(app, [*nights, "--fail-on", "critical"]).exit_code == 1


def test_audit_drift_of_a_one_row_batch_gives_measures_but_no_verdict(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    reference, current = tmp_path / "reference.csv", tmp_path / "current.csv"
    pd.DataFrame({"x": rng.normal(0, 1, 2000), "c": rng.choice(["a", "b"], 2000)}).to_csv(reference, index=False)
    pd.DataFrame({"x": [5.0], "c": ["a"]}).to_csv(current, index=False)  # used to drift every column
    result = runner.invoke(app, ["audit", "drift", "--reference", str(reference), "--current", str(current)])
    assert result.exit_code == 0
    assert "DRIFT" not in result.output and result.output.count("no verdict (n<500)") == 2
    assert "0 of 2 columns drifted" in result.output


def test_expectations_init_takes_a_name_not_a_path(tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path)
    for bad in ("../../somewhere", "/etc/passwd", "Loan", "loan.yaml"):
        result = runner.invoke(app, ["expectations", "init", bad, "--fleet", str(fleet)])
        assert result.exit_code == 2 and "MODEL must be a model name" in result.output, bad
    assert not (tmp_path / "somewhere.json").exists()


def test_a_suite_name_that_is_a_path_is_refused_at_load(tmp_path: Path) -> None:
    from govern.config import load_fleet
    from govern.errors import ConfigError

    model = model_config(expectation_suite="../../somewhere")
    with pytest.raises(ConfigError, match=r"loan\.yaml: expectation_suite"):
        load_fleet(write_fleet(tmp_path, models=[model]))
