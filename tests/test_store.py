"""The results store: one layout, local folders and fsspec URIs alike; a rerun keeps what it supersedes."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from govern.errors import ResultError
from govern.results import FleetSummary, RunInfo
from govern.store import ResultsStore
from tests.test_results import result


@pytest.fixture(params=["local", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ResultsStore:
    if request.param == "local":
        return ResultsStore(tmp_path / "runs")
    return ResultsStore(f"memory://runs-{uuid.uuid4().hex}")  # an object store, as fsspec sees one


def test_write_read_list_and_history(store: ResultsStore) -> None:
    for night in ("2026-10-02", "2026-10-01", "2026-10-03"):
        store.write_result(result(night=night))
    store.write_result(result(night="2026-10-02", model="cards"))
    assert store.nights() == ["2026-10-01", "2026-10-02", "2026-10-03"]
    assert store.models("2026-10-02") == ["cards", "loan"]
    assert store.read_result("2026-10-01", "loan") == result(night="2026-10-01")
    assert [r.night for r in store.history("loan", start="2026-10-02")] == ["2026-10-02", "2026-10-03"]
    assert [r.night for r in store.history("cards")] == ["2026-10-02"]
    assert store.location("2026-10-01", "loan").endswith("/2026-10-01/models/loan.json")


def test_a_rerun_replaces_the_current_result_and_keeps_the_superseded_one(store: ResultsStore) -> None:
    first, second = result(run=RunInfo(flow_run_id="first")), result(run=RunInfo(flow_run_id="second"))
    store.write_result(first)
    store.write_result(first)  # the same document again adds nothing
    assert store.superseded("2026-10-01", "loan") == [] and store.versions("2026-10-01", "loan") == [first]
    store.write_result(second)
    assert store.read_result("2026-10-01", "loan") == second
    assert store.superseded("2026-10-01", "loan") == [first]
    assert store.versions("2026-10-01", "loan") == [first, second]
    summary = FleetSummary.of("2026-10-01", [first], RunInfo(flow_run_id="first"))
    store.write_fleet(summary)
    store.write_fleet(FleetSummary.of("2026-10-01", [second], RunInfo(flow_run_id="second")))
    assert store.superseded("2026-10-01") == [summary]
    assert store.models("2026-10-01") == ["loan"]  # versions are not current results


def test_a_model_named_fleet_keeps_its_versions_apart_from_the_summaries(store: ResultsStore) -> None:
    store.write_result(result(model="fleet"))
    store.write_result(result(model="fleet", run=RunInfo(flow_run_id="again")))
    store.write_fleet(FleetSummary.of("2026-10-01", [result(model="fleet")], RunInfo()))
    assert len(store.superseded("2026-10-01", "fleet")) == 1
    assert store.superseded("2026-10-01") == []


def test_two_runs_of_one_night_at_once_both_keep_their_result(store: ResultsStore) -> None:
    # each run writes its version before it replaces the current file, so the loser of the race is kept too
    old, mine, theirs = (result(run=RunInfo(flow_run_id=name)) for name in ("old", "mine", "theirs"))
    store.write_result(old)
    store.write_result(mine)
    store.write_result(theirs)
    assert {r.run.flow_run_id for r in store.superseded("2026-10-01", "loan")} == {"old", "mine"}


def test_an_unreadable_night_does_not_hide_the_others_from_the_history(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path / "runs")
    for night in ("2026-10-01", "2026-10-02"):
        store.write_result(result(night=night))
    (tmp_path / "runs" / "2026-10-01" / "models" / "loan.json").write_text('{"schema_version": "1.0"}')
    with pytest.raises(ResultError, match="schema_version"):
        store.history("loan")
    unreadable: list[str] = []
    assert [r.night for r in store.history("loan", unreadable=unreadable)] == ["2026-10-02"]
    assert len(unreadable) == 1 and "2026-10-01" in unreadable[0] and "older major" in unreadable[0]


def test_missing_results_and_paths_in_names_are_clear_errors(store: ResultsStore) -> None:
    with pytest.raises(ResultError, match=r"model 'loan' on 2026-10-01: no result is recorded at .*loan\.json"):
        store.read_result("2026-10-01", "loan")
    with pytest.raises(ResultError, match="must be a name"):
        store.read_result("2026-10-01", "../../etc/passwd")
    with pytest.raises(ResultError, match="ISO date"):
        store.read_result("../x", "loan")
    with pytest.raises(ResultError, match="ISO date"):
        store.read_result("2026-99-99", "loan")
    with pytest.raises(ResultError, match="must be a name"):
        store.read_result("2026-10-01", "loan\n")
    assert store.nights() == [] and store.history("loan") == []


def test_local_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path / "runs")
    store.write_result(result())
    store.write_result(result(run=RunInfo(flow_run_id="again")))
    files = sorted(str(p.relative_to(tmp_path / "runs")) for p in (tmp_path / "runs").rglob("*") if p.is_file())
    assert files[0] == "2026-10-01/models/loan.json"
    assert len(files) == 3 and all(f.startswith("2026-10-01/versions/loan/") for f in files[1:])
