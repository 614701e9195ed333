"""Readouts of stored results for people: a model's history (one line per night) and one night in full.

Built on the results store and the typed results only; the CLI prints them (``govern history``, ``govern
show``), and ``--json`` gives the same lines as data.
"""

from __future__ import annotations

from collections import Counter

from govern.results import MetricValue, ModelNightResult, Record
from govern.rulebook import Severity

_ORDER = sorted(Severity, key=lambda s: -s.rank)


class HistoryLine(Record):
    """One night of a model: its status, the version that served, the SLA metric and the findings."""

    night: str
    status: str
    model_version: str | None
    sla_metric: str | None
    estimated: float | None
    estimated_lower: float | None
    estimated_upper: float | None
    realized: float | None
    realized_batch_night: str | None
    findings: dict[str, int]
    """Findings by severity, most severe first, severities without findings left out."""
    checks: tuple[str, ...]
    quarantined: bool = False
    """The night's batch was quarantined by the response (bad data): it does not count as the model's history."""

    @classmethod
    def of(cls, result: ModelNightResult) -> HistoryLine:
        estimated, realized = result.sla_metric("estimated"), result.sla_metric("realized")
        either = estimated or realized
        counts = Counter(f.severity for f in result.findings)
        return cls(
            night=result.night,
            status=result.status,
            model_version=result.model_version,
            sla_metric=either.metric if either else None,
            estimated=estimated.value if estimated else None,
            estimated_lower=estimated.lower if estimated else None,
            estimated_upper=estimated.upper if estimated else None,
            realized=realized.value if realized else None,
            realized_batch_night=realized.batch_night if realized else None,
            findings={s.value: counts[s] for s in _ORDER if counts[s]},
            checks=tuple(sorted({f.check for f in result.findings})),
        )


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _figure(value: MetricValue | None) -> str:
    if value is None or value.value is None:
        return "-"
    band = f" [{_num(value.lower)}, {_num(value.upper)}]" if value.lower is not None else ""
    return f"{_num(value.value)}{band}"


def history_table(lines: list[HistoryLine]) -> str:
    """The history as a text table, oldest night first."""
    from tabulate import tabulate

    rows = [
        [
            line.night,
            f"{line.status} (quarantined)" if line.quarantined else line.status,
            line.model_version or "-",
            line.sla_metric or "-",
            "-"
            if line.estimated is None
            else f"{line.estimated:.3f} [{_num(line.estimated_lower)}, {_num(line.estimated_upper)}]",
            "-" if line.realized is None else f"{line.realized:.3f} ({line.realized_batch_night})",
            ", ".join(f"{n} {s}" for s, n in line.findings.items()) or "-",
        ]
        for line in lines
    ]
    headers = ["night", "status", "version", "sla metric", "estimated [band]", "realized (batch)", "findings"]
    return tabulate(rows, headers=headers)


def night_text(result: ModelNightResult, *, location: str | None = None) -> str:
    """One night of one model, for a person: the verdict first, then the findings, then the figures."""
    out: list[str] = []
    verdict = {
        "healthy": "HEALTHY: every check in force passed",
        "findings": f"FINDINGS: {len(result.findings)} (worst {result.max_severity}, fault: {result.fault})",
        "error": f"ERROR: {len(result.errors)} stage(s) could not run; the checks below are incomplete",
        "incomplete": f"INCOMPLETE: no finding, but {len(result.not_judged)} check(s) got no verdict (below)",
    }[result.status]
    out.append(f"{result.model} on {result.night}: {verdict}")
    owner = f", owner {result.owner}" if result.owner else ""
    out.append(f"  risk tier {result.risk_tier or '-'}, business unit {result.business_unit or '-'}{owner}")
    if location:
        out.append(f"  result: {location}")
    if result.findings:
        out.append("\nFindings")
        for f in result.findings:
            out.append(f"  [{f.severity}] {f.check} ({f.subject}): {f.message}  (rule: {f.policy})")
    if result.errors:
        out.append("\nErrors")
        for e in result.errors:
            out.append(f"  {e.stage}: {e.message}")
    if result.not_judged:
        out.append("\nNot judged")
        for n in result.not_judged:
            out.append(f"  {n.section} ({n.subject}): {n.reason}")
    evidence = result.evidence
    if evidence.feed_disabled:
        out.append(f"\nRefused: {evidence.feed_disabled}")
    out.append("\nFigures")
    mode = "the registry" if evidence.mode == "registry" else "its scored reference (no artifact)"
    out.append(
        f"  monitored from {mode}; serving version {evidence.model_version or '-'}, "
        + (f"{evidence.rows} rows tonight" if evidence.rows is not None else "no batch tonight")
    )
    if evidence.validation is not None:
        v = evidence.validation
        out.append(
            f"  validation ({v.suite}): {v.evaluated} expectations, {len(v.failed)} failed"
            + (" - BAD DATA (a critical expectation failed)" if v.bad_data else "")
        )
    if evidence.performance is not None:
        for m in evidence.performance.metrics:
            where = "tonight" if m.kind == "estimated" else f"batch of {m.batch_night}"
            out.append(f"  {m.kind} {m.metric} ({where}, n={m.n}): {_figure(m)}, reference {_num(m.reference)}")
        c = evidence.performance.version_comparison
        if c is not None:
            out.append(
                f"  version {c.version} vs {c.previous_version} on the reference ({c.metric}): "
                f"{_num(c.value)} vs {_num(c.previous_value)}"
            )
    if evidence.drift is not None:
        d = evidence.drift.features
        worst = sorted(d.columns, key=lambda c: -(c.jensen_shannon or 0.0))[:5]
        shown = ", ".join(f"{c.column} {_num(c.jensen_shannon)}" for c in worst)
        out.append(f"  drift: {d.n_drifted} of {d.n_columns} features drifted; largest Jensen-Shannon: {shown}")
        if evidence.drift.multivariate is not None and evidence.drift.multivariate.relative_increase is not None:
            out.append(
                f"  multivariate: reconstruction error "
                f"{evidence.drift.multivariate.relative_increase:+.1%} vs reference"
            )
    for label, report in (("tonight", evidence.fairness), ("labelled batch", evidence.labelled_fairness)):
        for a in report.attributes if report is not None else ():
            out.append(
                f"  fairness ({label}) {a.attribute}: min impact ratio {_num(a.min_impact_ratio)} "
                f"({a.least_favoured_group} vs {a.most_favoured_group}), "
                f"{a.n_groups_judged} of {a.n_groups} groups judged"
            )
    for s in sorted(evidence.segments or (), key=lambda s: -s.share)[:5]:
        out.append(
            f"  client {s.segment}: {s.share:.1%} of rows (reference {s.reference_share:.1%}), "
            f"positive rate {s.positive_rate:.1%}"
        )
    sources = Counter(r.source for r in result.rules)
    out.append(
        f"  rules in force: {len(result.rules)} ({', '.join(f'{n} from {s}' for s, n in sorted(sources.items()))})"
    )
    return "\n".join(out)
