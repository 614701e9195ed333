"""Great Expectations suites as files: profiling a starting suite from a model's reference data, and reading
and writing ``expectations/<suite>.json`` in GE 1.x form::

    {"name": "loan_approval_us",
     "expectations": [{"type": "expect_column_values_to_be_between",
                       "kwargs": {"column": "annual_income", "min_value": 0, "max_value": 264000, "mostly": 0.99},
                       "meta": {"critical": true, "notes": "..."}}]}

A file loads with ``great_expectations.ExpectationSuite(**json)``. ``meta.critical`` is ours: a failed critical
expectation marks the night's batch as bad data (see ``govern.validation``). This module never imports GE:
profiling is plain pandas, so ``govern expectations init`` needs no heavy import.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from govern.config import ModelConfig
from govern.data import write_atomic
from govern.errors import ValidationSuiteError

#: Keys GE 1.x accepts at the top of a suite and in one expectation (checked against GE 1.24's constructors).
SUITE_KEYS = ("name", "expectations", "suite_parameters", "meta", "notes", "id")
EXPECTATION_KEYS = ("type", "kwargs", "meta", "notes", "description", "severity", "id")

#: Widening of the reference [min, max] for the between-expectations, as a fraction of the reference range.
RANGE_MARGIN = 0.10
#: Share of a batch's values that must satisfy a feature's range or category set.
FEATURE_MOSTLY = 0.99
#: Not-null expectations on features: mostly = max(NOT_NULL_FLOOR, 1 - NULL_ALLOWANCE * reference null fraction).
NOT_NULL_FLOOR = 0.95
NULL_ALLOWANCE = 2.0


def _expectation(kind: str, kwargs: dict[str, Any], *, critical: bool, notes: str) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "meta": {"critical": critical, "notes": notes}}


def _outward(value: float, step: float, direction: int) -> float:
    """``value`` rounded to a multiple of ``step`` away from the data (floor for a minimum, ceil for a maximum),
    so a tidy bound is never tighter than the exact one."""
    rounded = (math.floor if direction < 0 else math.ceil)(value / step) * step
    decimals = max(0, -math.floor(math.log10(step)))
    result = round(rounded, decimals)
    return int(result) if float(result).is_integer() else result


def widened_range(values: pd.Series) -> tuple[float, float] | None:
    """The reference [min, max] widened by ``RANGE_MARGIN`` (10 %) of the range on each side, rounded outward
    to about four significant digits. None when the column has no values.

    A strictly positive feature (amounts, incomes, counts from 1) is widened on the log scale, the natural
    scale of such quantities::

        lower = min * (max / min) ** -0.1,   upper = max * (max / min) ** 0.1

    so that a unit change (x 1000 or / 1000) falls wholly outside the range however skewed the reference is:
    on the linear scale the 10 % margin of a long-tailed income reaches below zero and would accept incomes in
    thousands. Any other feature is widened linearly, ``min - 0.1 (max - min)`` and ``max + 0.1 (max - min)``,
    keeping a lower bound of at least 0 when the reference is never negative. A constant column is widened
    by 10 % of its value (1 around zero).
    """
    clean = pd.to_numeric(values, errors="coerce").dropna()
    if clean.empty:
        return None
    low, high = float(clean.min()), float(clean.max())
    if low > 0 and high > low:
        # On logarithms: high / low overflows when low is tiny.
        margin = RANGE_MARGIN * (math.log(high) - math.log(low))
        lower, upper = math.exp(math.log(low) - margin), math.exp(math.log(high) + margin)
        # exp(log(x)) is not exactly x: never narrower than the data, and no room to widen below the
        # smallest float.
        lower = min(lower, low) if lower > 0 else low
        upper = max(upper, high)
    else:
        span = high - low
        margin = RANGE_MARGIN * span if span > 0 else (RANGE_MARGIN * abs(low) if low != 0 else 1.0)
        lower, upper = low - margin, high + margin
        if low >= 0:
            lower = max(lower, 0.0)
    lower, upper = max(lower, -sys.float_info.max), min(upper, sys.float_info.max)
    return _tidy(lower, upper, low, high)


def _tidy(lower: float, upper: float, low: float, high: float) -> tuple[float, float]:
    """``[lower, upper]`` rounded outward to about four significant digits of the range, and never coarser than
    four of the bound itself (so a positive bound stays positive). The rounding is for the reader: where it
    cannot be done (bounds near the limits of floating point) or would not keep ``[low, high]`` inside, with
    the sign of the exact bound, the exact bounds are returned."""
    try:
        step = 10.0 ** (math.floor(math.log10(upper - lower)) - 3)
        tidy = _outward(lower, _step(lower, step), -1), _outward(upper, _step(upper, step), +1)
    except (ArithmeticError, ValueError):  # overflow, underflow to a zero step, log of 0
        return lower, upper
    keeps_sign = (tidy[0] > 0) == (lower > 0) and (tidy[0] >= 0) == (lower >= 0)
    if not (tidy[0] <= low and high <= tidy[1] and keeps_sign and math.isfinite(tidy[1] - tidy[0])):
        return lower, upper
    return tidy


def _step(bound: float, step: float) -> float:
    return step if bound == 0 else min(step, 10.0 ** (math.floor(math.log10(abs(bound))) - 3))


def profile_suite(model: ModelConfig, reference: pd.DataFrame) -> dict[str, Any]:
    """The starting suite for ``model``, profiled on its reference data (what ``govern expectations init``
    writes; the owner edits it from there).

    Expectations, in this order: at least one row; every column a batch must carry (id, timestamp, model
    version, API client, features, protected attributes, prediction, score; never the target, which batches
    do not have); id and prediction not null (critical); each numeric feature within the reference range
    widened by 10 % (critical, mostly 0.99: a unit change such as an income in thousands fails it; see
    ``widened_range`` for the scale of the widening); each categorical feature within the reference
    categories (critical, mostly 0.99); features not null with mostly = max(0.95, 1 - 2 x the reference null
    fraction) (not critical); each feature non-null in at least half the share of rows it fills in the
    reference (critical: an entirely null feed); score within [0, 1] (critical); id unique (not critical).
    """
    columns = model.columns
    features = columns.features
    missing = [c for c in features if c not in reference.columns]
    if missing:
        raise ValidationSuiteError(
            f"model {model.name!r}: the reference data must hold every feature to profile a suite; got no "
            f"column {', '.join(repr(c) for c in missing)}"
        )
    if reference.empty:
        raise ValidationSuiteError(
            f"model {model.name!r}: the reference data must have rows to profile a suite; got none"
        )

    expectations: list[dict[str, Any]] = [
        _expectation(
            "expect_table_row_count_to_be_between",
            {"min_value": 1},
            critical=True,
            notes="An empty batch means the upstream job did not deliver.",
        ),
    ]
    required = [
        columns.id,
        columns.timestamp,
        columns.model_version,
        columns.api_client,
        *features,
        *columns.protected,
        columns.prediction,
        columns.score,
    ]
    for column in dict.fromkeys(c for c in required if c):
        expectations.append(
            _expectation(
                "expect_column_to_exist",
                {"column": column},
                critical=True,
                notes="The inference log must carry every column the governance checks read.",
            )
        )
    for column, what in ((columns.id, "record id"), (columns.prediction, "prediction")):
        expectations.append(
            _expectation(
                "expect_column_values_to_not_be_null",
                {"column": column},
                critical=True,
                notes=f"Every row must have its {what}.",
            )
        )

    for feature in features:
        if feature in columns.categorical:
            # the column's own values (numbers stay numbers: GE compares 1 with "1" as different)
            uniques = reference[feature].dropna().unique()
            categories = sorted((v.item() if hasattr(v, "item") else v for v in uniques), key=str)
            expectations.append(
                _expectation(
                    "expect_column_values_to_be_in_set",
                    {"column": feature, "value_set": categories, "mostly": FEATURE_MOSTLY},
                    critical=True,
                    notes="Categories seen in the reference data; a new code usually means an upstream change.",
                )
            )
            continue
        bounds = widened_range(reference[feature])
        if bounds is None:
            continue
        expectations.append(
            _expectation(
                "expect_column_values_to_be_between",
                {"column": feature, "min_value": bounds[0], "max_value": bounds[1], "mostly": FEATURE_MOSTLY},
                critical=True,
                notes="Reference range widened by 10 % (on the log scale for a positive feature); a unit or scale "
                "change fails it.",
            )
        )

    for feature in features:
        null_fraction = float(reference[feature].isna().mean())
        mostly = max(NOT_NULL_FLOOR, 1.0 - NULL_ALLOWANCE * null_fraction)
        mostly = math.floor(mostly * 1000) / 1000  # tidy, and never stricter than the formula
        expectations.append(
            _expectation(
                "expect_column_values_to_not_be_null",
                {"column": feature, "mostly": mostly},
                critical=False,
                notes=f"Reference null fraction {null_fraction:.3f}; up to twice that (at least 5 %) is tolerated.",
            )
        )

    for feature in features:
        present = 1.0 - float(reference[feature].isna().mean())
        expectations.append(
            _expectation(
                "expect_column_proportion_of_non_null_values_to_be_between",
                {"column": feature, "min_value": math.floor(present / 2 * 100) / 100},
                critical=True,
                notes="A feature present in fewer than half as many rows as in the reference is a broken feed "
                "(an entirely null column passes the range and category checks, which ignore nulls).",
            )
        )

    if columns.score:
        expectations.append(
            _expectation(
                "expect_column_values_to_be_between",
                {"column": columns.score, "min_value": 0, "max_value": 1},
                critical=True,
                notes="A probability must lie in [0, 1].",
            )
        )
    expectations.append(
        _expectation(
            "expect_column_values_to_be_unique",
            {"column": columns.id},
            critical=False,
            notes="Duplicate ids usually mean a replayed or double-delivered batch.",
        )
    )
    return {
        "name": model.suite_name,
        "meta": {"generated_by": "govern.suites.profile_suite", "model": model.name},
        "expectations": expectations,
    }


# ---------------------------------------------------------------------------------------------- files


def _ordered(mapping: dict[str, Any], first: tuple[str, ...]) -> dict[str, Any]:
    """``first`` keys in that order, then the rest alphabetically: a stable order a diff can read."""
    head = [k for k in first if k in mapping]
    return {k: mapping[k] for k in [*head, *sorted(k for k in mapping if k not in first)]}


def _canonical_expectation(expectation: Any) -> Any:
    if not isinstance(expectation, dict):
        return expectation
    out = _ordered(expectation, ("type", "kwargs", "meta"))
    if isinstance(out.get("kwargs"), dict):
        out["kwargs"] = _ordered(out["kwargs"], ("column", "min_value", "max_value", "value_set", "mostly"))
    if isinstance(out.get("meta"), dict):
        out["meta"] = _ordered(out["meta"], ("critical", "notes"))
    return out


def canonical_suite(suite: dict[str, Any]) -> dict[str, Any]:
    """The suite with a stable key order: name, meta, expectations; each expectation type, kwargs, meta;
    kwargs with column, min_value, max_value, value_set, mostly first; the rest alphabetical. The order of
    the expectations is kept (it is the author's)."""
    out = _ordered(suite, ("name", "meta", "notes", "expectations"))
    if isinstance(out.get("meta"), dict):
        out["meta"] = _ordered(out["meta"], ())
    if isinstance(out.get("expectations"), list):
        out["expectations"] = [_canonical_expectation(e) for e in out["expectations"]]
    return out


def suite_json(suite: dict[str, Any]) -> str:
    """The file content of ``suite``: canonical key order, indent 2, trailing newline."""
    return json.dumps(canonical_suite(suite), indent=2, ensure_ascii=False) + "\n"


def save_suite(suite: dict[str, Any], path: Path) -> None:
    """Write ``suite`` to ``path`` atomically, in canonical form (see ``suite_json``)."""
    check_suite(suite, source=str(path))
    write_atomic(Path(path), suite_json(suite))


def check_suite(raw: Any, *, source: str) -> None:
    """Raise ValidationSuiteError naming ``source`` unless ``raw`` has the shape GE 1.x accepts."""
    if not isinstance(raw, dict):
        raise ValidationSuiteError(f"{source}: suite must be a JSON object; got {type(raw).__name__} instead")
    unknown = sorted(set(raw) - set(SUITE_KEYS))
    if unknown:
        raise ValidationSuiteError(
            f"{source}: suite keys must be among {', '.join(SUITE_KEYS)}; got unknown "
            f"{', '.join(repr(k) for k in unknown)} instead"
        )
    if not isinstance(raw.get("name"), str) or not raw["name"]:
        raise ValidationSuiteError(f"{source}: name must be a non-empty string; got {raw.get('name')!r} instead")
    expectations = raw.get("expectations")
    if not isinstance(expectations, list):
        raise ValidationSuiteError(f"{source}: expectations must be a list; got {type(expectations).__name__} instead")
    for index, item in enumerate(expectations):
        where = f"{source}: expectations[{index}]"
        if not isinstance(item, dict):
            raise ValidationSuiteError(f"{where}: must be an object; got {type(item).__name__} instead")
        unknown = sorted(set(item) - set(EXPECTATION_KEYS))
        if unknown:
            raise ValidationSuiteError(
                f"{where}: keys must be among {', '.join(EXPECTATION_KEYS)}; got unknown "
                f"{', '.join(repr(k) for k in unknown)} instead"
            )
        kind = item.get("type")
        if not isinstance(kind, str) or not kind.startswith("expect_"):
            raise ValidationSuiteError(
                f"{where}: type must be the name of an expectation ('expect_...'); got {kind!r} instead"
            )
        if not isinstance(item.get("kwargs"), dict):
            raise ValidationSuiteError(
                f"{where} ({kind}): kwargs must be an object; got {type(item.get('kwargs')).__name__} instead"
            )
        meta = item.get("meta", {})
        if not isinstance(meta, dict):
            raise ValidationSuiteError(f"{where} ({kind}): meta must be an object; got {type(meta).__name__} instead")
        if "critical" in meta and not isinstance(meta["critical"], bool):
            raise ValidationSuiteError(
                f"{where} ({kind}): meta.critical must be true or false; got {meta['critical']!r} instead"
            )


def load_suite(path: Path) -> dict[str, Any]:
    """Read and check a suite file; ValidationSuiteError names the file (and the expectation) when it is
    missing, not JSON, or not in GE 1.x form."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValidationSuiteError(f"{path}: suite file must exist; it does not") from exc
    except json.JSONDecodeError as exc:
        raise ValidationSuiteError(f"{path}: suite must be valid JSON; got a parse error instead: {exc}") from exc
    check_suite(raw, source=str(path))
    return dict(raw)
