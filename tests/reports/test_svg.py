"""The hand-made charts: well-formed XML whatever the data, every text escaped, the geometry where it says."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from govern.reports import svg
from govern.reports.svg import Bar, BarChart, Limit, LineChart, PairedBars, Series

SCRIPT = "<script>alert(1)</script>"
NIGHTS = tuple(f"2026-10-{d:02d}" for d in range(1, 8))


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def line(values: tuple[float | None, ...], **kw: object) -> LineChart:
    n = len(values)
    lower = tuple(None if v is None else v - 0.02 for v in values)
    upper = tuple(None if v is None else v + 0.02 for v in values)
    return LineChart(
        title=kw.pop("title", "roc_auc"),  # type: ignore[arg-type]
        x_labels=NIGHTS[:n],
        series=(Series("estimated", values, lower, upper), Series("realized", values[::-1], dashed=True)),
        limits=(Limit("SLA minimum", 0.75),),
        highlight=NIGHTS[n - 1] if n else None,
    )


@pytest.mark.parametrize(
    "values",
    [
        (0.84, 0.83, 0.85, 0.80, 0.70, 0.72, 0.71),
        (0.84, None, None, 0.80, None, 0.72, 0.71),  # gaps
        (None,) * 7,  # nothing measured: only the limit
        (0.8,) * 7,  # flat
        (0.8,),  # one night
        (),  # no nights at all
    ],
    ids=["full", "gaps", "empty", "flat", "one", "none"],
)
def test_a_line_chart_is_well_formed_whatever_the_values(values: tuple[float | None, ...]) -> None:
    root = parse(svg.line_chart(line(values)))
    assert root.tag == "svg" and root.find("title") is not None


def test_a_line_chart_breaks_its_line_where_a_night_has_no_figure() -> None:
    chart = LineChart(title="t", x_labels=NIGHTS[:5], series=(Series("estimated", (0.8, 0.81, None, 0.79, 0.8)),))
    root = parse(svg.line_chart(chart))
    assert len(root.findall("polyline")) == 2  # 0-1 and 3-4
    assert len(root.findall("circle")) == 4  # one point, with its tooltip, per figure


def test_the_band_and_the_threshold_are_drawn() -> None:
    root = parse(svg.line_chart(line((0.84, 0.83, 0.85))))
    assert len(root.findall("polygon")) == 1  # the estimate's band
    labels = ["".join(t.itertext()) for t in root.findall("text")]
    assert "SLA minimum 0.75" in labels


def test_the_threshold_line_sits_at_its_value() -> None:
    """The y scale is linear: the limit's line is where the values' scale puts it."""
    chart = LineChart(title="t", x_labels=NIGHTS[:2], series=(Series("s", (0.0, 1.0)),), limits=(Limit("L", 0.5),))
    root = parse(svg.line_chart(chart))
    circles = sorted(float(c.get("cy", "nan")) for c in root.findall("circle"))
    dashed = [ln for ln in root.findall("line") if ln.get("stroke-dasharray") == "6 4"]
    assert len(dashed) == 1
    assert float(dashed[0].get("y1", "nan")) == pytest.approx(sum(circles) / 2, abs=0.1)


def test_every_text_is_escaped_and_cleaned_of_characters_xml_forbids() -> None:
    name = SCRIPT + "\x01 & co"
    bar = svg.bar_chart(BarChart(title=name, bars=(Bar(name, 0.3, flagged=True),), limit=Limit("limit", 0.1)))
    chart = svg.line_chart(LineChart(title=name, x_labels=(name,), series=(Series(name, (0.5,)),)))
    spark = svg.sparkline([0.1, 0.2], label=name)
    for markup in (bar, chart, spark):
        assert SCRIPT not in markup and "&lt;script&gt;" in markup
        root = parse(markup)  # the escaped name parses back to the name, without the control character
        assert root.findtext("title") == SCRIPT + " & co"


def test_a_long_label_is_cut_and_kept_whole_in_its_tooltip() -> None:
    name = "a_feature_with_a_very_long_name_indeed_" * 2
    root = parse(svg.bar_chart(BarChart(title="t", bars=(Bar(name, 0.2),)), label_chars=20))
    label = root.find("text")
    assert label is not None and label.findtext("title") == name
    shown = "".join(label.itertext()).removeprefix(name)
    assert len(shown) == 20 and shown.endswith("\u2026")


def test_bars_scale_to_the_domain_flag_in_red_and_mark_what_has_no_value() -> None:
    chart = BarChart(
        title="impact ratio",
        bars=(Bar("a", 1.0), Bar("b", 0.5, flagged=True), Bar("c", None, note="suppressed: fewer than 50 rows")),
        limit=Limit("four-fifths line", 0.8),
        domain_max=1.0,
    )
    root = parse(svg.bar_chart(chart))
    rects = root.findall("rect")
    assert [r.get("fill") for r in rects] == [svg.NEUTRAL, svg.ALERT]
    full, half = (float(r.get("width", "nan")) for r in rects)
    assert half == pytest.approx(full / 2, abs=0.1)
    x0 = float(rects[0].get("x", "nan"))
    limit = next(ln for ln in root.findall("line") if ln.get("stroke") == svg.ALERT)
    assert float(limit.get("x1", "nan")) == pytest.approx(x0 + 0.8 * full, abs=0.1)
    texts = ["".join(t.itertext()) for t in root.findall("text")]
    assert "suppressed: fewer than 50 rows" in texts and "four-fifths line 0.8" in texts


@pytest.mark.parametrize("values", [[0.8, 0.82, None, 0.79], [None, None], [], [0.5]], ids=str)
def test_a_sparkline_is_well_formed_and_marks_its_last_point(values: list[float | None]) -> None:
    root = parse(svg.sparkline(values, label="roc_auc", threshold=0.75, alert=True))
    finite = [v for v in values if v is not None]
    dots = root.findall("circle")
    assert len(dots) == (1 if finite else 0)
    if finite:
        assert dots[0].get("fill") == svg.ALERT


def pairs(**kw: object) -> PairedBars:
    fields: dict[str, object] = {
        "title": "income: share of rows per bin, reference vs tonight",
        "labels": ("under 10", "10 to 20", "20 and over"),
        "reference": (0.25, 0.5, 0.25),
        "current": (0.0, 0.4, 0.6),
    }
    return PairedBars(**{**fields, **kw})  # type: ignore[arg-type]


def test_paired_bars_scale_to_the_largest_share_and_draw_nothing_for_a_share_of_zero() -> None:
    root = parse(svg.paired_bars(pairs()))
    bars = [r for r in root.findall("rect") if r.find("title") is not None]  # the legend's swatches have none
    assert [r.get("fill") for r in bars] == [svg.REFERENCE, svg.REFERENCE, svg.ESTIMATED, svg.REFERENCE, svg.ESTIMATED]
    widths = [float(r.get("width", "nan")) for r in bars]
    longest = widths[-1]  # 0.6, the largest share, spans the plot
    assert widths[:4] == pytest.approx([longest * 0.25 / 0.6, longest * 0.5 / 0.6, longest * 0.4 / 0.6,
                                        longest * 0.25 / 0.6], abs=0.1)  # fmt: skip
    texts = ["".join(t.itertext()) for t in root.findall("text")]
    assert "0\u00a0%" in texts and "60\u00a0%" in texts and "reference" in texts and "tonight" in texts
    assert bars[2].findtext("title") == "10 to 20: reference 50\u00a0%, tonight 40\u00a0%"


def test_paired_bars_of_a_drifted_feature_draw_tonight_in_red_and_escape_their_labels() -> None:
    name = SCRIPT + "\x01"
    root = parse(svg.paired_bars(pairs(title=name, labels=(name, "b", "c"), flagged=True)))
    assert root.findtext("title") == SCRIPT
    assert {r.get("fill") for r in root.findall("rect")} == {svg.REFERENCE, svg.ALERT}
    label = root.find("text[title]")  # the first bin's label, its whole name in its tooltip
    assert label is not None and label.findtext("title") == SCRIPT


@pytest.mark.parametrize(
    ("share", "shown"),
    [(0.0, "0"), (0.0004, "<0.1"), (0.034, "3.4"), (0.0999, "10"), (0.0994, "9.9"), (0.6, "60"), (1.0, "100")],
)
def test_a_share_reads_as_a_short_percentage_and_only_nothing_reads_zero(share: float, shown: str) -> None:
    assert svg._pct(share) == f"{shown}\u00a0%"


def test_paired_bars_need_two_shares_per_label() -> None:
    with pytest.raises(ValueError, match="one reference and one current share per label; got 3 labels, 2 and 3"):
        svg.paired_bars(pairs(reference=(0.5, 0.5)))


def test_no_chart_holds_a_url() -> None:
    """Inline in HTML5 an SVG needs no xmlns: the page then has no URL a browser could fetch."""
    pages = [
        svg.line_chart(line((0.8, 0.81, 0.79))),
        svg.bar_chart(BarChart(title="t", bars=(Bar("a", 0.4),), limit=Limit("l", 0.1))),
        svg.sparkline([0.1, 0.3], label="x"),
        svg.paired_bars(pairs()),
    ]
    assert not any("http" in page or "href" in page for page in pages)


@pytest.mark.parametrize(("lo", "hi"), [(0.0, 1.0), (0.7123, 0.7391), (-3.0, 250.0), (1e-5, 3e-5)])
def test_ticks_are_round_and_inside_the_domain(lo: float, hi: float) -> None:
    ticks = svg._ticks(lo, hi)
    assert 2 <= len(ticks) <= 6
    assert all(lo - 1e-12 <= t <= hi + 1e-12 for t in ticks)
    steps = {round(b - a, 12) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1
