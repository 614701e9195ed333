"""Progress of a run: listeners hear of each model as it is done; a broken one is dropped, not fatal."""

from __future__ import annotations

from govern import progress
from tests.test_results import result


def test_listeners_hear_each_model_while_they_watch_and_a_broken_one_is_dropped(caplog) -> None:
    heard: list[str] = []

    def broken(_: object) -> None:
        raise RuntimeError("the terminal went away")

    with progress.watch(lambda r: heard.append(r.model)), progress.watch(broken):
        progress.model_done(result(model="loan"))
        progress.model_done(result(model="cards"))
    progress.model_done(result(model="after"))  # nobody watches any more
    assert heard == ["loan", "cards"]
    assert sum("progress listener failed" in r.message for r in caplog.records) == 1  # dropped after the first
