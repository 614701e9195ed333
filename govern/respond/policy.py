"""The response policy: how findings become incidents, how severe they are, how fast people must act, and what
the playbooks may do on their own. One file, ``<policies_dir>/incident_response.yaml`` (the fleet's
``incident_response`` names it); every key has a default here, so a fleet without the file gets the documented
defaults (the README's "Incident response" section lists them).

The SEV of an incident comes from a matrix: the **type** of the check (data quality, performance, drift,
fairness, security, governance), the model's **risk tier**, and the **size of the breach** (minor, major,
severe; see ``breach_size``). SEV1 is the worst. An incident's SEV only ever rises while it is open.
"""

from __future__ import annotations

import enum
import math
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from govern.config import Name, RiskTier, _Strict
from govern.respond.notify import ChannelConfig


class Sev(enum.StrEnum):
    """An incident's severity, SEV1 (the worst) to SEV4."""

    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"
    SEV4 = "SEV4"

    @property
    def level(self) -> int:
        return int(self.value[-1])

    def at_least(self, other: Sev) -> bool:
        """As severe as ``other`` or more (SEV1 is at least SEV2)."""
        return self.level <= other.level

    @staticmethod
    def worst(*sevs: Sev) -> Sev:
        return min(sevs, key=lambda s: s.level)


class IncidentType(enum.StrEnum):
    DATA_QUALITY = "data_quality"
    PERFORMANCE = "performance"
    DRIFT = "drift"
    FAIRNESS = "fairness"
    SECURITY = "security"
    GOVERNANCE = "governance"


class Breach(enum.StrEnum):
    MINOR = "minor"
    MAJOR = "major"
    SEVERE = "severe"


#: The type of incident a finding's section makes: an API client's traffic is a security matter (abuse, a
#: compromised integration), a model that could not be governed is a governance fault.
SECTION_TYPE: dict[str, IncidentType] = {
    "data_quality": IncidentType.DATA_QUALITY,
    "performance": IncidentType.PERFORMANCE,
    "drift": IncidentType.DRIFT,
    "fairness": IncidentType.FAIRNESS,
    "segments": IncidentType.SECURITY,
}

TIERS = tuple(RiskTier)


class _Row(_Strict):
    """A SEV per size of breach."""

    minor: Sev
    major: Sev
    severe: Sev

    def of(self, breach: Breach) -> Sev:
        return Sev(getattr(self, breach.value))


def _rows(minor: str, major: str, severe: str) -> dict[str, _Row]:
    """A type's matrix row per tier: each argument gives the SEV number for the tiers low, medium, high,
    critical ("4433": SEV4 for low and medium, SEV3 for high and critical)."""
    tiers = (RiskTier.LOW, RiskTier.MEDIUM, RiskTier.HIGH, RiskTier.CRITICAL)
    return {
        tier.value: _Row(minor=Sev(f"SEV{minor[i]}"), major=Sev(f"SEV{major[i]}"), severe=Sev(f"SEV{severe[i]}"))
        for i, tier in enumerate(tiers)
    }


#: The default SEV matrix: type -> (minor, major, severe), each over the tiers low, medium, high, critical.
_DEFAULT_MATRIX: dict[str, dict[str, _Row]] = {
    "data_quality": _rows("4433", "4332", "3321"),
    "performance": _rows("4433", "4322", "3211"),
    "drift": _rows("4444", "4443", "4433"),
    "fairness": _rows("4322", "3322", "3211"),  # adverse impact on a high-risk decision is serious at once
    "security": _rows("4332", "3322", "3221"),
    "governance": _rows("4433", "4433", "4332"),
}


class BreachSize(_Strict):
    """How far beyond its threshold a figure is, relative to the threshold: ``|measured - threshold| /
    |threshold|`` (for a threshold of 0, the absolute distance). Below ``major_from`` a breach is minor, from
    ``severe_from`` severe. A check that fails without a figure (a critical expectation, a missing batch, a
    model that could not be governed) is severe."""

    major_from: Annotated[float, Field(gt=0, lt=100)] = 0.1
    severe_from: Annotated[float, Field(gt=0, lt=100)] = 0.5

    @model_validator(mode="after")
    def _ordered(self) -> BreachSize:
        if self.severe_from <= self.major_from:
            raise ValueError(
                f"breach_size.severe_from must be above major_from ({self.major_from}); got {self.severe_from} instead"
            )
        return self

    def of(self, measured: float | None, threshold: float | None) -> Breach:
        if measured is None or threshold is None or not math.isfinite(measured) or not math.isfinite(threshold):
            return Breach.SEVERE
        distance = abs(measured - threshold)
        relative = distance / abs(threshold) if threshold != 0 else distance
        if relative >= self.severe_from:
            return Breach.SEVERE
        return Breach.MAJOR if relative >= self.major_from else Breach.MINOR


Hours = Annotated[float, Field(gt=0, le=24 * 365)]


class _PerSev(_Strict):
    SEV1: Hours
    SEV2: Hours
    SEV3: Hours
    SEV4: Hours

    def of(self, sev: Sev) -> float:
        return float(getattr(self, sev.value))


class Windows(_Strict):
    """How long people have, in hours, by SEV, for a model of a given tier: ``hours[SEV] * tier_factor[tier]``
    (a critical model's clocks run faster)."""

    acknowledge_hours: _PerSev = _PerSev(SEV1=0.5, SEV2=4, SEV3=24, SEV4=72)
    recover_hours: _PerSev = _PerSev(SEV1=24, SEV2=72, SEV3=168, SEV4=336)
    tier_factor: dict[RiskTier, Annotated[float, Field(gt=0, le=10)]] = Field(
        default_factory=lambda: {RiskTier.LOW: 2.0, RiskTier.MEDIUM: 1.0, RiskTier.HIGH: 1.0, RiskTier.CRITICAL: 0.5}
    )

    def _factor(self, tier: str | None) -> float:
        if tier is None or tier not in RiskTier._value2member_map_:
            return 1.0
        return self.tier_factor.get(RiskTier(tier), 1.0)

    def acknowledge(self, sev: Sev, tier: str | None) -> float:
        return self.acknowledge_hours.of(sev) * self._factor(tier)

    def recover(self, sev: Sev, tier: str | None) -> float:
        return self.recover_hours.of(sev) * self._factor(tier)


class Article73(_Strict):
    """EU AI Act, Article 73: a provider of a high-risk system reports a serious incident to the market
    surveillance authority within 15 days of becoming aware of it; 2 days for a widespread infringement or a
    serious incident in critical infrastructure, 10 days for a death. Models judged by one of ``policies`` carry
    the deadline on incidents at or above ``serious_at_or_above``; ``days_by_type`` sets the shorter clocks."""

    policies: list[Name] = Field(default_factory=lambda: ["eu_ai_act_high_risk"])
    serious_at_or_above: Sev = Sev.SEV2
    report_within_days: Annotated[int, Field(ge=1, le=15)] = 15
    days_by_type: dict[IncidentType, Annotated[int, Field(ge=1, le=15)]] = Field(default_factory=dict)

    def days(self, kind: IncidentType) -> int:
        return self.days_by_type.get(kind, self.report_within_days)


class Playbook(_Strict):
    """When a playbook acts: from ``at_or_above``; ``needs_approval`` lists the SEVs whose action waits for a
    person (``govern incidents approve`` or the Prefect UI); ``enabled: false`` only records a recommendation."""

    enabled: bool = True
    at_or_above: Sev = Sev.SEV3
    needs_approval: list[Sev] = Field(default_factory=list)

    def applies(self, sev: Sev) -> bool:
        return self.enabled and sev.at_least(self.at_or_above)

    def approval(self, sev: Sev) -> bool:
        return sev in self.needs_approval


class RollbackPlaybook(Playbook):
    """Model at fault (performance, fairness or a version regression on clean data): move the serving alias
    back to the last version that passed governance; at most ``max_per_model`` automatic rollbacks per model
    within ``window_days``."""

    at_or_above: Sev = Sev.SEV2
    needs_approval: list[Sev] = Field(default_factory=lambda: [Sev.SEV1])
    max_per_model: Annotated[int, Field(ge=1, le=10)] = 1
    window_days: Annotated[int, Field(ge=1, le=365)] = 7


class DataPlaybook(Playbook):
    """Data at fault (a critical expectation failed, or a feed incident): quarantine the night's batch and
    disable the model's feed until a person re-enables it. The model is not rolled back."""

    quarantine_batch: bool = True
    disable_feed: bool = True


class ClientPlaybook(Playbook):
    """One API client's traffic drives the finding: put the client on the serving layer's denylist."""

    needs_approval: list[Sev] = Field(default_factory=lambda: list(Sev))


class Playbooks(_Strict):
    dry_run: bool = Field(False, description="record what the playbooks would do, and do nothing")
    rollback: RollbackPlaybook = RollbackPlaybook()
    data: DataPlaybook = DataPlaybook()
    client: ClientPlaybook = ClientPlaybook()


NotifyOn = Literal[
    "opened",
    "reopened",
    "escalated",
    "contained",
    "resolved",
    "sev_changed",
    "approval_requested",
    "approved",
    "rejected",
    "recommendation",
    "rto_missed",
    "feed_enabled",
    "feed_disabled",
]


def _default_notify_on() -> list[NotifyOn]:
    return ["opened", "reopened", "escalated", "contained", "resolved", "sev_changed", "approval_requested"]


class Notifications(_Strict):
    """Who hears of what: the incident changes in ``events`` go to every channel, addressed to the incident's
    current contact (the owner, then the escalation path). Channels name environment variables or Prefect
    Secret blocks that hold their URLs; a URL never sits in a file."""

    events: list[NotifyOn] = Field(default_factory=_default_notify_on)  # not "on": YAML reads that as true
    channels: list[ChannelConfig] = Field(default_factory=list)
    attempts: Annotated[int, Field(ge=1, le=10)] = 3
    backoff_seconds: list[Annotated[float, Field(ge=0, le=60)]] = Field(default_factory=lambda: [1.0, 4.0])
    give_up_after_days: Annotated[int, Field(ge=1, le=365)] = 7

    @field_validator("channels")
    @classmethod
    def _unique(cls, channels: list[ChannelConfig]) -> list[ChannelConfig]:
        names = [c.name for c in channels]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"channel names must be unique; got {', '.join(twice)} more than once")
        return channels


class ResponsePolicy(_Strict):
    """``configs/policies/incident_response.yaml``."""

    # a value refused in an error must not be echoed: a webhook URL pasted into the file is a secret
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    name: Name = "incident_response"
    kind: Literal["incident_response"] = "incident_response"
    description: str = ""
    breach_size: BreachSize = BreachSize()
    severity: dict[IncidentType, dict[RiskTier, _Row]] = Field(
        default_factory=lambda: {
            IncidentType(k): {RiskTier(t): r for t, r in v.items()} for k, v in _DEFAULT_MATRIX.items()
        }
    )
    windows: Windows = Windows()
    reopen_within_days: Annotated[int, Field(ge=0, le=365)] = 14
    resolve_after_clean_nights: Annotated[int, Field(ge=1, le=365)] | None = 3
    feed_incident_min_models: Annotated[int, Field(ge=2, le=1000)] = 2
    article_73: Article73 = Article73()
    playbooks: Playbooks = Playbooks()
    notifications: Notifications = Notifications()
    catch_up_nights: Annotated[int, Field(ge=0, le=31)] = 7

    @field_validator("severity")
    @classmethod
    def _complete(cls, matrix: dict[IncidentType, dict[RiskTier, _Row]]) -> dict[IncidentType, dict[RiskTier, _Row]]:
        merged = {IncidentType(k): {RiskTier(t): r for t, r in v.items()} for k, v in _DEFAULT_MATRIX.items()}
        for kind, tiers in matrix.items():
            merged[kind] = {**merged[kind], **tiers}  # a file may give only the cells it changes
        return merged

    def sev(self, kind: IncidentType, tier: str | None, breach: Breach) -> Sev:
        """The matrix's SEV; a model of no known tier is judged as high risk (the cautious side)."""
        risk = RiskTier(tier) if tier is not None and tier in RiskTier._value2member_map_ else RiskTier.HIGH
        return self.severity[kind][risk].of(breach)
