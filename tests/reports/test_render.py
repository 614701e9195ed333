"""The owner's report as people get it: self-contained HTML and Markdown, escaped, strict about its views."""

from __future__ import annotations

import dataclasses
import re
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jinja2 import StrictUndefined, UndefinedError

from govern.reports import render, views
from govern.reports.render import ReportError
from tests.reports import nights
from tests.reports.html import assert_balanced
from tests.reports.nights import SCRIPT
from tests.reports.test_views import incident


@pytest.fixture(scope="module")
def healthy() -> views.OwnerReport:
    return views.owner_report(nights.healthy(realized=0.81), incidents=(), config=nights.config())


@pytest.fixture(scope="module")
def troubled() -> views.OwnerReport:
    return views.owner_report(nights.with_findings(), incidents=[incident(7, "SEV2")], config=nights.config())


def test_a_healthy_night_renders_with_the_ok_banner(healthy: views.OwnerReport) -> None:
    html = render.render_owner_report(healthy)
    assert '<header class="banner banner-ok" id="banner">' in html
    assert '<div class="badge">OK</div>' in html
    assert "Nothing to do: tonight is healthy." in html
    md = render.render_owner_report(healthy, "md")
    assert md.startswith("# OK · loan · 2026-10-18\n")


def test_a_night_with_findings_and_an_incident_renders_its_sev_and_the_incident(troubled: views.OwnerReport) -> None:
    html = render.render_owner_report(troubled)
    assert '<div class="badge">INCIDENT SEV2</div>' in html and 'class="banner banner-incident"' in html
    assert 'id="incident-7"' in html and "govern incidents ack 7 --by NAME" in html
    assert "suppressed: too few rows to show or judge" in html  # the small group of race
    assert html.count("<svg") == 4  # performance, drift, SCRIPT's distribution, race
    md = render.render_owner_report(troubled, "md")
    assert md.startswith("# INCIDENT SEV2 · loan · 2026-10-18\n") and "**SEV2 open #7**" in md


def test_the_drifted_features_distributions_are_drawn_reference_vs_tonight(troubled: views.OwnerReport) -> None:
    html = render.render_owner_report(troubled)
    drift = html[html.index('<h2 id="drift">') : html.index('<h2 id="fairness">')]
    assert "<h3>The drifted features, reference vs tonight</h3>" in drift
    (figure,) = re.findall(r'<figure id="distribution-1">.*?</figure>', drift, flags=re.S)
    assert "<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>" in figure and "drifted (Jensen-Shannon)" in figure
    chart = ET.fromstring(figure[figure.index("<svg") : figure.index("</svg>") + 6])
    assert chart.findtext("title") == f"{SCRIPT}: share of rows per bin, reference vs tonight"
    assert "No distribution is stored for income" in drift  # as if written by 2.1
    md = render.render_owner_report(troubled, "md")
    assert "**&lt;script&gt;alert(1)&lt;/script&gt;**, share of rows per bin (drifted):" in md
    assert "| 30 and over | 25.0 % | 60.0 % |" in md
    assert "No distribution is stored for income (" in md


def test_without_drift_the_features_that_moved_most_are_drawn(healthy: views.OwnerReport) -> None:
    html = render.render_owner_report(healthy)
    assert "<h3>The features that moved most, reference vs tonight</h3>" in html
    assert html.count('<figure id="distribution-') == 2 and "No distribution is stored" not in html
    assert "&lt;i&gt;north&lt;/i&gt;" in html and nights.TAGGED_CATEGORY not in html  # a category is text too
    md = render.render_owner_report(healthy, "md")
    assert "| &lt;i&gt;north&lt;/i&gt; | 50.0 % | 45.0 % |" in md and nights.TAGGED_CATEGORY not in md


def test_a_group_hidden_to_protect_a_smaller_one_is_marked_in_both_formats(troubled: views.OwnerReport) -> None:
    html = render.render_owner_report(troubled)
    fairness = html[html.index('<h2 id="fairness">') : html.index('<h2 id="clients">')]
    assert "2 of 2 groups judged, 1 suppressed, 1 hidden to protect it." in fairness
    assert re.search(r'<tr class="suppressed"><td>d</td><td class="n">hidden</td><td colspan="2">suppressed to '
                     r"protect a smaller group", fairness)  # fmt: skip
    assert '<td>d</td><td class="n">60</td>' not in fairness and ">60<" not in fairness
    md = render.render_owner_report(troubled, "md")
    assert "| d | hidden | suppressed to protect a smaller group | suppressed |" in md
    assert "1 group hidden to protect a smaller one." in md


def test_an_attribute_without_two_shown_groups_says_no_comparison_can_be_shown() -> None:
    result = nights.with_findings()
    small = result.evidence.fairness
    assert small is not None
    groups = tuple(g for g in small.groups if g.group in ("a", "c"))  # a and the too small c: a must go too
    evidence = result.evidence.model_copy(update={"fairness": small.model_copy(update={"groups": groups})})
    report = views.owner_report(result.model_copy(update={"evidence": evidence}), incidents=())
    html = render.render_owner_report(report)
    fairness = html[html.index('<h2 id="fairness">') : html.index('<h2 id="clients">')]
    assert "<b>No comparison between groups can be shown:</b>" in fairness and "<svg" not in fairness
    assert "No comparison between groups can be shown" in render.render_owner_report(report, "md")


def test_a_failed_expectation_shows_a_bad_value_the_expected_range_and_its_detail(troubled: views.OwnerReport) -> None:
    html = render.render_owner_report(troubled)
    validation = html[html.index('<h2 id="validation">') : html.index('<h2 id="performance">')]
    assert '<td>about 85.3<br><span class="muted small">expected 19,060 to 302,200</span></td>' in validation
    assert "<td>withheld</td>\n      <td>withheld</td>" in validation  # gender: a protected attribute
    md = render.render_owner_report(troubled, "md")
    assert "| about 85.3 | 19,060 to 302,200 | Income must be in dollars; a unit change fails it. |" in md
    assert "| 2.0 % | withheld | withheld | – |  |" in md  # no detail, no range


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_name_holding_a_script_tag_is_shown_as_text(troubled: views.OwnerReport, fmt: render.Format) -> None:
    page = render.render_owner_report(troubled, fmt)
    assert SCRIPT not in page and "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_page_fetches_nothing_and_links_only_to_local_files(troubled: views.OwnerReport) -> None:
    for page in (render.render_owner_report(troubled), render.render_owner_report(troubled, "md")):
        assert "http://" not in page and "https://" not in page and "//" not in re.sub(r"<!--.*?-->", "", page)
    html = render.render_owner_report(troubled)
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", html) and "@import" not in html
    assert "url(" not in html
    links = re.findall(r'(?:href|src)="([^"]*)"', html)
    assert links == ["../models/loan.json", "../../cards/loan.html", "../index.html"]
    assert "default-src 'none'" in html  # and the page forbids any fetch, should one slip in


def test_every_chart_of_the_page_is_well_formed_xml(troubled: views.OwnerReport) -> None:
    html = render.render_owner_report(troubled)
    charts = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(charts) == html.count("<svg") > 0
    for chart in charts:
        assert ET.fromstring(chart).tag == "svg"


@pytest.mark.parametrize("which", ["healthy", "troubled"])
def test_the_html_is_balanced(which: str, request: pytest.FixtureRequest) -> None:
    """Every element opened is closed, in order: a template typo shows here, not in a reader's browser."""
    html = render.render_owner_report(request.getfixturevalue(which))
    assert_balanced(html)


def test_a_missing_field_fails_loudly(troubled: views.OwnerReport) -> None:
    fields = {f.name: getattr(troubled, f.name) for f in dataclasses.fields(troubled) if f.name != "how_sure"}
    with pytest.raises(ReportError, match="how_sure") as caught:
        render.render("owner.html.j2", report=types.SimpleNamespace(**fields))
    assert isinstance(caught.value.__cause__, UndefinedError)
    with pytest.raises(ReportError, match="how_sure"):
        render.render("owner.md.j2", report=types.SimpleNamespace(**fields))


def test_both_environments_escape_and_are_strict() -> None:
    for kind in ("html", "md"):
        env = render.environment(kind)
        assert env.autoescape is True and env.undefined is StrictUndefined


def test_markdown_text_cannot_break_a_table_or_make_a_link() -> None:
    assert render.markdown_text("a|b_c*d [x](y) `z`") == r"a\|b\_c\*d \[x\](y) \`z\`"
    assert render.markdown_text("<b>&") == "&lt;b&gt;&amp;"
    assert render.markdown_text("two\nlines") == "two lines"
    page = render.render_owner_report(views.owner_report(nights.with_findings(), incidents=()), "md")
    tables: list[list[int]] = [[]]
    for row in page.splitlines():
        if row.startswith("|"):
            tables[-1].append(len(re.split(r"(?<!\\)\|", row)))  # cells: pipes not escaped
        elif tables[-1]:
            tables.append([])
    widths = [set(t) for t in tables if t]
    assert len(widths) == 5 and all(len(w) == 1 for w in widths)  # every row of a table as wide as its header


def test_the_templates_are_found_and_a_wrong_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert (render.templates_dir() / "owner.html.j2").is_file()
    monkeypatch.setenv(render.TEMPLATES_ENV, str(tmp_path))
    with pytest.raises(ReportError, match="must name a folder holding base.html.j2"):
        render.templates_dir()


def test_an_unknown_format_is_refused(healthy: views.OwnerReport) -> None:
    with pytest.raises(ReportError, match="format must be html or md; got 'pdf' instead"):
        render.render_owner_report(healthy, "pdf")  # type: ignore[arg-type]
