"""From a night's results to incident signals: pure, no database.

Each finding becomes a signal keyed like PagerDuty's dedup key, ``model|check|subject``: a problem that
persists carries the same key night after night, so it updates its incident instead of opening another. A model
that could not be governed (a result in error) is a governance signal, keyed by the stages that failed.

Root cause before noise: when the batches of several models reading one feed fail a critical expectation on the
same night, the feed is at fault. One signal names the feed (``feed:<feed>|feed.validation|<feed>``) and carries
every finding of those models that night; they open no incident of their own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from govern.config import ModelConfig
from govern.respond.policy import SECTION_TYPE, Breach, IncidentType, ResponsePolicy, Sev
from govern.results import Finding, ModelNightResult

#: The check ids of incidents that are not one finding's: a feed that failed for several models, a model that
#: could not be governed, an artifact whose checksum changed.
FEED_CHECK = "feed.validation"
GOVERNANCE_CHECK = "governance.error"
CHECKSUM_CHECK = "security.artifact_checksum"

#: Checks measured on the labelled batch: their problem began on the labelled batch's night, and the version
#: at fault is the one that scored that batch.
_LABELLED = (
    "performance.realized_",
    "fairness.equal_opportunity",
    "fairness.equalized_odds",
    "fairness.fpr",
    "fairness.fnr",
)


@dataclass(frozen=True)
class ModelNight:
    """One model's night as the response reads it: the result, where it is stored and its digest, the model's
    config (None for a model whose file is broken), and the version that scored the labelled batch."""

    result: ModelNightResult
    path: str
    sha256: str
    model: ModelConfig | None = None
    labelled_version: str | None = None


@dataclass(frozen=True)
class Evidence:
    """A finding under a signal, with the result it came from."""

    model: str
    night: str
    finding: Finding
    result_path: str
    result_sha256: str
    model_version: str | None


@dataclass(frozen=True)
class Signal:
    """What an incident is opened or updated with."""

    key: str
    model: str | None
    feed: str | None
    check: str
    subject: str
    type: IncidentType
    fault: str
    sev: Sev
    breach: Breach
    night: str
    onset_night: str
    title: str
    measured: float | None = None
    threshold: float | None = None
    comparison: str | None = None
    version_at_fault: str | None = None
    evidence: tuple[Evidence, ...] = ()
    models: tuple[str, ...] = field(default=())  # a feed's signal: the models it hit

    @property
    def labelled(self) -> bool:
        return self.onset_night != self.night


def incident_key(model: str | None, check: str, subject: str, feed: str | None = None) -> str:
    return f"feed:{feed}|{check}|{subject}" if model is None else f"{model}|{check}|{subject}"


def incident_type(check: str) -> IncidentType:
    if check == FEED_CHECK:
        return IncidentType.DATA_QUALITY
    if check == GOVERNANCE_CHECK:
        return IncidentType.GOVERNANCE
    if check == CHECKSUM_CHECK:
        return IncidentType.SECURITY
    return SECTION_TYPE[check.split(".", 1)[0]]


def fault_of(finding: Finding) -> str:
    """Whose fault: an API client's (segments), else the finding's own (data, model, unknown)."""
    return "client" if finding.check.startswith("segments.") else finding.fault


def labelled_check(check: str) -> bool:
    return check.startswith(_LABELLED)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def worse(comparison: str | None, a: float | None, b: float | None) -> float | None:
    """The worse of two figures of one check: the lower for a floor (``>=``), the higher otherwise."""
    if a is None or b is None:
        return a if b is None else b
    return min(a, b) if comparison == ">=" else max(a, b)


def _bad_data(result: ModelNightResult) -> bool:
    return any(f.check == "data_quality.critical_expectation" for f in result.findings)


def triage(policy: ResponsePolicy, nights: Sequence[ModelNight]) -> list[Signal]:
    """Every signal of the night's results (one night; the models in any order), feed signals first."""
    by_feed: dict[str, list[ModelNight]] = defaultdict(list)
    for night in nights:
        if night.model is not None and night.model.feed and _bad_data(night.result):
            by_feed[night.model.feed].append(night)
    signals: list[Signal] = []
    under_feed: set[str] = set()
    for feed, failing in sorted(by_feed.items()):
        if len(failing) >= policy.feed_incident_min_models:
            signals.append(_feed_signal(policy, feed, failing))
            under_feed.update(n.result.model for n in failing)
    for night in sorted(nights, key=lambda n: n.result.model):
        if night.result.model not in under_feed:
            signals.extend(_model_signals(policy, night))
    return signals


def _evidence(night: ModelNight, finding: Finding) -> Evidence:
    labelled = labelled_check(finding.check)
    return Evidence(
        model=night.result.model,
        night=night.result.night,
        finding=finding,
        result_path=night.path,
        result_sha256=night.sha256,
        model_version=night.labelled_version if labelled else night.result.model_version,
    )


def _tier(night: ModelNight) -> str | None:
    return night.model.risk_tier.value if night.model is not None else night.result.risk_tier


def _model_signals(policy: ResponsePolicy, night: ModelNight) -> list[Signal]:
    result = night.result
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        grouped[incident_key(result.model, finding.check, finding.subject)].append(finding)
    out = []
    for key, findings in grouped.items():
        first = findings[0]
        kind = incident_type(first.check)
        measured = None
        for f in findings:
            measured = worse(f.comparison, measured, _number(f.measured))
        threshold = _number(first.threshold)
        breach = max(
            (policy.breach_size.of(_number(f.measured), _number(f.threshold)) for f in findings), key=list(Breach).index
        )
        if first.comparison not in (">=", "<="):
            breach = Breach.SEVERE  # fails without a figure: a critical expectation, a missing batch
        labelled = labelled_check(first.check)
        onset = result.evidence.labelled_night if labelled and result.evidence.labelled_night else result.night
        out.append(
            Signal(
                key=key,
                model=result.model,
                feed=night.model.feed if night.model is not None else None,
                check=first.check,
                subject=first.subject,
                type=kind,
                fault=fault_of(first),
                sev=policy.sev(kind, _tier(night), breach),
                breach=breach,
                night=result.night,
                onset_night=onset,
                title=f"{result.model}: {first.message}",
                measured=measured,
                threshold=threshold,
                comparison=first.comparison,
                version_at_fault=night.labelled_version if labelled else result.model_version,
                evidence=tuple(_evidence(night, f) for f in findings),
                models=(result.model,),
            )
        )
    if result.status == "error":
        stages = sorted({e.stage for e in result.errors if e.error != "Skipped"})
        subject = "+".join(stages) or "assess"
        messages = "; ".join(e.message for e in result.errors if e.error != "Skipped")
        out.append(
            Signal(
                key=incident_key(result.model, GOVERNANCE_CHECK, subject),
                model=result.model,
                feed=night.model.feed if night.model is not None else None,
                check=GOVERNANCE_CHECK,
                subject=subject,
                type=IncidentType.GOVERNANCE,
                fault="unknown",
                sev=policy.sev(IncidentType.GOVERNANCE, _tier(night), Breach.SEVERE),
                breach=Breach.SEVERE,
                night=result.night,
                onset_night=result.night,
                title=f"{result.model}: could not be governed ({subject} failed): {messages[:500]}",
                version_at_fault=result.model_version,
                models=(result.model,),
            )
        )
    return out


def _feed_signal(policy: ResponsePolicy, feed: str, failing: Sequence[ModelNight]) -> Signal:
    tiers = [_tier(n) for n in failing]
    sev = Sev.worst(*(policy.sev(IncidentType.DATA_QUALITY, t, Breach.SEVERE) for t in tiers))
    models = tuple(sorted(n.result.model for n in failing))
    night = failing[0].result.night
    checks = sorted(
        {f.subject for n in failing for f in n.result.findings if f.check == "data_quality.critical_expectation"}
    )
    return Signal(
        key=incident_key(None, FEED_CHECK, feed, feed=feed),
        model=None,
        feed=feed,
        check=FEED_CHECK,
        subject=feed,
        type=IncidentType.DATA_QUALITY,
        fault="data",
        sev=sev,
        breach=Breach.SEVERE,
        night=night,
        onset_night=night,
        title=f"feed {feed}: the batches of {len(models)} models ({', '.join(models)}) failed critical "
        f"expectations ({', '.join(checks[:5])}{' ...' if len(checks) > 5 else ''})",
        evidence=tuple(_evidence(n, f) for n in failing for f in n.result.findings),
        models=models,
    )
