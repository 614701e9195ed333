"""Reading and checking tables: CSV or Parquet, local paths or fsspec URIs.

Checks happen once, here at the boundary, with messages that name the model, the file and the column.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import os
import re
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


def read_table(
    path: str | Path,
    *,
    columns: list[str] | None = None,
    what: str = "table",
    require_rows: bool = False,
) -> pd.DataFrame:
    """Read a CSV or Parquet file (local path or fsspec URI, e.g. ``s3://``, ``memory://``).

    CSV files are read as spreadsheets export them, not only as pandas' defaults: a UTF-8 byte-order mark is
    dropped (``encoding="utf-8-sig"``) and a UTF-16 one read as UTF-16; a header line that holds no comma but
    a ``;``, a tab or a ``|`` is read with that delimiter (``csv.Sniffer`` over the first lines), and a
    ``;``-separated file whose sample rows hold decimal commas (``1,5``) and no decimal points is read with
    ``decimal=","``. Reading such a file correctly is friendlier than refusing it, and refusing it is what a
    file read as one column ``"id;income"`` amounted to ("columns must include ...").

    ``what`` names the input in errors ("reference data of model loan_approval_us"). Raises DataError naming
    the file when it is missing, unreadable, empty (0 bytes, or no header line), has no rows and
    ``require_rows`` is set (a header-only file: late labels may legitimately be one, an audit's input not),
    or lacks a requested column.
    """
    path = str(path)
    kind = _format_of(path)
    if "://" not in path:
        if not Path(path).is_file():
            raise DataError(f"{what}: file {path} must exist; it does not")
        if Path(path).stat().st_size == 0:
            raise _empty_file(what, path, "0 bytes")
    try:
        frame = pd.read_parquet(path) if kind == "parquet" else pd.read_csv(path, **_csv_options(path, what))
    except FileNotFoundError as exc:
        raise DataError(f"{what}: file {path} must exist; it does not") from exc
    except pd.errors.EmptyDataError as exc:  # only blank lines: no header to read
        raise _empty_file(what, path, "blank lines only") from exc
    except DataError:
        raise
    except Exception as exc:  # pyarrow, csv and fsspec each raise their own types for a corrupt file
        raise DataError(f"{what}: {path} must be a readable {kind} file; got {type(exc).__name__}: {exc}") from exc
    if require_rows and frame.empty:
        raise DataError(f"{what}: file {path} must have at least one row; got none (only {_header_of(frame)})")
    if columns is not None:
        require_columns(frame, columns, what=f"{what} ({path})")
        frame = frame[columns]
    return frame


#: Bytes read from the start of a CSV file to find its encoding and delimiter, and lines of them sniffed.
_HEAD_BYTES = 64 * 1024
_SNIFFED_LINES = 20
#: Delimiters other than the comma that spreadsheets write (``;`` where the comma is the decimal mark).
_OTHER_DELIMITERS = ";\t|"
_DECIMAL_COMMA = re.compile(r"(?:^|;)\s*-?\d+,\d+\s*(?:;|$)")
_DECIMAL_POINT = re.compile(r"(?:^|;)\s*-?\d+\.\d+\s*(?:;|$)")


def _head(path: str) -> bytes:
    """The first bytes of a CSV file, decompressed (``.csv.gz``)."""
    if "://" in path:
        import fsspec

        with fsspec.open(path, "rb", compression="infer") as handle:
            return bytes(handle.read(_HEAD_BYTES))
    if path.lower().endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            return handle.read(_HEAD_BYTES)
    with open(path, "rb") as handle:
        return handle.read(_HEAD_BYTES)


def _csv_options(path: str, what: str) -> dict[str, Any]:
    """``pd.read_csv`` options for the file's encoding and delimiter (see ``read_table``)."""
    head = _head(path)
    encoding = "utf-8"
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    lines = [line for line in head.decode(encoding, errors="replace").splitlines() if line.strip()]
    if not lines:
        raise _empty_file(what, path, "0 bytes" if not head else "blank lines only")
    options: dict[str, Any] = {"encoding": encoding}
    header = lines[0]
    if len(next(csv.reader([header]))) > 1 or not any(d in header for d in _OTHER_DELIMITERS):
        return options
    if len(head) == _HEAD_BYTES and len(lines) > 1:
        lines = lines[:-1]  # cut short by the read
    sample = lines[:_SNIFFED_LINES]
    # a sniffer that cannot decide (one line, ragged rows) gets the delimiter the header holds most of
    try:
        delimiter = csv.Sniffer().sniff("\n".join(sample), delimiters=_OTHER_DELIMITERS).delimiter
    except csv.Error:
        delimiter = max(_OTHER_DELIMITERS, key=header.count)
    options["sep"] = delimiter
    rows = sample[1:]
    if delimiter == ";" and any(map(_DECIMAL_COMMA.search, rows)) and not any(map(_DECIMAL_POINT.search, rows)):
        options["decimal"] = ","
    return options


def _empty_file(what: str, path: str, detail: str) -> DataError:
    return DataError(f"{what}: file {path} must hold a header and rows; got an empty file ({detail}) instead")


def _header_of(frame: pd.DataFrame) -> str:
    return f"a header of {len(frame.columns)} columns: {_shown(frame.columns)}"


def _shown(columns: Iterable[object], limit: int = 20) -> str:
    names = [repr(str(c)) for c in columns]
    if len(names) > limit:
        return ", ".join(names[:limit]) + f", ... ({len(names)} in all)"
    return ", ".join(names)


def _folded(name: str) -> str:
    """A column name as people mean it: no case, no surrounding spaces, no stray byte-order mark."""
    return name.replace("\ufeff", "").strip().casefold()


def closest_column(name: str, columns: Iterable[object]) -> str | None:
    """The existing column a missing ``name`` most likely means, or None.

    First a column equal to ``name`` but for case and surrounding spaces ('Gender ' for 'gender'): that is
    the likeliest culprit, and difflib alone scores 'GENDER' against 'gender' 0 and prefers 'sender'. Else
    ``difflib.get_close_matches`` (its default cutoff 0.6) over the names compared the same way.
    """
    import difflib

    existing: dict[str, str] = {}
    for column in map(str, columns):
        existing.setdefault(_folded(column), column)
    wanted = _folded(name)
    if wanted in existing:
        return existing[wanted]
    close = difflib.get_close_matches(wanted, list(existing), n=1)
    return existing[close[0]] if close else None


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, what: str) -> None:
    """Raise DataError naming every missing column, each with the closest existing name as a hint
    (``closest_column``); when some missing column has none, the message lists the columns found."""
    missing = [c for c in dict.fromkeys(columns) if c not in frame.columns]
    if not missing:
        return
    closest = {name: closest_column(name, frame.columns) for name in missing}
    hints = [f"{name!r}" + ("" if close is None else f" (did you mean {close!r}?)") for name, close in closest.items()]
    message = f"{what}: columns must include {', '.join(hints)}; they are missing"
    if None in closest.values():
        message += f" (found {len(frame.columns)} columns: {_shown(frame.columns)})"
    raise DataError(message)


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
