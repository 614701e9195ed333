"""The command line: the audits' printed tables and documented JSON, config checks, and clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli.app import app
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
