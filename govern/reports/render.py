"""Rendering: the Jinja2 environments of the pages, over the templates in the repository's ``reports/`` folder.

Two environments share the templates: ``html`` (for ``*.html.j2``) and ``md`` (for ``*.md.j2``). Both escape
every value (autoescape) and refuse a name the view does not have (``StrictUndefined``): a template that
asks for a missing field fails loudly instead of printing nothing. In the Markdown one every value is also
escaped for Markdown (``\\*``, ``\\|``, ``\\_``...), so a name can neither run as HTML nor break a table.
``None`` prints as an en dash in both.

Where the templates are found: the folder ``GOVERN_REPORT_TEMPLATES`` names, when set (to try a template
without reinstalling; a folder without them is an error, never a silent fallback); else the ``reports/``
folder beside the ``govern`` package (a source checkout, an editable install, or a wheel that ships
``reports/*.j2``, which lands beside ``govern/`` in site-packages); else wherever ``reports`` imports from.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from markupsafe import Markup

from govern.errors import GovernanceError
from govern.reports import svg
from govern.reports.views import OwnerReport, plural

if TYPE_CHECKING:
    from jinja2 import Environment

Format = Literal["html", "md"]
TEMPLATES_ENV = "GOVERN_REPORT_TEMPLATES"
_MARKER = "base.html.j2"


class ReportError(GovernanceError):
    """A page cannot be rendered: its templates are missing, or a template asks for what its view lacks."""


def templates_dir() -> Path:
    """The folder holding the report templates (see the module docstring for the order searched)."""
    chosen = os.environ.get(TEMPLATES_ENV)
    if chosen:  # asked for by name: that folder or an error, never a silent fallback
        if not (Path(chosen) / _MARKER).is_file():
            raise ReportError(f"{TEMPLATES_ENV} must name a folder holding {_MARKER}; got {chosen!r} instead")
        return Path(chosen)
    candidates = [Path(__file__).resolve().parents[2] / "reports"]
    try:
        spec = importlib.util.find_spec("reports")
    except (ImportError, ValueError):  # a "reports" module without a spec: not ours
        spec = None
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) for p in spec.submodule_search_locations]
    for folder in candidates:
        if (folder / _MARKER).is_file():
            return folder
    raise ReportError(
        f"the report templates must be in a folder holding {_MARKER}; got none in "
        f"{', '.join(str(c) for c in candidates)} (set {TEMPLATES_ENV}, or install the package with its reports/)"
    )


# ---------------------------------------------------------------------------------------------- filters


def num(value: float | None, digits: int = 3) -> str:
    """A figure with ``digits`` decimals; an en dash for None."""
    return "\u2013" if value is None else f"{value:.{digits}f}"


def pct(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage (0.534 -> 53.4 %); an en dash for None."""
    return "\u2013" if value is None else f"{value * 100:.{digits}f}\u00a0%"


def signed_pct(value: float | None, digits: int = 1) -> str:
    """A relative change as a signed percentage (+12.0 %)."""
    return "\u2013" if value is None else f"{value * 100:+.{digits}f}\u00a0%"


def thousands(value: int | None) -> str:
    """A count with thousands separators."""
    return "\u2013" if value is None else f"{value:,}"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def markdown_text(value: Any) -> Markup:
    """Text safe in Markdown: HTML-escaped (so a tag is shown, never run) and the Markdown punctuation that
    makes emphasis, links, code or table cells backslash-escaped; newlines become spaces. (``<`` and ``&`` are
    only HTML-escaped: a backslash before an entity would show the entity itself.)"""
    if isinstance(value, Markup):
        return value
    s = " ".join(str(value).split())
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return Markup(s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def _finalize_html(value: Any) -> Any:
    return "\u2013" if value is None else value


def _finalize_md(value: Any) -> Any:
    if value is None:
        return "\u2013"
    return markdown_text(value)


# ---------------------------------------------------------------------------------------------- environments


@functools.cache
def environment(kind: Format = "html") -> Environment:
    """The Jinja2 environment of ``kind`` (cached: templates compile once per process)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    if kind not in ("html", "md"):
        raise ReportError(f"format must be html or md; got {kind!r} instead")
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize_md if kind == "md" else _finalize_html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(num=num, pct=pct, signed_pct=signed_pct, thousands=thousands, plural=plural, md=markdown_text)
    env.globals.update(
        sparkline=svg.sparkline,
        line_chart=svg.line_chart,
        bar_chart=svg.bar_chart,
        paired_bars=svg.paired_bars,
    )
    return env


def render(template: str, **context: Any) -> str:
    """Render one template of ``reports/`` with ``context`` (view objects); a ReportError names the template
    and what it asked for that the view lacks."""
    from jinja2 import TemplateError

    kind: Format = "md" if template.endswith(".md.j2") else "html"
    env = environment(kind)
    try:
        page: str = env.get_template(template).render(**context)
    except TemplateError as exc:
        raise ReportError(f"reports/{template}: must render from its view; got {type(exc).__name__}: {exc}") from exc
    return page


def render_owner_report(report: OwnerReport, format: Format = "html") -> str:
    """The owner's nightly report as a self-contained HTML page or as Markdown."""
    if format not in ("html", "md"):
        raise ReportError(f"format must be html or md; got {format!r} instead")
    return render(f"owner.{format}.j2", report=report)
