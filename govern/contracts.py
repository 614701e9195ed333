"""Data contracts at the load boundary: what a model's inference log, reference set and late labels must hold,
derived from its column roles and checked with pandera.

A contract is a pandera ``DataFrameSchema`` built from the model's config (``batch_contract``,
``reference_contract``, ``labels_contract``); columns it does not name are allowed. ``enforce`` validates a
frame lazily, so one ``DataError`` names every failing column at once, one line per column::

    model 'loan': batch of 2026-10-01 (batches/2026-10-01.parquet): column 'score' (score) must be within
    [0, 1]; got 2 of 1,000 rows outside it (e.g. 1.5, -0.2) instead

Rules (each check is one vectorized pandas call per column, never a Python loop over rows):

- every frame: the contract's columns are present (a missing one gets the closest existing name as a hint);
  batch and reference have at least one row;
- ids: non-null and unique (batch, reference, labels);
- timestamps: a datetime dtype, or text ``pd.to_datetime`` parses as the pipeline calls it (nulls allowed);
- numeric features: a numeric dtype (not text); nulls allowed;
- binary classifiers: the prediction (batch) and the target (reference, labels) non-null and in the label set;
  the score numeric, non-null and within [0, 1];
- regressors: the prediction and the target numeric.

pandera is imported inside the functions: ``import pandera.pandas`` takes about 0.35 s (pandas included), and
``govern --help`` must stay instant.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from govern.config import ModelConfig, ProblemType
from govern.errors import DataError

if TYPE_CHECKING:
    import pandera.pandas as pa

LabelSet = frozenset[Hashable]

#: Examples of failing values shown per column, and the longest a shown value may be.
MAX_EXAMPLES = 5
_MAX_SHOWN_CHARS = 40

# Check names of pandera's built-in checks, as they appear on its errors.
_MISSING = "column_in_dataframe"
_NULLS = "not_nullable"
_DUPLICATES = "field_uniqueness"


# ---------------------------------------------------------------------------------------------- label set


def _configured_label_set(model: ModelConfig) -> LabelSet | None:
    """The two classes when the config alone says them (1 -> {0, 1}, True -> {False, True}), else None."""
    positive = model.columns.positive_label
    if positive is True:
        return frozenset({False, True})
    if isinstance(positive, int) and not isinstance(positive, bool) and positive == 1:
        return frozenset({0, 1})
    return None


def label_set_of(reference: pd.DataFrame, model: ModelConfig, *, what: str = "reference data") -> LabelSet:
    """The two classes of a binary classifier: {0, 1} when its positive label is 1, {False, True} when it is
    True (both from the config alone), else the positive label and the one other value of the reference's
    target. Raises DataError when the target is missing or does not hold exactly the positive label and one
    other value (nulls aside); ValueError for a model that is not a binary classifier."""
    if model.problem_type is not ProblemType.BINARY:
        raise ValueError(
            f"model {model.name!r}: label_set_of needs a binary_classification model; "
            f"got {model.problem_type.value} instead"
        )
    configured = _configured_label_set(model)
    if configured is not None:
        return configured
    target, positive = model.columns.target, model.columns.positive_label
    if target not in reference.columns:
        raise DataError(
            f"{what}: column {target!r} (target) must be present; got no such column{_hint(target, reference)} instead"
        )
    values = [_plain(v) for v in pd.unique(reference[target].dropna().to_numpy())]
    others = [v for v in values if v != positive]
    if len(values) != 2 or len(others) != 1:
        raise DataError(
            f"{what}: column {target!r} (target) must hold the positive label {positive!r} and exactly one "
            f"other value; got {_distinct(values)} instead"
        )
    return frozenset({positive, others[0]})


def _resolve_label_set(model: ModelConfig, label_set: Collection[Hashable] | None) -> LabelSet | None:
    if model.problem_type is not ProblemType.BINARY:
        if label_set is not None:
            raise ValueError(
                f"model {model.name!r}: label_set applies to binary_classification models only; "
                f"got one for a {model.problem_type.value} model"
            )
        return None
    if label_set is None:
        return _configured_label_set(model)
    labels = frozenset(label_set)
    positive = model.columns.positive_label
    if len(labels) != 2 or positive not in labels:
        raise ValueError(
            f"model {model.name!r}: label_set must hold the positive label {positive!r} and one other value; "
            f"got {sorted(map(repr, labels))} instead"
        )
    return labels


def _needs_label_set(model: ModelConfig, contract: str) -> ValueError:
    return ValueError(
        f"model {model.name!r}: {contract} needs label_set for positive label "
        f"{model.columns.positive_label!r} (only 1 and True imply the other class); got none; pass "
        f"label_set=label_set_of(reference, model)"
    )


# ---------------------------------------------------------------------------------------------- checks
# Module-level functions (parameters bound with functools.partial), so that contracts pickle and can be
# sent to worker processes. Each returns a scalar verdict on the column or one boolean per row.


def _is_numeric(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series))


def _is_text(series: pd.Series) -> bool:
    return series.dtype == object or pd.api.types.is_string_dtype(series)


def _timestamps_parse(series: pd.Series) -> bool | pd.Series:
    """True for a datetime column; per row for text (a null is not a parse failure); False otherwise."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    if not _is_text(series):
        return False
    # Parsed as the pipeline parses them (pd.to_datetime, one format inferred from the first value), so text
    # it would choke on is reported here. Text that cannot be parsed together at all (mixed time zones)
    # makes pd.to_datetime raise even with errors="coerce": pandera reports that as the check's error.
    return pd.to_datetime(series, errors="coerce").notna() | series.isna()


def _in_label_set(series: pd.Series, *, labels: tuple[Hashable, ...]) -> pd.Series:
    return series.isin(labels)  # 0/1 also match 0.0/1.0 and False/True, as the pipeline's == does


def _within_unit_interval(series: pd.Series) -> bool | pd.Series:
    if not _is_numeric(series):
        return True  # the numeric check reports it; a range on text means nothing
    return series.between(0, 1)


def _holds_positive_and_one_other(series: pd.Series, *, positive: Hashable) -> bool:
    values = pd.unique(series.dropna().to_numpy())
    return len(values) == 2 and any(v == positive for v in values)  # two values at most: not a row loop


def _has_rows(frame: pd.DataFrame) -> bool:
    return len(frame) > 0


# ---------------------------------------------------------------------------------------------- contracts


@dataclass
class _Column:
    """What the contract asks of one column, merged over its roles (a protected column may be a feature)."""

    roles: list[str] = field(default_factory=list)
    nullable: bool = True
    unique: bool = False
    checks: dict[str, Any] = field(default_factory=dict)


class _Builder:
    """Collects columns and their checks in the order the roles name them."""

    def __init__(self, model: ModelConfig) -> None:
        import pandera.pandas as pa

        self.pa = pa
        self.model = model
        self.columns: dict[str, _Column] = {}

    def column(
        self, name: str | None, role: str, *, nullable: bool = True, unique: bool = False, checks: Iterable[Any] = ()
    ) -> None:
        if name is None:
            return
        spec = self.columns.setdefault(name, _Column())
        if role not in spec.roles:
            spec.roles.append(role)
        spec.nullable = spec.nullable and nullable
        spec.unique = spec.unique or unique
        for check in checks:
            spec.checks.setdefault(check.name, check)

    # The checks, each named (the name keys the message) and described (the "must ..." of the message).
    def numeric(self) -> Any:
        return self.pa.Check(_is_numeric, name="numeric", description="be numeric")

    def timestamp(self) -> Any:
        return self.pa.Check(
            _timestamps_parse, name="timestamp", description="be datetimes or text that pd.to_datetime parses"
        )

    def in_label_set(self, labels: LabelSet) -> Any:
        ordered = tuple(sorted(labels, key=repr))
        shown = ", ".join(_show(v) for v in ordered)
        return self.pa.Check(
            functools.partial(_in_label_set, labels=ordered), name="in_label_set", description=f"be one of {shown}"
        )

    def unit_interval(self) -> Any:
        return self.pa.Check(_within_unit_interval, name="unit_interval", description="be within [0, 1]")

    def two_classes(self) -> Any:
        positive = self.model.columns.positive_label
        return self.pa.Check(
            functools.partial(_holds_positive_and_one_other, positive=positive),
            name="two_classes",
            description=f"hold the positive label {positive!r} and exactly one other value",
        )

    def common(self) -> None:
        """id, timestamp and features: the same rules in the inference log and in the reference."""
        c = self.model.columns
        self.column(c.id, "id", nullable=False, unique=True)
        self.column(c.timestamp, "timestamp", checks=[self.timestamp()])
        for feature in c.features:
            self.column(feature, "feature", checks=[] if feature in c.categorical else [self.numeric()])

    def target(self, labels: LabelSet | None, *, contract: str, nullable: bool = False) -> None:
        c, problem = self.model.columns, self.model.problem_type
        if problem is ProblemType.BINARY:
            if labels is not None:
                self.column(c.target, "target", nullable=nullable, checks=[self.in_label_set(labels)])
            elif contract == "reference_contract":  # the reference itself says which the other class is
                self.column(c.target, "target", nullable=False, checks=[self.two_classes()])
            else:
                raise _needs_label_set(self.model, contract)
        elif problem is ProblemType.REGRESSION:
            self.column(c.target, "target", checks=[self.numeric()])
        else:
            self.column(c.target, "target")

    def schema(self, what: str, *, at_least_one_row: bool) -> pa.DataFrameSchema:
        pa = self.pa
        columns = {
            name: pa.Column(
                nullable=spec.nullable,
                unique=spec.unique,
                checks=list(spec.checks.values()),
                required=True,
                metadata={"roles": list(spec.roles)},
            )
            for name, spec in self.columns.items()
        }
        frame_checks = [pa.Check(_has_rows, name="at_least_one_row")] if at_least_one_row else []
        return pa.DataFrameSchema(columns, checks=frame_checks, strict=False, name=f"{self.model.name} {what}")


def batch_contract(model: ModelConfig, *, label_set: Collection[Hashable] | None = None) -> pa.DataFrameSchema:
    """The inference log of one night: id, timestamp, features, prediction, score, api_client, model_version
    (those configured) and the protected columns. For a binary classifier the prediction is non-null and in
    ``label_set`` (default: derived from the positive label, see ``label_set_of``) and the score numeric,
    non-null and within [0, 1]; for a regressor the prediction is numeric. At least one row."""
    labels = _resolve_label_set(model, label_set)
    c, build = model.columns, _Builder(model)
    build.common()
    if model.problem_type is ProblemType.BINARY:
        if labels is None:
            raise _needs_label_set(model, "batch_contract")
        build.column(c.prediction, "prediction", nullable=False, checks=[build.in_label_set(labels)])
        build.column(c.score, "score", nullable=False, checks=[build.numeric(), build.unit_interval()])
    elif model.problem_type is ProblemType.REGRESSION:
        build.column(c.prediction, "prediction", checks=[build.numeric()])
        build.column(c.score, "score")
    else:
        build.column(c.prediction, "prediction")
        build.column(c.score, "score")
    build.column(c.api_client, "api_client")
    build.column(c.model_version, "model_version")
    for name in c.protected:
        build.column(name, "protected")
    return build.schema("batch", at_least_one_row=True)


def reference_contract(model: ModelConfig, *, label_set: Collection[Hashable] | None = None) -> pa.DataFrameSchema:
    """The reference set: id, timestamp, features, target, protected columns and api_client (if configured).
    With a registry it is scored later, so a prediction or score it may hold is not checked; without one
    (``registry`` left out) its own prediction and score are the model's, checked as in the batch. For a
    binary classifier the target is non-null and in ``label_set``; when the label set cannot be derived from
    the config (a text positive label) and none is given, the target must hold the positive label and exactly
    one other value.
    For a regressor the target is numeric. At least one row."""
    labels = _resolve_label_set(model, label_set)
    c, build = model.columns, _Builder(model)
    build.common()
    build.target(labels, contract="reference_contract")
    if model.registry is None:  # no artifact to score it: the reference must carry its own predictions
        if model.problem_type is ProblemType.BINARY:
            checks = [build.in_label_set(labels)] if labels is not None else []
            build.column(c.prediction, "prediction", nullable=False, checks=checks)
            build.column(c.score, "score", nullable=False, checks=[build.numeric(), build.unit_interval()])
        else:
            build.column(c.prediction, "prediction", nullable=False, checks=[build.numeric()])
    for name in c.protected:
        build.column(name, "protected")
    build.column(c.api_client, "api_client")
    return build.schema("reference", at_least_one_row=True)


def labels_contract(model: ModelConfig, *, label_set: Collection[Hashable] | None = None) -> pa.DataFrameSchema:
    """Late labels: id (non-null, unique) and target (binary: in ``label_set``, derived as for the batch;
    regression: numeric). A null target is a label not known yet: that row is left out of the realized
    figures, not refused. May be empty (no labels arrived)."""
    labels = _resolve_label_set(model, label_set)
    build = _Builder(model)
    build.column(model.columns.id, "id", nullable=False, unique=True)
    build.target(labels, contract="labels_contract", nullable=True)
    return build.schema("labels", at_least_one_row=False)


# ---------------------------------------------------------------------------------------------- enforce


def enforce(frame: pd.DataFrame, contract: pa.DataFrameSchema, *, what: str) -> pd.DataFrame:
    """Validate ``frame`` against ``contract`` and return it unchanged, or raise one DataError naming every
    failing column, one line per column: "<what>: column 'x' (role) must ...; got ... instead", with up to
    ``MAX_EXAMPLES`` failing values and their count. ``what`` names the input and its file."""
    import pandera.pandas as pa

    repeated = frame.columns[frame.columns.duplicated()]
    if len(repeated):  # pandera would check one of the copies at random
        names = ", ".join(repr(str(c)) for c in dict.fromkeys(repeated))
        raise DataError(f"{what}: column names must be unique; got {names} more than once instead")
    try:
        # inplace: nothing is coerced or added, and a copy of a 1M-row frame costs more than the checks
        return contract.validate(frame, lazy=True, inplace=True)
    except pa.errors.SchemaErrors as exc:
        raise DataError(_describe_failures(exc, frame, contract, what=what)) from exc


def _describe_failures(exc: Any, frame: pd.DataFrame, contract: pa.DataFrameSchema, *, what: str) -> str:
    """The lines of ``enforce``'s message for a pandera ``SchemaErrors``: frame-level failures first, then
    one line per failing column in the contract's order."""
    clauses: dict[str | None, list[tuple[str, str]]] = {}
    for error in exc.schema_errors:
        found = _clause(error, frame, contract)
        if found is not None:
            clauses.setdefault(found[0], []).append(found[1])
    order = {name: i for i, name in enumerate(contract.columns)}
    lines = []
    for column in sorted(clauses, key=lambda c: -1 if c is None else order.get(c, len(order))):
        musts = " and ".join(dict.fromkeys(must for must, _ in clauses[column]))
        gots = ", and ".join(dict.fromkeys(got for _, got in clauses[column]))
        if column is None:
            lines.append(f"{what}: must {musts}; got {gots} instead")
        else:
            roles = contract.columns[column].metadata.get("roles", []) if column in contract.columns else []
            label = f"column {column!r}" + (f" ({', '.join(roles)})" if roles else "")
            lines.append(f"{what}: {label} must {musts}; got {gots} instead")
    return "\n".join(lines)


def _clause(error: Any, frame: pd.DataFrame, contract: pa.DataFrameSchema) -> tuple[str | None, tuple[str, str]] | None:
    """(column or None for the frame, (what it must be, what it got)) for one pandera SchemaError; None for
    one that says nothing new."""
    check = error.check
    name = check if isinstance(check, str) else getattr(check, "name", None) or str(check)
    cases = error.failure_cases
    if name == _MISSING:
        column = str(cases if not isinstance(cases, pd.DataFrame) else cases["failure_case"].iloc[0])
        return column, ("be present", f"no such column{_hint(column, frame)}")
    column = error.column_name
    rows = len(frame)
    if name == "at_least_one_row":
        return None, ("have at least one row", "0 rows")
    must = getattr(check, "description", None) or f"pass the check {name}"
    if getattr(error, "reason_code", None) is not None and error.reason_code.name == "CHECK_ERROR":
        return column, (must, f"an error while checking: {cases}")
    series = frame[column]
    failures = cases["failure_case"] if isinstance(cases, pd.DataFrame) else pd.Series([], dtype=object)
    count = len(failures)
    if name == _NULLS:
        return column, ("not be null", f"{count:,} of {rows:,} rows null")
    if name == _DUPLICATES:
        if not count:  # pandera counts repeated nulls as duplicates, then drops them: the nulls are reported
            return None
        distinct = failures.nunique(dropna=False)
        return column, ("be unique", f"{count:,} rows sharing {_count(distinct, 'value')} (e.g. {_examples(failures)})")
    if name == "numeric":
        return column, (must, f"dtype {series.dtype} ({_not_numbers(series)})")
    if name == "timestamp" and not isinstance(cases, pd.DataFrame):
        values = series.dropna()
        shown = f"e.g. {_examples(values.head(10_000))}" if len(values) else "no values"
        return column, (must, f"dtype {series.dtype} ({shown})")
    if name == "two_classes":
        values = [_plain(v) for v in pd.unique(series.dropna().to_numpy())]
        return column, (must, _distinct(values))
    failing = {"timestamp": "that do not parse", "in_label_set": "outside it", "unit_interval": "outside it"}
    return column, (must, f"{count:,} of {rows:,} rows {failing.get(name, 'failing')} (e.g. {_examples(failures)})")


# ---------------------------------------------------------------------------------------------- wording


def _hint(name: str, frame: pd.DataFrame) -> str:
    """' (did you mean 'x'?)' for the closest existing column (``govern.data.closest_column``)."""
    from govern.data import closest_column

    close = closest_column(name, frame.columns)
    return f" (did you mean {close!r}?)" if close else ""


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _show(value: Any) -> str:
    text = repr(_plain(value))
    return text if len(text) <= _MAX_SHOWN_CHARS else text[: _MAX_SHOWN_CHARS - 3] + "..."


def _examples(values: pd.Series) -> str:
    """Up to MAX_EXAMPLES distinct values, in order of appearance."""
    try:
        distinct = pd.unique(values.to_numpy())[:MAX_EXAMPLES]
    except TypeError:  # unhashable values (lists in an object column)
        distinct = values.to_numpy()[:MAX_EXAMPLES]
    return ", ".join(_show(v) for v in distinct)


def _not_numbers(series: pd.Series) -> str:
    """For a column that should be numeric: how many of its values are not numbers at all, with examples
    (text that merely holds numbers is told apart: its fix is a cast upstream, not a data correction)."""
    values = series.dropna()
    if values.empty:
        return "no values"
    numbers = pd.to_numeric(values, errors="coerce") if _is_text(values) else pd.Series(np.nan, index=values.index)
    bad = values[numbers.isna()]
    if bad.empty:
        return f"numbers held as text, e.g. {_examples(values.head(10_000))}"
    return f"{len(bad):,} of {len(series):,} rows not numbers, e.g. {_examples(bad.head(10_000))}"


def _distinct(values: list[Any]) -> str:
    if not values:
        return "no values"
    shown = ", ".join(_show(v) for v in values[:MAX_EXAMPLES])
    more = f" and {len(values) - MAX_EXAMPLES:,} more" if len(values) > MAX_EXAMPLES else ""
    return f"{_count(len(values), 'distinct value')}: {shown}{more}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
