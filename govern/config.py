"""Typed configuration: the fleet, its models and the named policies, validated when loaded.

Layout on disk (paths in ``fleet.yaml`` are relative to the folder that holds it)::

    configs/fleet.yaml            -> FleetConfig
    configs/models/<model>.yaml   -> ModelConfig, one per model
    configs/policies/<name>.yaml  -> PolicyConfig, named rule sets a model refers to
                                     (but incident_response.yaml and risk_appetite.yaml, see the fleet's
                                     incident_response and risk_appetite)

Every model is ``extra="forbid"``: an unknown key is an error. Errors name the file, the field path and what
was expected. Code downstream trusts these objects and never re-checks them.

Every YAML file is read by ``_read_yaml``, which refuses, before anything is built from it, a file larger than
``MAX_YAML_BYTES`` (1 MiB), more than ``MAX_YAML_ALIASES`` (100) aliases, an alias inside the node it names, and
a document of more than ``MAX_YAML_NODES`` (100,000) nodes once its aliases are expanded (a "billion laughs"
alias bomb is a few hundred bytes that expand to 10^9 strings). Configs are ``*.yaml``: a ``.yml`` (or ``.YAML``)
file in the models or policies folder is an error, not a file silently skipped.
"""

from __future__ import annotations

import difflib
import enum
import os
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from govern import rulebook
from govern.errors import ConfigError
from govern.rulebook import Severity

if TYPE_CHECKING:
    from govern.reports.appetite import RiskAppetite
    from govern.respond.policy import ResponsePolicy

__all__ = ["Severity"]  # re-exported: config and results speak of severities

Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProblemType(enum.StrEnum):
    BINARY = "binary_classification"
    MULTICLASS = "multiclass_classification"
    REGRESSION = "regression"

    @property
    def is_classification(self) -> bool:
        return self is not ProblemType.REGRESSION


class RiskTier(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Contact(_Strict):
    name: str
    email: str
    role: str = "owner"


class RegistryRef(_Strict):
    """Where the model lives in the MLflow registry."""

    name: str
    serving_alias: str = "champion"


class DataSources(_Strict):
    """Where the model's data lives: local paths (relative to the fleet's ``data_root``) or fsspec URIs.

    ``batches`` and ``labels`` are templates with ``{date}`` (ISO date of the night) as their only placeholder;
    ``reference`` is one file, not a template. Labels for the batch of night D arrive ``label_delay_days`` later;
    on night N the realized performance is computed for the batch of night N - label_delay_days, when its labels
    are there.
    """

    reference: str
    batches: str
    labels: str | None = None
    label_delay_days: Annotated[int, Field(ge=0, le=365)] = 7
    expected_batch_rows: Annotated[int, Field(ge=1)] | None = Field(
        None,
        description="rows of a usual nightly batch: the reference is cut into chunks of this size for NannyML's "
        "alert thresholds; default: tonight's row count, rounded to 2 significant figures",
    )

    @field_validator("reference")
    @classmethod
    def _reference_is_a_path(cls, value: str) -> str:
        # the reference path is never formatted: a brace in it would be read literally, never filled in
        if "{" in value or "}" in value:
            raise ValueError(
                f"must be a path without placeholders or braces (the reference is one file, not a template); "
                f"got {value!r} instead"
            )
        return value

    @field_validator("batches", "labels")
    @classmethod
    def _template_of_the_date(cls, value: str | None) -> str | None:
        # checked as str.format will read it (Fleet.data_path), so that a stray placeholder fails here and not
        # as an IndexError or KeyError in the night's load
        if value is None:
            return value
        try:
            fields = [parsed for parsed in string.Formatter().parse(value) if parsed[1] is not None]
        except ValueError as exc:  # unbalanced braces
            raise ValueError(
                f"must be a template whose only placeholder is '{{date}}'; got {value!r} instead, which is not a "
                f"valid template ({exc}; write a literal brace as '{{{{' or '}}}}')"
            ) from exc
        if not fields:
            raise ValueError(f"must contain the placeholder '{{date}}'; got {value!r} instead")
        for _, name, spec, conversion in fields:
            if name != "date" or spec or conversion:
                shown = "{" + str(name) + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
                raise ValueError(
                    f"must be a template whose only placeholder is '{{date}}', without a format spec or "
                    f"conversion; got {value!r} instead, with the placeholder {shown!r}"
                )
        return value


class ColumnRoles(_Strict):
    """What each column of the model's data means."""

    id: str
    timestamp: str
    features: list[str] = Field(min_length=1)
    categorical: list[str] = Field(default_factory=list, description="features to treat as categorical")
    prediction: str
    score: str | None = Field(None, description="predicted probability of the positive class (classifiers)")
    target: str
    protected: list[str] = Field(default_factory=list)
    api_client: str | None = None
    model_version: str | None = Field(
        None, description="column of the inference log naming the registry version that made each prediction"
    )
    positive_label: int | str = 1
    favorable_prediction: int | str | None = Field(
        None, description="the prediction that favours the subject (approve, select); default: positive_label"
    )

    @model_validator(mode="after")
    def _consistent(self) -> ColumnRoles:
        unknown = sorted(set(self.categorical) - set(self.features))
        if unknown:
            raise ValueError(f"categorical must list features only; got {unknown} which are not in features")
        roles = [self.id, self.timestamp, self.prediction, self.target, *([self.score] if self.score else [])]
        clash = sorted(set(roles) & set(self.features))
        if clash:
            raise ValueError(f"features must not repeat the id, timestamp, prediction, score or target; got {clash}")
        return self

    @property
    def favorable(self) -> int | str:
        return self.positive_label if self.favorable_prediction is None else self.favorable_prediction

    @property
    def numeric_features(self) -> list[str]:
        return [c for c in self.features if c not in self.categorical]


class _Section(_Strict):
    """One section of a rule set: thresholds of the rulebook (``govern.rulebook``), each optional. An unset
    threshold falls to the next layer (another policy, the model's overrides) and then to the rulebook's
    default. Ranges, directions and defaults are the rulebook's; this class only declares the YAML keys."""

    section: ClassVar[str]
    severity: Severity | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _in_range(cls, value: Any, info: ValidationInfo) -> Any:
        # before pydantic's coercion, so that `true` is not taken for 1.0 nor "0.8" for a number
        if value is not None and info.field_name != "severity":
            rulebook.spec(cls.section, str(info.field_name)).check_value(value)
        return value


def _declared(section: str, name: str) -> Any:
    """The field of a rulebook threshold: unset by default, documented from the rulebook."""
    entry = rulebook.spec(section, name)
    return Field(None, description=f"{entry.meaning} ({entry.kind}, {entry.unit})")


class PerformanceRules(_Section):
    """SLA on the model's performance: estimated (no labels) and realized (labels arrived)."""

    section: ClassVar[str] = "performance"
    metric: str | None = _declared("performance", "metric")
    report: tuple[str, ...] | None = _declared("performance", "report")
    min_rows: int | None = _declared("performance", "min_rows")
    minimum: float | None = _declared("performance", "minimum")
    maximum: float | None = _declared("performance", "maximum")
    max_drop: float | None = _declared("performance", "max_drop")
    max_version_regression: float | None = _declared("performance", "max_version_regression")


class DriftRules(_Section):
    """Limits on effect sizes, which stay meaningful at any n (a bare p-value fires on every large batch)."""

    section: ClassVar[str] = "drift"
    max_jensen_shannon: float | None = _declared("drift", "max_jensen_shannon")
    max_psi: float | None = _declared("drift", "max_psi")
    max_wasserstein: float | None = _declared("drift", "max_wasserstein")
    max_prediction_jensen_shannon: float | None = _declared("drift", "max_prediction_jensen_shannon")
    max_reconstruction_error_increase: float | None = _declared("drift", "max_reconstruction_error_increase")
    min_features_drifted_for_finding: int | None = _declared("drift", "min_features_drifted_for_finding")
    min_rows: int | None = _declared("drift", "min_rows")


class FairnessRules(_Section):
    section: ClassVar[str] = "fairness"
    min_impact_ratio: float | None = _declared("fairness", "min_impact_ratio")
    max_demographic_parity_difference: float | None = _declared("fairness", "max_demographic_parity_difference")
    max_equal_opportunity_difference: float | None = _declared("fairness", "max_equal_opportunity_difference")
    max_equalized_odds_difference: float | None = _declared("fairness", "max_equalized_odds_difference")
    max_fpr_difference: float | None = _declared("fairness", "max_fpr_difference")
    max_fnr_difference: float | None = _declared("fairness", "max_fnr_difference")
    min_group_size: int | None = _declared("fairness", "min_group_size")
    intersectional: bool | None = _declared("fairness", "intersectional")


class DataQualityRules(_Section):
    """How failed expectations are judged; an expectation is critical when its meta says ``critical: true``."""

    section: ClassVar[str] = "data_quality"
    max_unexpected_fraction: float | None = _declared("data_quality", "max_unexpected_fraction")
    max_null_fraction_increase: float | None = _declared("data_quality", "max_null_fraction_increase")


class SegmentRules(_Section):
    """Per API client: a client whose share of traffic or positive rate departs from reference."""

    section: ClassVar[str] = "segments"
    max_share_increase: float | None = _declared("segments", "max_share_increase")
    max_positive_rate_ratio: float | None = _declared("segments", "max_positive_rate_ratio")
    min_rows: int | None = _declared("segments", "min_rows")


class Rules(_Strict):
    """A set of thresholds; every field is optional so policies can be layered."""

    performance: PerformanceRules = PerformanceRules()
    drift: DriftRules = DriftRules()
    fairness: FairnessRules = FairnessRules()
    data_quality: DataQualityRules = DataQualityRules()
    segments: SegmentRules = SegmentRules()


class PolicyConfig(Rules):
    """A named rule set (``configs/policies/<name>.yaml``), e.g. the US four-fifths rule."""

    name: Name
    description: str = ""
    jurisdictions: list[str] = Field(default_factory=list, description="e.g. US, EU, UK; empty: everywhere")
    reference: str = Field("", description="the law, regulation or standard the rule comes from")


class ModelConfig(_Strict):
    """One production model (``configs/models/<name>.yaml``)."""

    name: Name = Field(description="the model's name; in a model file it may be left out: the file name is the name")
    description: str = ""
    owner: Contact
    escalation: list[Contact] = Field(default_factory=list)
    business_unit: str
    risk_tier: RiskTier
    problem_type: ProblemType
    registry: RegistryRef | None = Field(
        None,
        description="the model in the MLflow registry; leave it out to monitor from the reference's own "
        "prediction and score columns (no artifact needed; version comparison and rollback need the registry)",
    )
    data: DataSources
    columns: ColumnRoles
    expectation_suite: Name | None = Field(
        None, description="file stem in expectations/ (a name, not a path); default: the model name"
    )
    policies: list[Name] = Field(default_factory=list)
    jurisdictions: list[str] = Field(default_factory=list)
    thresholds: Rules = Field(Rules(), description="model-specific overrides, applied after the policies")
    feed: Name | None = Field(
        None,
        description="the upstream feed the model's batches come from; models naming one feed share its incidents "
        "and its state (a disabled feed is refused for all of them)",
    )

    @model_validator(mode="after")
    def _score_for_classifiers(self) -> ModelConfig:
        if self.problem_type is ProblemType.BINARY and self.columns.score is None:
            raise ValueError("columns.score must name the predicted probability for binary classifiers; got none")
        return self

    @property
    def suite_name(self) -> str:
        return self.expectation_suite or self.name

    @property
    def mode(self) -> str:
        """``registry``: the reference is re-scored by the serving version from the registry;
        ``scored_reference``: no artifact, the reference's own prediction and score columns are used."""
        return "registry" if self.registry is not None else "scored_reference"


class FleetConfig(_Strict):
    """The fleet (``configs/fleet.yaml``)."""

    name: str
    state_dir: str = Field("../.state", description="MLflow database, Prefect home, caches")
    mlflow_tracking_uri: str | None = Field(None, description="default: sqlite:///<state_dir>/mlflow.db")
    data_root: str = "../.state/demo/data"
    output_dir: str = "../runs"
    models_dir: str = "models"
    policies_dir: str = "policies"
    expectations_dir: str = "../expectations"
    concurrency: Annotated[int, Field(ge=1, le=64)] = 4
    default_policies: list[Name] = Field(default_factory=list)
    incident_db: str | None = Field(
        None,
        description="SQLAlchemy URL of the incident database (incidents, actions, audit log); default: "
        "sqlite:///<state_dir>/governance.db",
    )
    incident_db_env: str | None = Field(
        None,
        pattern=r"^[A-Z_][A-Z0-9_]*$",
        description="the environment variable holding the incident database's URL (for a URL with a password, "
        "which must not sit in this file); takes precedence over incident_db",
    )
    incident_response: Name = Field(
        "incident_response",
        description="the response policy (SEV matrix, windows, playbooks, channels): policies_dir/<name>.yaml; "
        "built-in defaults when the file does not exist",
    )
    risk_appetite: Name = Field(
        "risk_appetite",
        description="the board's risk appetite (per dimension and risk tier) the monthly board summary judges "
        "against: policies_dir/<name>.yaml; built-in defaults when the file does not exist",
    )
    timezone: str = Field(
        "UTC", description="IANA time zone of the schedule and of the default night (yesterday there): Europe/Paris"
    )
    schedule: str = Field(
        "0 2 * * *",
        description="when the nightly run starts, in `timezone`: cron's five fields (minute hour day-of-month month "
        "day-of-week)",
    )

    # Cron's five fields as the scheduler (Prefect's croniter) reads them: name, lowest, highest, and the names
    # that stand for numbers from the lowest on. A subset of what croniter accepts (no L, W, #, ? nor reversed
    # ranges): what is accepted here is accepted there, so a schedule fails at load, never at deployment.
    _CRON_FIELDS: ClassVar[tuple[tuple[str, int, int, tuple[str, ...]], ...]] = (
        ("minute", 0, 59, ()),
        ("hour", 0, 23, ()),
        ("day-of-month", 1, 31, ()),
        ("month", 1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
        ("day-of-week", 0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        import zoneinfo

        known = zoneinfo.available_timezones()
        if value in known:
            return value
        by_case = {name.lower(): name for name in known}
        same = by_case.get(value.lower())
        hint = f" (did you mean {same!r}?)" if same else _did_you_mean(value, known)
        raise ValueError(f"must be an IANA time zone name such as 'Europe/Paris' or 'UTC'; got {value!r} instead{hint}")

    @field_validator("schedule")
    @classmethod
    def _five_field_cron(cls, value: str) -> str:
        expected = "a cron expression of five fields (minute hour day-of-month month day-of-week) such as '0 2 * * *'"
        fields = value.split()
        if len(fields) != len(cls._CRON_FIELDS):
            raise ValueError(f"must be {expected}; got {value!r} instead, with {len(fields)} field(s)")
        for text, (name, lowest, highest, names) in zip(fields, cls._CRON_FIELDS, strict=True):
            for item in text.split(","):
                problem = cls._cron_item_problem(item, lowest, highest, names)
                if problem:
                    raise ValueError(f"must be {expected}; got {value!r} instead: its {name} field {text!r} {problem}")
        return value

    @staticmethod
    def _cron_item_problem(item: str, lowest: int, highest: int, names: tuple[str, ...]) -> str | None:
        """Why one comma-separated item of a cron field is not ``*``, ``N``, ``N-M``, each with an optional
        ``/STEP``; None when it is."""
        import re

        match = re.fullmatch(r"(\*|[0-9a-zA-Z]+(?:-[0-9a-zA-Z]+)?)(?:/([0-9]+))?", item)
        if match is None:
            return f"has {item!r}, which is not *, N or N-M (each with an optional /STEP)"
        span, step = match.groups()
        if step is not None and int(step) < 1:
            return f"has the step {step!r}, which must be at least 1"
        if span == "*":
            return None
        bounds = []
        for part in span.split("-"):
            named = part.lower() in names
            number = lowest + names.index(part.lower()) if named else int(part) if part.isdigit() else None
            if number is None or not lowest <= number <= highest:
                spelled = f" or {names[0]}..{names[-1]}" if names else ""
                return f"has {part!r}, which must be a number from {lowest} to {highest}{spelled}"
            bounds.append(number)
        if len(bounds) == 2 and bounds[0] > bounds[1]:
            return f"has the range {span!r}, whose start must not be after its end"
        return None


# ---------------------------------------------------------------------------------------------- effective rules


@dataclass(frozen=True)
class Threshold:
    """One threshold in force, with where it came from: ``default`` (the rulebook), a policy's name, or
    ``models/<name>.yaml`` (the model's own override)."""

    value: float | int | bool | str | tuple[str, ...]
    source: str

    @property
    def number(self) -> float:
        """The value of a limit or gate as a number (the rulebook checked its kind at load)."""
        if isinstance(self.value, (str, tuple)):
            raise TypeError(f"threshold value {self.value!r} (from {self.source}) is not a number")
        return float(self.value)


DEFAULT_SOURCE = "default"


@dataclass(frozen=True)
class EffectiveRules:
    """The rules in force for one model: the strictest of its policies, then its own overrides, then the
    rulebook's defaults for whatever is still unset. Computed once per model and night.

    ``get("fairness", "min_impact_ratio")`` returns a ``Threshold``, or None when the threshold is off.
    """

    thresholds: dict[tuple[str, str], Threshold]
    severities: dict[str, Severity] = field(default_factory=dict)

    def get(self, section: str, name: str) -> Threshold | None:
        rulebook.spec(section, name)  # a typo is an error, not a threshold that is never in force
        return self.thresholds.get((section, name))

    def value(self, section: str, name: str) -> Any:
        found = self.get(section, name)
        return None if found is None else found.value

    def severity(self, section: str) -> Severity:
        """The section's severity: the highest a policy set, the model's override, else the rulebook's."""
        return self.severities.get(section, rulebook.SECTION_SEVERITY[section])

    def breached(self, section: str, name: str, measured: float | None) -> bool:
        """Whether ``measured`` breaks the threshold in force (at the limit passes; off judges nothing)."""
        return rulebook.spec(section, name).breached(measured, self.value(section, name))


def effective_rules(model: ModelConfig, policies: dict[str, PolicyConfig], defaults: list[str]) -> EffectiveRules:
    """Merge the fleet's default policies and the model's own, keeping the strictest value of each threshold
    (the rulebook says which way is stricter); the model's ``thresholds`` then override (they are the model
    owner's signed-off exceptions); the rulebook's defaults fill what no one set."""
    thresholds: dict[tuple[str, str], Threshold] = {}
    severities: dict[str, Severity] = {}
    layers: list[tuple[str, Rules]] = [(name, policies[name]) for name in dict.fromkeys([*defaults, *model.policies])]
    for source, rules in layers:
        for section in rulebook.SECTIONS:
            block = getattr(rules, section)
            for name in sorted(block.model_fields_set - {"severity"}):
                value = getattr(block, name)
                if value is None:
                    continue
                entry = rulebook.spec(section, name)
                old = thresholds.get((section, name))
                if old is None:
                    thresholds[(section, name)] = Threshold(value, source)
                elif entry.kind == "choice":
                    overridden = name in getattr(model.thresholds, section).model_fields_set
                    if old.value != value and not overridden:  # no silent last-wins
                        raise ConfigError(
                            f"model {model.name!r}: {section}.{name} must agree across its policies; got "
                            f"{old.value!r} from {old.source!r} and {value!r} from {source!r} (set it in the "
                            f"model's thresholds to choose)"
                        )
                else:
                    strict = entry.stricter(old.value, value)
                    if strict != old.value:
                        thresholds[(section, name)] = Threshold(strict, source)
            if block.severity is not None:
                current = severities.get(section)
                if current is None or block.severity.rank > current.rank:
                    severities[section] = block.severity
    switched_off: set[tuple[str, str]] = set()
    for section in rulebook.SECTIONS:
        block = getattr(model.thresholds, section)
        for name in block.model_fields_set:
            value = getattr(block, name)
            if name == "severity":
                if value is not None:
                    severities[section] = value
            elif value is not None:
                thresholds[(section, name)] = Threshold(value, f"models/{model.name}.yaml")
            else:  # the owner's explicit `null`: this threshold is off for the model, default included
                thresholds.pop((section, name), None)
                switched_off.add((section, name))
    for entry in rulebook.THRESHOLDS:
        if entry.default is not None and (entry.section, entry.name) not in switched_off:
            thresholds.setdefault((entry.section, entry.name), Threshold(entry.default, DEFAULT_SOURCE))
    return EffectiveRules(dict(sorted(thresholds.items())), severities)


# ---------------------------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class Fleet:
    """A loaded, cross-checked fleet: the fleet file, its models and policies, paths resolved."""

    path: Path
    config: FleetConfig
    models: dict[str, ModelConfig]
    policies: dict[str, PolicyConfig]
    model_files: dict[str, Path] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict, repr=False)
    """Models whose file failed to load (only with ``strict=False``): file stem -> the error."""
    effective: dict[str, EffectiveRules] = field(default_factory=dict, repr=False)
    """Each model's rules in force, merged once at load."""
    response: ResponsePolicy | None = field(default=None, repr=False)
    """The response policy (``policies_dir/<incident_response>.yaml``, or its defaults)."""

    appetite: RiskAppetite | None = field(default=None, repr=False)
    """The board's risk appetite (``policies_dir/<risk_appetite>.yaml``, or its defaults)."""

    @property
    def risk_appetite(self) -> RiskAppetite:
        if self.appetite is None:
            from govern.reports.appetite import RiskAppetite

            return RiskAppetite()
        return self.appetite

    @property
    def response_policy(self) -> ResponsePolicy:
        if self.response is None:
            from govern.respond.policy import ResponsePolicy

            return ResponsePolicy()
        return self.response

    def _resolve(self, value: str) -> Path:
        return (self.path.parent / value).resolve()

    @property
    def state_dir(self) -> Path:
        return self._resolve(self.config.state_dir)

    @property
    def data_root(self) -> Path:
        return self._resolve(self.config.data_root)

    @property
    def expectations_dir(self) -> Path:
        return self._resolve(self.config.expectations_dir)

    @property
    def incident_db(self) -> str:
        """The incident database's SQLAlchemy URL: the environment variable ``incident_db_env`` names, else
        ``incident_db``, else an SQLite file under the state folder."""
        if self.config.incident_db_env:
            url = os.environ.get(self.config.incident_db_env)
            if not url:
                raise ConfigError(
                    f"{self.path}: incident_db_env: the environment variable {self.config.incident_db_env} must "
                    "hold the incident database's URL; it is not set"
                )
            return url
        return self.config.incident_db or f"sqlite:///{self.state_dir / 'governance.db'}"

    @property
    def output(self) -> str:
        """The output folder as a path or fsspec URI (``output_dir`` may be either)."""
        value = self.config.output_dir
        return value if "://" in value else str(self._resolve(value))

    @property
    def tracking_uri(self) -> str:
        if self.config.mlflow_tracking_uri:
            return self.config.mlflow_tracking_uri
        return f"sqlite:///{self.state_dir / 'mlflow.db'}"

    def data_path(self, template: str, night: str | None = None) -> str:
        """A data source as a path or URI: relative paths are under ``data_root``, URIs pass through."""
        value = template.format(date=night) if night is not None else template
        if "://" in value or Path(value).is_absolute():
            return value
        return str(self.data_root / value)

    def rules(self, model: str) -> EffectiveRules:
        """The model's rules in force (merged once, when the fleet was loaded)."""
        if model not in self.effective:
            self.effective[model] = effective_rules(self.models[model], self.policies, self.config.default_policies)
        return self.effective[model]

    def select(self, names: list[str] | None) -> list[ModelConfig]:
        """The models to run, in name order; unknown names are an error that suggests the closest."""
        if not names:
            return [self.models[n] for n in sorted(self.models)]
        unknown = [n for n in names if n not in self.models]
        if unknown:
            hints = [_did_you_mean(n, self.models) for n in unknown]
            raise ConfigError(
                f"{self.path}: --models must name models of the fleet; got unknown {', '.join(unknown)}"
                f"{''.join(hints)} (known: {', '.join(sorted(self.models))})"
            )
        return [self.models[n] for n in names]


def _did_you_mean(name: str, choices: Any) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


MAX_YAML_BYTES = 1 << 20
"""The largest YAML file read: 1 MiB, some 400 times the largest committed config (a model file is ~2.5 KB)."""
MAX_YAML_ALIASES = 100
"""The most aliases (``*name``) in one YAML document; anchors share a contact or a column list, a few times."""
MAX_YAML_NODES = 100_000
"""The most nodes (scalars, lists, mappings) in one YAML document once its aliases are expanded: far above any
config (the largest committed file has 106) and far below what pydantic or an error message could not walk in a
blink (a "billion laughs" document expands to ~10^9)."""


class _DocumentTooLarge(yaml.YAMLError):
    """A YAML document beyond the limits above: ``expected`` and ``got`` complete "must be ...; got ... instead"."""

    def __init__(self, expected: str, got: str) -> None:
        super().__init__(f"must be {expected}; got {got} instead")
        self.expected = expected
        self.got = got


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key repeated in one mapping (plain YAML keeps the last silently), and
    refusing, while the document is composed (before anything is built from it), aliases past the limits.

    PyYAML composes an alias as a second reference to the anchored node, so the document stays small; it is
    whoever walks the result (pydantic, the repr in an error message) who expands it, and a nine-level alias
    bomb then takes gigabytes and hours. So each node's size with its aliases expanded is counted as it is
    composed (its own 1 plus its children's, an alias counting the whole node it names): linear in the text.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._expanded: dict[int, int] = {}  # id(node) -> its node count once its aliases are expanded

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            line = self.peek_event().start_mark.line + 1
            node = super().compose_node(parent, index)
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                raise _DocumentTooLarge(
                    f"a YAML document of at most {MAX_YAML_ALIASES} aliases",
                    f"alias number {self._aliases} at line {line}",
                )
            if node is not None and id(node) not in self._expanded:  # its node is still being composed
                raise _DocumentTooLarge(
                    "a YAML document without an alias inside the node it names (that expands without end)",
                    f"one at line {line}",
                )
            return node
        node = super().compose_node(parent, index)
        if node is None:
            return node
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(self._expanded[id(item)] for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            size += sum(self._expanded[id(key)] + self._expanded[id(value)] for key, value in node.value)
        if size > MAX_YAML_NODES:
            raise _DocumentTooLarge(
                f"a YAML document of at most {MAX_YAML_NODES} nodes once its aliases are expanded",
                f"{size} nodes in the value that starts at line {node.start_mark.line + 1}",
            )
        self._expanded[id(node)] = size
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"found the key {key!r} twice in one mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path) -> Any:
    """The plain data of one YAML file, within the limits above; a ConfigError names the file otherwise."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_YAML_BYTES + 1)  # never more: the file may be huge, or endless (a FIFO)
            size = os.fstat(stream.fileno()).st_size
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file must exist; got no such file instead") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: must be a readable UTF-8 file; got {type(exc).__name__}: {exc}") from exc
    if len(data) > MAX_YAML_BYTES:
        got = f"{size} bytes" if size > MAX_YAML_BYTES else f"more than {MAX_YAML_BYTES} bytes"
        raise ConfigError(
            f"{path}: must be a YAML document of at most {MAX_YAML_BYTES} bytes (1 MiB); got {got} instead"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: must be a readable UTF-8 file; got {type(exc).__name__}: {exc}") from exc
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass: safe
    except _DocumentTooLarge as exc:
        raise ConfigError(f"{path}: must be {exc.expected}; got {exc.got} instead") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: must be valid YAML; got a parse error instead: {exc}") from exc
    except RecursionError as exc:  # thousands of nested [[[...]]]: PyYAML recurses once per level
        raise ConfigError(
            f"{path}: must be a YAML document nested a reasonable depth; got one nested too deep to parse instead"
        ) from exc


def _format_validation(path: Path, exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "<top level>"
        if error["type"] == "extra_forbidden":
            lines.append(f"{path}: {where}: unknown key (not allowed); remove it or fix its spelling")
        elif error["type"] == "missing":
            lines.append(f"{path}: {where}: required field is missing")
        elif error["type"] == "value_error":  # our validators' messages already say what was got
            lines.append(f"{path}: {where}: {error['msg'].removeprefix('Value error, ')}")
        else:
            got = error.get("input")
            shown = repr(got) if not isinstance(got, dict) else "a mapping"
            lines.append(f"{path}: {where}: {error['msg']}; got {shown} instead")
    return "\n".join(lines)


def parse(kind: type[_Strict], path: Path, *, defaults: dict[str, Any] | None = None) -> Any:
    """Parse one YAML file into ``kind``; a ConfigError names the file and every failing field. ``defaults``
    fill top-level keys the file leaves out (a model's ``name``: its file name)."""
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: must be a YAML mapping; got {type(raw).__name__} instead")
    try:
        return kind.model_validate({**(defaults or {}), **raw})
    except ValidationError as exc:
        raise ConfigError(_format_validation(path, exc)) from exc


def load_fleet(path: str | Path, *, strict: bool = True) -> Fleet:
    """Load the fleet file, every model and policy file, and check references between them.

    Checks: config files are ``*.yaml`` (a ``.yml`` one is an error, not skipped); a model's file stem equals
    its ``name``; every policy a model or the fleet names exists; two models never share a registry name (both
    are errors: which one is the production model is not for the loader to guess); every model's suite file
    exists. With ``strict=False`` (the nightly run) a broken model file does not stop the fleet: it is kept in
    ``Fleet.broken`` and reported as that model's result; errors in the fleet file or a policy file still raise.
    """
    path = Path(path).resolve()
    config: FleetConfig = parse(FleetConfig, path)
    models_dir = (path.parent / config.models_dir).resolve()
    policies_dir = (path.parent / config.policies_dir).resolve()
    if not models_dir.is_dir():
        raise ConfigError(f"{path}: models_dir must be a folder; got {str(models_dir)!r}, which is not one")

    policies: dict[str, PolicyConfig] = {}
    policy_files, misnamed_policies = _config_files(policies_dir) if policies_dir.is_dir() else ([], [])
    policy_errors = [_misnamed(file, "policy") for file in misnamed_policies]
    response = None
    for file in [f for f in policy_files if f.stem == config.incident_response]:
        from govern.respond.policy import ResponsePolicy

        policy_files.remove(file)  # the response policy is not a rule policy: no model may name it
        try:
            response = parse(ResponsePolicy, file, defaults={"name": file.stem})
        except ConfigError as exc:
            policy_errors.append(str(exc))
    appetite = None
    for file in [f for f in policy_files if f.stem == config.risk_appetite]:
        from govern.reports.appetite import RiskAppetite

        policy_files.remove(file)  # the board's appetite is not a rule policy either
        try:
            appetite = parse(RiskAppetite, file, defaults={"name": file.stem})
        except ConfigError as exc:
            policy_errors.append(str(exc))
    for file in policy_files:
        try:
            policy: PolicyConfig = parse(PolicyConfig, file)
        except ConfigError as exc:
            policy_errors.append(str(exc))
            continue
        if policy.name != file.stem:
            policy_errors.append(f"{file}: name must equal the file name {file.stem!r}; got {policy.name!r} instead")
            continue
        policies[policy.name] = policy
    if policy_errors:  # every model may depend on a policy: the fleet stops, naming every broken file
        raise ConfigError("\n".join(policy_errors))
    missing_defaults = [
        f"{path}: default_policies: policy {name!r} must exist in {policies_dir}; it does not"
        f"{_did_you_mean(name, policies)}"
        for name in config.default_policies
        if name not in policies
    ]
    if missing_defaults:
        raise ConfigError("\n".join(missing_defaults))

    expectations_dir = (path.parent / config.expectations_dir).resolve()
    models: dict[str, ModelConfig] = {}
    files: dict[str, Path] = {}
    broken: dict[str, str] = {}
    effective: dict[str, EffectiveRules] = {}
    model_files, misnamed_models = _config_files(models_dir)
    for file in model_files:
        try:
            model = _load_model(file, policies, policies_dir, expectations_dir)
            rules = effective_rules(model, policies, config.default_policies)
            _check_rules(file, model, rules)
        except ConfigError as exc:
            broken[file.stem] = str(exc)
            continue
        models[model.name] = model
        files[model.name] = file
        effective[model.name] = rules

    refused: dict[str, list[str]] = {}  # model -> why it is refused although its own file loaded
    for file in misnamed_models:  # the night reports it under its stem, as it does any broken model file
        refused.setdefault(file.stem, []).append(_misnamed(file, "model"))
    for stem in refused:
        if stem in models:  # loan.yml beside loan.yaml: two files for one model, and neither is the obvious one
            refused[stem].append(
                f"{files[stem]}: must be the only file of model {stem!r}; got "
                f"{', '.join(str(f) for f in misnamed_models if f.stem == stem)} too (merge them into one .yaml)"
            )
    sharing: dict[str, list[str]] = {}
    for name in sorted(models):
        registered = models[name].registry
        if registered is not None:
            sharing.setdefault(registered.name, []).append(name)
    for registry_name, names in sharing.items():
        for name in names if len(names) > 1 else []:
            others = ", ".join(str(files[other]) for other in names if other != name)
            refused.setdefault(name, []).append(
                f"{files[name]}: registry.name must be unique in the fleet; got {registry_name!r}, which {others} "
                f"also {'uses' if len(names) == 2 else 'use'} (each of these models is refused until one is renamed)"
            )
    for name, messages in refused.items():
        broken[name] = "\n".join([*([broken[name]] if name in broken else []), *messages])
        models.pop(name, None)
        files.pop(name, None)
        effective.pop(name, None)
    if strict and broken:
        raise ConfigError("\n".join(broken.values()))
    if not models and not broken:
        raise ConfigError(f"{path}: the fleet must have at least one model in {models_dir}; got none")
    return Fleet(path, config, models, policies, files, broken, effective, response, appetite)


def _config_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """The folder's ``*.yaml`` files, and its files that look like YAML under another suffix (``.yml``,
    ``.YAML``): those are refused, not skipped, so that a model is never silently left out of the fleet."""
    files = sorted(folder.glob("*.yaml"))
    misnamed = sorted(
        file for file in folder.iterdir() if file.suffix.lower() in (".yaml", ".yml") and file.suffix != ".yaml"
    )
    return files, misnamed


def _misnamed(file: Path, kind: str) -> str:
    return (
        f"{file}: a {kind} file must be named *.yaml (configs are read from *.yaml files only); got "
        f"{file.name!r} instead: rename it to {file.stem}.yaml"
    )


def _load_model(file: Path, policies: dict[str, PolicyConfig], policies_dir: Path, suites: Path) -> ModelConfig:
    model: ModelConfig = parse(ModelConfig, file, defaults={"name": file.stem})  # the file name is the name
    problems = []
    if model.name != file.stem:
        problems.append(f"{file}: name must equal the file name {file.stem!r}; got {model.name!r} instead")
    for index, policy_name in enumerate(model.policies):
        if policy_name not in policies:
            problems.append(
                f"{file}: policies[{index}]: policy {policy_name!r} must exist in {policies_dir}; "
                f"it does not{_did_you_mean(policy_name, policies)}"
            )
    suite = suites / f"{model.suite_name}.json"
    if not suite.is_file():
        problems.append(f"{file}: expectation_suite: the suite file {suite} must exist; it does not")
    if problems:
        raise ConfigError("\n".join(problems))
    return model


def _check_rules(file: Path, model: ModelConfig, rules: EffectiveRules) -> None:
    """What only the merged rules can tell: an SLA metric the model's problem type has, and SLA bounds that
    the metric can take, on the side the metric is judged (a floor for higher-is-better, a ceiling for errors)."""
    from govern.metrics import metric, metric_names

    chosen = rules.get("performance", "metric")
    allowed = metric_names(model.problem_type)
    reported = rules.get("performance", "report")
    unknown = [m for m in (reported.value if reported else ()) if m not in allowed]  # type: ignore[union-attr]
    if reported is not None and unknown:
        raise ConfigError(
            f"{file}: performance.report (from {reported.source}) must list metrics of {', '.join(allowed)} for a "
            f"{model.problem_type.value} model; got {', '.join(map(repr, unknown))} instead"
        )
    if chosen is None:
        for name in ("minimum", "maximum"):  # an SLA level means nothing without its metric
            bound = rules.get("performance", name)
            if bound is not None:
                raise ConfigError(
                    f"{file}: performance.{name} (from {bound.source}) needs performance.metric, the metric it "
                    f"bounds (one of {', '.join(allowed)}); got no metric instead"
                )
        return
    if chosen.value not in allowed:
        raise ConfigError(
            f"{file}: performance.metric (from {chosen.source}) must be one of {', '.join(allowed)} for a "
            f"{model.problem_type.value} model; got {chosen.value!r} instead"
        )
    entry = metric(str(chosen.value))
    for name in ("minimum", "maximum"):
        bound = rules.get("performance", name)
        if bound is not None and not entry.lower <= bound.number <= entry.upper:
            raise ConfigError(
                f"{file}: performance.{name} (from {bound.source}) must be in [{entry.lower:g}, {entry.upper:g}], "
                f"the range of {entry.name}; got {bound.value!r} instead"
            )
    usable, unusable = ("minimum", "maximum") if entry.higher_is_better else ("maximum", "minimum")
    wrong_side = rules.get("performance", unusable)
    if wrong_side is not None:
        raise ConfigError(
            f"{file}: performance.{unusable} (from {wrong_side.source}) must not be set for {entry.name}, where "
            f"{'higher' if entry.higher_is_better else 'lower'} is better: set performance.{usable}; got "
            f"{wrong_side.value!r} instead"
        )
