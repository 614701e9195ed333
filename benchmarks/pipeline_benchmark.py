"""Pipeline benchmark: the nightly flow over the demo fleet, and each stage's cost for one model at scale.

    python benchmarks/pipeline_benchmark.py [--rows 100000 1000000] [--skip-fleet] [--skip-stages]

Part 1 (fleet) builds the demo fleet from scratch in a temporary copy of ``configs/`` and ``expectations/`` with
its own state folder, then times ``govern demo`` (build), ``govern demo --run`` (the 30 demo nights, each served,
governed and responded to), and one more ``govern run nightly`` (a single night with warm caches), each as a fresh
process, as a user runs them.
Part 2 (stages) times every stage of one binary-classification model (12 numeric + 3 categorical features, a
protected attribute, late labels) at each row count, reference and batch of equal size, with the in-memory
registry, through the same functions the Prefect tasks call. Prints a table, writes
``benchmarks/results/pipeline_benchmark.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
GOVERN = str(Path(sys.executable).parent / "govern")


def timed_command(args: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def fleet_benchmark() -> list[dict[str, object]]:
    from demo import DEMO_NIGHTS

    work = Path(tempfile.mkdtemp(prefix="govern-bench-"))
    try:
        shutil.copytree(ROOT / "configs", work / "configs")
        shutil.copytree(ROOT / "expectations", work / "expectations")
        fleet = str(work / "configs" / "fleet.yaml")
        build = timed_command([GOVERN, "demo", "--fleet", fleet], work)
        # the demo's month: each night served (scored by the alias's version), governed and responded to
        backfill = timed_command([GOVERN, "demo", "--run", "--fleet", fleet], work)
        night = timed_command([GOVERN, "run", "nightly", "--date", DEMO_NIGHTS[-1].isoformat(), "--fleet", fleet], work)
        n_models = len(list((work / "configs" / "models").glob("*.yaml")))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return [
        {"part": "fleet", "what": f"demo build ({n_models} models)", "rows": "", "seconds": round(build, 1)},
        {
            "part": "fleet",
            "what": f"demo month, {len(DEMO_NIGHTS)} nights served, governed, responded to (one process)",
            "rows": "",
            "seconds": round(backfill, 1),
        },
        {
            "part": "fleet",
            "what": "build + backfill (target < 300 s)",
            "rows": "",
            "seconds": round(build + backfill, 1),
        },
        {
            "part": "fleet",
            "what": "one night, whole fleet, new process (target < 60 s)",
            "rows": "",
            "seconds": round(night, 1),
        },
    ]


def synthetic(n: int, start: str, days: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    numeric = {f"x{i}": rng.normal(0, 1, n) for i in range(12)}
    frame = pd.DataFrame(numeric)
    frame["segment"] = rng.choice(["a", "b", "c", "d"], n)
    frame["channel"] = rng.choice(["web", "branch", "phone"], n)
    frame["region"] = rng.choice(["north", "south", "east", "west"], n)
    frame["gender"] = rng.choice(["F", "M"], n)
    logit = frame["x0"] + 0.5 * frame["x1"] - 0.5 * frame["x2"] + (frame["segment"] == "a") * 0.3
    frame["target"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame["id"] = np.arange(n) + seed * 10_000_000
    frame["ts"] = pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.integers(0, days * 86400, n)), unit="s")
    return frame


def stage_benchmark(rows: int) -> list[dict[str, object]]:
    import yaml
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from govern import pipeline
    from govern.config import load_fleet
    from govern.estimation import EstimatorCache
    from govern.registry import InMemoryRegistry
    from govern.store import ResultsStore
    from govern.suites import profile_suite, save_suite

    work = Path(tempfile.mkdtemp(prefix="govern-stages-"))
    try:
        features = [f"x{i}" for i in range(12)] + ["segment", "channel", "region"]
        categorical = ["segment", "channel", "region"]
        (work / "configs" / "models").mkdir(parents=True)
        (work / "configs" / "policies").mkdir()
        (work / "configs" / "fleet.yaml").write_text(
            yaml.safe_dump(
                {
                    "name": "bench",
                    "state_dir": "../state",
                    "data_root": "../data",
                    "output_dir": "../runs",
                    "expectations_dir": "../expectations",
                }
            )
        )
        model = {
            "name": "bench_model",
            "owner": {"name": "Bench", "email": "bench@example.com"},
            "business_unit": "bench",
            "risk_tier": "low",
            "problem_type": "binary_classification",
            "registry": {"name": "bench_model"},
            "data": {
                "reference": "reference.parquet",
                "batches": "batches/{date}.parquet",
                "labels": "labels/{date}.parquet",
                "label_delay_days": 1,
            },
            "columns": {
                "id": "id",
                "timestamp": "ts",
                "features": features,
                "categorical": categorical,
                "prediction": "pred",
                "score": "score",
                "target": "target",
                "protected": ["gender"],
            },
            "thresholds": {
                "performance": {"metric": "roc_auc", "minimum": 0.6},
                "fairness": {"min_impact_ratio": 0.8},
                "drift": {"max_jensen_shannon": 0.1},
            },
        }
        (work / "configs" / "models" / "bench_model.yaml").write_text(yaml.safe_dump(model))
        (work / "expectations").mkdir()
        (work / "expectations" / "bench_model.json").write_text('{"name": "bench_model", "expectations": []}')
        fleet = load_fleet(work / "configs" / "fleet.yaml")
        config = fleet.models["bench_model"]

        reference = synthetic(rows, "2026-09-01", 20, seed=1)
        estimator = make_pipeline(
            ColumnTransformer(
                [("num", StandardScaler(), features[:12]), ("cat", OneHotEncoder(handle_unknown="ignore"), categorical)]
            ),
            LogisticRegression(max_iter=200),
        )
        estimator.fit(reference[features].iloc[:100_000], reference["target"].iloc[:100_000])
        registry = InMemoryRegistry()
        registry.register_sklearn("bench_model", estimator)
        registry.set_alias("bench_model", "champion", "1")
        data = fleet.data_root
        (data / "batches").mkdir(parents=True)
        (data / "labels").mkdir()
        reference.to_parquet(data / "reference.parquet")
        save_suite(profile_suite(config, reference), fleet.expectations_dir / "bench_model.json")
        for night, seed in (("2026-10-01", 2), ("2026-10-02", 3)):
            batch = synthetic(rows, night, 1, seed=seed)
            batch["pred"] = estimator.predict(batch[features])
            batch["score"] = estimator.predict_proba(batch[features])[:, 1]
            batch[["id", "target"]].to_parquet(data / "labels" / f"{night}.parquet")
            batch.drop(columns="target").to_parquet(data / "batches" / f"{night}.parquet")

        ctx = pipeline.RunContext(
            fleet=fleet, registry=registry, estimator_cache=EstimatorCache(None), store=ResultsStore(fleet.output)
        )
        out: list[dict[str, object]] = []

        def measure(what: str, function, *args):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            value = function(*args)
            out.append(
                {"part": "stages", "what": what, "rows": rows, "seconds": round(time.perf_counter() - started, 3)}
            )
            return value

        inputs = measure("load (read batch + labels, score reference)", pipeline.load_inputs, ctx, config, "2026-10-02")
        evidence = inputs.evidence()
        measure("validate (GE suite)", pipeline.validate_stage, ctx, inputs, evidence)
        measure(
            "estimate, first night (NannyML fit + estimate + realized)", pipeline.estimate_stage, ctx, inputs, evidence
        )
        measure("estimate, later nights (fitted calculators cached)", pipeline.estimate_stage, ctx, inputs, evidence)
        measure("drift (15 features, prediction and score, multivariate)", pipeline.drift_stage, ctx, inputs, evidence)
        measure("fairness (tonight + labelled)", pipeline.fairness_stage, ctx, inputs, evidence)
        measure("segments", pipeline.segments_stage, ctx, inputs, evidence)
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--skip-fleet", action="store_true")
    parser.add_argument("--skip-stages", action="store_true")
    args = parser.parse_args()

    from govern.runtime import configure_environment

    configure_environment(Path(tempfile.mkdtemp(prefix="govern-bench-state-")))
    rows: list[dict[str, object]] = []
    if not args.skip_stages:
        for n in args.rows:
            rows += stage_benchmark(n)
    if not args.skip_fleet:
        rows += fleet_benchmark()

    from tabulate import tabulate

    print(tabulate(rows, headers="keys"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "results": rows,
    }
    path = RESULTS / "pipeline_benchmark.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
