"""The model card: filled from the registry, the config, the owner's free text and the monitoring; versioned
with the serving version (a change recorded with its figures, the previous version's card kept as it was)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govern.config import load_fleet
from govern.errors import RegistryError
from govern.registry import InMemoryRegistry
from govern.reports import card as cards
from govern.reports.render import ReportError
from govern.results import ModelNightResult
from govern.store import ResultsStore, _checked_page
from tests import evidence_factory as ef
from tests.fleet_factory import model_config, write_fleet
from tests.reports import nights
from tests.reports.html import assert_balanced
from tests.reports.nights import SCRIPT
from tests.respond.world import NIGHTS, finding, make_world, night, result


def scored(
    night_: str,
    version: str,
    *,
    estimated: float,
    impact: float,
    drifted: bool = False,
    findings: Any = (),
    realized: tuple[float, str] | None = None,
) -> ModelNightResult:
    """credit's result of a night with the figures a card keeps: the SLA estimate (and the realized figure of
    an earlier batch), gender's impact ratio and whether the feature ``income`` drifted (Jensen-Shannon 0.30
    against the default limit 0.1, or 0.02)."""
    metrics = [ef.metric(value=estimated, batch_night=night_)]
    if realized is not None:
        metrics.append(ef.metric(value=realized[0], kind="realized", batch_night=realized[1]))
    return result(
        "credit",
        night_,
        *findings,
        version=version,
        performance=ef.performance(*metrics),
        fairness=ef.fairness(ef.attribute(name="gender", impact=impact), has_labels=False),
        drift=ef.drift(ef.column(name="income", js=0.30 if drifted else 0.02), ef.column(name="region", js=0.01)),
    ).model_copy(update={"rules": nights.RULES})


FIGURES = {  # night -> (version, estimated roc_auc, worst impact ratio, drifted features, realized on a batch)
    NIGHTS[0]: ("1", 0.84, 0.95, False, None),
    NIGHTS[1]: ("1", 0.85, 0.96, False, None),
    NIGHTS[2]: ("1", 0.84, 0.95, False, (0.82, NIGHTS[0])),
    NIGHTS[3]: ("2", 0.66, 0.70, True, (0.83, NIGHTS[1])),  # labels of a batch version 1 scored
    NIGHTS[4]: ("1", 0.83, 0.94, False, (0.81, NIGHTS[2])),
}


def credit_night(each: str) -> ModelNightResult:
    version, estimated, impact, drifted, realized = FIGURES[each]
    bad = (
        finding("performance.estimated_roc_auc", "roc_auc", estimated, 0.75),
        finding("performance.version_regression", "version 2 vs 1", 0.18, 0.05, "<="),
    )
    return scored(each, version, estimated=estimated, impact=impact, drifted=drifted, realized=realized,
                  findings=bad if version == "2" else ())  # fmt: skip


def snapshot(store: ResultsStore, model: str = "credit") -> dict[str, bytes]:
    root = Path(store.root) / "cards"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """credit is served by version 1 for three nights; version 2 (deployed on NIGHTS[3]) breaks the SLA and is
    rolled back to 1 by the response the same night; version 1 serves again on NIGHTS[4]. The cards of every
    night are published in order, and the card files are kept after each."""
    generator = make_world(tmp_path_factory.mktemp("cards"))
    w = next(generator)
    registry: InMemoryRegistry = w["registry"]
    registry.set_tag("credit", "2", "deployed_on", NIGHTS[3])
    registry.log_run_data("credit", "1", params={"max_depth": 4, "learning_rate": 0.1}, metrics={"roc_auc": 0.851})
    w["files"] = {}
    w["cards"] = {}
    for each in NIGHTS[:5]:
        if each == NIGHTS[3]:
            registry.set_alias("credit", "champion", "2")
        night(w, each, {"credit": credit_night(each)})
        with w["db"].session() as session:
            made = cards.model_card(w["fleet"], "credit", each, store=w["store"], registry=registry, session=session)
        w["written"] = cards.publish_card(w["store"], made)
        w["cards"][each] = made
        w["files"][each] = snapshot(w["store"])
    yield w
    next(generator, None)


def card_of(w: dict[str, Any], model: str, night_: str, **kw: Any) -> cards.ModelCard:
    with w["db"].session() as session:
        return cards.model_card(w["fleet"], model, night_, store=w["store"], registry=w["registry"], session=session,
                                **kw)  # fmt: skip


# ---------------------------------------------------------------------------------------------- versions


def test_a_change_of_serving_version_is_recorded_with_its_figures_before_and_after(world: dict[str, Any]) -> None:
    deployed = world["cards"][NIGHTS[3]]
    assert [c.night for c in world["cards"][NIGHTS[2]].changes] == []
    (change,) = deployed.changes
    assert (change.from_version, change.to_version, change.kind) == ("1", "2", "deployment")
    assert change.why == f"version 2 deployed on {NIGHTS[3]} (the version's deployed_on tag)"
    assert (change.before.night, change.before.version, change.after.night) == (NIGHTS[2], "1", NIGHTS[3])
    deltas = {d.label: d for d in change.deltas}
    # hand-computed: 0.84 -> 0.66, 0.95 -> 0.70, no drifted feature -> income drifted, 0 -> 2 findings
    assert (deltas["estimated roc_auc"].before, deltas["estimated roc_auc"].after) == (0.84, 0.66)
    assert deltas["estimated roc_auc"].change == pytest.approx(-0.18)
    assert deltas["worst impact ratio"].change == pytest.approx(-0.25)
    assert (deltas["drifted features"].before, deltas["drifted features"].after) == (0, 1)
    assert (deltas["findings"].before, deltas["findings"].after, deltas["open incidents"].before) == (0, 2, 0)
    assert deltas["open incidents"].after is not None and deltas["open incidents"].after >= 1
    # the labels that arrived on version 2's first night are of a batch version 1 scored: not version 2's figure
    realized = deltas["realized roc_auc"]
    assert (realized.before, realized.after, realized.change) == (0.82, None, None)
    assert realized.note == f"after: the labelled batch of {NIGHTS[1]} was scored by version 1, not by version 2"
    assert (
        deployed.rolled_back_tonight is not None
        and "rolled version 2 back to version 1" in deployed.rolled_back_tonight
    )


def test_a_rollback_is_recorded_from_the_incident_database(world: dict[str, Any]) -> None:
    after = world["cards"][NIGHTS[4]]
    assert after.serving_version == "1"
    first, second = after.changes
    assert first == world["cards"][NIGHTS[3]].changes[0]  # carried forward from the previous card's JSON
    assert (second.from_version, second.to_version, second.kind) == ("2", "1", "rollback")
    assert second.incident_id is not None and second.action_id is not None
    by = f"by action #{second.action_id} of incident #{second.incident_id}"
    assert second.why is not None and second.why.startswith(f"rolled back from version 2 to version 1 {by}")
    deltas = {d.label: d for d in second.deltas}
    assert (deltas["estimated roc_auc"].before, deltas["estimated roc_auc"].after) == (0.66, 0.83)
    assert deltas["estimated roc_auc"].change == pytest.approx(0.17)
    assert deltas["worst impact ratio"].change == pytest.approx(0.24)
    assert deltas["drifted features"].change == -1
    assert (deltas["realized roc_auc"].before, deltas["realized roc_auc"].after) == (None, 0.81)  # 1's own batch


def test_the_previous_version_s_card_is_kept_byte_for_byte(world: dict[str, Any]) -> None:
    files = world["files"]
    deployed, rolled_back = files[NIGHTS[3]], files[NIGHTS[4]]
    assert {"credit/2.html", "credit/2.md", "credit/2.json"} <= set(deployed)
    for suffix in ("html", "md", "json"):
        assert rolled_back[f"credit/2.{suffix}"] == deployed[f"credit/2.{suffix}"]  # version 2's card stays
        assert deployed[f"credit/1.{suffix}"] == files[NIGHTS[2]][f"credit/1.{suffix}"]  # 1 kept while 2 served
        assert rolled_back[f"credit/1.{suffix}"] != deployed[f"credit/1.{suffix}"]  # 1 serves again: refreshed
    assert json.loads(rolled_back["credit/2.json"])["night"] == NIGHTS[3]
    assert json.loads(rolled_back["credit.json"])["night"] == NIGHTS[4]


def test_a_rerun_of_the_night_writes_the_same_files_and_no_second_change(world: dict[str, Any]) -> None:
    again = card_of(world, "credit", NIGHTS[4])
    assert again == world["cards"][NIGHTS[4]]
    assert cards.publish_card(world["store"], again) == world["written"]
    assert snapshot(world["store"]) == world["files"][NIGHTS[4]]


def test_an_older_night_writes_nothing_and_says_so(world: dict[str, Any]) -> None:
    for each in (NIGHTS[1], NIGHTS[3]):  # version 1's and version 2's own nights: both older than the card
        older = card_of(world, "credit", each)
        assert older.serving_version == FIGURES[each][0]
        assert [c.to_version for c in older.changes] == (["2"] if each == NIGHTS[3] else [])  # the log up to it
        with pytest.raises(cards.StaleCardError, match=rf"^cards/credit is of {NIGHTS[4]}, newer than {each}: not "
                           "rewritten") as refused:  # fmt: skip
            cards.publish_card(world["store"], older)
        assert isinstance(refused.value, ReportError)
        assert (refused.value.model, refused.value.written, refused.value.asked) == ("credit", NIGHTS[4], each)
    assert snapshot(world["store"]) == world["files"][NIGHTS[4]]


def test_an_older_night_leaves_the_card_and_says_so_without_an_error(world: dict[str, Any]) -> None:
    """A rerun of an older night keeps the newest card, and says so (what ``govern report card --night
    <older>`` prints, exiting 1 as nothing was written); it is not an error of the night's pages."""
    from govern.reports.publish import publish_night

    with world["db"].session() as session:
        published = publish_night(world["fleet"], NIGHTS[2], store=world["store"], session=session,
                                  registry=world["registry"], models=["credit"], owner=False,
                                  overview=False)  # fmt: skip
    (error,) = published.skipped
    assert (error.page, error.model, published.pages, published.errors) == ("model card", "credit", [], [])
    assert f"cards/credit is of {NIGHTS[4]}, newer than {NIGHTS[2]}: not rewritten" in str(error)
    assert snapshot(world["store"]) == world["files"][NIGHTS[4]]


def test_two_versions_never_share_a_card_file(tmp_path: Path) -> None:
    """Versions "a b" and "a_b" were one file ("a_b"): the second version's card overwrote the first's."""
    fleet = load_fleet(write_fleet(tmp_path, models=[model_config("credit")]))
    store = ResultsStore(fleet.output)
    for each, version in zip(NIGHTS[:3], ("a b", "a_b", "../a"), strict=True):
        store.write_result(scored(each, version, estimated=0.84, impact=0.95))
        cards.publish_card(store, cards.model_card(fleet, "credit", each, store=store))
    folder = Path(store.root) / "cards" / "credit"
    written = {json.loads(p.read_text())["serving_version"]: p for p in folder.glob("*.json")}
    assert set(written) == {"a b", "a_b", "../a"} and all(p.parent == folder for p in written.values())
    assert {v: json.loads(p.read_text())["night"] for v, p in written.items()} == dict(
        zip(("a b", "a_b", "../a"), NIGHTS[:3], strict=True)
    )


@pytest.mark.parametrize(
    ("version", "slug"),
    [("1", "1"), ("12", "12"), ("1.0-rc1", "1.0-rc1"), ("a_b", "v_a_5fb"), ("a b", "v_a_20b"), ("..", "v__2e_2e"),
     ("1..2", "v_1_2e_2e2"), ("-x", "v_-x"), ("v/2", "v_v_2f2"), ("é", "v__c3_a9"), ("", "v_")],
)  # fmt: skip
def test_a_version_s_file_name_is_the_version_or_its_escape(version: str, slug: str) -> None:
    assert cards._slug(version) == slug


@given(st.text(max_size=12), st.text(max_size=12))
def test_a_version_s_file_name_is_one_to_one_and_safe(first: str, second: str) -> None:
    assert (cards._slug(first) == cards._slug(second)) == (first == second)
    _checked_page(f"cards/credit/{cards._slug(first)}.html")  # a page the store accepts (no "..", no "/")


def test_a_night_that_recorded_no_version_keeps_the_last_one_and_records_no_change(tmp_path: Path) -> None:
    fleet = load_fleet(write_fleet(tmp_path, models=[model_config("credit")]))
    store = ResultsStore(fleet.output)
    store.write_result(scored(NIGHTS[0], "1", estimated=0.84, impact=0.95))
    store.write_result(result("credit", NIGHTS[1], version=None))  # its batch refused: no version scored it
    for each in NIGHTS[:2]:
        cards.publish_card(store, cards.model_card(fleet, "credit", each, store=store))
    refused = cards.model_card(fleet, "credit", NIGHTS[1], store=store)
    assert (refused.serving_version, refused.details.version_recorded, refused.changes) == ("1", False, ())
    assert "no batch was scored on" in cards.render_card(refused)
    assert json.loads(store.read_page("cards/credit/1.json") or b"{}")["night"] == NIGHTS[1]


def test_a_first_card_reconstructs_the_changes_from_the_stored_results(world: dict[str, Any], tmp_path: Path) -> None:
    """The cards of every night, written one by one, are the oracle of a card written for the first time on the
    last night: the same change log, from the results of the last 30 nights."""
    for each in NIGHTS[:5]:  # the same results, without any card
        (tmp_path / each).symlink_to(Path(world["store"].root) / each, target_is_directory=True)
    fresh = ResultsStore(tmp_path)
    with world["db"].session() as session:
        first = cards.model_card(world["fleet"], "credit", NIGHTS[4], store=fresh, registry=world["registry"],
                                 session=session)  # fmt: skip
    nightly = world["cards"][NIGHTS[4]]
    assert first.changes == nightly.changes and first.baseline == nightly.baseline
    assert [c.kind for c in first.changes] == ["deployment", "rollback"]


def test_the_card_json_reads_back_as_the_figures_and_the_change_log(world: dict[str, Any]) -> None:
    previous = cards.read_previous_card(world["store"], "credit")
    current = world["cards"][NIGHTS[4]]
    assert previous is not None and previous.night == NIGHTS[4]
    assert previous.figures == current.figures and previous.changes == current.changes
    assert previous.baseline == world["cards"][NIGHTS[3]].figures


def test_an_unreadable_previous_card_is_an_error_naming_it(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    store.write_page("cards/credit.json", "{not json")
    with pytest.raises(ReportError, match=r"cards/credit\.json: must be the JSON of a model card"):
        cards.read_previous_card(store, "credit")


# ---------------------------------------------------------------------------------------------- filled in


def test_the_card_is_filled_from_the_registry_the_config_and_the_monitoring(world: dict[str, Any]) -> None:
    card = world["cards"][NIGHTS[4]]
    registry = card.details.registry
    assert registry is not None and registry.read and registry.error is None
    assert [(v.version, v.serving, v.governance) for v in registry.versions] == [
        ("1", True, "passed"),
        ("2", False, "quarantined"),
    ]
    assert registry.versions[1].card == "cards/credit/2.html" and registry.versions[1].deployed_on == NIGHTS[3]
    assert registry.run is not None and registry.run.params == (("learning_rate", "0.1"), ("max_depth", "4"))
    assert registry.run.metrics == (("roc_auc", 0.851),)
    assert card.metrics.sla_metric == "roc_auc" and card.metrics.sla_minimum == 0.7
    assert ("fairness", "min_impact_ratio", "0.8", "us_four_fifths") in {
        (t.section, t.name, t.value, t.source) for t in card.metrics.thresholds
    }
    clocks = {c.sev: (c.acknowledge_hours, c.recover_hours) for c in card.response.clocks}
    assert clocks["SEV1"] == (0.5, 24.0) and clocks["SEV4"] == (72.0, 336.0)  # the policy's defaults, high tier
    assert card.details.escalation[0].name == "Head" and card.factors.protected == ("gender",)
    assert card.monitoring is not None and card.monitoring.performance is not None
    assert [(v.attribute, v.verdict) for v in card.monitoring.verdicts] == [("gender", "within the rule")]
    assert card.rollback_target is not None and card.rollback_target.version is None  # 2 failed: none would do
    assert card.banner.level == "incident"  # credit's incidents are contained, not resolved, the next night


def test_earlier_incidents_are_listed_once_and_not_before_they_were_opened(world: dict[str, Any]) -> None:
    assert world["cards"][NIGHTS[4]].past_incidents == ()  # both of credit's are live that night: shown above
    with world["db"].session() as session:
        everything = cards._past_incidents(session, "credit", NIGHTS[4], ())
        before = cards._past_incidents(session, "credit", NIGHTS[2], ())
    assert len(everything) == 2 and {i.first_night for i in everything} == {NIGHTS[3]}
    assert before == ()


def test_an_incident_opened_after_the_night_is_not_on_its_card(tmp_path: Path) -> None:
    """A realized-performance incident names the batch's night as its first, but opens when the labels
    arrive, nights later: the card of the batch's night must not list it."""
    from govern.respond.db import Incident

    generator = make_world(tmp_path)
    w = next(generator)
    try:
        night(w, NIGHTS[0])
        night(w, NIGHTS[1], {"credit": result("credit", NIGHTS[1], finding("performance.estimated_roc_auc",
                                                                              "roc_auc", 0.6, 0.75))})  # fmt: skip
        with w["db"].session() as session:
            for incident in session.query(Incident).filter(Incident.model == "credit"):
                incident.first_night = NIGHTS[0]  # as a realized figure's incident would say
        with w["db"].session() as session:
            assert cards._past_incidents(session, "credit", NIGHTS[0], ()) == ()
            assert len(cards._past_incidents(session, "credit", NIGHTS[1], ())) == 1
    finally:
        next(generator, None)


def test_a_healthy_model_s_card_says_so_in_plain_words(world: dict[str, Any]) -> None:
    card = card_of(world, "healthy", NIGHTS[4])
    assert card.banner.level == "ok" and card.banner.headline == "In service, its SLA not measured that night, " \
        "no open incident"  # fmt: skip
    assert card.changes == () and card.baseline is not None and card.baseline.night == NIGHTS[3]
    assert card.rollback_target is not None and card.rollback_target.version is None


def test_a_registry_that_cannot_answer_is_said_on_the_card(world: dict[str, Any]) -> None:
    class Broken(InMemoryRegistry):
        def versions(self, name: str) -> Any:
            raise RegistryError("registry sqlite:///x: listing the versions failed: the database is locked")

    with world["db"].session() as session:
        card = cards.model_card(world["fleet"], "credit", NIGHTS[4], store=world["store"], registry=Broken(),
                                session=session)  # fmt: skip
    registry = card.details.registry
    assert registry is not None and registry.error is not None and "database is locked" in registry.error
    assert [v.version for v in registry.versions] == ["1", "2"]  # governance's records, still
    html = cards.render_card(card)
    assert "The registry could not be read: registry sqlite:///x" in html


def test_without_the_registry_nor_the_database_the_card_says_what_it_did_not_read(world: dict[str, Any]) -> None:
    card = cards.model_card(world["fleet"], "healthy", NIGHTS[4], store=world["store"])
    assert card.incidents is None and card.details.registry is not None and not card.details.registry.read
    html = cards.render_card(card)
    assert "The incident database was not read for this card." in html
    assert "The registry was not read for this card" in html


# ---------------------------------------------------------------------------------------------- the owner's text


def test_a_section_not_written_is_marked_missing_with_the_file_to_edit(world: dict[str, Any]) -> None:
    card = world["cards"][NIGHTS[4]]
    assert not card.text.found and card.text.n_written == 0
    note = "missing: not yet written by the owner (edit configs/models/credit.card.md)"
    assert all(s.missing == note and not s.written for s in card.text.sections)
    html, md = cards.render_card(card), cards.render_card(card, "md")
    assert html.count(note) == len(cards.CARD_SECTIONS) and md.count(note) == len(cards.CARD_SECTIONS)


OWNER_TEXT = f"""# credit: the owner's part

<!-- notes to whoever edits this file: not shown -->

## Intended use

Scores **card accounts**. A tag is text: {SCRIPT} <b>bold?</b>

```
## not a heading: inside a fence
```

## Out of scope  uses

Anything else. [a link](javascript:alert(1)) ![a picture](https://example.com/x.png)

## Limitations

Text under a heading the card does not know.
"""


@pytest.fixture
def texts(tmp_path: Path) -> Any:
    fleet_path = write_fleet(tmp_path, models=[model_config("credit")])
    fleet = load_fleet(fleet_path)
    (tmp_path / "configs" / "models" / "credit.card.md").write_text(OWNER_TEXT, encoding="utf-8")
    return fleet


def test_the_owner_s_sections_are_read_and_an_unknown_heading_is_a_warning_on_the_card(texts: Any) -> None:
    text = cards.read_card_text(texts, "credit")
    assert text.found and text.n_written == 2
    intended, out_of_scope = text.section("intended_use"), text.section("out_of_scope_uses")
    assert intended.written and "## not a heading: inside a fence" in intended.markdown
    assert out_of_scope.written and out_of_scope.title == "Out-of-scope uses"  # matched whatever its spacing
    assert not text.section("factors").written
    (warning,) = text.warnings
    assert warning.startswith("configs/models/credit.card.md: the heading '## Limitations' must be one of")
    assert [u.title for u in text.unknown] == ["Limitations"] and "does not know" in text.unknown[0].markdown
    assert "notes to whoever" not in intended.markdown + out_of_scope.markdown
    with pytest.raises(ReportError, match="'## Limitations' must be one of"):
        cards.read_card_text(texts, "credit", strict=True)


def test_text_before_the_first_section_and_a_section_written_twice_are_warnings() -> None:
    text = cards.parse_card_text("Stray words.\n\n## Factors\n\nOne.\n\n## factors\n\nTwo.\n", path="x.card.md")
    assert len(text.warnings) == 2 and "text before the first '## ' heading" in text.warnings[0]
    assert text.section("factors").markdown == "One.\n\nTwo."
    assert text.unknown[0].markdown == "Stray words."


def test_the_owner_s_markdown_is_rendered_without_running_html_loading_images_or_javascript_links() -> None:
    html = cards.markdown_html(
        f"**bold** {SCRIPT}\n\n[x](javascript:alert(1)) ![p](https://example.com/p.png)\n\n# Big"
    )
    assert "<strong>bold</strong>" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "<h4>Big</h4>" in html  # demoted under the card's own headings
    md = cards.markdown_source(f"{SCRIPT} R&D ![p](x.png)\n# Big\n```\n# code ![c](y)\n```")
    assert md == "&lt;script>alert(1)&lt;/script> R&amp;D \\![p](x.png)\n#### Big\n```\n# code ![c](y)\n```"


def test_a_name_holding_a_script_tag_is_shown_as_text_on_both_pages(texts: Any) -> None:
    """A drift feature and the owner's text both hold ``<script>alert(1)</script>``: shown, never run."""
    store = ResultsStore(texts.output)
    troubled = nights.with_findings()
    store.write_result(troubled.model_copy(update={"model": "credit", "night": NIGHTS[0]}))
    card = cards.model_card(texts, "credit", NIGHTS[0], store=store)
    assert card.monitoring is not None and card.monitoring.drift is not None
    assert card.monitoring.drift.features[0].column == SCRIPT
    html, md = cards.render_card(card), cards.render_card(card, "md")
    assert "<script" not in html and "<script" not in md
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2  # the feature (in its chart) and the text
    assert "A tag is text: &amp;lt;" not in md and "A tag is text: &lt;script>alert(1)&lt;/script>" in md
    assert "the heading &#39;## Limitations&#39; must be one of" in html and 'id="card-text-warnings"' in html
    assert "Text under a heading the card does not know." in html
    assert "<img" not in html and '!<a href="https://example.com/x.png">a picture</a>' in html  # a link, no fetch
    assert "\\![a picture](https://example.com/x.png)" in md
    assert "[a link\\](javascript:alert(1))" in md  # text, as on the HTML page


def _trusting_viewer(markdown: str) -> str:
    """HTML of ``markdown`` by a Markdown viewer that links any target (markdown-it with its link check off)."""
    from markdown_it import MarkdownIt

    viewer = MarkdownIt("commonmark")
    viewer.validateLink = lambda url: True  # type: ignore[method-assign]
    return viewer.render(markdown)


@pytest.mark.parametrize(
    "refused",
    [
        "[x](javascript:alert(1))",
        "[x](JavaScript:alert(1) 'a title')",
        "[x](  javascript\\:alert(1))",
        "[x](\nvbscript:msgbox(1))",
        "[x](file:///etc/passwd)",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x\\\\](javascript:alert(1))",  # an escaped backslash: the ] still closes the link
        "See [x].\n\n[x]: javascript:alert(1)",
        "See [x][r].\n\n  [r]:\n  javascript:alert(1)",
    ],
)
def test_a_link_markdown_it_refuses_is_text_on_the_markdown_page_too(refused: str) -> None:
    page = cards.markdown_source(f"Before.\n\n{refused}\n\nAfter.")
    assert "<a " in _trusting_viewer(refused)  # the case is a link to a viewer that trusts it
    shown = _trusting_viewer(str(page))
    assert "<a " not in shown and "Before." in shown and "After." in shown
    assert "alert(1)" in shown or "msgbox(1)" in shown or "/etc/passwd" in shown or "PHNjcmlwdD4=" in shown


def test_a_safe_link_and_code_are_kept_as_written_on_the_markdown_page() -> None:
    kept = (
        "[site](https://example.com/a_(b)) [mail](mailto:o@example.com) [rel](../x.html) "
        "[png](data:image/png;base64,AA)\n\n```\n[x](javascript:alert(1))\n```"
    )
    assert cards.markdown_source(kept) == kept
    assert _trusting_viewer(kept).count("<a ") == 4


# ---------------------------------------------------------------------------------------------- the pages


def test_the_links_are_relative_to_where_each_page_is_written(world: dict[str, Any]) -> None:
    card = world["cards"][NIGHTS[4]]
    current = re.findall(r'href="([^"#][^"]*)"', cards.render_card(card))
    version = re.findall(r'href="([^"#][^"]*)"', cards.render_card(card, at="version"))
    assert current == [
        f"../{NIGHTS[4]}/reports/credit.html",
        f"../{NIGHTS[4]}/index.html",
        "../cards/credit.json",
        "../cards/credit/1.html",
        "../cards/credit/2.html",
    ]
    assert version == [
        f"../../{NIGHTS[4]}/reports/credit.html",
        f"../../{NIGHTS[4]}/index.html",
        "../../cards/credit.html",
        "../../cards/credit/1.json",
        "../../cards/credit.html",
        "../../cards/credit/1.html",
        "../../cards/credit/2.html",
    ]
    for link in {*current, *version}:  # every link resolves to a page the store has, but the night's own pages
        target = (Path(world["store"].root) / "cards" / ("x" if link in current else "x/y")).parent / link
        if "/reports/" not in link and not link.endswith("index.html"):
            assert target.resolve().is_file(), link


@pytest.mark.parametrize("night_", [NIGHTS[3], NIGHTS[4]])
def test_the_page_leads_with_its_verdict_is_balanced_and_fetches_nothing(world: dict[str, Any], night_: str) -> None:
    card = world["cards"][night_]
    html = cards.render_card(card)
    assert html.index('id="verdict"') < html.index('id="details"')
    assert f"Under incident {card.banner.sev} since {NIGHTS[3]}" in html
    assert "default-src 'none'" in html and not re.search(r"<(script|img|iframe|link)\b", html)
    assert "http://" not in html and "https://" not in html
    assert_balanced(html)
    md = cards.render_card(card, "md")
    assert md.startswith(f"# {card.banner.label} · Model card: credit · version {card.serving_version} · {night_}\n")


def test_the_version_history_shows_each_change_newest_first_with_its_figures(world: dict[str, Any]) -> None:
    html = cards.render_card(world["cards"][NIGHTS[4]])
    rollback, deployment = html.index(f'id="change-{NIGHTS[4]}"'), html.index(f'id="change-{NIGHTS[3]}"')
    assert rollback < deployment
    section = html[rollback:deployment]
    assert "version 2 → version 1</b> (rollback)" in section
    assert (
        '<td>estimated roc_auc</td><td class="n">0.660</td><td class="n">0.830</td><td class="n">+0.170</td>' in section
    )
    assert '<td>drifted features</td><td class="n">1</td><td class="n">0</td><td class="n">-1</td>' in section
    assert "<td>open incidents</td>" in section and "scored by version 1, not by version 2" in section
    md = cards.render_card(world["cards"][NIGHTS[4]], "md")
    assert f"### {NIGHTS[4]}: version 2 → version 1 (rollback)" in md
    assert "| estimated roc\\_auc | 0.660 | 0.830 | +0.170 |" in md


def test_an_unknown_format_or_location_is_refused(world: dict[str, Any]) -> None:
    with pytest.raises(ReportError, match="format must be html or md"):
        cards.render_card(world["cards"][NIGHTS[4]], "pdf")  # type: ignore[arg-type]
    with pytest.raises(ReportError, match="at must be current or version"):
        cards.render_card(world["cards"][NIGHTS[4]], at="elsewhere")  # type: ignore[arg-type]
    with pytest.raises(ReportError, match="must be one of the fleet's models"):
        cards.model_card(world["fleet"], "nope", NIGHTS[4], store=world["store"])


# ---------------------------------------------------------------------------------------------- the registry


def test_mlflow_gives_a_version_s_lineage_params_and_metrics(tmp_path: Path) -> None:
    """The real MLflow registry: what the in-memory one stands in for in the tests above."""
    from mlflow import MlflowClient
    from sklearn.dummy import DummyClassifier

    from govern.registry import MlflowRegistry

    registry = MlflowRegistry(f"sqlite:///{tmp_path / 'mlflow.db'}", tmp_path / "mlartifacts", create=True)
    model = DummyClassifier().fit([[0], [1]], [0, 1])
    info = registry.register_sklearn("credit", model, tags={"deployed_on": "2026-10-01"}, description="v1: first fit")
    assert info.run_id is not None
    client = MlflowClient(tracking_uri=registry.tracking_uri)
    client.log_param(info.run_id, "max_depth", 4)
    client.log_metric(info.run_id, "roc_auc", 0.81)
    client.log_metric(info.run_id, "roc_auc", 0.85)  # the latest value is the run's
    details = registry.run_details("credit", "1")
    assert (details.run_id, details.description, details.experiment) == (info.run_id, "v1: first fit", "govern/credit")
    assert details.params == {"max_depth": "4"} and details.metrics == {"roc_auc": 0.85}
    assert details.source is not None and details.source.startswith("models:/")
    assert details.started is not None and details.run_name == "credit"
    with pytest.raises(RegistryError, match="version '7' must exist"):
        registry.run_details("credit", "7")
    memory = InMemoryRegistry()
    memory.register_sklearn("credit", model, description="v1: first fit")
    memory.log_run_data("credit", "1", params={"max_depth": 4}, metrics={"roc_auc": 0.85})
    same = memory.run_details("credit", "1")
    assert (same.description, same.params, same.metrics) == (details.description, details.params, details.metrics)
