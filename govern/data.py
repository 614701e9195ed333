"""Reading and checking tables: CSV or Parquet, local paths or fsspec URIs.

Checks happen once, here at the boundary, with messages that name the model, the file and the column.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from govern.errors import DataError

SUFFIXES = (".parquet", ".pq", ".csv", ".csv.gz")


def _format_of(path: str) -> str:
    lowered = path.lower()
    if lowered.endswith((".parquet", ".pq")):
        return "parquet"
    if lowered.endswith((".csv", ".csv.gz")):
        return "csv"
    raise DataError(f"{path}: file must end in one of {', '.join(SUFFIXES)}; got {Path(path).name!r} instead")


def exists(path: str) -> bool:
    """Whether a local path or fsspec URI exists (for optional inputs such as late labels)."""
    if "://" not in path:
        return Path(path).is_file()
    import fsspec

    fs, _, paths = fsspec.get_fs_token_paths(path)
    return bool(fs.exists(paths[0]))


def read_table(path: str | Path, *, columns: list[str] | None = None, what: str = "table") -> pd.DataFrame:
    """Read a CSV or Parquet file (local path or fsspec URI, e.g. ``s3://``, ``memory://``).

    ``what`` names the input in errors ("reference data of model loan_approval_us"). Raises DataError when
    the file is missing, unreadable or lacks a requested column.
    """
    path = str(path)
    kind = _format_of(path)
    if "://" not in path and not Path(path).is_file():
        raise DataError(f"{what}: file {path} must exist; it does not")
    try:
        frame = pd.read_parquet(path) if kind == "parquet" else pd.read_csv(path)
    except FileNotFoundError as exc:
        raise DataError(f"{what}: file {path} must exist; it does not") from exc
    except Exception as exc:  # pyarrow, csv and fsspec each raise their own types for a corrupt file
        raise DataError(f"{what}: {path} must be a readable {kind} file; got {type(exc).__name__}: {exc}") from exc
    if columns is not None:
        require_columns(frame, columns, what=f"{what} ({path})")
        frame = frame[columns]
    return frame


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, what: str) -> None:
    """Raise DataError naming every missing column, with the closest existing name as a hint."""
    import difflib

    missing = [c for c in dict.fromkeys(columns) if c not in frame.columns]
    if missing:
        hints = []
        for name in missing:
            close = difflib.get_close_matches(name, [str(c) for c in frame.columns], n=1)
            hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise DataError(f"{what}: columns must include {', '.join(hints)}; they are missing")


def require_numeric(frame: pd.DataFrame, columns: Iterable[str], *, what: str) -> None:
    """Raise DataError naming every column that should be numeric and is not (e.g. text in an amount)."""
    wrong = [f"{c!r} ({frame[c].dtype})" for c in columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if wrong:
        raise DataError(f"{what}: columns must be numeric; got {', '.join(wrong)} instead")


# The process's umask, read once at import (reading it means setting it, which is not thread-safe later).
_UMASK = os.umask(0o022)
os.umask(_UMASK)


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[str]:
    """A temporary file beside ``path`` to write; on success it is synced, given the permissions a plain
    ``open`` would give (mkstemp's are 0600: results and reports are for other people to read) and renamed
    over ``path``, so readers see the old file or the new one, never half of one. On failure it is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, payload: bytes) -> None:
    """Write a file atomically (see ``_replacing``)."""
    with _replacing(path) as tmp, open(tmp, "wb") as handle:
        handle.write(payload)


def write_atomic(path: Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_frame_atomic(path: Path, frame: pd.DataFrame, **kwargs: Any) -> None:
    """Write a Parquet file atomically."""
    with _replacing(path) as tmp:
        frame.to_parquet(tmp, index=False, **kwargs)
