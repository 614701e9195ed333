"""Drift benchmark: ``govern.drift.drift_report`` against NannyML and Evidently on the same Parquet files.

    python benchmarks/drift_benchmark.py [--rows 1000000] [--quick] [--repeat 3]
                                         [--skip-cli] [--skip-naive] [--skip-nannyml] [--skip-evidently]

Generates (fixed seed) a reference and a current table of ``--rows`` rows each, 20 numeric columns (normal,
lognormal, exponential, Poisson counts with ties, zero-inflated; 2 % nulls in two of them; five of them drift) and
5 text columns (2 to 500 categories; two drift, one gains unseen categories), writes them as Parquet under
``benchmarks/results/drift_data_<rows>/`` and times, each tool in a fresh process of its own so that peak memory
(``ru_maxrss``) is the tool's:

* ``govern.drift.drift_report`` on two threads (the default on this machine) and on one;
* a naive per-column numpy/scipy pass (``ks_2samp(method="asymp")``, ``np.quantile`` + ``np.histogram`` for PSI
  and Jensen-Shannon, ``chi2_contingency``): what the sorted-once design is measured against;
* the whole CLI, ``govern audit drift --reference R --current C --json OUT``, as a user runs it ("not available"
  if the command fails);
* NannyML 0.13 ``UnivariateDriftCalculator``: KS + Jensen-Shannon on numeric, chi2 + Jensen-Shannon on
  categorical, fit on reference, calculate on current as one chunk;
* Evidently 0.7.23 ``DataDriftPreset``, which does not import with pandas 3: this script creates its own virtual
  environment, ``benchmarks/.venv-evidently`` (``pip install "evidently==0.7.23" "pandas<3" pyarrow``), and runs
  itself there as the worker. If that fails, the reason is recorded and the rest goes on.

Times are wall-clock seconds of the computation only (reading the Parquet files is reported apart), the median of
``--repeat`` runs for the fast tools and one run for NannyML and Evidently. ``--quick`` means 100 000 rows and one
run. Prints a table and writes ``benchmarks/results/drift_benchmark.json``.

The file only imports the standard library at the top: the Evidently worker runs it with another interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
EVIDENTLY_VENV = HERE / ".venv-evidently"
EVIDENTLY_REQUIREMENTS = ["evidently==0.7.23", "pandas<3", "pyarrow"]
SEED = 20240601
NUMERIC = [f"num_{i:02d}" for i in range(20)]
CATEGORICAL = ["region", "channel", "product", "merchant", "flag"]
CATEGORY_COUNTS = {"region": 8, "channel": 4, "product": 40, "merchant": 500, "flag": 2}
QUIET = {"NML_DISABLE_USAGE_LOGGING": "1", "MLFLOW_DISABLE_TELEMETRY": "true"}
WORKER_TIMEOUT = 3600


# ---------------------------------------------------------------------------------------------- data


def make_frames(rows: int, seed: int = SEED) -> tuple[Any, Any]:
    """Reference and current tables: 20 numeric + 5 text columns; drift in num_03/07/11/15/19, product, merchant."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)

    def numeric(i: int, drift: bool) -> Any:
        shape = i % 5
        shift = 0.25 if drift else 0.0
        if shape == 0:
            values = rng.normal(100 + 10 * shift, 15, rows)
        elif shape == 1:
            values = rng.lognormal(8 + shift, 0.6, rows)
        elif shape == 2:
            values = rng.exponential(1 + shift, rows)
        elif shape == 3:
            values = rng.poisson(3 + 2 * shift, rows).astype(float)
        else:
            values = np.where(rng.random(rows) < 0.7 - shift, 0.0, rng.gamma(2.0, 50.0, rows))
        if i in (0, 5):
            values[rng.random(rows) < 0.02] = np.nan
        return values

    def categorical(name: str, drift: bool) -> Any:
        k = CATEGORY_COUNTS[name]
        labels = np.array([f"{name}_{j:03d}" for j in range(k + 20)])
        weights = 1.0 / np.arange(1, k + 21) ** (1.2 if name != "product" or not drift else 0.9)
        if not (drift and name == "merchant"):
            weights[k:] = 0.0  # the 20 extra merchants appear only in the drifted current table
        return labels[rng.choice(k + 20, size=rows, p=weights / weights.sum())]

    frames = []
    for side in ("reference", "current"):
        drifting = side == "current"
        data = {name: numeric(i, drifting and i % 4 == 3) for i, name in enumerate(NUMERIC)}
        data.update({name: categorical(name, drifting) for name in CATEGORICAL})
        frames.append(pd.DataFrame(data))
    return frames[0], frames[1]


def write_data(rows: int) -> tuple[Path, Path]:
    folder = RESULTS / f"drift_data_{rows}"
    reference, current = folder / "reference.parquet", folder / "current.parquet"
    stamp = folder / "made_with.json"
    wanted = {"rows": rows, "seed": SEED, "numeric": NUMERIC, "categorical": CATEGORICAL}
    if reference.exists() and current.exists() and stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return reference, current
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    ref_frame, cur_frame = make_frames(rows)
    ref_frame.to_parquet(reference, index=False)
    cur_frame.to_parquet(current, index=False)
    stamp.write_text(json.dumps(wanted))
    print(f"wrote {rows:,} + {rows:,} rows to {folder} in {time.perf_counter() - started:.1f} s", flush=True)
    return reference, current


# ---------------------------------------------------------------------------------------------- workers


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def timed_runs(compute: Any, repeat: int) -> tuple[list[float], Any]:
    seconds, outcome = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        outcome = compute()
        seconds.append(time.perf_counter() - started)
    return seconds, outcome


def read_pair(reference: str, current: str) -> tuple[Any, Any, float]:
    import pandas as pd

    started = time.perf_counter()
    ref, cur = pd.read_parquet(reference), pd.read_parquet(current)
    return ref, cur, time.perf_counter() - started


def worker_ours(args: argparse.Namespace) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from govern.drift import drift_report

    ref, cur, load = read_pair(args.reference, args.current)
    loaded = peak_mb()
    threads = None if args.threads == 0 else args.threads
    seconds, report = timed_runs(lambda: drift_report(ref, cur, max_workers=threads), args.repeat)
    return {
        "seconds": seconds, "load_seconds": load, "rss_after_load_mb": loaded,
        "summary": {"n_drifted": len(report.drifted), "drifted": [c.column for c in report.drifted]},
    }  # fmt: skip


def worker_naive(args: argparse.Namespace) -> dict[str, Any]:
    """One numpy/scipy call per measure and column: what a first version would write."""
    import numpy as np
    import pandas as pd
    from scipy import stats
    from scipy.spatial.distance import jensenshannon

    ref, cur, load = read_pair(args.reference, args.current)
    loaded = peak_mb()

    def psi(r: Any, c: Any) -> float:
        r, c = np.clip(r, 1e-4, None), np.clip(c, 1e-4, None)
        return float(np.sum((c - r) * np.log(c / r)))

    def compute() -> int:
        drifted = 0
        for name in NUMERIC:
            x, y = ref[name].dropna().to_numpy(), cur[name].dropna().to_numpy()
            stats.ks_2samp(x, y, method="asymp")
            edges = np.concatenate([[-np.inf], np.unique(np.quantile(x, np.arange(1, 10) / 10)), [np.inf]])
            r, c = np.histogram(x, edges)[0] / x.size, np.histogram(y, edges)[0] / y.size
            drifted += jensenshannon(r, c, base=2) > 0.1 or psi(r, c) > 0.2
        for name in CATEGORICAL:
            table = pd.concat([ref[name].value_counts(), cur[name].value_counts()], axis=1).fillna(0).to_numpy().T
            stats.chi2_contingency(table, correction=False)
            r, c = table[0] / table[0].sum(), table[1] / table[1].sum()
            drifted += jensenshannon(r, c, base=2) > 0.1 or psi(r, c) > 0.2
        return int(drifted)

    seconds, drifted = timed_runs(compute, args.repeat)
    return {"seconds": seconds, "load_seconds": load, "rss_after_load_mb": loaded, "summary": {"n_drifted": drifted}}


def worker_nannyml(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    import nannyml as nml

    imported = time.perf_counter() - started
    ref, cur, load = read_pair(args.reference, args.current)
    loaded = peak_mb()

    def compute() -> Any:
        calculator = nml.UnivariateDriftCalculator(
            column_names=NUMERIC + CATEGORICAL,
            treat_as_categorical=CATEGORICAL,
            continuous_methods=["kolmogorov_smirnov", "jensen_shannon"],
            categorical_methods=["chi2", "jensen_shannon"],
            chunk_number=1,
        )
        calculator.fit(ref)
        return calculator.calculate(cur)

    seconds, result = timed_runs(compute, 1)
    frame = result.filter(period="analysis").to_df(multilevel=False)
    alerts = [c for c in frame.columns if c.endswith("_alert")]
    return {
        "seconds": seconds, "load_seconds": load, "import_seconds": imported, "rss_after_load_mb": loaded,
        "versions": {"nannyml": nml.__version__},
        "summary": {"alerts": int(frame[alerts].to_numpy().sum()), "note": "one chunk: thresholds meaningless"},
    }  # fmt: skip


def worker_evidently(args: argparse.Namespace) -> dict[str, Any]:
    """Runs inside benchmarks/.venv-evidently (pandas < 3)."""
    started = time.perf_counter()
    import evidently
    import pandas as pd
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    imported = time.perf_counter() - started
    ref, cur, load = read_pair(args.reference, args.current)
    loaded = peak_mb()
    definition = DataDefinition(numerical_columns=NUMERIC, categorical_columns=CATEGORICAL)

    def compute() -> Any:
        reference = Dataset.from_pandas(ref, data_definition=definition)
        current = Dataset.from_pandas(cur, data_definition=definition)
        return Report([DataDriftPreset()]).run(current, reference)

    seconds, snapshot = timed_runs(compute, 1)
    summary: dict[str, Any] = {}
    try:  # the snapshot's layout is Evidently's business; the drift count and the methods it chose
        methods: dict[str, int] = {}
        for metric in snapshot.dict()["metrics"]:
            name = str(metric.get("metric_name", ""))
            if name.startswith("DriftedColumnsCount"):
                summary["n_drifted"] = int(metric["value"]["count"])
            elif "method=" in name:
                method = name.split("method=")[1].split(",")[0]
                methods[method] = methods.get(method, 0) + 1
        summary["methods"] = methods
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        summary["note"] = f"no drift count in the snapshot: {exc!r}"
    return {
        "seconds": seconds, "load_seconds": load, "import_seconds": imported, "rss_after_load_mb": loaded,
        "versions": {"evidently": evidently.__version__, "pandas": pd.__version__, "python": platform.python_version()},
        "summary": summary,
    }  # fmt: skip


WORKERS = {"ours": worker_ours, "naive": worker_naive, "nannyml": worker_nannyml, "evidently": worker_evidently}


def run_worker(args: argparse.Namespace) -> None:
    outcome = WORKERS[args.worker](args)
    outcome["peak_mb"] = peak_mb()
    Path(args.out).write_text(json.dumps(outcome))


# ---------------------------------------------------------------------------------------------- driver


def spawn(command: list[str], *, log: Path, timeout: float = WORKER_TIMEOUT) -> tuple[int, float, float, str]:
    """Run a process; return its exit code, wall seconds, peak RSS in MB (from wait4) and its stderr's tail."""
    env = {**os.environ, **QUIET}
    started = time.perf_counter()
    with open(log, "w") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: tell Popen
    wall = time.perf_counter() - started
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return process.returncode, wall, usage.ru_maxrss / 1024, " | ".join(lines[-3:])[-600:]


def measure(
    label: str, worker: str, python: str, data: tuple[Path, Path], repeat: int, threads: int = 0
) -> dict[str, Any]:
    out = RESULTS / f"drift_{worker}_{threads}.json"
    out.unlink(missing_ok=True)
    command = [python, str(Path(__file__).resolve()), "--worker", worker, "--out", str(out),
               "--reference", str(data[0]), "--current", str(data[1]),
               "--repeat", str(repeat), "--threads", str(threads)]  # fmt: skip
    print(f"... {label}", flush=True)
    code, wall, peak, tail = spawn(command, log=RESULTS / f"drift_{worker}_{threads}.log")
    if code != 0 or not out.exists():
        return {"tool": label, "status": "failed", "reason": f"exit code {code}: {tail}"}
    outcome = json.loads(out.read_text())
    seconds = outcome.pop("seconds")
    return {"tool": label, "status": "ok", "seconds": statistics.median(seconds), "seconds_min": min(seconds),
            "runs": seconds, "process_seconds": wall, **outcome}  # fmt: skip


def measure_cli(data: tuple[Path, Path]) -> dict[str, Any]:
    label = "govern audit drift (CLI, whole process)"
    govern = Path(sys.executable).parent / "govern"
    if not govern.exists():
        return {"tool": label, "status": "not available", "reason": f"{govern} does not exist"}
    out = RESULTS / "drift_cli_output.json"
    out.unlink(missing_ok=True)
    print(f"... {label}", flush=True)
    command = [
        str(govern),
        "audit",
        "drift",
        "--reference",
        str(data[0]),
        "--current",
        str(data[1]),
        "--json",
        str(out),
    ]
    code, wall, peak, tail = spawn(command, log=RESULTS / "drift_cli.log", timeout=600)
    if code != 0 or not out.exists():
        return {"tool": label, "status": "not available", "reason": f"exit code {code}: {tail}"}
    return {"tool": label, "status": "ok", "seconds": wall, "seconds_min": wall, "peak_mb": peak,
            "note": "includes interpreter start, imports and reading the Parquet files"}  # fmt: skip


def evidently_python() -> tuple[str | None, str, float]:
    """The Evidently venv's interpreter (created on first use), or None and the reason; and the setup seconds."""
    started = time.perf_counter()
    python = EVIDENTLY_VENV / "bin" / "python"
    probe = [str(python), "-c", "import evidently, pandas; print(evidently.__version__, pandas.__version__)"]
    if python.exists():
        check = subprocess.run(probe, capture_output=True, text=True)
        if check.returncode == 0 and check.stdout.split()[0] == "0.7.23":
            return str(python), "", time.perf_counter() - started
    print(f"... creating {EVIDENTLY_VENV} with {' '.join(EVIDENTLY_REQUIREMENTS)} (a few minutes)", flush=True)
    steps = [
        [sys.executable, "-m", "venv", str(EVIDENTLY_VENV)],
        [str(python), "-m", "pip", "install", "--quiet", *EVIDENTLY_REQUIREMENTS],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            return None, f"{' '.join(step[:4])} failed: {' | '.join(tail)}", time.perf_counter() - started
    check = subprocess.run(probe, capture_output=True, text=True)
    if check.returncode != 0:
        return (
            None,
            f"evidently does not import: {check.stderr.strip().splitlines()[-1:]}",
            time.perf_counter() - started,
        )
    return str(python), "", time.perf_counter() - started


def machine() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for package in ("numpy", "pandas", "scipy", "pyarrow", "nannyml"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    return {
        "nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(), "memory_gb": _memory_gb(), "libraries": versions,
    }  # fmt: skip


def _memory_gb() -> float | None:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return None
    return round(pages * size / 1024**3, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in each of reference and current")
    parser.add_argument("--quick", action="store_true", help="100 000 rows, one run of each tool")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the fast tools (median reported)")
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--skip-nannyml", action="store_true")
    parser.add_argument("--skip-evidently", action="store_true")
    # worker mode (internal): one tool in this process
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--reference", help=argparse.SUPPRESS)
    parser.add_argument("--current", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run_worker(args)
        return 0

    rows, repeat = (100_000, 1) if args.quick else (args.rows, args.repeat)
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = write_data(rows)
    python = sys.executable
    results = [
        measure("govern.drift.drift_report, 2 threads (default)", "ours", python, data, repeat, threads=2),
        measure("govern.drift.drift_report, 1 thread", "ours", python, data, repeat, threads=1),
    ]
    if not args.skip_naive:
        results.append(measure("naive numpy/scipy, per column", "naive", python, data, max(1, repeat - 2)))
    if not args.skip_cli:
        results.append(measure_cli(data))
    if not args.skip_nannyml:
        results.append(measure("NannyML UnivariateDriftCalculator", "nannyml", python, data, 1))
    evidently_setup: dict[str, Any] = {}
    if not args.skip_evidently:
        label = "Evidently 0.7.23 DataDriftPreset"
        other, reason, setup = evidently_python()
        evidently_setup = {"venv": str(EVIDENTLY_VENV), "setup_seconds": round(setup, 1)}
        if other is None:
            results.append({"tool": label, "status": "not available", "reason": reason})
        else:
            results.append(measure(label, "evidently", other, data, 1))

    report = {
        "rows": rows, "columns": {"numeric": len(NUMERIC), "categorical": len(CATEGORICAL)}, "seed": SEED,
        "data": {"reference": str(data[0]), "current": str(data[1]),
                 "megabytes": round(sum(p.stat().st_size for p in data) / 1e6, 1)},
        "machine": machine(), "evidently": evidently_setup, "results": results,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }  # fmt: skip
    (RESULTS / "drift_benchmark.json").write_text(json.dumps(report, indent=2))
    print_table(report)
    return 0


def print_table(report: dict[str, Any]) -> None:
    from tabulate import tabulate

    def number(value: Any, digits: int) -> str:
        return "" if value is None else f"{value:,.{digits}f}"

    rows = []
    for r in report["results"]:
        note = r.get("reason") or r.get("note") or ""
        if r.get("import_seconds") is not None:
            note = f"import {r['import_seconds']:.1f} s; " + note
        if r.get("summary"):
            note += json.dumps(r["summary"])[:90]
        growth = r["peak_mb"] - r["rss_after_load_mb"] if "rss_after_load_mb" in r else None
        rows.append([r["tool"], r["status"], number(r.get("seconds"), 2), number(r.get("seconds_min"), 2),
                     number(r.get("load_seconds"), 2), number(r.get("peak_mb"), 0), number(growth, 0),
                     note[:140]])  # fmt: skip
    m = report["machine"]
    print(f"\n{report['rows']:,} + {report['rows']:,} rows, {report['columns']['numeric']} numeric + "
          f"{report['columns']['categorical']} categorical columns; {m['nproc']} CPUs, Python {m['python']}, "
          f"{', '.join(f'{k} {v}' for k, v in m['libraries'].items())}")  # fmt: skip
    headers = ["tool", "status", "seconds (median)", "min", "read Parquet s", "peak MB", "+MB computing", "notes"]
    print(tabulate(rows, headers=headers, disable_numparse=True))
    print(f"\nwritten: {RESULTS / 'drift_benchmark.json'}")


if __name__ == "__main__":
    sys.exit(main())
