"""Traffic by API client, against a hand-computed case."""

from __future__ import annotations

import pandas as pd
import pytest

from govern.segments import segment_stats


def test_hand_computed_shares_and_rates() -> None:
    reference = pd.DataFrame({"client": ["a"] * 8 + ["b"] * 2, "flag": [0] * 7 + [1] + [0, 0]})
    batch = pd.DataFrame(
        {"client": ["a"] * 4 + ["c"] * 6, "flag": [0, 0, 0, 1] + [1, 1, 1, 0, 0, 0], "score": [0.1] * 4 + [0.7] * 6}
    )
    stats = {s.segment: s for s in segment_stats(batch, reference, segment="client", prediction="flag", score="score")}
    assert list(stats) == ["c", "a", "b"]  # largest share tonight first
    c, a, b = stats["c"], stats["a"], stats["b"]
    assert (c.n, c.share, c.reference_share, c.positive_rate) == (6, 0.6, 0.0, 0.5)
    assert c.reference_segment_positive_rate is None and c.mean_score == pytest.approx(0.7)
    assert (a.n, a.share, a.reference_share, a.positive_rate) == (4, 0.4, 0.8, 0.25)
    assert a.reference_segment_positive_rate == pytest.approx(1 / 8)
    assert (b.n, b.share, b.reference_share, b.positive_rate) == (0, 0.0, 0.2, 0.0)
    assert all(s.reference_positive_rate == pytest.approx(0.1) for s in stats.values())


def test_a_client_is_one_segment_whatever_dtype_each_side_holds_it_in() -> None:
    reference = pd.DataFrame({"client": [1.0, 2.0, None, 1.0], "flag": [0, 1, 0, 0]})  # float: one null
    batch = pd.DataFrame({"client": [1, 2, 2, 1], "flag": [0, 1, 1, 0]})  # int64
    stats = {s.segment: s for s in segment_stats(batch, reference, segment="client", prediction="flag")}
    assert set(stats) == {"1", "2", "(missing)"}
    assert (stats["1"].share, stats["1"].reference_share) == (0.5, 0.5)
    assert (stats["2"].share, stats["2"].reference_share) == (0.5, 0.25)
    text = {
        s.segment for s in segment_stats(batch.astype({"client": str}), reference, segment="client", prediction="flag")
    }
    assert text == set(stats)
