"""Atomic writes: the old file or the new one, never half of one, and readable like any other file."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from govern.data import write_atomic, write_frame_atomic


def test_a_write_replaces_the_file_with_plain_permissions_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "runs" / "fleet.json"
    write_atomic(path, "old\n")
    write_atomic(path, "new\n")
    assert path.read_text() == "new\n"
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600
    assert [p.name for p in path.parent.iterdir()] == ["fleet.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "batch.parquet"
    write_frame_atomic(path, pd.DataFrame({"a": [1, 2]}))
    with pytest.raises(Exception):  # noqa: B017 - pyarrow's own error type for an unwritable column
        write_frame_atomic(path, pd.DataFrame({"a": [object()]}))
    assert pd.read_parquet(path)["a"].tolist() == [1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["batch.parquet"]
