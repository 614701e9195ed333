"""A night's pages written into the store: every model's owner report and card, the overview of the whole
fleet; one model that cannot be reported on is its own page's error, and the overview says so in its row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from govern.reports import publish, views
from tests.reports.test_fleet import NIGHTS, world  # noqa: F401  (the fixture: a fleet, its store and incidents)

TONIGHT = NIGHTS[3]


def _publish(w: dict[str, Any], **kw: Any) -> publish.Published:
    with w["db"].session() as session:
        return publish.publish_night(w["fleet"], TONIGHT, store=w["store"], session=session, **kw)


def test_every_page_of_the_night_is_written_and_the_unreadable_model_is_an_error(world: dict[str, Any]) -> None:  # noqa: F811
    done = _publish(world, cards=False)
    out = Path(world["fleet"].output) / TONIGHT
    reported = sorted(p.stem for p in (out / "reports").glob("*.html"))
    assert reported == sorted(set(world["fleet"].models) - {"healthy", "payments"})  # no result / unreadable
    assert [(e.page, e.model) for e in done.errors] == [("owner report", "payments")]
    assert (out / "index.html").is_file() and done.location(
        "/index.html"
    ) == f"{world['fleet'].output}/{TONIGHT}/index.html"


def test_a_model_whose_report_cannot_be_built_does_not_cost_the_others_or_the_overview(
    world: dict[str, Any],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = views.owner_report

    def broken_for_credit(result: Any, **kw: Any) -> Any:
        if result.model == "credit":
            raise ValueError("a view that cannot be built")
        return real(result, **kw)

    from govern.reports import fleet

    monkeypatch.setattr(publish, "owner_report", broken_for_credit)
    monkeypatch.setattr(fleet, "owner_report", broken_for_credit)  # however the overview would build it
    done = _publish(world, cards=False)
    assert ("owner report", "credit") in [(e.page, e.model) for e in done.errors]
    assert all(e.page != "fleet overview" for e in done.errors)
    overview = (Path(world["fleet"].output) / TONIGHT / "index.json").read_text()
    assert "a view that cannot be built" in overview  # its row says why, the other rows are there
    assert '"model": "hiring"' in overview


def test_a_second_publication_of_the_night_changes_no_file(world: dict[str, Any]) -> None:  # noqa: F811
    _publish(world, cards=False)
    out = Path(world["fleet"].output) / TONIGHT
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in [*out.glob("reports/*"), out / "index.html"]}
    _publish(world, cards=False)
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in before} == before


def test_models_outside_the_fleet_are_refused(world: dict[str, Any]) -> None:  # noqa: F811
    from govern.errors import GovernanceError

    with pytest.raises(GovernanceError, match="must be in the fleet; got nope"):
        _publish(world, models=["nope"])
