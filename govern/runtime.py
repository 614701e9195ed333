"""The process environment the stack needs, set before Prefect, NannyML or MLflow are imported.

There is no network in production sandboxes and three of the libraries phone home by default; Prefect's
embedded API needs longer than its default 20 s to start on a small machine; and ``PREFECT_HOME`` belongs in
the project's state folder, not the user's home. Values already in the environment win, so an operator can
point at a real Prefect server with ``PREFECT_API_URL``.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path


def configure_environment(state_dir: Path) -> None:
    """Set the defaults; call once, before the first import of prefect, nannyml or mlflow."""
    state_dir.mkdir(parents=True, exist_ok=True)
    defaults = {
        "PREFECT_HOME": str(state_dir / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": "WARNING",
        "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL": "INFO",
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
        "NML_DISABLE_USAGE_LOGGING": "1",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "1",
        "GIT_PYTHON_REFRESH": "quiet",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    quiet_library_warnings()


def quiet_library_warnings() -> None:
    """Silence the warnings of library internals that a nightly run's reader can do nothing about: NannyML's
    (per chunk: clipped thresholds, single-class chunks, its own pandas deprecations), numpy's and pandas'
    runtime warnings on empty or constant chunks, and the deprecation of the pandas option that NannyML
    needs (``govern.estimation._plain_strings``). The facts behind them are in the results as data.

    Call it at start-up, before threads: ``warnings.catch_warnings`` in one thread (Prefect and the libraries
    use it) restores the filter list it saw on entry, dropping filters another thread added meanwhile."""
    warnings.filterwarnings("ignore", module=r"nannyml(\..*)?$")
    warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"(numpy|pandas)(\..*)?$")
    warnings.filterwarnings("ignore", message=r".*'future\.infer_string' option is deprecated")
