"""Shared fixtures. The environment is set before anything imports Prefect, NannyML or MLflow: no telemetry,
Prefect's home in a temporary state folder, not the user's."""

from __future__ import annotations

import tempfile
from pathlib import Path

from govern.runtime import configure_environment

STATE = Path(tempfile.mkdtemp(prefix="govern-tests-"))
configure_environment(STATE)
