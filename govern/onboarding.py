"""Onboarding a model: its column roles inferred from its data, the model file written from them, and the deep
checks of a fleet's data and registry (what ``govern models add`` and ``govern validate-config --deep`` run).

**Inference** (``infer_roles``) reads the reference set and one inference batch. Every rule is one vectorized
pandas call per column (never a loop over rows); names are compared lower-cased and stripped. A role given by
the caller is taken as given (its column must exist); the others are found in this order, each among the
columns not claimed yet, the candidates ranked by how well the name matches (an exact name before a prefix or
suffix), then by column order:

- **target**: named like ``TARGET_NAMES`` and in the reference; else the one column of the reference the
  batches lack (batches carry no target).
- **problem type**: ``binary_classification`` when the target holds two values; ``regression`` when it is
  numeric with more than ``MAX_CLASSES`` values or with non-integral values; otherwise not inferred.
- **positive label** (binary): 1 when the classes are 0 and 1, True when they are False and True; a text
  class must be given.
- **score** (binary): named like ``SCORE_NAMES``, numeric, every value within [0, 1].
- **prediction**: named like ``PREDICTION_NAMES``; non-null and within the target's classes (binary) or
  numeric (regression).
- **timestamp**: named like ``TIMESTAMP_NAMES``, of a datetime dtype or text that ``pd.to_datetime`` parses
  (the first ``SAMPLE_ROWS`` values); else the only column of a datetime dtype.
- **id**: named like ``ID_NAMES`` with unique, non-null values; else the first integer or text column with
  unique, non-null values.
- **model_version**, **api_client**: a batch column of exactly that name.
- **protected** (only suggested): a column with a word of ``PROTECTED_WORDS`` in its name (``age_band``,
  ``applicant_gender``) and at most ``MAX_PROTECTED_GROUPS`` values; one with more is named in a note (band it
  first). Protected attributes are not listed as features.
- **features**: the remaining columns present in both the reference and the batch, except dates (their drift
  against a past reference means nothing) and text with more than ``MAX_CATEGORIES`` values (an identifier or
  free text); each column left out is named in a note.
- **categorical**: features of a text, category or boolean dtype, and integer features with at most
  ``MAX_INTEGER_CATEGORIES`` values.

Roles in the batch (id, timestamp, features, prediction, score, protected) must be in the batch; the target,
id, timestamp and features in the reference. Without a batch, the reference alone is read.

**The model file** (``model_yaml``) marks every inferred value with ``# confirm: inferred from ...`` and
every required role it could not infer with ``# TODO:`` (such a draft does not load, by design).

**Deep checks** (``deep_check``, ``check_model_data``) read each model's files as the nightly run would and
report every problem at once, as data (``Problem``): the suite loads; the reference exists and passes its
contract; batch files matching the template exist and the newest passes its contract; labels files exist
(when configured), are named by the night of a batch and share ids with it; the registry has the model and
its serving alias (when it has a ``registry``); the reference holds ``MIN_REFERENCE_CHUNKS`` chunks of the
nightly batch size (a warning otherwise).
"""

from __future__ import annotations

import datetime as dt
import glob
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
import yaml

from govern.config import Fleet, FleetConfig, ModelConfig, ProblemType, parse
from govern.errors import DataError, GovernanceError

if TYPE_CHECKING:
    from govern.registry import ModelRegistry

# ---------------------------------------------------------------------------------------------- name rules


@dataclass(frozen=True)
class NamePattern:
    """Column names that suggest a role: exact names first (rank 0), then prefixes and suffixes (rank 1)."""

    exact: tuple[str, ...]
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()

    def rank(self, column: object) -> int | None:
        """0 for an exact name, 1 for a prefix or suffix match, None when the name does not suggest the role."""
        name = str(column).strip().lower()
        if name in self.exact:
            return 0
        if name.startswith(self.prefixes) or name.endswith(self.suffixes):
            return 1
        return None

    def describe(self) -> str:
        """The rule as people read it: ``id, key, *_id, id_*``."""
        return ", ".join([*self.exact, *(f"*{s}" for s in self.suffixes), *(f"{p}*" for p in self.prefixes)])


TARGET_NAMES = NamePattern(("target", "label", "y", "y_true", "outcome", "repaid", "default"), suffixes=("_target",))
SCORE_NAMES = NamePattern(
    ("score", "proba", "prob", "probability", "y_score", "y_proba", "y_pred_proba", "predicted_probability"),
    prefixes=("proba_", "prob_"),
    suffixes=("_proba", "_probability", "_prob", "_score"),
)
PREDICTION_NAMES = NamePattern(
    ("prediction", "predicted", "pred", "y_pred", "y_hat", "yhat"),
    prefixes=("pred",),
    suffixes=("_prediction", "_pred"),
)
TIMESTAMP_NAMES = NamePattern(
    ("timestamp", "ts", "date", "time", "datetime", "event_time"),
    prefixes=("timestamp_",),
    suffixes=("_at", "_date", "_time", "_ts", "_timestamp", "_datetime"),
)
ID_NAMES = NamePattern(("id", "key", "uuid"), prefixes=("id_",), suffixes=("_id", "_key", "_uuid"))
#: Words of a column name (split at every character that is not a letter or digit) that suggest a protected
#: attribute. Only suggested: whether a column is one is the owner's and the law's call.
PROTECTED_WORDS = frozenset(
    {"gender", "sex", "race", "ethnicity", "ethnic", "age", "religion", "nationality", "disability", "marital"}
)

#: A target with more distinct values than this (or non-integral ones) is a regression target.
MAX_CLASSES = 20
#: An integer feature with at most this many distinct values is categorical.
MAX_INTEGER_CATEGORIES = 10
#: A text feature with more distinct values than this is an identifier or free text, not a category (the same
#: limit as the fairness audit's groups).
MAX_CATEGORIES = 100
#: A protected attribute with more values than this is not suggested (fairness per value of a raw age is noise).
MAX_PROTECTED_GROUPS = 20
#: Values of a text column parsed to decide whether it holds timestamps.
SAMPLE_ROWS = 1_000

Origin = Literal["given", "inferred", "missing", "none"]
"""How a role was settled: ``given`` by the caller, ``inferred`` from the data, ``missing`` (required and not
found: the owner must name it), ``none`` (an optional role no column fills)."""

#: The roles, in the order they are found and written.
ROLES = (
    "problem_type",
    "target",
    "positive_label",
    "score",
    "prediction",
    "timestamp",
    "id",
    "model_version",
    "api_client",
    "protected",
    "features",
    "categorical",
)


@dataclass(frozen=True)
class Role:
    """One role as settled: its value (a column, a list of columns, the problem type or the positive label),
    where it came from and why."""

    name: str
    value: Any
    origin: Origin
    reason: str = ""


@dataclass(frozen=True)
class Inference:
    """The roles of a model's columns, inferred from its data (``infer_roles``), and notes on the columns left
    out (each with why)."""

    roles: dict[str, Role]
    notes: tuple[str, ...] = ()

    def value(self, role: str) -> Any:
        return self.roles[role].value

    @property
    def missing(self) -> list[Role]:
        """The required roles that could not be inferred, in the order of ``ROLES``."""
        return [role for role in self.roles.values() if role.origin == "missing"]

    @property
    def inferred(self) -> list[Role]:
        return [role for role in self.roles.values() if role.origin == "inferred"]


# ---------------------------------------------------------------------------------------------- column tests
# Each is one vectorized call on one column.


def _is_number(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series)) and not pd.api.types.is_bool_dtype(series)


def _is_text(series: pd.Series) -> bool:
    return series.dtype == object or bool(pd.api.types.is_string_dtype(series))


def _unique_non_null(series: pd.Series) -> bool:
    return bool(series.notna().all()) and bool(series.is_unique)


def _holds_timestamps(series: pd.Series) -> bool:
    """A datetime dtype, or text whose first ``SAMPLE_ROWS`` values all parse as the pipeline parses them."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    if not _is_text(series):
        return False  # numbers would "parse" as nanoseconds since 1970
    sample = series.dropna().head(SAMPLE_ROWS)
    if sample.empty:
        return False
    try:
        return bool(pd.to_datetime(sample, errors="coerce").notna().all())
    except (ValueError, TypeError):  # text pandas cannot parse together (mixed time zones)
        return False


def _within_unit_interval(series: pd.Series) -> bool:
    values = series.dropna()
    return _is_number(series) and not values.empty and bool(values.between(0, 1).all())


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value YAML writes (1.0 for a 0/1 float class becomes 1)."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _distinct(series: pd.Series) -> list[Any]:
    return sorted((_plain(v) for v in pd.unique(series.dropna().to_numpy())), key=repr)


def _shown(values: Iterable[Any], limit: int = 5) -> str:
    values = list(values)
    text = ", ".join(repr(v) for v in values[:limit])
    return text + (f" and {len(values) - limit} more" if len(values) > limit else "")


# ---------------------------------------------------------------------------------------------- inference


@dataclass(frozen=True)
class GivenRoles:
    """Roles the caller names (``govern models add --id ...``); None leaves a role to inference."""

    id: str | None = None
    timestamp: str | None = None
    prediction: str | None = None
    score: str | None = None
    target: str | None = None
    protected: tuple[str, ...] | None = None
    problem_type: str | None = None
    positive_label: str | None = None


class _Columns:
    """The columns of the reference and the batch, and which are claimed by a role already."""

    def __init__(self, reference: pd.DataFrame, batch: pd.DataFrame | None) -> None:
        self.reference = reference
        self.batch = batch
        self.claimed: set[str] = set()

    def series(self, column: str) -> pd.Series:
        """The column's values: from the reference when it has the column, else from the batch."""
        if column in self.reference.columns:
            return self.reference[column]
        assert self.batch is not None
        return self.batch[column]

    def served(self) -> list[str]:
        """Columns of both frames (those a batch carries and the reference has too), in reference order."""
        if self.batch is None:
            return [str(c) for c in self.reference.columns]
        in_batch = set(self.batch.columns)
        return [str(c) for c in self.reference.columns if c in in_batch]

    def everywhere(self) -> list[str]:
        """Columns of either frame: reference order, then the batch's own."""
        names = [str(c) for c in self.reference.columns]
        if self.batch is not None:
            names += [str(c) for c in self.batch.columns if c not in self.reference.columns]
        return names

    def free(self, pool: Iterable[str]) -> list[str]:
        return [c for c in pool if c not in self.claimed]

    def ranked(self, pattern: NamePattern, pool: Iterable[str]) -> list[str]:
        """Unclaimed columns of ``pool`` whose name suggests the role, best match first, then column order."""
        ranks = [(rank, i, c) for i, c in enumerate(self.free(pool)) if (rank := pattern.rank(c)) is not None]
        return [c for _, _, c in sorted(ranks)]

    def given(self, role: str, column: str, *, pool: Iterable[str], where: str) -> Role:
        pool = list(pool)
        if column not in pool:
            from govern.data import closest_column

            close = closest_column(column, pool)
            hint = f" (did you mean {close!r}?)" if close else ""
            raise DataError(f"the {role} column must be a column of {where}; got {column!r}, which is not one{hint}")
        self.claimed.add(column)
        return Role(role, column, "given", "given")


def infer_roles(
    reference: pd.DataFrame, batch: pd.DataFrame | None = None, *, given: GivenRoles | None = None
) -> Inference:
    """Every column role of a model, from its reference set and one inference batch, by the rules of the
    module docstring. A role in ``given`` is taken as given; a given column that is not in the data (or a
    problem type or positive label that cannot be) raises DataError naming it. Never raises for a role it
    cannot infer: that role is ``missing``, with the rule it tried as its reason."""
    given = given or GivenRoles()
    cols = _Columns(reference, batch)
    roles: dict[str, Role] = {}
    notes: list[str] = []
    in_reference = [str(c) for c in reference.columns]
    served, everywhere = cols.served(), cols.everywhere()
    where_served = "both the reference and the batch" if batch is not None else "the reference"

    roles["target"] = target = _infer_target(cols, given, in_reference)
    roles["problem_type"] = problem = _infer_problem_type(cols, given, target)
    binary = problem.value == ProblemType.BINARY.value
    classes = _distinct(cols.series(target.value)) if target.value is not None else []
    roles["positive_label"] = (
        _infer_positive_label(given, target, classes) if binary else Role("positive_label", None, "none")
    )

    # score and prediction: what the model wrote, so in the batch (or, monitored without a registry, the reference)
    if given.score is not None:
        roles["score"] = cols.given("score", given.score, pool=everywhere, where="the reference or the batch")
    elif binary:
        found = [c for c in cols.ranked(SCORE_NAMES, everywhere) if _within_unit_interval(cols.series(c))]
        roles["score"] = _first(
            "score",
            cols,
            found,
            because=lambda c: f"the name {c!r} and numbers all within [0, 1]",
            missing=f"no column named like {SCORE_NAMES.describe()} holds numbers all within [0, 1]",
        )
    else:
        roles["score"] = Role("score", None, "none")

    if given.prediction is not None:
        roles["prediction"] = cols.given(
            "prediction", given.prediction, pool=everywhere, where="the reference or the batch"
        )
    else:
        candidates = cols.ranked(PREDICTION_NAMES, everywhere)
        if binary and classes:
            found = [c for c in candidates if bool(cols.series(c).isin(classes).all())]
            values = f"values all within the target's classes ({_shown(classes)})"
        elif problem.value == ProblemType.REGRESSION.value:
            found = [c for c in candidates if _is_number(cols.series(c))]
            values = "numbers"
        else:
            found, values = [], "values like the target's"
        roles["prediction"] = _first(
            "prediction",
            cols,
            found,
            because=lambda c: f"the name {c!r} and {values}",
            missing=f"no column named like {PREDICTION_NAMES.describe()} holds {values}",
        )

    if given.timestamp is not None:
        roles["timestamp"] = cols.given("timestamp", given.timestamp, pool=served, where=where_served)
    else:
        named = [c for c in cols.ranked(TIMESTAMP_NAMES, served) if _holds_timestamps(cols.series(c))]
        dated = [c for c in cols.free(served) if pd.api.types.is_datetime64_any_dtype(cols.series(c))]
        missing = (
            f"no column named like {TIMESTAMP_NAMES.describe()} holds datetimes or text that parses as dates, "
            f"and {len(dated)} columns (not exactly one) are of a datetime dtype"
        )
        if named:
            roles["timestamp"] = _first(
                "timestamp", cols, named, because=lambda c: f"the name {c!r} and dates", missing=missing
            )
        else:
            roles["timestamp"] = _first(
                "timestamp",
                cols,
                dated if len(dated) == 1 else [],
                because=lambda c: f"{c!r}, the only column of a datetime dtype",
                missing=missing,
            )

    if given.id is not None:
        roles["id"] = cols.given("id", given.id, pool=served, where=where_served)
    else:
        named = [c for c in cols.ranked(ID_NAMES, served) if _unique_non_null(cols.series(c))]
        if named:
            roles["id"] = _first(
                "id", cols, named, because=lambda c: f"the name {c!r} and unique, non-null values", missing=""
            )
        else:
            unique = [
                c
                for c in cols.free(served)
                if (pd.api.types.is_integer_dtype(cols.series(c)) or _is_text(cols.series(c)))
                and _unique_non_null(cols.series(c))
            ]
            roles["id"] = _first(
                "id",
                cols,
                unique,
                because=lambda c: f"{c!r}, the first column with unique, non-null values (none is named like an id)",
                missing="no integer or text column (named like an id or not) holds unique, non-null values",
            )

    for role in ("model_version", "api_client"):
        if batch is not None and role in batch.columns and role not in cols.claimed:
            cols.claimed.add(role)
            roles[role] = Role(role, role, "inferred", f"the batch column named {role!r}")
        else:
            roles[role] = Role(role, None, "none")

    roles["protected"] = _infer_protected(cols, given, served, notes)
    roles["features"], roles["categorical"] = _infer_features(cols, served, notes)
    return Inference({name: roles[name] for name in ROLES}, tuple(notes))


def _first(role: str, cols: _Columns, found: list[str], *, because: Callable[[str], str], missing: str) -> Role:
    """The first candidate claimed for ``role`` (the others named as alternatives), or a ``missing`` role whose
    reason is ``missing``."""
    if not found:
        return Role(role, None, "missing", missing)
    chosen = found[0]
    cols.claimed.add(chosen)
    others = f"; also possible: {_shown(found[1:])}" if len(found) > 1 else ""
    return Role(role, chosen, "inferred", f"{because(chosen)}{others}")


def _infer_target(cols: _Columns, given: GivenRoles, in_reference: list[str]) -> Role:
    if given.target is not None:
        return cols.given("target", given.target, pool=in_reference, where="the reference")
    named = cols.ranked(TARGET_NAMES, in_reference)
    if named:
        return _first("target", cols, named, because=lambda c: f"the name {c!r}", missing="")
    lacking = [] if cols.batch is None else [c for c in in_reference if c not in cols.batch.columns]
    return _first(
        "target",
        cols,
        lacking if len(lacking) == 1 else [],
        because=lambda c: f"{c!r}, the only column of the reference the batches lack",
        missing=f"no column of the reference is named like {TARGET_NAMES.describe()}, and the batches lack "
        f"{len(lacking)} of its columns, not exactly one",
    )


def _infer_problem_type(cols: _Columns, given: GivenRoles, target: Role) -> Role:
    if given.problem_type is not None:
        try:
            return Role("problem_type", ProblemType(given.problem_type).value, "given", "given")
        except ValueError as exc:
            raise DataError(
                f"the problem type must be one of {', '.join(p.value for p in ProblemType)}; "
                f"got {given.problem_type!r} instead"
            ) from exc
    if target.value is None:
        return Role("problem_type", None, "missing", "no target to infer it from")
    series = cols.series(target.value)
    values = series.dropna()
    count = int(values.nunique())
    if count == 2:
        return Role(
            "problem_type",
            ProblemType.BINARY.value,
            "inferred",
            f"the target {target.value!r}, which holds two values ({_shown(_distinct(series))})",
        )
    if _is_number(series) and count > 0:
        fractional = bool((values % 1 != 0).any())
        if count > MAX_CLASSES or fractional:
            kind = "non-integral numbers" if fractional else f"{count:,} distinct numbers"
            return Role(
                "problem_type",
                ProblemType.REGRESSION.value,
                "inferred",
                f"the target {target.value!r}, which holds {kind}",
            )
    return Role(
        "problem_type",
        None,
        "missing",
        f"the target {target.value!r} holds {count:,} distinct values: neither two classes nor a numeric quantity "
        f"with more than {MAX_CLASSES} values",
    )


def _infer_positive_label(given: GivenRoles, target: Role, classes: list[Any]) -> Role:
    if given.positive_label is not None:
        text = given.positive_label
        for value in classes:
            if str(value) == text or (isinstance(value, bool) and text.lower() == str(value).lower()):
                return Role("positive_label", value, "given", "given")
        raise DataError(
            f"the positive label must be one of the target's classes ({_shown(classes)}); got {text!r} instead"
        )
    if set(classes) in ({0, 1}, {False, True}) and all(isinstance(v, bool) for v in classes):
        return Role(
            "positive_label", True, "inferred", f"the target {target.value!r}, whose classes are False and True"
        )
    if set(classes) == {0, 1}:
        return Role("positive_label", 1, "inferred", f"the target {target.value!r}, whose classes are 0 and 1")
    return Role(
        "positive_label",
        None,
        "missing",
        f"the target {target.value!r} has the classes {_shown(classes)}: which one is the positive class (the "
        f"event the score is the probability of) cannot be told from the data",
    )


def _infer_protected(cols: _Columns, given: GivenRoles, served: list[str], notes: list[str]) -> Role:
    if given.protected is not None:
        for column in given.protected:
            cols.given("protected", column, pool=served, where="both the reference and the batch")
        return Role("protected", list(given.protected), "given", "given")
    suggested = []
    for column in cols.free(served):
        words = set(re.split(r"[^0-9a-z]+", column.strip().lower()))
        if not words & PROTECTED_WORDS:
            continue
        count = int(cols.series(column).nunique())
        if count > MAX_PROTECTED_GROUPS:
            notes.append(
                f"{column!r} is named like a protected attribute but holds {count:,} values: band it (e.g. "
                f"{column}_band) to judge fairness on it; it is kept as a feature"
            )
            continue
        suggested.append(column)
    cols.claimed.update(suggested)
    if not suggested:
        return Role(
            "protected",
            [],
            "inferred",
            f"none found: no column is named like a protected attribute ({', '.join(sorted(PROTECTED_WORDS))}); "
            f"list the model's if it has any (each needs at most {MAX_PROTECTED_GROUPS} values)",
        )
    return Role(
        "protected",
        suggested,
        "inferred",
        "names like a protected attribute (only suggested: whether each is one is the owner's call); "
        "not listed as features: add them there too if the model reads them",
    )


def _infer_features(cols: _Columns, served: list[str], notes: list[str]) -> tuple[Role, Role]:
    features: list[str] = []
    categorical: list[str] = []
    for column in cols.free(served):
        series = cols.series(column)
        numeric = _is_number(series)
        if pd.api.types.is_datetime64_any_dtype(series) or (
            TIMESTAMP_NAMES.rank(column) is not None and _holds_timestamps(series)
        ):
            notes.append(f"{column!r} is left out of the features: it holds dates, whose drift means nothing")
            continue
        if not numeric and not pd.api.types.is_bool_dtype(series):
            count = int(series.nunique())
            if count > MAX_CATEGORIES:
                notes.append(
                    f"{column!r} is left out of the features: text with {count:,} distinct values is an "
                    f"identifier or free text, not a category (list it if it is a feature)"
                )
                continue
        features.append(column)
        if not numeric or (pd.api.types.is_integer_dtype(series) and int(series.nunique()) <= MAX_INTEGER_CATEGORIES):
            categorical.append(column)
    if cols.batch is not None:
        in_batch = set(map(str, cols.batch.columns))
        only_reference = [
            str(c) for c in cols.reference.columns if str(c) not in in_batch and str(c) not in cols.claimed
        ]
        only_batch = [
            str(c) for c in cols.batch.columns if str(c) not in cols.claimed and c not in cols.reference.columns
        ]
        if only_reference:
            notes.append(f"left out, in the reference but not in the batch: {', '.join(map(repr, only_reference))}")
        if only_batch:
            notes.append(f"left out, in the batch but not in the reference: {', '.join(map(repr, only_batch))}")
    if not features:
        return Role("features", [], "missing", "no column is left for the features"), Role("categorical", [], "none")
    cols.claimed.update(features)
    return (
        Role("features", features, "inferred", "the columns no other role claims"),
        Role(
            "categorical",
            categorical,
            "inferred",
            f"the dtypes: text, category and boolean features, and integer features with at most "
            f"{MAX_INTEGER_CATEGORIES} values",
        ),
    )


# ---------------------------------------------------------------------------------------------- batch files


def _template_parts(template: str) -> list[str]:
    """The literal text around each ``{date}`` of a template, with ``{{``/``}}`` read as ``str.format`` does."""
    return [part.replace("{{", "{").replace("}}", "}") for part in template.split("{date}")]


def date_glob(template: str) -> str:
    """The glob pattern of a ``{date}`` template: ``*`` in place of each ``{date}``."""
    return "*".join(glob.escape(part) for part in _template_parts(template))


def find_nights(template: str) -> dict[str, str]:
    """Every file matching a ``{date}`` template (a local path or an fsspec URI), by night (ISO date), oldest
    first. A file whose ``{date}`` part is not an ISO date is not a night and is left out. Raises DataError
    for a template without ``{date}`` or a file system that cannot be listed."""
    if "{date}" not in template:
        raise DataError(f"a batches or labels template must contain '{{date}}'; got {template!r} instead")
    date = r"(\d{4}-\d{2}-\d{2})"
    try:
        if "://" in template:
            import fsspec

            fs, stripped = fsspec.core.url_to_fs(template)
            parts = _template_parts(stripped)
            matched = {str(p): fs.unstrip_protocol(p) for p in fs.glob("*".join(glob.escape(x) for x in parts))}
        else:
            parts = _template_parts(template)
            matched = {p: p for p in glob.glob(date_glob(template))}
    except (OSError, ValueError, ImportError) as exc:
        raise DataError(f"the files of {template} must be listable; got {type(exc).__name__}: {exc}") from exc
    pattern = re.compile(date.join(re.escape(part) for part in parts))
    nights: dict[str, str] = {}
    for listed, path in matched.items():
        found = pattern.fullmatch(listed)
        if found is None or len(set(found.groups())) != 1:
            continue
        try:
            night = dt.date.fromisoformat(found.group(1)).isoformat()
        except ValueError:
            continue
        nights[night] = path
    return dict(sorted(nights.items()))


def nights_found(nights: dict[str, str]) -> str:
    """``10 nights, 2026-01-01 .. 2026-01-10`` (``1 night, 2026-01-01``)."""
    first, last = next(iter(nights)), next(reversed(nights))
    return f"1 night, {first}" if len(nights) == 1 else f"{len(nights)} nights, {first} .. {last}"


# ---------------------------------------------------------------------------------------------- the model file


@dataclass(frozen=True)
class ModelDraft:
    """What ``model_yaml`` writes: the model's name, its inferred roles and where its data is (paths as the
    config holds them: under the fleet's ``data_root``, absolute, or URIs)."""

    name: str
    inference: Inference
    reference: str
    batches: str
    labels: str | None = None
    label_delay_days: int | None = None
    registry_name: str | None = None
    serving_alias: str = "champion"
    owner_name: str | None = None
    owner_email: str | None = None
    business_unit: str | None = None
    risk_tier: str | None = None
    found: str = ""
    """What was found of the batches ("10 nights, 2026-01-01 .. 2026-01-10"), written as a comment."""


def _scalar(value: Any) -> str:
    """One YAML scalar or flow list, quoted where YAML needs it."""
    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 20, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _comment(text: str) -> str:
    return " ".join(text.split())  # a comment is one line


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def line(self, text: str = "") -> None:
        self.lines.append(text)

    def key(self, indent: int, key: str, value: Any, *, confirm: str = "", todo: str = "", note: str = "") -> None:
        pad = "  " * indent
        if todo:
            self.line(f"{pad}{key}:  # TODO: {_comment(todo)}")
            return
        comment = f"  # confirm: {_comment(confirm)}" if confirm else f"  # {_comment(note)}" if note else ""
        if isinstance(value, list) and value:
            self.line(f"{pad}{key}:{comment}")
            for item in value:
                self.line(f"{pad}  - {_scalar(item)}")
        else:
            self.line(f"{pad}{key}: {_scalar(value)}{comment}")

    def role(self, indent: int, role: Role, *, key: str | None = None) -> None:
        key = key or role.name
        if role.origin == "missing":
            self.key(indent, key, None, todo=f"could not infer it: {role.reason}; name it")
        elif role.origin == "inferred":
            # an empty list found nothing: its reason says what was looked for
            confirm = role.reason if role.value == [] else f"inferred from {role.reason}"
            self.key(indent, key, role.value, confirm=confirm)
        elif role.origin == "given":
            self.key(indent, key, role.value)


def model_yaml(draft: ModelDraft) -> str:
    """The model file of ``draft``: every inferred value with a ``# confirm: inferred from ...`` comment, every
    placeholder (owner, business unit, risk tier) with a ``# confirm: placeholder ...`` one, and every required
    role that could not be inferred as an empty key with a ``# TODO:`` comment (the file does not load until
    it is filled in). The text loads as a ``ModelConfig`` when nothing is missing."""
    roles = draft.inference.roles
    out = _Writer()
    out.line(f"# Model {draft.name}, written by `govern models add` from its reference set and batches.")
    out.line("# Every `# confirm:` line is a guess from the data: check it, fix it if wrong, then delete the comment.")
    out.line(
        "# Data paths are under the fleet's data_root unless absolute or URIs; {date} is the ISO date of the night"
    )
    out.line("# the file is for (a labels file is named by the night of the batch it labels).")
    out.line()
    out.key(0, "name", draft.name)
    out.key(0, "description", "")
    out.line("owner:")
    owner_note = "placeholder: who answers for this model (--owner-name, --owner-email)"
    out.key(1, "name", draft.owner_name or "unassigned", confirm="" if draft.owner_name else owner_note)
    out.key(1, "email", draft.owner_email or "owner@example.com", confirm="" if draft.owner_email else owner_note)
    out.key(0, "business_unit", draft.business_unit or "unassigned",
            confirm="" if draft.business_unit else "placeholder: the unit that owns it (--business-unit)")  # fmt: skip
    out.key(0, "risk_tier", draft.risk_tier or "medium",
            confirm="" if draft.risk_tier else "placeholder: low, medium, high or critical (--risk-tier)")  # fmt: skip
    out.role(0, roles["problem_type"])
    if draft.registry_name is not None:
        out.line("registry:")
        out.key(1, "name", draft.registry_name)
        out.key(1, "serving_alias", draft.serving_alias)
    else:
        out.line("# No registry: monitored from the reference's own prediction and score columns. To compare versions")
        out.line(
            "# and roll back, register the model in MLflow and add  registry: {name: ..., serving_alias: champion}"
        )
    out.line()
    out.line("data:")
    out.key(1, "reference", draft.reference)
    out.key(1, "batches", draft.batches, note=f"found {draft.found}" if draft.found else "")
    if draft.labels is not None:
        out.key(1, "labels", draft.labels)
    if draft.label_delay_days is not None:
        out.key(1, "label_delay_days", draft.label_delay_days)
    elif draft.labels is not None:
        out.key(1, "label_delay_days", 7, confirm="the default: days between a batch and the arrival of its labels")
    out.line()
    out.line("columns:")
    for name in ("id", "timestamp", "target"):
        out.role(1, roles[name])
    if roles["positive_label"].origin != "none":
        out.role(1, roles["positive_label"])
    out.role(1, roles["prediction"])
    if roles["score"].origin != "none":
        out.role(1, roles["score"])
    for name in ("model_version", "api_client"):
        if roles[name].origin != "none":
            out.role(1, roles[name])
    for name in ("features", "categorical", "protected"):
        out.role(1, roles[name])
    for note in draft.inference.notes:
        out.line(f"  # {_comment(note)}")
    out.line()
    out.line(
        "# Thresholds: none of its own yet. The fleet's default policies and the rulebook's defaults apply; an SLA"
    )
    out.line("# needs thresholds: {performance: {metric: roc_auc, minimum: ...}} (or a policy that sets one).")
    return "\n".join(out.lines) + "\n"


def fleet_layout(path: str | Path) -> Fleet:
    """The fleet file's folders and settings, without loading its models or policies (a fleet being set up may
    have none yet): enough for ``Fleet.data_path``, ``expectations_dir``, ``state_dir`` and ``tracking_uri``."""
    resolved = Path(path).resolve()
    config: FleetConfig = parse(FleetConfig, resolved)
    return Fleet(resolved, config, {}, {})


def models_dir(fleet: Fleet) -> Path:
    """The folder of the fleet's model files."""
    return (fleet.path.parent / fleet.config.models_dir).resolve()


# ---------------------------------------------------------------------------------------------- deep checks

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One problem a deep check found: ``check`` is what was checked (``config``, ``suite``, ``reference``,
    ``batches``, ``labels``, ``registry``, ``reference_size``); an error stops the model's nights, a warning
    weakens them."""

    severity: Severity
    check: str
    message: str


@dataclass
class ModelCheck:
    """The deep check of one model: its problems, and what was found (for the report)."""

    model: str
    problems: list[Problem] = field(default_factory=list)
    found: list[str] = field(default_factory=list)

    def error(self, check: str, message: str) -> None:
        self.problems.append(Problem("error", check, message))

    def warning(self, check: str, message: str) -> None:
        self.problems.append(Problem("warning", check, message))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def deep_check(fleet: Fleet, *, registry: ModelRegistry | None = None) -> list[ModelCheck]:
    """Every model of ``fleet`` (loaded with ``strict=False``) checked against its data and registry: first each
    broken model file (one error each), then each model in name order (``check_model_data``). The fleet's MLflow
    registry is opened only when some model has a ``registry`` and none is passed."""
    checks = []
    for stem, message in sorted(fleet.broken.items()):
        check = ModelCheck(stem)
        check.error("config", message)
        checks.append(check)
    if registry is None and any(m.registry is not None for m in fleet.models.values()):
        from govern.registry import MlflowRegistry

        registry = MlflowRegistry(fleet.tracking_uri, fleet.state_dir / "mlartifacts")
    for name in sorted(fleet.models):
        checks.append(check_model_data(fleet, fleet.models[name], registry=registry))
    return checks


def check_model_data(fleet: Fleet, model: ModelConfig, *, registry: ModelRegistry | None = None) -> ModelCheck:
    """One model's files and registry entry, read as the nightly run reads them; every problem is collected
    (a failed check does not stop the next). See the module docstring for the checks."""
    from govern.contracts import batch_contract, enforce, label_set_of, reference_contract
    from govern.data import exists, read_table
    from govern.suites import load_suite

    check = ModelCheck(model.name)
    where = f"model {model.name!r}"

    try:
        suite = load_suite(fleet.expectations_dir / f"{model.suite_name}.json")
        check.found.append(f"suite {model.suite_name}: {len(suite['expectations'])} expectations")
    except GovernanceError as exc:
        check.error("suite", str(exc))

    labels: Any = None
    reference_rows: int | None = None
    path = fleet.data_path(model.data.reference)
    what = f"{where}: reference data ({path})"
    if not exists(path):
        check.error("reference", f"{what}: the file must exist; it does not")
    else:
        try:
            reference = enforce(read_table(path, what=what), reference_contract(model), what=what)
            reference_rows = len(reference)
            check.found.append(f"reference: {reference_rows:,} rows")
            if model.problem_type is ProblemType.BINARY:
                labels = label_set_of(reference, model, what=what)
        except GovernanceError as exc:
            check.error("reference", str(exc))

    template = fleet.data_path(model.data.batches)
    batch: pd.DataFrame | None = None
    nights: dict[str, str] = {}
    try:
        nights = find_nights(template)
    except DataError as exc:
        check.error("batches", f"{where}: {exc}")
    newest = next(reversed(nights), None)
    if not nights:
        check.error("batches", f"{where}: batch files must exist; got no file matching {date_glob(template)}")
    elif newest is not None:
        what = f"{where}: batch of {newest} ({nights[newest]})"
        check.found.append(f"batches: {nights_found(nights)}")
        try:
            contract = batch_contract(model, label_set=labels)
        except ValueError:  # a text positive label: the classes come from the reference, which failed above
            check.error(
                "batches", f"{what}: not checked: its classes come from the reference, which must be fixed first"
            )
        else:
            try:
                batch = read_table(nights[newest], what=what)
                check.found.append(f"newest batch: {len(batch):,} rows")
                enforce(batch, contract, what=what)
            except GovernanceError as exc:
                check.error("batches", str(exc))

    if model.data.labels is not None:
        _check_labels(fleet, model, check, nights, batch, labels)

    if model.registry is not None:
        if registry is None:
            check.error("registry", f"{where}: has a registry entry, but no registry was given to check it")
        else:
            name, alias = model.registry.name, model.registry.serving_alias
            try:
                info = registry.version_by_alias(name, alias)
                check.found.append(f"registry: {name}@{alias} is version {info.version}")
            except GovernanceError as exc:
                check.error("registry", f"{where}: registry.{name}@{alias} must resolve; got: {exc}")

    if reference_rows is not None and (batch is not None or model.data.expected_batch_rows is not None):
        from govern.estimation import nightly_chunk_size, reference_chunking

        try:
            size = nightly_chunk_size(
                len(batch) if batch is not None else 0, expected_rows=model.data.expected_batch_rows
            )
            chunking = reference_chunking(reference_rows, size)
        except GovernanceError as exc:
            check.error("reference_size", f"{where}: {exc}")
        else:
            if chunking.note:
                check.warning("reference_size", f"{where}: {chunking.note}")
            else:
                check.found.append(f"reference: {chunking.chunks} chunks of {chunking.chunk_size:,} rows")
    return check


def _check_labels(
    fleet: Fleet,
    model: ModelConfig,
    check: ModelCheck,
    nights: dict[str, str],
    batch: pd.DataFrame | None,
    labels: Any,
) -> None:
    """Labels files exist (an error once some batch is older than the label delay, a warning before), are
    named by the night of a batch, and the newest passes its contract and shares ids with its batch."""
    from govern.contracts import enforce, labels_contract
    from govern.data import read_table

    assert model.data.labels is not None
    where = f"model {model.name!r}"
    template = fleet.data_path(model.data.labels)
    try:
        labelled = find_nights(template)
    except DataError as exc:
        check.error("labels", f"{where}: {exc}")
        return
    delay = model.data.label_delay_days
    days = f"{delay} day" + ("" if delay == 1 else "s")
    if not labelled and not nights:
        return  # no batch either: the batches' error says it, and no label can be due
    if not labelled:
        message = f"{where}: labels files must exist; got no file matching {date_glob(template)}"
        oldest, newest = (dt.date.fromisoformat(n) for n in (next(iter(nights)), next(reversed(nights))))
        if oldest + dt.timedelta(days=delay) <= newest:
            check.error("labels", f"{message}, although the labels of {oldest} were due {days} later")
            return
        check.warning("labels", f"{message} yet (none is due: labels arrive {days} after their batch)")
        return
    check.found.append(f"labels: {nights_found(labelled)}")
    orphans = [night for night in labelled if night not in nights]
    if orphans:
        check.warning(
            "labels",
            f"{where}: labels files are named by the night of the batch they label; got {len(orphans)} without a "
            f"batch of that night (e.g. {', '.join(orphans[:3])})",
        )
    night = next(reversed(labelled))
    what = f"{where}: labels of {night} ({labelled[night]})"
    try:
        contract = labels_contract(model, label_set=labels)
    except ValueError:
        check.error("labels", f"{what}: not checked: its classes come from the reference, which must be fixed first")
        return
    try:
        frame = enforce(read_table(labelled[night], what=what), contract, what=what)
    except GovernanceError as exc:
        check.error("labels", str(exc))
        return
    if night in nights:
        ids = model.columns.id
        try:
            served = (
                batch if batch is not None and night == next(reversed(nights)) else read_table(nights[night], what=what)
            )
        except GovernanceError as exc:
            check.error("labels", str(exc))
            return
        if ids in served.columns and len(frame) and not bool(frame[ids].isin(served[ids]).any()):
            check.error(
                "labels",
                f"{what}: column {ids!r} (id) must share ids with the batch of {night}; got none of its "
                f"{len(frame):,} ids in the batch",
            )
