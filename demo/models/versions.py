"""The version histories most demo models share: a first production fit in January, the champion since August."""

from __future__ import annotations

from datetime import date

from demo.spec import VersionSpec


def classifier_versions(train_rows: int = 8000) -> tuple[VersionSpec, ...]:
    """v1: last year's fit on a small extract, heavily regularised; v2: the current champion."""
    return (
        VersionSpec(
            date(2026, 1, 12), date(2025, 12, 1), "logistic", 900, 0.01, note="first production fit on a small extract"
        ),
        VersionSpec(
            date(2026, 8, 17), date(2026, 7, 27), "logistic", train_rows, 1.0, note="annual refit on the full extract"
        ),
    )


def regressor_versions(train_rows: int = 8000) -> tuple[VersionSpec, ...]:
    """v1: a linear baseline; v2: gradient boosting, the current champion."""
    return (
        VersionSpec(date(2026, 1, 12), date(2025, 12, 1), "ridge", 1500, 10.0, note="linear baseline"),
        VersionSpec(
            date(2026, 8, 17),
            date(2026, 7, 27),
            "gradient_boosting",
            train_rows,
            1.0,
            note="gradient boosting refit on the full extract",
        ),
    )
