"""The model card: one per model, refreshed nightly, versioned with the serving version.

The sections are the established ones (Mitchell et al., "Model Cards for Model Reporting"; Google's Model Card
Toolkit; the Hugging Face model card): model details, intended use and users, out-of-scope uses, factors,
metrics, evaluation data, training data, quantitative analyses with per-group results, ethical considerations,
caveats and recommendations. What can be known is filled in automatically, every night:

- from the **model registry** (``govern.registry.ModelRegistry``): the versions, the serving alias, the run
  behind the serving version (its parameters, metrics and source: the lineage) and the version's tags;
- from the **model's config** (``Fleet``): owner, escalation, risk tier, jurisdictions, policies, the
  thresholds in force with where each came from (``fleet.rules``), and the response policy's clocks (the time
  to acknowledge and to recover, the RTO, for the model's tier) and playbooks;
- from the **latest monitoring**: the night's result (performance against the SLA with NannyML's band, the
  fairness table with its verdicts, drift), the incidents (``incident_views``) and the version a rollback would
  go to (``govern.respond.versions.safe_version``), reusing the owner report's views (``govern.reports.views``).

The free-text sections come from a file the owner edits, beside the model's config:
``<models_dir>/<model>.card.md`` (not ``.yaml``: every ``*.yaml`` there is read as a model). One
``## <Section>`` heading per section (``CARD_SECTIONS``); a section not written is shown as missing, with the file
to edit. The owner's Markdown is rendered with markdown-it-py, raw HTML off (a tag shows as text), images off
(a page fetches nothing) and links only of the schemes markdown-it deems safe; the Markdown page keeps the
owner's Markdown, with the same refusals (``markdown_source``).

An unknown heading is a **warning shown on the card**, not an error: the card is written by the nightly run, and
a typo in a free-text file must neither stop the night nor leave auditors without a card; the warning names the
file, the heading and the headings accepted, and the text under it is still shown (under the warning), so
nothing the owner wrote is lost. ``read_card_text(..., strict=True)`` raises instead (for a pre-commit check).

Versioning ("update, don't rebuild"). ``publish_card`` writes the current card, ``cards/<model>.html|md|json``,
and the serving version's, ``cards/<model>/<version>.html|md|json``, refreshed every night the version serves;
another version's files are never touched, so the card of a version that stopped serving stays as it was on its
last night. The serving version of a card is the version that scored the night's batch (the result's
``model_version``), so the figures on a version's card are that version's. When it differs from the previous
card's, the card records the change (``VersionChange``: the night, from and to, why: the rollback action and its
incident from the incident database, or the version's ``deployed_on`` tag) and what changed in the figures,
the previous card's (read back from its JSON) against tonight's. A rollback carried out by the night's response
is announced on that night's card (``rolled_back_tonight``); the next night's card records the change. A
model's first card (no previous card in the store) reconstructs the changes of the history it is given (the last
30 nights) from the stored results, as the nightly cards would have recorded them.

Nights out of order: a rerun of the card's own night recomputes from the baseline the card kept (the same
files, no second change entry); a night older than the current card's writes **nothing**, neither the current
card nor any version's, and ``publish_card`` says so (``StaleCardError``, a ``ReportError``, naming both nights):
a version's card holds what was known on its last night, and an old night re-rendered today would mix today's
registry and governance records into it. (``model_card`` still builds that night's
card, with the change log as recorded up to it, for a caller who only wants to look. To rebuild the history,
delete ``cards/<model>*`` and publish the nights in order.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from markupsafe import Markup

from govern.errors import RegistryError, ResultError
from govern.readout import HistoryLine
from govern.reports.render import Format, ReportError, render
from govern.reports.views import (
    ACTIVE,
    SEV_RANK,
    Banner,
    DriftView,
    FairnessView,
    FindingView,
    IncidentView,
    PerformanceView,
    as_dict,
    drift_view,
    fairness_views,
    history_lines,
    incident_views,
    performance_view,
)
from govern.results import ModelNightResult
from govern.rulebook import spec as threshold_spec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from govern.config import Fleet, ModelConfig
    from govern.registry import ModelRegistry
    from govern.respond.policy import ResponsePolicy
    from govern.store import ResultsStore

CARD_FORMAT = "1"
"""The version of the card's JSON (what ``publish_card`` reads back from the previous card)."""

CARD_SECTIONS: tuple[tuple[str, str], ...] = (
    ("intended_use", "Intended use"),
    ("intended_users", "Intended users"),
    ("out_of_scope_uses", "Out-of-scope uses"),
    ("factors", "Factors"),
    ("training_data", "Training data"),
    ("evaluation_data", "Evaluation data"),
    ("ethical_considerations", "Ethical considerations"),
    ("caveats_and_recommendations", "Caveats and recommendations"),
)
"""The free-text sections of ``<model>.card.md``: (key, the ``## heading`` the owner writes)."""

CARD_TEXT_SUFFIX = ".card.md"
MAX_CARD_TEXT_BYTES = 256 * 1024
"""The largest free-text file read (a thorough card is a few kilobytes)."""

Location = Literal["current", "version"]


# ---------------------------------------------------------------------------------------------- owner's text


@dataclass(frozen=True)
class TextSection:
    """One free-text section of the card, as the owner wrote it (``written``) or marked missing."""

    key: str
    title: str
    written: bool
    markdown: str
    """The owner's Markdown, as in the file ("" when missing)."""
    html: str
    """The Markdown rendered by markdown-it-py with raw HTML and images off: safe to insert as is."""
    missing: str
    """What the card says where the section is missing (names the file to edit)."""


@dataclass(frozen=True)
class OwnerText:
    """The free-text file of a model's card."""

    path: str
    """Where it is, relative to the folder above the fleet file (``configs/models/<model>.card.md``)."""
    found: bool
    sections: tuple[TextSection, ...]
    """Every section of ``CARD_SECTIONS``, in that order, written or not."""
    unknown: tuple[TextSection, ...]
    """Text under a heading that is not a section of the card: shown under its warning."""
    warnings: tuple[str, ...]

    def section(self, key: str) -> TextSection:
        """The section ``key`` (one of ``CARD_SECTIONS``' keys)."""
        for s in self.sections:
            if s.key == key:
                return s
        raise ReportError(f"a card section must be one of {', '.join(k for k, _ in CARD_SECTIONS)}; got {key!r}")

    @property
    def n_written(self) -> int:
        return sum(s.written for s in self.sections)


def _heading_key(heading: str) -> str:
    """A heading as compared: lower case, every run of other characters than letters and digits one space
    ("Out-of-scope uses" and "out of scope  uses" are the same heading)."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", heading.lower()).split())


_SECTION_BY_HEADING = {_heading_key(title): (key, title) for key, title in CARD_SECTIONS}
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_H2 = re.compile(r"^ {0,3}##(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_H1 = re.compile(r"^ {0,3}#(?:[ \t]+.*)?$")


@functools.cache
def _markdown_parser() -> Any:
    from markdown_it import MarkdownIt

    # CommonMark with tables; raw HTML is text, images are off (a page must fetch nothing), links keep
    # markdown-it's own check (no javascript:, vbscript:, file: nor data: URLs).
    return MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")


def markdown_html(text: str) -> str:
    """The owner's Markdown as HTML, safe to insert in a page: raw HTML is escaped (shown as text), images
    are not rendered, and headings are demoted to ``<h4>``-``<h6>`` (the card's own are ``<h2>``/``<h3>``)."""
    md = _markdown_parser()
    tokens = md.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + 3)}"
    html: str = md.renderer.render(tokens, md.options, {})
    return html


def markdown_source(text: str) -> Markup:
    """The owner's Markdown for the card's Markdown page: ``&`` and ``<`` escaped as entities (a tag is shown,
    never run; the rest of the Markdown keeps its meaning), an image made a link (``\\![...]``: a viewer
    fetches nothing), a link whose target markdown-it refuses (``javascript:``, ``vbscript:``, ``file:``,
    ``data:`` but images: its ``validateLink``) made text, as on the HTML page, and headings demoted to at
    least ``####`` (under the card's own)."""
    out, fence, prose = [], None, []
    for line in text.replace("&", "&amp;").replace("<", "&lt;").splitlines():
        opened = _FENCE.match(line)
        if opened and (fence is None or opened.group(1)[0] == fence[0]):
            fence = None if fence is not None else opened.group(1)
        elif fence is None:
            if heading := re.match(r"^ {0,3}(#{1,6})([ \t].*|)$", line):
                line = "#" * max(4, len(heading.group(1))) + heading.group(2)
            line = re.sub(r"(?<!\\)!\[", r"\\![", line)
            prose.append(line)
            continue
        out += [_unlinked("\n".join(prose)), line] if prose else [line]
        prose = []
    if prose:
        out.append(_unlinked("\n".join(prose)))
    return Markup("\n".join(out).strip("\n"))


# a link's target: after "](" (inline) or "]:" (a reference definition), on the same line or the next
_LINK_TARGET = re.compile(r"\]([(:])[ \t]*\n?[ \t]*(\S*)")
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _unlinked(prose: str) -> str:
    """``prose`` (Markdown outside fenced code, ``&`` and ``<`` already escaped) with each link whose target
    markdown-it's ``validateLink`` refuses turned into text: its closing ``]`` escaped, so neither an inline link
    ``[x](javascript:...)`` nor a definition ``[x]: javascript:...`` is one for any Markdown viewer."""
    md = _markdown_parser()
    pieces, start = [], 0
    for found in _LINK_TARGET.finditer(prose):
        target = _MARKDOWN_ESCAPE.sub(r"\1", found.group(2))  # as the viewer reads it: "\:" is ":"
        backslashes = len(prose[: found.start()]) - len(prose[: found.start()].rstrip("\\"))
        if backslashes % 2 == 0 and not md.validateLink(md.normalizeLink(target)):
            pieces += [prose[start : found.start()], "\\"]
            start = found.start()
    return "".join([*pieces, prose[start:]])


def _missing_note(path: str) -> str:
    return f"missing: not yet written by the owner (edit {path})"


def parse_card_text(text: str, *, path: str) -> OwnerText:
    """Split a ``<model>.card.md`` into the card's sections: one ``## <Section>`` heading each (outside fenced
    code). A leading ``# title`` line and HTML comments (``<!-- notes to the file's editors -->``, removed) are
    allowed; other text before the first section, an unknown heading and a section written twice are warnings
    (the text is kept)."""
    text = _COMMENT.sub("", text)
    chunks: list[tuple[str | None, list[str]]] = [(None, [])]
    fence: str | None = None
    for line in text.splitlines():
        opened = _FENCE.match(line)
        if opened and (fence is None or opened.group(1)[0] == fence[0]):
            fence = None if fence is not None else opened.group(1)
        elif fence is None and (h2 := _H2.match(line)):
            chunks.append(((h2.group(1) or "").strip(), []))
            continue
        chunks[-1][1].append(line)
    warnings: list[str] = []
    written: dict[str, list[str]] = {}
    unknown: list[TextSection] = []
    accepted = ", ".join(f"'## {title}'" for _, title in CARD_SECTIONS)
    for heading, lines in chunks:
        body = "\n".join(lines).strip("\n")
        if heading is None:
            preamble = "\n".join(line for line in lines if not _H1.match(line)).strip()
            if preamble:
                warnings.append(
                    f"{path}: text before the first '## ' heading is not part of any section (shown below, under "
                    f"'Text outside the sections'); put it under one of {accepted}"
                )
                unknown.append(_section("preamble", "Text outside the sections", preamble, path))
            continue
        found = _SECTION_BY_HEADING.get(_heading_key(heading))
        if found is None:
            warnings.append(
                f"{path}: the heading '## {heading}' must be one of {accepted}; got an unknown heading (its text "
                f"is shown below, under the warning, until it is renamed)"
            )
            unknown.append(_section(_heading_key(heading).replace(" ", "_") or "untitled", heading or "(untitled)",
                                    body, path))  # fmt: skip
            continue
        key, title = found
        if key in written:
            warnings.append(f"{path}: the section '## {title}' must be written once; got it twice (both are shown)")
        if body.strip():
            written.setdefault(key, []).append(body)
        else:
            written.setdefault(key, [])
    sections = tuple(_section(key, title, "\n\n".join(written.get(key, [])), path) for key, title in CARD_SECTIONS)
    return OwnerText(path=path, found=True, sections=sections, unknown=tuple(unknown), warnings=tuple(warnings))


def _section(key: str, title: str, markdown: str, path: str) -> TextSection:
    written = bool(markdown.strip())
    return TextSection(
        key=key,
        title=title,
        written=written,
        markdown=markdown if written else "",
        html=markdown_html(markdown) if written else "",
        missing=_missing_note(path),
    )


def card_text_path(fleet: Fleet, model: str) -> Path:
    """Where the owner writes the card's free text: ``<models_dir>/<model>.card.md``, beside the model's
    config (the fleet's ``models_dir``, relative to the fleet file)."""
    return (fleet.path.parent / fleet.config.models_dir).resolve() / f"{model}{CARD_TEXT_SUFFIX}"


def _shown_path(fleet: Fleet, path: Path) -> str:
    """``path`` as people know it: relative to the folder above the fleet file (``configs/models/x.card.md``),
    never the machine's absolute path (the card must read the same wherever it is rendered)."""
    base = fleet.path.parent.parent
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.name


def read_card_text(fleet: Fleet, model: str, *, strict: bool = False) -> OwnerText:
    """The free text of the model's card, from ``card_text_path``. A missing file is every section missing; a
    file that cannot be read (too large, not UTF-8) is a warning on the card. With ``strict``, any warning is
    a ``ReportError`` instead."""
    path = card_text_path(fleet, model)
    shown = _shown_path(fleet, path)
    empty = tuple(_section(key, title, "", shown) for key, title in CARD_SECTIONS)
    problem: str | None = None
    if not path.is_file():
        text = OwnerText(path=shown, found=False, sections=empty, unknown=(), warnings=())
    else:
        try:
            with path.open("rb") as stream:
                data = stream.read(MAX_CARD_TEXT_BYTES + 1)
            if len(data) > MAX_CARD_TEXT_BYTES:
                problem = f"{shown}: must be at most {MAX_CARD_TEXT_BYTES} bytes; got a larger file (not read)"
            else:
                text = parse_card_text(data.decode("utf-8"), path=shown)
        except UnicodeDecodeError as exc:
            problem = f"{shown}: must be UTF-8 text; got {exc.reason} at byte {exc.start} (not read)"
        except OSError as exc:
            problem = f"{shown}: must be readable; got {type(exc).__name__}: {exc.strerror or exc}"
        if problem is not None:
            text = OwnerText(path=shown, found=True, sections=empty, unknown=(), warnings=(problem,))
    if strict and text.warnings:
        raise ReportError("\n".join(text.warnings))
    return text


# ---------------------------------------------------------------------------------------------- model details


@dataclass(frozen=True)
class ContactView:
    name: str
    email: str
    role: str


@dataclass(frozen=True)
class VersionLine:
    """One registered version, with governance's record of it (from the incident database)."""

    version: str
    created: str | None
    aliases: tuple[str, ...]
    serving: bool
    """It scored the card's night."""
    deployed_on: str | None
    """The version's ``deployed_on`` tag, when it has one."""
    governance: str | None
    """unjudged, passed, failed or quarantined; None: no record (the incident database was not read)."""
    last_passed: str | None
    failed: str | None
    quarantined: str | None
    card: str | None
    """The version's card, relative to the output folder (``cards/<model>/<version>.html``), when written."""


@dataclass(frozen=True)
class RunView:
    """The run that produced the serving version: its lineage, parameters and metrics."""

    run_id: str | None
    run_name: str | None
    experiment: str | None
    started: str | None
    user: str | None
    source: str | None
    description: str
    params: tuple[tuple[str, str], ...]
    metrics: tuple[tuple[str, float], ...]
    tags: tuple[tuple[str, str], ...]
    """The version's own registry tags (governance's ``governance.*`` mirror left out: its record is shown)."""


@dataclass(frozen=True)
class RegistryView:
    name: str
    serving_alias: str
    read: bool
    """False: no registry was given to the card (the card says so)."""
    error: str | None
    """The registry could not be read: why."""
    versions: tuple[VersionLine, ...]
    run: RunView | None
    """The serving version's run (None: unknown version, or the registry not read)."""


@dataclass(frozen=True)
class ModelDetails:
    name: str
    description: str
    business_unit: str
    risk_tier: str
    problem_type: str
    mode: str
    """registry (scored by the serving version) or scored_reference (no artifact)."""
    owner: ContactView
    escalation: tuple[ContactView, ...]
    jurisdictions: tuple[str, ...]
    policies: tuple[str, ...]
    """The model's own policies, after the fleet's defaults (``default_policies``)."""
    feed: str | None
    serving_version: str | None
    version_recorded: bool
    """The night's result names the serving version; False: it names none (the batch was refused or missing),
    and ``serving_version`` is the last one recorded on a previous card."""
    registry: RegistryView | None
    """None: the model is monitored without a registry (``mode`` scored_reference)."""


# ---------------------------------------------------------------------------------------------- config


@dataclass(frozen=True)
class ThresholdLine:
    section: str
    name: str
    value: str
    source: str
    """``default`` (the rulebook), a policy's name, or ``models/<model>.yaml``."""
    meaning: str


@dataclass(frozen=True)
class MetricsView:
    """What the model is measured by, and against what."""

    sla_metric: str | None
    sla_minimum: float | None
    sla_maximum: float | None
    max_drop: float | None
    reported: tuple[str, ...]
    """The other metrics the policy reports (estimated without labels, realized once they arrive)."""
    label_delay_days: int | None
    thresholds: tuple[ThresholdLine, ...]
    """Every threshold in force, by section."""


@dataclass(frozen=True)
class FactorsView:
    """The groups and segments the model is monitored across."""

    protected: tuple[str, ...]
    intersectional: bool
    min_group_size: int | None
    min_impact_ratio: float | None
    api_client: str | None
    features: tuple[str, ...]


@dataclass(frozen=True)
class DataView:
    """The model's data as the monitoring reads it (no row of it ever reaches the card)."""

    reference: str
    batches: str
    labels: str | None
    label_delay_days: int
    expected_batch_rows: int | None
    rows_tonight: int | None
    labelled_night: str | None
    labelled_rows: int | None
    expectation_suite: str


@dataclass(frozen=True)
class SevClock:
    sev: str
    acknowledge_hours: float
    recover_hours: float
    """The RTO: how long the model may stay broken, for its tier."""


@dataclass(frozen=True)
class ResponseView:
    """How the response treats the model's incidents (the fleet's response policy)."""

    policy: str
    tier: str
    clocks: tuple[SevClock, ...]
    rollback: str
    data: str
    client: str
    article_73: str | None
    """The EU AI Act Article 73 reporting duty, when one of the model's policies carries it."""
    dry_run: bool


# ---------------------------------------------------------------------------------------------- monitoring


@dataclass(frozen=True)
class FairnessVerdict:
    batch: str
    attribute: str
    verdict: str
    """"breaks the rule", "within the rule" or "not judged"."""
    min_impact_ratio: float | None
    least_favoured_group: str | None
    limit: float


@dataclass(frozen=True)
class MonitoringView:
    """The night's monitoring, through the owner report's views."""

    night: str
    status: str
    version: str | None
    rows: int | None
    findings: tuple[FindingView, ...]
    performance: PerformanceView | None
    fairness: tuple[FairnessView, ...]
    verdicts: tuple[FairnessVerdict, ...]
    drift: DriftView | None
    not_judged: tuple[tuple[str, str, str], ...]
    errors: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PastIncident:
    """An incident of the model's last 30 nights that is no longer live on the card's night."""

    id: int
    sev: str
    type: str
    title: str
    first_night: str
    last_night: str
    status: str
    """As the incident database says when the card is written."""
    resolved_by: str | None
    resolution_note: str | None


@dataclass(frozen=True)
class RollbackTarget:
    version: str | None
    """The version a rollback would go to now; None: none would do."""
    why: str


# ---------------------------------------------------------------------------------------------- versions


@dataclass(frozen=True)
class CardFigures:
    """The headline figures of one card, kept in its JSON so the next version's card can say what changed."""

    night: str
    version: str | None
    status: str | None
    sla_metric: str | None
    estimated: float | None
    estimated_lower: float | None
    estimated_upper: float | None
    realized: float | None
    realized_batch_night: str | None
    worst_impact_ratio: float | None
    """The lowest impact ratio of tonight's decisions across the protected attributes."""
    worst_impact_attribute: str | None
    drifted_features: int | None
    features_measured: int | None
    findings: int | None
    open_incidents: int | None
    """None: the incident database was not read."""


@dataclass(frozen=True)
class FigureDelta:
    label: str
    before: float | None
    after: float | None
    change: float | None
    """after - before, when both are known."""
    digits: int
    note: str = ""
    """Why a figure is left out ("–") although the card had one."""


@dataclass(frozen=True)
class VersionChange:
    """The serving version changed between two cards."""

    night: str
    """The first night the new version served."""
    from_version: str | None
    to_version: str | None
    kind: str
    """rollback, deployment, or unknown."""
    why: str | None
    """What the incident database or the registry says of it; None when nothing is recorded."""
    incident_id: int | None
    action_id: int | None
    before: CardFigures
    """The previous card's figures: the previous version's, on its last night."""
    after: CardFigures
    deltas: tuple[FigureDelta, ...]


# ---------------------------------------------------------------------------------------------- the card


@dataclass(frozen=True)
class CardLinks:
    """Pages the card links to, relative to the output folder (``render_card`` makes them relative to where the
    page is written)."""

    owner_report: str
    fleet_overview: str
    current_card: str
    json: str
    version_card: str | None
    """The serving version's card (None: no version is recorded)."""
    version_json: str | None


@dataclass(frozen=True)
class ModelCard:
    """One model's card, as of one night."""

    card_format: str
    model: str
    night: str
    serving_version: str | None
    banner: Banner
    summary: tuple[str, ...]
    """The verdict in plain words, then what the card rests on: two or three short sentences."""
    details: ModelDetails
    text: OwnerText
    factors: FactorsView
    metrics: MetricsView
    evaluation_data: DataView
    monitoring: MonitoringView | None
    """None: no result of the model on the card's night."""
    incidents: tuple[IncidentView, ...] | None
    """None: the incident database was not read."""
    past_incidents: tuple[PastIncident, ...]
    """The model's other incidents of the last 30 nights, opened by the night's response (resolved by then)."""
    rollback_target: RollbackTarget | None
    rolled_back_tonight: str | None
    """The night's response rolled the serving version back: by which action, to which version."""
    response: ResponseView
    figures: CardFigures
    baseline: CardFigures | None
    """The previous card's figures this card was compared with (kept so a rerun of the night compares the same)."""
    changes: tuple[VersionChange, ...]
    """Every change of serving version recorded so far, oldest first."""
    links: CardLinks

    @property
    def version_slug(self) -> str | None:
        """The version's file name under ``cards/<model>/`` (None: no known version, no version file)."""
        return _slug(self.serving_version) if self.serving_version else None


_PLAIN_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*")
_SLUG_KEPT = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")


def _slug(version: str) -> str:
    """The file name of a version's card: the version itself when it is plain (letters, digits, ``.`` and ``-``,
    starting with a letter or digit, no ``..``, not ending with ``.``: every registry version number), else
    ``v_`` and the version with each byte of its UTF-8 but letters, digits and ``-`` written ``_xx`` (hex):
    "a b" is ``v_a_20b``, "a_b" ``v_a_5fb``. Never two versions one name (a plain name has no ``_``; an escape
    decodes back), so the card of a version that stopped serving is never overwritten by another's."""
    if _PLAIN_VERSION.fullmatch(version) and ".." not in version and not version.endswith("."):
        return version
    return "v_" + "".join(chr(byte) if byte in _SLUG_KEPT else f"_{byte:02x}" for byte in version.encode("utf-8"))


# ---------------------------------------------------------------------------------------------- builders


def _contact(c: Any) -> ContactView:
    return ContactView(name=c.name, email=c.email, role=c.role)


def _iso(at: Any) -> str | None:
    if at is None:
        return None
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if isinstance(at, dt.datetime) else str(at)


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _metrics_view(fleet: Fleet, config: ModelConfig) -> MetricsView:
    rules = fleet.rules(config.name)

    def number(section: str, name: str) -> float | None:
        t = rules.get(section, name)
        return t.number if t is not None else None

    reported = rules.value("performance", "report")
    metric = rules.value("performance", "metric")
    return MetricsView(
        sla_metric=str(metric) if metric is not None else None,
        sla_minimum=number("performance", "minimum"),
        sla_maximum=number("performance", "maximum"),
        max_drop=number("performance", "max_drop"),
        reported=tuple(str(m) for m in reported if m != metric) if isinstance(reported, tuple | list) else (),
        label_delay_days=config.data.label_delay_days if config.data.labels else None,
        thresholds=tuple(
            ThresholdLine(
                section=section,
                name=name,
                value=_value_text(t.value),
                source=t.source,
                meaning=threshold_spec(section, name).meaning,
            )
            for (section, name), t in rules.thresholds.items()
        ),
    )


def _factors_view(fleet: Fleet, config: ModelConfig) -> FactorsView:
    rules = fleet.rules(config.name)
    size = rules.get("fairness", "min_group_size")
    ratio = rules.get("fairness", "min_impact_ratio")
    return FactorsView(
        protected=tuple(config.columns.protected),
        intersectional=bool(rules.value("fairness", "intersectional")),
        min_group_size=int(size.number) if size is not None else None,
        min_impact_ratio=ratio.number if ratio is not None else None,
        api_client=config.columns.api_client,
        features=tuple(config.columns.features),
    )


def _data_view(config: ModelConfig, result: ModelNightResult | None) -> DataView:
    e = result.evidence if result is not None else None
    return DataView(
        reference=config.data.reference,
        batches=config.data.batches,
        labels=config.data.labels,
        label_delay_days=config.data.label_delay_days,
        expected_batch_rows=config.data.expected_batch_rows,
        rows_tonight=e.rows if e else None,
        labelled_night=e.labelled_night if e else None,
        labelled_rows=e.labelled_rows if e else None,
        expectation_suite=config.suite_name,
    )


def _hours(value: float) -> float:
    return round(value, 2)


def _playbook_line(what: str, playbook: Any, dry_run: bool) -> str:
    if not playbook.enabled:
        return f"{what}: off (recommended to a person only)"
    approval = ", ".join(s.value for s in playbook.needs_approval)
    waits = f"; waits for a person's approval at {approval}" if approval else "; without waiting for approval"
    return f"{what}: from {playbook.at_or_above.value}{waits}" + (" (dry run: recorded, not done)" if dry_run else "")


def _response_view(policy: ResponsePolicy, config: ModelConfig) -> ResponseView:
    from govern.respond.policy import Sev

    tier = config.risk_tier.value
    article = policy.article_73
    under_act = sorted(set(config.policies) & set(article.policies))
    playbooks = policy.playbooks
    return ResponseView(
        policy=policy.name,
        tier=tier,
        clocks=tuple(
            SevClock(s.value, _hours(policy.windows.acknowledge(s, tier)), _hours(policy.windows.recover(s, tier)))
            for s in Sev
        ),
        rollback=_playbook_line("roll back to the last version that passed", playbooks.rollback, playbooks.dry_run),
        data=_playbook_line("quarantine a bad batch and disable its feed", playbooks.data, playbooks.dry_run),
        client=_playbook_line("denylist an API client", playbooks.client, playbooks.dry_run),
        article_73=(
            f"judged by {', '.join(under_act)}: an incident at {article.serious_at_or_above.value} or worse must be "
            f"reported to the market surveillance authority within {article.report_within_days} days "
            f"(EU AI Act Article 73)"
        )
        if under_act
        else None,
        dry_run=playbooks.dry_run,
    )


def _registry_view(
    registry: ModelRegistry | None,
    config: ModelConfig,
    serving: str | None,
    session: Session | None,
    store: ResultsStore,
) -> RegistryView | None:
    if config.registry is None:
        return None
    name, alias = config.registry.name, config.registry.serving_alias
    records: dict[str, Any] = {}
    if session is not None:
        from sqlalchemy import select

        from govern.respond.db import VersionRecord

        records = {
            r.version: r for r in session.scalars(select(VersionRecord).where(VersionRecord.registry_name == name))
        }
    if registry is None:
        cards = _version_cards(store, config.name, records, serving)
        return RegistryView(name, alias, read=False, error=None, versions=_lines_from_records(records, serving, cards),
                            run=None)  # fmt: skip
    try:
        infos = registry.versions(name)
        run = registry.run_details(name, serving) if serving and any(i.version == serving for i in infos) else None
    except RegistryError as exc:
        cards = _version_cards(store, config.name, records, serving)
        return RegistryView(name, alias, read=True, error=str(exc),
                            versions=_lines_from_records(records, serving, cards), run=None)  # fmt: skip
    version_cards = _version_cards(store, config.name, (i.version for i in infos), serving)
    lines = []
    for info in infos:
        record = records.get(info.version)
        lines.append(
            VersionLine(
                version=info.version,
                created=_iso(info.created),
                aliases=info.aliases,
                serving=info.version == serving,
                deployed_on=info.tags.get("deployed_on"),
                governance=record.status if record is not None else None,
                last_passed=record.last_passed if record is not None else None,
                failed=record.failed if record is not None else None,
                quarantined=_iso(record.quarantined) if record is not None else None,
                card=f"cards/{quote(config.name)}/{quote(_slug(info.version))}.html"
                if info.version in version_cards
                else None,
            )
        )
    run_view = None
    if run is not None:
        serving_info = next(i for i in infos if i.version == serving)
        run_view = RunView(
            run_id=run.run_id,
            run_name=run.run_name,
            experiment=run.experiment,
            started=_iso(run.started),
            user=run.user,
            source=run.source,
            description=run.description,
            params=tuple(sorted(run.params.items())),
            metrics=tuple(sorted(run.metrics.items())),
            tags=tuple(sorted((k, v) for k, v in serving_info.tags.items() if not k.startswith("governance."))),
        )
    return RegistryView(name, alias, read=True, error=None, versions=tuple(lines), run=run_view)


def _version_order(version: str) -> tuple[int, str]:
    """Registry versions in number order ("2" before "10"); a version that is not a number first."""
    return (int(version), version) if version.isdigit() else (-1, version)


def _lines_from_records(records: dict[str, Any], serving: str | None, cards: set[str]) -> tuple[VersionLine, ...]:
    """The versions governance has a record of, when the registry itself was not read."""
    return tuple(
        VersionLine(
            version=r.version,
            created=None,
            aliases=(),
            serving=r.version == serving,
            deployed_on=None,
            governance=r.status,
            last_passed=r.last_passed,
            failed=r.failed,
            quarantined=_iso(r.quarantined),
            card=f"cards/{quote(r.model)}/{quote(_slug(r.version))}.html" if r.version in cards else None,
        )
        for r in sorted(records.values(), key=lambda r: _version_order(r.version))
    )


def _verdicts(fairness: Sequence[FairnessView]) -> tuple[FairnessVerdict, ...]:
    return tuple(
        FairnessVerdict(
            batch=fv.batch,
            attribute=a.attribute,
            verdict="breaks the rule"
            if a.breached
            else ("within the rule" if a.n_groups_judged >= 2 else "not judged"),
            min_impact_ratio=a.min_impact_ratio,
            least_favoured_group=a.least_favoured_group,
            limit=fv.limit,
        )
        for fv in fairness
        for a in fv.attributes
    )


def _monitoring_view(result: ModelNightResult, history: Sequence[HistoryLine]) -> MonitoringView:
    fairness = fairness_views(result)
    return MonitoringView(
        night=result.night,
        status=result.status,
        version=result.model_version,
        rows=result.evidence.rows,
        findings=tuple(
            FindingView.of(f) for f in sorted(result.findings, key=lambda f: (-f.severity.rank, f.check, f.subject))
        ),
        performance=performance_view(result, history),
        fairness=fairness,
        verdicts=_verdicts(fairness),
        drift=drift_view(result),
        not_judged=tuple((n.section, n.subject, n.reason) for n in result.not_judged),
        errors=tuple((err.stage, err.message) for err in result.errors),
    )


def _figures(
    night: str, version: str | None, result: ModelNightResult | None, incidents: Sequence[IncidentView] | None
) -> CardFigures:
    estimated = result.sla_metric("estimated") if result else None
    realized = result.sla_metric("realized") if result else None
    worst: tuple[float, str] | None = None
    # tonight's decisions as the pages show them: an attribute with hidden groups over its shown groups only
    batches = fairness_views(result) if result is not None and result.evidence.fairness is not None else ()
    shown = batches[0] if batches else None  # the first is tonight's batch when it was measured
    for a in shown.attributes if shown else ():
        if a.min_impact_ratio is not None and (worst is None or a.min_impact_ratio < worst[0]):
            worst = (a.min_impact_ratio, a.attribute)
    drift = result.evidence.drift if result else None
    either = estimated or realized
    return CardFigures(
        night=night,
        version=version,
        status=result.status if result else None,
        sla_metric=either.metric if either else None,
        estimated=estimated.value if estimated else None,
        estimated_lower=estimated.lower if estimated else None,
        estimated_upper=estimated.upper if estimated else None,
        realized=realized.value if realized else None,
        realized_batch_night=realized.batch_night if realized else None,
        worst_impact_ratio=worst[0] if worst else None,
        worst_impact_attribute=worst[1] if worst else None,
        drifted_features=drift.features.n_drifted if drift else None,
        features_measured=drift.features.n_columns if drift else None,
        findings=len(result.findings) if result else None,
        open_incidents=sum(i.active for i in incidents) if incidents is not None else None,
    )


def _scored_by(store: ResultsStore, model: str, night: str | None) -> str | None:
    """The version that scored the batch of ``night`` (None: no readable result says)."""
    if night is None or not store.has_result(night, model):
        return None
    try:
        return store.read_result(night, model).model_version
    except ResultError:
        return None


def _deltas(store: ResultsStore, model: str, before: CardFigures, after: CardFigures) -> tuple[FigureDelta, ...]:
    """What changed in the figures from the previous version's card to the new version's first. A realized
    figure counts for a version only if the batch its labels belong to was scored by that version: on a new
    version's first nights the labels that arrive are of batches its predecessor scored."""
    metric = after.sla_metric or before.sla_metric or "SLA metric"

    def delta(label: str, b: float | None, a: float | None, digits: int, note: str = "") -> FigureDelta:
        return FigureDelta(label, b, a, a - b if a is not None and b is not None else None, digits, note)

    def count(value: int | None) -> float | None:
        return None if value is None else float(value)

    realized: list[float | None] = []
    notes = []
    for side, figures in (("before", before), ("after", after)):
        by = _scored_by(store, model, figures.realized_batch_night) if figures.realized is not None else None
        if figures.realized is not None and by != figures.version:
            realized.append(None)
            scorer = f"version {by}" if by else "a version not recorded"
            notes.append(
                f"{side}: the labelled batch of {figures.realized_batch_night} was scored by {scorer}, not by "
                f"version {figures.version}"
            )
        else:
            realized.append(figures.realized)
    return (
        delta(f"estimated {metric}", before.estimated, after.estimated, 3),
        delta(f"realized {metric}", realized[0], realized[1], 3, "; ".join(notes)),
        delta("worst impact ratio", before.worst_impact_ratio, after.worst_impact_ratio, 3),
        delta("drifted features", count(before.drifted_features), count(after.drifted_features), 0),
        delta("findings", count(before.findings), count(after.findings), 0),
        delta("open incidents", count(before.open_incidents), count(after.open_incidents), 0),
    )


def _done_rollbacks(session: Session | None, model: str) -> list[Any]:
    if session is None:
        return []
    from sqlalchemy import select

    from govern.respond.db import Action

    query = select(Action).where(Action.model == model, Action.kind == "rollback", Action.status == "done")
    return list(session.scalars(query.order_by(Action.id)))


def _why_changed(
    before: str | None, after: str | None, rollbacks: Sequence[Any], deployed_on: str | None
) -> tuple[str, str | None, int | None, int | None]:
    """(kind, why, incident id, action id) of a change of serving version from ``before`` to ``after``."""
    for action in reversed(rollbacks):
        params = action.params or {}
        if str(params.get("from_version")) == before and str(params.get("to_version")) == after:
            by = f", approved by {action.approved_by}" if action.approved_by else ""
            incident = f" of incident #{action.incident_id}" if action.incident_id is not None else ""
            return (
                "rollback",
                f"rolled back from version {before} to version {after} by action #{action.id}{incident} "
                f"(done {_iso(action.done_at)}{by})" + (f": {params['reason']}" if params.get("reason") else ""),
                action.incident_id,
                action.id,
            )
    if deployed_on:
        return "deployment", f"version {after} deployed on {deployed_on} (the version's deployed_on tag)", None, None
    return "unknown", None, None, None


def _rolled_back_tonight(rollbacks: Sequence[Any], night: str, serving: str | None) -> str | None:
    tonight = [a for a in rollbacks if a.night == night and str((a.params or {}).get("from_version")) == serving]
    if not tonight:
        return None
    a = tonight[-1]
    to = (a.params or {}).get("to_version")
    incident = f" of incident #{a.incident_id}" if a.incident_id is not None else ""
    return (
        f"The night's response rolled version {serving} back to version {to} (action #{a.id}{incident}, done "
        f"{_iso(a.done_at)}): version {to} serves from the next night, and its card takes over then."
    )


def _rollback_target(
    session: Session | None, config: ModelConfig, serving: str | None, rolled_back: bool
) -> RollbackTarget | None:
    if session is None or config.registry is None or serving is None:
        return None
    from govern.respond.versions import safe_version

    record, why = safe_version(session, config.registry.name, serving)
    if rolled_back:
        why = f"{why} (version {serving} was rolled back already)"
    return RollbackTarget(record.version if record is not None else None, why)


def _banner(
    night: str,
    result: ModelNightResult | None,
    monitoring: MonitoringView | None,
    incidents: Sequence[IncidentView] | None,
) -> Banner:
    live = [i for i in incidents or () if i.status in ACTIVE]
    if live:
        worst = min(live, key=lambda i: (SEV_RANK.get(i.sev, 5), i.first_night, i.id))
        more = f" (and {len(live) - 1} more open)" if len(live) > 1 else ""
        return Banner(
            "incident",
            worst.sev,
            f"Under incident {worst.sev} since {worst.first_night}: #{worst.id} {worst.title} ({worst.status}){more}",
        )
    if result is None or monitoring is None:
        return Banner("watch", None, f"Not monitored on {night}: no result of the model is recorded for that night")
    p = monitoring.performance
    if p is not None and p.breached:
        sla = "outside its SLA"
    elif p is not None and p.estimated is not None and p.estimated.value is not None:
        sla = "within its SLA"
    else:
        sla = "its SLA not measured that night"
    no_incident = "no open incident" if incidents is not None else "incidents not read"
    if result.status == "healthy":
        return Banner("ok", None, f"In service, {sla}, {no_incident}")
    if result.status == "findings":
        n = len(result.findings)
        return Banner("watch", None, f"In service, {sla}, {n} finding{'s' if n != 1 else ''} on {night}, {no_incident}")
    if result.status == "error":
        return Banner("watch", None, f"In service, {sla}, but some checks could not run on {night}; {no_incident}")
    return Banner("watch", None, f"In service, {sla}, but some checks got no verdict on {night}; {no_incident}")


def _summary(night: str, details: ModelDetails, text: OwnerText, changes: Sequence[VersionChange]) -> tuple[str, ...]:
    version = f"version {details.serving_version}" if details.serving_version else "a version not recorded"
    lines = [
        f"{details.name} ({details.risk_tier} risk, {details.business_unit}) was served by {version} on {night}; "
        f"its owner is {details.owner.name}."
    ]
    last = changes[-1] if changes else None
    if last is not None and last.to_version == details.serving_version:
        how = {"rollback": "a rollback", "deployment": "a deployment"}.get(last.kind, "a change not recorded")
        lines.append(
            f"Version {last.to_version} has served since {last.night}, after version {last.from_version or '–'} "
            f"({how}); the card of each version is kept."
        )
    written, total = text.n_written, len(text.sections)
    lines.append(
        "The owner has written every free-text section."
        if written == total
        else f"The owner has written {written} of the {total} free-text sections ({text.path})."
    )
    return tuple(lines)


# ---------------------------------------------------------------------------------------------- carried forward


def _figures_of(data: Any, where: str) -> CardFigures:
    if not isinstance(data, dict) or "night" not in data:
        raise ReportError(f"{where}: must be the figures of a model card; got {type(data).__name__} instead")
    values: dict[str, Any] = {f.name: data.get(f.name) for f in dataclasses.fields(CardFigures)}
    return CardFigures(**values)


def _change_of(data: Any, where: str) -> VersionChange:
    if not isinstance(data, dict):
        raise ReportError(f"{where}: must be a change of version; got {type(data).__name__} instead")
    deltas = tuple(
        FigureDelta(**{f.name: d.get(f.name) for f in dataclasses.fields(FigureDelta)}) for d in data.get("deltas", [])
    )
    return VersionChange(
        night=str(data["night"]),
        from_version=data.get("from_version"),
        to_version=data.get("to_version"),
        kind=str(data.get("kind", "unknown")),
        why=data.get("why"),
        incident_id=data.get("incident_id"),
        action_id=data.get("action_id"),
        before=_figures_of(data.get("before"), f"{where}.before"),
        after=_figures_of(data.get("after"), f"{where}.after"),
        deltas=deltas,
    )


@dataclass(frozen=True)
class _Previous:
    night: str
    figures: CardFigures
    baseline: CardFigures | None
    changes: tuple[VersionChange, ...]


def read_previous_card(store: ResultsStore, model: str) -> _Previous | None:
    """The current card as written last (its night, figures, baseline and change log), or None when there is
    none. A card JSON that cannot be read is a ``ReportError`` naming it: its change log would be lost."""
    relative = f"cards/{model}.json"
    payload = store.read_page(relative)
    if payload is None:
        return None
    where = store.page_location(relative)
    try:
        data = json.loads(payload)
        if not isinstance(data, dict) or "figures" not in data:
            raise ValueError("no figures")
        return _Previous(
            night=str(data["night"]),
            figures=_figures_of(data["figures"], f"{where}: figures"),
            baseline=_figures_of(data["baseline"], f"{where}: baseline") if data.get("baseline") else None,
            changes=tuple(_change_of(c, f"{where}: changes[{k}]") for k, c in enumerate(data.get("changes") or [])),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ReportError(
            f"{where}: must be the JSON of a model card (its change log is carried to the next card); got "
            f"{type(exc).__name__}: {exc} (restore it, or delete it to start the card's history afresh)"
        ) from exc


def _carried(previous: _Previous | None, night: str) -> tuple[CardFigures | None, tuple[VersionChange, ...], bool]:
    """(baseline, changes so far, compare): what the card of ``night`` compares with and carries. ``compare``
    is False for a night older than the current card's: it carries the log as recorded up to its night."""
    if previous is None:
        return None, (), True
    if previous.night < night:
        return previous.figures, previous.changes, True
    if previous.night == night:  # a rerun: the same baseline, and the night's own entry recomputed
        return previous.baseline, tuple(c for c in previous.changes if c.night < night), True
    kept = tuple(c for c in previous.changes if c.night <= night)
    own = next((c for c in kept if c.night == night), None)
    return (own.before if own else None), kept, False


def _night_figures(store: ResultsStore, session: Session | None, model: str, night: str) -> CardFigures | None:
    """The figures a card of ``night`` would have kept (None: the night's result cannot be read)."""
    try:
        result = store.read_result(night, model)
    except ResultError:
        return None
    views = incident_views(session, model=model, night=night) if session is not None else None
    return _figures(night, result.model_version, result, views)


def _reconstructed(
    store: ResultsStore,
    session: Session | None,
    model: str,
    lines: Sequence[HistoryLine],
    rollbacks: Sequence[Any],
    deployed: dict[str, str | None],
) -> tuple[VersionChange, ...]:
    """The changes of serving version in ``lines`` (the history before a model's first card, oldest first), as
    the cards of those nights would have recorded them, had they been written."""
    changes = []
    for before_line, line in zip(lines, lines[1:], strict=False):
        if line.model_version == before_line.model_version:
            continue
        before = _night_figures(store, session, model, before_line.night)
        after = _night_figures(store, session, model, line.night)
        if before is None or after is None:
            continue
        kind, why, incident_id, action_id = _why_changed(
            before.version, after.version, rollbacks, deployed.get(line.model_version or "")
        )
        changes.append(
            VersionChange(
                night=line.night,
                from_version=before.version,
                to_version=after.version,
                kind=kind,
                why=why,
                incident_id=incident_id,
                action_id=action_id,
                before=before,
                after=after,
                deltas=_deltas(store, model, before, after),
            )
        )
    return tuple(changes)


def _past_incidents(
    session: Session | None, model: str, night: str, shown: Sequence[IncidentView]
) -> tuple[PastIncident, ...]:
    if session is None:
        return ()
    from sqlalchemy import or_, select

    from govern.reports.views import response_time, window_nights
    from govern.respond.db import Incident, IncidentFinding

    start = window_nights(night)[0]
    held = select(IncidentFinding.incident_id).where(IncidentFinding.model == model)
    query = select(Incident).where(
        or_(Incident.model == model, Incident.id.in_(held)), Incident.first_night <= night, Incident.last_night >= start
    )
    as_of = response_time(session, model, night)  # as incident_views: not one opened after the card's moment
    if as_of is not None:
        query = query.where(Incident.opened_at <= as_of)
    live = {i.id for i in shown}
    return tuple(
        PastIncident(
            id=i.id,
            sev=i.sev,
            type=i.type,
            title=i.title,
            first_night=i.first_night,
            last_night=i.last_night,
            status=i.status,
            resolved_by=i.resolved_by,
            resolution_note=i.resolution_note,
        )
        for i in session.scalars(query.order_by(Incident.first_night.desc(), Incident.id.desc()))
        if i.id not in live
    )


# ---------------------------------------------------------------------------------------------- entry points


def model_card(
    fleet: Fleet,
    model: str,
    night: str,
    *,
    store: ResultsStore,
    registry: ModelRegistry | None = None,
    session: Session | None = None,
    history: Sequence[HistoryLine] | None = None,
) -> ModelCard:
    """The model's card as of ``night``: the registry (None: the card says it was not read), the config, the
    free text beside it, the night's monitoring and the incident database (``session``; None: not read), and
    the change log carried from the previous card in ``store``. ``history``: the model's 30 nights (from
    ``history_lines``, shared with the owner report); None reads it."""
    if model not in fleet.models:
        raise ReportError(f"a card's model must be one of the fleet's models; got {model!r} instead")
    config = fleet.models[model]
    try:
        result = store.read_result(night, model) if store.has_result(night, model) else None
    except ResultError as exc:
        raise ReportError(f"model {model!r}: the card of {night} needs the night's result; got {exc}") from exc
    if history is None:
        quarantined: set[str] = set()
        if session is not None:
            from govern.respond.containment import quarantined_nights

            quarantined = quarantined_nights(session, model)
        history = history_lines(store, model, night, quarantined=quarantined, unreadable=[])
    incidents = incident_views(session, model=model, night=night) if session is not None else None
    recorded = result.model_version if result is not None else None
    previous = read_previous_card(store, model)
    baseline, changes, compare = _carried(previous, night)
    lines = sorted((h for h in history if h.night < night and h.model_version), key=lambda h: h.night)
    if previous is None and lines:  # the first card: its baseline is the last night before it in the history
        baseline = _night_figures(store, session, model, lines[-1].night)
    # a night that recorded no version (its batch refused or missing) is still served by the last one recorded
    serving = recorded or (baseline.version if baseline is not None else None)
    registry_view = _registry_view(registry, config, serving, session, store)
    rollbacks = _done_rollbacks(session, model)
    rolled_back = _rolled_back_tonight(rollbacks, night, serving)
    deployed = {v.version: v.deployed_on for v in (registry_view.versions if registry_view else ())}
    if previous is None:
        changes = _reconstructed(store, session, model, lines, rollbacks, deployed)
    details = ModelDetails(
        name=model,
        description=config.description,
        business_unit=config.business_unit,
        risk_tier=config.risk_tier.value,
        problem_type=config.problem_type.value,
        mode=config.mode,
        owner=_contact(config.owner),
        escalation=tuple(_contact(c) for c in config.escalation),
        jurisdictions=tuple(config.jurisdictions),
        policies=tuple(dict.fromkeys([*fleet.config.default_policies, *config.policies])),
        feed=config.feed,
        serving_version=serving,
        version_recorded=recorded is not None,
        registry=registry_view,
    )
    figures = _figures(night, serving, result, incidents)
    if compare and recorded is not None and baseline is not None and baseline.version != recorded:
        kind, why, incident_id, action_id = _why_changed(baseline.version, recorded, rollbacks, deployed.get(recorded))
        changes = (
            *changes,
            VersionChange(
                night=night,
                from_version=baseline.version,
                to_version=serving,
                kind=kind,
                why=why,
                incident_id=incident_id,
                action_id=action_id,
                before=baseline,
                after=figures,
                deltas=_deltas(store, model, baseline, figures),
            ),
        )
    text = read_card_text(fleet, model)
    monitoring = _monitoring_view(result, history) if result is not None else None
    return ModelCard(
        card_format=CARD_FORMAT,
        model=model,
        night=night,
        serving_version=serving,
        banner=_banner(night, result, monitoring, incidents),
        summary=_summary(night, details, text, changes),
        details=details,
        text=text,
        factors=_factors_view(fleet, config),
        metrics=_metrics_view(fleet, config),
        evaluation_data=_data_view(config, result),
        monitoring=monitoring,
        incidents=incidents,
        past_incidents=_past_incidents(session, model, night, incidents or ()),
        rollback_target=_rollback_target(session, config, serving, rolled_back is not None),
        rolled_back_tonight=rolled_back,
        response=_response_view(fleet.response_policy, config),
        figures=figures,
        baseline=baseline,
        changes=changes,
        links=CardLinks(
            owner_report=f"{night}/reports/{quote(model)}.html",
            fleet_overview=f"{night}/index.html",
            current_card=f"cards/{quote(model)}.html",
            json=f"cards/{quote(model)}.json",
            version_card=f"cards/{quote(model)}/{quote(_slug(serving))}.html" if serving else None,
            version_json=f"cards/{quote(model)}/{quote(_slug(serving))}.json" if serving else None,
        ),
    )


def _version_cards(store: ResultsStore, model: str, versions: Iterable[str], serving: str | None) -> set[str]:
    """Of ``versions``, those whose card is written (or is about to be: the serving version's)."""
    return {v for v in versions if v == serving or store.has_page(f"cards/{model}/{_slug(v)}.json")}


def render_card(card: ModelCard, format: Format = "html", *, at: Location = "current") -> str:
    """The card as a self-contained HTML page or as Markdown; ``at`` says where the page is written (the
    current card, ``cards/<model>.html``, or a version's, ``cards/<model>/<version>.html``), which its
    relative links depend on."""
    if format not in ("html", "md"):
        raise ReportError(f"format must be html or md; got {format!r} instead")
    if at not in ("current", "version"):
        raise ReportError(f"at must be current or version; got {at!r} instead")
    root = "../" if at == "current" else "../../"
    return render(f"card.{format}.j2", card=card, root=root, at=at, owner_md=markdown_source)


def card_json(card: ModelCard) -> str:
    """The JSON the card's pages were rendered from (read back by the next card for its change log). A NaN or
    infinite figure has no JSON: a ``ReportError`` says where it is."""
    document = as_dict(card)
    try:
        return json.dumps(document, indent=2, sort_keys=True, default=str, allow_nan=False) + "\n"
    except ValueError as exc:
        where = next(_non_finite(document, "card"), "an unknown place")
        raise ReportError(
            f"model {card.model!r}: a card's figures must be finite; got NaN or infinity at {where}"
        ) from exc


def _non_finite(value: Any, where: str) -> Iterator[str]:
    if isinstance(value, float) and not math.isfinite(value):
        yield where
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _non_finite(v, f"{where}.{k}")
    elif isinstance(value, list | tuple):
        for k, v in enumerate(value):
            yield from _non_finite(v, f"{where}[{k}]")


def _written_night(store: ResultsStore, relative: str) -> str | None:
    payload = store.read_page(relative)
    if payload is None:
        return None
    try:
        night = json.loads(payload).get("night")
    except (ValueError, AttributeError):
        return None  # an unreadable page: derived, so replaced
    return str(night) if night else None


class StaleCardError(ReportError):
    """A card of a night older than the current card's: not written (see the module docstring)."""

    def __init__(self, model: str, written: str, asked: str) -> None:
        self.model, self.written, self.asked = model, written, asked
        super().__init__(
            f"cards/{model} is of {written}, newer than {asked}: not rewritten (a card is only written for its "
            f"latest night; to rebuild the history, delete cards/{model}* and publish the nights in order)"
        )


def publish_card(store: ResultsStore, card: ModelCard) -> list[str]:
    """Write the card: ``cards/<model>.html|md|json`` (current) and ``cards/<model>/<version>.html|md|json``
    (the serving version's); other versions' files are never touched. Returns the locations written (or found
    unchanged). A card of a night older than the current card's writes nothing and is a ``StaleCardError``
    (a ``ReportError``) naming both nights (see the module docstring)."""
    current = _written_night(store, f"cards/{card.model}.json")
    if current is not None and current > card.night:
        raise StaleCardError(card.model, current, card.night)
    document = card_json(card)
    targets: list[tuple[str, Location]] = [(f"cards/{card.model}", "current")]
    if card.version_slug is not None:
        targets.append((f"cards/{card.model}/{card.version_slug}", "version"))
    written: list[str] = []
    for base, at in targets:
        written += [
            store.write_page(f"{base}.html", render_card(card, "html", at=at)),
            store.write_page(f"{base}.md", render_card(card, "md", at=at)),
            store.write_page(f"{base}.json", document),
        ]
    return written


__all__ = [
    "CARD_SECTIONS",
    "CardFigures",
    "ModelCard",
    "OwnerText",
    "StaleCardError",
    "TextSection",
    "VersionChange",
    "card_json",
    "card_text_path",
    "markdown_html",
    "model_card",
    "parse_card_text",
    "publish_card",
    "read_card_text",
    "render_card",
]
