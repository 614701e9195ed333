"""Judgement: every figure of a model's night against the thresholds in force, as a list of findings.

A breach is data (a ``Finding``), never an exception. Each finding names the check, what it was measured on,
the value, the threshold and the policy it came from, its severity, and whether the data or the model is at
fault. When a critical expectation failed, the batch is bad data: every finding on tonight's batch is then
blamed on the data, not the model (the realized performance of an earlier, labelled batch keeps its own fault).
"""

from __future__ import annotations

from govern import rulebook
from govern.config import EffectiveRules, Severity
from govern.metrics import metric as metric_entry
from govern.results import Evidence, Fault, Finding, MetricValue, NotJudged, VersionComparison


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


class _Judge:
    def __init__(self, rules: EffectiveRules, evidence: Evidence) -> None:
        self.rules = rules
        self.evidence = evidence
        self.findings: list[Finding] = []

    def tonight_fault(self, otherwise: Fault) -> Fault:
        return "data" if self.evidence.bad_data else otherwise

    def add(
        self,
        *,
        section: str,
        check: str,
        subject: str,
        measured: float | None,
        threshold_name: str,
        fault: Fault,
        message: str,
    ) -> None:
        threshold = self.rules.get(section, threshold_name)
        assert threshold is not None  # callers judge a breach first, which needs a threshold in force
        kind = rulebook.spec(section, threshold_name).kind
        self.findings.append(
            Finding(
                check=check,
                subject=subject,
                measured=measured,
                threshold=threshold.number,
                comparison=">=" if kind == "floor" else "<=",
                severity=self.rules.severity(section),
                fault=fault,
                policy=threshold.source,
                message=message,
            )
        )

    def breach(self, section: str, name: str, measured: float | None) -> bool:
        """True when a threshold is in force and ``measured`` breaks it (the rulebook says which way)."""
        return self.rules.breached(section, name, measured)

    def gate_met(self, section: str, name: str, count: float) -> bool:
        gate = self.rules.value(section, name)
        return gate is None or rulebook.spec(section, name).gate_met(count, gate)

    # ------------------------------------------------------------------ data quality
    def data_quality(self) -> None:
        if self.evidence.missing_batch is not None:
            self.findings.append(
                Finding(
                    check="data_quality.batch_missing",
                    subject="batch",
                    measured=None,
                    threshold=None,
                    comparison="present",
                    severity=self.rules.severity("data_quality"),
                    fault="data",
                    policy="data.batches",
                    message=f"tonight's batch did not arrive ({self.evidence.missing_batch}): the feed is late or "
                    f"stopped; tonight's checks were not made"
                    + (
                        f", the labels of {self.evidence.labelled_night} were still judged"
                        if self.evidence.labelled_night
                        else ""
                    ),
                )
            )
        self._null_fractions()
        validation = self.evidence.validation
        if validation is None:
            return
        in_force = self.rules.get("data_quality", "max_unexpected_fraction") is not None
        for outcome in validation.failed:
            tolerated = (
                in_force
                and outcome.unexpected_fraction is not None
                and not self.breach("data_quality", "max_unexpected_fraction", outcome.unexpected_fraction)
            )
            if not outcome.critical and tolerated:  # a failure with no fraction (a table-level one) is never
                continue
            subject = f"{outcome.expectation}({outcome.column})" if outcome.column else outcome.expectation
            severity = self.rules.severity("data_quality") if outcome.critical else Severity.LOW
            # beyond a tolerance in force, the finding is judged by that tolerance; otherwise by the suite alone
            tolerance = self.rules.get("data_quality", "max_unexpected_fraction")
            judged_by_tolerance = (
                not outcome.critical and tolerance is not None and outcome.unexpected_fraction is not None
            )
            self.findings.append(
                Finding(
                    check="data_quality.critical_expectation" if outcome.critical else "data_quality.expectation",
                    subject=subject,
                    measured=outcome.unexpected_fraction,
                    threshold=tolerance.number if judged_by_tolerance and tolerance else None,
                    comparison="<=" if judged_by_tolerance else "passes",
                    severity=severity,
                    fault="data",
                    policy=tolerance.source
                    if judged_by_tolerance and tolerance
                    else f"expectations/{validation.suite}.json",
                    message=(
                        f"{'critical ' if outcome.critical else ''}expectation {subject} failed"
                        + (
                            f": {outcome.unexpected_fraction:.1%} of rows unexpected"
                            if outcome.unexpected_fraction is not None
                            else ""
                        )
                        + (f" (observed {outcome.observed})" if outcome.observed is not None else "")
                    ),
                )
            )

    def _null_fractions(self) -> None:
        """A feature that lost values since the reference: a feed or a join breaking, whatever the drift says."""
        drift = self.evidence.drift
        if drift is None or not gate_met(self.rules, "drift", "min_rows", self.evidence.rows):
            return  # one null in three rows is no evidence of a broken feed
        fractions: list[tuple[str, float | None, float | None]] = [
            (c.column, c.null_fraction_reference, c.null_fraction_current) for c in drift.features.columns
        ]
        fractions += [(u.column, u.null_fraction_reference, u.null_fraction_current) for u in drift.features.unmeasured]
        for column, before, now in fractions:
            if before is None or now is None:
                continue
            rise = now - before
            if self.breach("data_quality", "max_null_fraction_increase", rise):
                self.add(
                    section="data_quality",
                    check="data_quality.null_fraction",
                    subject=column,
                    measured=rise,
                    threshold_name="max_null_fraction_increase",
                    fault="data",
                    message=f"feature {column} is null in {now:.1%} of tonight's rows against {before:.1%} in the "
                    f"reference (+{rise:.1%})",
                )

    # ------------------------------------------------------------------ performance
    def performance(self) -> None:
        result, metric = self.evidence.performance, self.rules.value("performance", "metric")
        if result is None:
            return
        self._version_regression(result.version_comparison)
        if metric is None:
            return
        for kind in ("estimated", "realized"):
            value = result.get(metric, kind)
            if value is not None and value.value is not None:
                self._sla(value)

    def _version_regression(self, comparison: VersionComparison | None) -> None:
        """A new version worse than the one before it on the same reference set: roll back, don't retrain."""
        if comparison is None or comparison.value is None or comparison.previous_value is None:
            return
        if not metric_entry(comparison.metric).higher_is_better:
            worse = comparison.value / comparison.previous_value - 1.0 if comparison.previous_value else None
        else:
            worse = comparison.previous_value - comparison.value
        if self.breach("performance", "max_version_regression", worse):
            self.add(
                section="performance",
                check="performance.version_regression",
                subject=f"version {comparison.version} vs {comparison.previous_version}",
                measured=worse,
                threshold_name="max_version_regression",
                fault="model",
                message=f"version {comparison.version} scores {comparison.metric} {_fmt(comparison.value)} on the "
                f"reference set against {_fmt(comparison.previous_value)} for version "
                f"{comparison.previous_version}: the new version is worse; rolling back to version "
                f"{comparison.previous_version} would restore it",
            )

    def _sla(self, value: MetricValue) -> None:
        lower_better = not metric_entry(value.metric).higher_is_better
        estimated = value.kind == "estimated"
        fault: Fault = self.tonight_fault("model") if estimated else "model"
        version = f" (version {self.evidence.model_version})" if self.evidence.model_version and estimated else ""
        where = "tonight's batch" if estimated else f"the batch of {value.batch_night} (labels arrived)"
        bound, comparison = ("maximum", "<=") if lower_better else ("minimum", ">=")
        if self.breach("performance", bound, value.value):
            self.add(
                section="performance",
                check=rulebook.performance_check(value.kind, value.metric),
                subject=value.metric,
                measured=value.value,
                threshold_name=bound,
                fault=fault,
                message=f"{value.kind} {value.metric} {_fmt(value.value)} on {where}{version} breaks the "
                f"SLA {comparison} {_fmt(self.rules.value('performance', bound))}",
            )
        if value.reference is None or value.value is None:
            return
        if lower_better:  # error metrics have units: the tolerated rise is relative (0.1 = 10 %)
            drop = value.value / value.reference - 1.0 if value.reference else None
            what = "relative rise"
        else:
            drop = value.reference - value.value
            what = "fall"
        if self.breach("performance", "max_drop", drop):
            self.add(
                section="performance",
                check=rulebook.performance_check(value.kind, value.metric, drop=True),
                subject=value.metric,
                measured=drop,
                threshold_name="max_drop",
                fault=fault,
                message=f"{value.kind} {value.metric} {_fmt(value.value)} on {where}{version} is a {what} of "
                f"{_fmt(drop)} from the reference {_fmt(value.reference)}",
            )

    # ------------------------------------------------------------------ drift
    def drift(self) -> None:
        result = self.evidence.drift
        if result is None:
            return
        drifted = result.features.drifted
        if drifted and self.gate_met("drift", "min_features_drifted_for_finding", len(drifted)):
            for column in drifted:
                self._drifted_column(column.column, column.jensen_shannon, column.psi, column.wasserstein)
        for column in result.prediction.columns if result.prediction is not None else ():
            if column.judged and self.breach("drift", "max_prediction_jensen_shannon", column.jensen_shannon):
                self.add(
                    section="drift",
                    check="drift.prediction",
                    subject=column.column,
                    measured=column.jensen_shannon,
                    threshold_name="max_prediction_jensen_shannon",
                    fault=self.tonight_fault("unknown"),
                    message=f"{column.column} distribution moved: Jensen-Shannon distance "
                    f"{_fmt(column.jensen_shannon)} (mean {_fmt(column.mean_reference)} -> "
                    f"{_fmt(column.mean_current)})",
                )
        if result.multivariate is not None:
            increase = result.multivariate.relative_increase
            if self.breach("drift", "max_reconstruction_error_increase", increase):
                self.add(
                    section="drift",
                    check="drift.multivariate",
                    subject="reconstruction_error",
                    measured=increase,
                    threshold_name="max_reconstruction_error_increase",
                    fault="data",
                    message=f"data reconstruction error rose {_fmt(increase)} (relative) over "
                    f"the reference: the joint distribution of the features moved",
                )

    def _drifted_column(self, column: str, js: float | None, psi: float | None, wasserstein: float | None) -> None:
        for name, measured in (("max_jensen_shannon", js), ("max_psi", psi), ("max_wasserstein", wasserstein)):
            if self.breach("drift", name, measured):
                measure = name.removeprefix("max_")
                self.add(
                    section="drift",
                    check="drift.feature",
                    subject=column,
                    measured=measured,
                    threshold_name=name,
                    fault="data",
                    message=f"feature {column} drifted: {measure} {_fmt(measured)} > "
                    f"{_fmt(self.rules.value('drift', name))}",
                )
                return  # one finding per column: the first measure that breaks its limit

    # ------------------------------------------------------------------ fairness
    def fairness(self) -> None:
        include_intersections = bool(self.rules.value("fairness", "intersectional"))
        tonight = self.evidence.fairness
        if tonight is not None:
            for summary in tonight.attributes:
                if summary.intersectional and not include_intersections:
                    continue
                self._fairness_rule(
                    summary.attribute,
                    "min_impact_ratio",
                    summary.min_impact_ratio,
                    f"impact ratio of {summary.least_favoured_group} vs {summary.most_favoured_group}",
                    "tonight's batch",
                )
                self._fairness_rule(
                    summary.attribute,
                    "max_demographic_parity_difference",
                    summary.demographic_parity_difference,
                    "demographic parity difference",
                    "tonight's batch",
                )
        labelled = self.evidence.labelled_fairness
        if labelled is not None:
            for summary in labelled.attributes:
                if summary.intersectional and not include_intersections:
                    continue
                where = "the labelled batch"
                self._fairness_rule(
                    summary.attribute,
                    "max_equal_opportunity_difference",
                    summary.equal_opportunity_difference,
                    "equal opportunity (TPR) difference",
                    where,
                )
                self._fairness_rule(
                    summary.attribute,
                    "max_equalized_odds_difference",
                    summary.equalized_odds_difference,
                    "equalized odds difference",
                    where,
                )
                self._fairness_rule(
                    summary.attribute,
                    "max_fpr_difference",
                    summary.fpr_difference,
                    "false positive rate difference",
                    where,
                )
                self._fairness_rule(
                    summary.attribute,
                    "max_fnr_difference",
                    summary.fnr_difference,
                    "false negative rate difference",
                    where,
                )

    def _fairness_rule(self, attribute: str, name: str, measured: float | None, what: str, where: str) -> None:
        if self.breach("fairness", name, measured):
            self.add(
                section="fairness",
                check=rulebook.check_fired_by("fairness", name),
                subject=attribute,
                measured=measured,
                threshold_name=name,
                fault=self.tonight_fault("model") if where == "tonight's batch" else "model",
                message=f"{attribute}: {what} {_fmt(measured)} on {where} breaks the limit "
                f"{_fmt(self.rules.value('fairness', name))}",
            )

    # ------------------------------------------------------------------ segments
    def segments(self) -> None:
        for stats in self.evidence.segments or ():
            if not self.gate_met("segments", "min_rows", stats.n):
                continue
            rise = stats.share - stats.reference_share
            if self.breach("segments", "max_share_increase", rise):
                self.add(
                    section="segments",
                    check="segments.share_increase",
                    subject=stats.segment,
                    measured=rise,
                    threshold_name="max_share_increase",
                    fault="data",
                    message=f"client {stats.segment} sends {stats.share:.1%} of tonight's rows "
                    f"(reference {stats.reference_share:.1%})",
                )
            if stats.reference_positive_rate > 0:
                ratio = stats.positive_rate / stats.reference_positive_rate
                if self.breach("segments", "max_positive_rate_ratio", ratio):
                    self.add(
                        section="segments",
                        check="segments.positive_rate_ratio",
                        subject=stats.segment,
                        measured=ratio,
                        threshold_name="max_positive_rate_ratio",
                        fault="data",
                        message=f"client {stats.segment}: {stats.positive_rate:.1%} of its {stats.n} rows "
                        f"predicted positive, {ratio:.1f}x the reference rate "
                        f"{stats.reference_positive_rate:.1%}",
                    )


def gate_met(rules: EffectiveRules, section: str, name: str, count: int | None) -> bool:
    """Whether ``count`` rows (or groups, features) are enough evidence under the gate in force (no gate: yes)."""
    gate = rules.value(section, name)
    if gate is None:
        return True
    return count is not None and rulebook.spec(section, name).gate_met(count, gate)


def not_judged(rules: EffectiveRules, evidence: Evidence) -> tuple[NotJudged, ...]:
    """The checks in force that got no verdict tonight, each with its reason: a model is never called healthy
    on checks that were not made. (A stage that failed is an error of its own, not listed here.)"""
    out: list[NotJudged] = []
    if evidence.feed_disabled is not None:
        return tuple(
            NotJudged(section=section, subject="batch", reason=f"refused: {evidence.feed_disabled}")
            for section in ("data_quality", "performance", "drift", "fairness", "segments")
        )
    if evidence.missing_batch is not None:
        out.append(
            NotJudged(
                section="data_quality",
                subject="batch",
                reason="no batch tonight: validation, "
                "estimated performance, drift, fairness and segments of tonight were not made",
            )
        )
    sla = rules.value("performance", "metric")
    tonight = evidence.rows if evidence.missing_batch is None else None
    sides = (("estimated", tonight, "tonight's batch"), ("realized", evidence.labelled_rows, "the labelled batch"))
    for kind, rows, what in sides:
        if sla is None or not rows:
            continue
        value = evidence.performance.get(str(sla), kind) if evidence.performance else None
        if not gate_met(rules, "performance", "min_rows", rows):
            reason = f"{what} has {rows} rows, fewer than performance.min_rows: no {kind} figure"
        elif value is not None and value.value is None:
            reason = value.reason or f"the {kind} {sla} of {what} is undefined"
        else:
            continue
        out.append(NotJudged(section="performance", subject=f"{kind} {sla}", reason=reason))
    if evidence.drift is not None:
        outputs = evidence.drift.prediction.columns if evidence.drift.prediction else ()
        judged_outputs = rules.get("drift", "max_prediction_jensen_shannon") is not None
        judged_features = any(
            rules.get("drift", f"max_{m}") is not None for m in ("jensen_shannon", "psi", "wasserstein")
        )
        columns = (*(evidence.drift.features.columns if judged_features else ()), *(outputs if judged_outputs else ()))
        small = [c for c in columns if not c.judged]
        if small:
            gate = rules.value("drift", "min_rows")
            shown = ", ".join(f"{c.column} ({c.n_current})" for c in small[:5]) + (" ..." if len(small) > 5 else "")
            out.append(
                NotJudged(
                    section="drift",
                    subject=", ".join(c.column for c in small),
                    reason=f"fewer than drift.min_rows {gate} non-null rows: {shown}",
                )
            )
    out += _fairness_not_judged(rules, evidence)
    return tuple(out)


#: The fairness limit -> the attribute summary's measure it judges.
_MEASURE = {
    "min_impact_ratio": "min_impact_ratio",
    "max_demographic_parity_difference": "demographic_parity_difference",
    "max_equal_opportunity_difference": "equal_opportunity_difference",
    "max_equalized_odds_difference": "equalized_odds_difference",
    "max_fpr_difference": "fpr_difference",
    "max_fnr_difference": "fnr_difference",
}
_TONIGHT = ("min_impact_ratio", "max_demographic_parity_difference")
_LABELLED = (
    "max_equal_opportunity_difference",
    "max_equalized_odds_difference",
    "max_fpr_difference",
    "max_fnr_difference",
)


def _fairness_not_judged(rules: EffectiveRules, evidence: Evidence) -> list[NotJudged]:
    """Attributes a fairness limit in force could not judge: fewer than two groups large enough."""
    out = []
    include_intersections = bool(rules.value("fairness", "intersectional"))
    gate = rules.value("fairness", "min_group_size")
    for report, limits, where in (
        (evidence.fairness, _TONIGHT, "tonight's batch"),
        (evidence.labelled_fairness, _LABELLED, "the labelled batch"),
    ):
        if report is None or not any(rules.get("fairness", name) is not None for name in limits):
            continue
        for summary in report.attributes:
            if summary.intersectional and not include_intersections:
                continue
            undefined = [name for name in limits if rules.get("fairness", name) is not None
                         and getattr(summary, _MEASURE[name]) is None]  # fmt: skip
            if summary.n_groups_judged >= 2 and undefined:
                out.append(
                    NotJudged(
                        section="fairness",
                        subject=summary.attribute,
                        reason=f"{', '.join(_MEASURE[n] for n in undefined)} undefined on {where} (a rate with "
                        f"nothing to divide by: no group selected, or a group without positive or negative labels)",
                    )
                )
            if summary.n_groups_judged < 2:
                sizes = ", ".join(f"{g.group} {g.n}" for g in report.groups if g.attribute == summary.attribute)
                out.append(
                    NotJudged(
                        section="fairness",
                        subject=summary.attribute,
                        reason=f"{summary.n_groups_judged} of {summary.n_groups} groups of {where} have "
                        f"at least fairness.min_group_size {gate} rows ({sizes[:200]}): no verdict",
                    )
                )
    return out


def judge(rules: EffectiveRules, evidence: Evidence) -> tuple[Finding, ...]:
    """All findings for one model's night, most severe first."""
    judgement = _Judge(rules, evidence)
    judgement.data_quality()
    judgement.performance()
    judgement.drift()
    judgement.fairness()
    judgement.segments()
    return tuple(sorted(judgement.findings, key=lambda f: (-f.severity.rank, f.check, f.subject)))
