"""Reading tables as they were written (delimiter, encoding), refusing empty ones by name, column hints that point
at the right column; atomic writes: the old file or the new one, never half of one, readable like any other file."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import fsspec
import pandas as pd
import pytest

from govern.data import closest_column, read_table, require_columns, write_atomic, write_frame_atomic
from govern.errors import DataError


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


# ---------------------------------------------------------------------------------------------- reading CSV


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        # Excel's "CSV UTF-8" in a locale whose decimal mark is the comma: a BOM, ';' and decimal commas
        ("excel.csv", b"\xef\xbb\xbfid;income;region\n1;1,5;n\n2;2,25;s\n"),
        ("semicolon.csv", b"id;income;region\n1;1.5;n\n2;2.25;s\n"),
        ("tabs.csv", b"id\tincome\tregion\n1\t1.5\tn\n2\t2.25\ts\n"),
        ("utf16.csv", "id\tincome\tregion\n1\t1.5\tn\n2\t2.25\ts\n".encode("utf-16")),  # Excel's "Unicode text"
        ("pipes.csv", b"id|income|region\n1|1.5|n\n2|2.25|s\n"),
        ("bom.csv", b'\xef\xbb\xbf"id","income","region"\n1,1.5,n\n2,2.25,s\n'),
    ],
)
def test_a_csv_is_read_in_the_delimiter_and_encoding_it_was_written_in(tmp_path: Path, name: str, raw: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(raw)
    frame = read_table(path, columns=["id", "income", "region"])
    assert frame.to_dict("list") == {"id": [1, 2], "income": [1.5, 2.25], "region": ["n", "s"]}


def test_a_semicolon_csv_is_read_compressed_and_through_fsspec(tmp_path: Path) -> None:
    raw = b"id;income\n1;1,5\n2;3,0\n"
    with gzip.open(tmp_path / "batch.csv.gz", "wb") as handle:
        handle.write(raw)
    with fsspec.open("memory://data/batch.csv", "wb") as handle:
        handle.write(raw)
    for path in (str(tmp_path / "batch.csv.gz"), "memory://data/batch.csv"):
        assert read_table(path).to_dict("list") == {"id": [1, 2], "income": [1.5, 3.0]}, path


def test_decimal_commas_are_not_assumed_where_the_rows_hold_decimal_points(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"id;income;note\n1;1.5;a\n2;2,5;b\n")  # ambiguous: the comma is not taken as the decimal mark
    assert read_table(path)["income"].tolist() == ["1.5", "2,5"]


@pytest.mark.parametrize(
    ("raw", "detail"),
    [(b"", "0 bytes"), (b"\n\n", "blank lines only"), (b"\xef\xbb\xbf", "blank lines only")],
)
def test_an_empty_csv_is_refused_naming_the_file(tmp_path: Path, raw: bytes, detail: str) -> None:
    path = tmp_path / "batch.csv"
    path.write_bytes(raw)
    with pytest.raises(DataError) as error:
        read_table(path, what="model 'loan': batch of 2026-10-01")
    assert str(error.value) == (
        f"model 'loan': batch of 2026-10-01: file {path} must hold a header and rows; got an empty file "
        f"({detail}) instead"
    )


def test_an_empty_parquet_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "batch.parquet"
    path.write_bytes(b"")
    with pytest.raises(DataError, match=f"file {path} must hold a header and rows; got an empty file"):
        read_table(path)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_file_without_rows_is_refused_only_when_rows_are_required(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"labels{suffix}"
    empty = pd.DataFrame({"id": pd.Series([], dtype="int64"), "repaid": pd.Series([], dtype="int64")})
    if suffix == ".csv":
        path.write_text("id,repaid\n")
    else:
        empty.to_parquet(path)
    assert read_table(path).empty  # late labels: none may have arrived
    with pytest.raises(DataError) as error:
        read_table(path, what="--data x", require_rows=True)
    assert str(error.value) == (
        f"--data x: file {path} must have at least one row; got none (only a header of 2 columns: 'id', 'repaid')"
    )


# ---------------------------------------------------------------------------------------------- columns


@pytest.mark.parametrize(
    ("wanted", "columns", "expected"),
    [
        ("gender", ["GENDER", "sender"], "GENDER"),  # difflib alone says 'sender': case goes first
        ("gender", ["Gender ", "gander"], "Gender "),  # case and surrounding spaces; difflib says 'gander'
        ("id", ["\ufeffID", "idx"], "\ufeffID"),  # a byte-order mark read into the name; difflib says 'idx'
        ("gender", ["gender ", "gander"], "gender "),
        ("applicant_income", ["Applicant_Incme", "income"], "Applicant_Incme"),  # then difflib, without case
        ("approved", ["a", "b"], None),
    ],
)
def test_closest_column_compares_without_case_and_spaces_first(
    wanted: str, columns: list[str], expected: str | None
) -> None:
    assert closest_column(wanted, columns) == expected


def test_require_columns_hints_each_missing_column_and_lists_the_columns_when_one_has_no_hint() -> None:
    frame = pd.DataFrame(columns=["ID", "Gender", "sender", "score"])
    with pytest.raises(DataError) as error:
        require_columns(frame, ["id", "gender"], what="labels (l.csv)")
    assert str(error.value) == (
        "labels (l.csv): columns must include 'id' (did you mean 'ID'?), 'gender' (did you mean 'Gender'?); "
        "they are missing"
    )
    with pytest.raises(DataError) as error:
        require_columns(frame, ["gender", "approved"], what="labels (l.csv)")
    assert str(error.value) == (
        "labels (l.csv): columns must include 'gender' (did you mean 'Gender'?), 'approved'; they are missing "
        "(found 4 columns: 'ID', 'Gender', 'sender', 'score')"
    )
    wide = pd.DataFrame(columns=[f"c{i}" for i in range(30)])
    with pytest.raises(DataError, match=r"\(found 30 columns: 'c0', .*'c19', \.\.\. \(30 in all\)\)$"):
        require_columns(wide, ["approved"], what="x")
