"""The response tests' shared world (``tests.respond.world``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.respond.world import make_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    yield from make_world(tmp_path)
