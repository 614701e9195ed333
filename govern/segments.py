"""Traffic by API client: who sends what share of tonight's rows, and how the model answers them.

A client whose share of traffic jumps, or whose rows the model flags far more often than the reference
population, is the usual first clue when precision falls while the features overall barely move.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from govern.results import SegmentStats


def segment_stats(
    batch: pd.DataFrame,
    scored_reference: pd.DataFrame,
    *,
    segment: str,
    prediction: str,
    positive_label: Any = 1,
    score: str | None = None,
) -> tuple[SegmentStats, ...]:
    """One record per segment value seen tonight or in the reference, largest share first.

    share = n_segment / n_batch; positive_rate = mean(prediction == positive_label) over the segment's rows;
    reference_positive_rate = the same over the whole reference; reference_share and
    reference_segment_positive_rate = the segment's share and rate in the reference (0 and None if absent).
    """
    current_keys = _keys(batch[segment])
    reference_keys = _keys(scored_reference[segment])
    current_positive = (batch[prediction] == positive_label).astype("float64")
    reference_positive = (scored_reference[prediction] == positive_label).astype("float64")

    current = current_positive.groupby(current_keys).agg(["size", "mean"])
    reference = reference_positive.groupby(reference_keys).agg(["size", "mean"])
    table = current.join(reference, how="outer", suffixes=("_current", "_reference"))
    table = table.fillna({"size_current": 0, "size_reference": 0})
    table["share"] = table["size_current"] / max(len(batch), 1)
    table["reference_share"] = table["size_reference"] / max(len(scored_reference), 1)
    if score is not None:
        table["mean_score"] = batch[score].astype("float64").groupby(current_keys).mean()
    else:
        table["mean_score"] = float("nan")
    table = table.sort_values(["share", "reference_share"], ascending=False)
    overall_reference = float(reference_positive.mean()) if len(reference_positive) else float("nan")

    def optional(value: float) -> float | None:
        return None if pd.isna(value) else float(value)

    return tuple(
        SegmentStats(
            segment=str(key),
            n=int(row.size_current),
            share=float(row.share),
            reference_share=float(row.reference_share),
            positive_rate=float(row.mean_current) if row.size_current else 0.0,
            reference_positive_rate=overall_reference,
            reference_segment_positive_rate=optional(row.mean_reference),
            mean_score=optional(row.mean_score),
        )
        for key, row in zip(table.index, table.itertuples(index=False), strict=True)  # one row per client
    )


def _keys(values: pd.Series) -> pd.Series:
    """Segment values as text, the same on both sides whatever each side's dtype: client 7 is "7" whether an
    inference log holds it as int64, as float64 (one null is enough) or as text, so it is never split in two."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.astype("float64")
        text = numbers.astype("string")
        whole = numbers.notna() & (numbers % 1 == 0)
        text[whole] = numbers[whole].astype("int64").astype("string")
    else:
        text = values.astype("string")
    return text.fillna("(missing)")
