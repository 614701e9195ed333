"""Operations: parcel delivery times and support ticket escalation. Both healthy."""

from __future__ import annotations

from demo.models import feeds
from demo.models.columns import cat, num
from demo.models.versions import classifier_versions, regressor_versions
from demo.spec import BinaryTarget, Level, Linear, LogNormal, ModelSpec, Normal, Poisson, RegressionTarget

DELIVERY_TIME_HOURS = ModelSpec(
    name="delivery_time_hours",
    description="Predicts door-to-door delivery time (hours) of a parcel at dispatch, for customer promises.",
    business_unit="operations",
    feed=feeds.PARCEL_DISPATCH,
    risk_tier="low",
    problem_type="regression",
    columns=(
        num("distance_km", LogNormal(35, 1.0), clip=(0.5, 3_000), decimals=1),
        num("parcel_weight_kg", LogNormal(2, 0.9), clip=(0.05, 70), decimals=2),
        num("hub_backlog_parcels", LogNormal(1_200, 0.4), clip=(50, 10_000), integer=True),
        num("weather_severity", Poisson(0.5), clip=(0, 4), integer=True),
        cat("service_level", {"standard": 0.6, "express": 0.3, "same_day": 0.1}),
        cat("origin_hub", {"hub_north": 0.25, "hub_south": 0.25, "hub_east": 0.2, "hub_west": 0.2, "hub_central": 0.1}),
    ),
    target=RegressionTarget(
        "delivery_hours",
        (
            Linear("distance_km", 0.45, log=True),
            Linear("hub_backlog_parcels", 0.15),
            Linear("weather_severity", 0.1),
            Linear("parcel_weight_kg", 0.05, log=True),
            Level("service_level", {"express": -0.6, "same_day": -1.4}),
            Level("origin_hub", {"hub_central": 0.1, "hub_east": -0.05}),
        ),
        intercept=3.4,
        noise=0.25,
        log=True,
        decimals=1,
    ),
    versions=regressor_versions(),
    id_column="parcel_id",
    id_prefix="PCL",
    prediction_column="predicted_hours",
    score_column=None,
    reference_rows=4500,
    batch_rows=2000,
    label_delay_days=3,
    jurisdictions=("EU",),
)

SUPPORT_TICKET_ESCALATION = ModelSpec(
    name="support_ticket_escalation",
    description="Predicts which support tickets will need escalation to tier 2, to route them early (1 = route).",
    business_unit="operations",
    feed=feeds.SUPPORT_DESK,
    risk_tier="low",
    problem_type="binary_classification",
    columns=(
        num("first_response_minutes", LogNormal(45, 1.0), clip=(0, 2_880), integer=True),
        num("sentiment_score", Normal(0, 1), clip=(-3, 3), decimals=2),
        num("reopen_count", Poisson(0.3), clip=(0, 10), integer=True),
        num("message_count", Poisson(4), clip=(1, 60), integer=True),
        cat("ticket_channel", {"email": 0.35, "chat": 0.3, "phone": 0.2, "web_form": 0.15}),
        cat("product_area", {"billing": 0.3, "technical": 0.35, "account": 0.2, "delivery": 0.15}),
        cat("customer_tier", {"standard": 0.7, "premium": 0.22, "enterprise": 0.08}),
    ),
    target=BinaryTarget(
        "escalated",
        (
            Linear("sentiment_score", -0.8),
            Linear("reopen_count", 0.6),
            Linear("message_count", 0.6),
            Linear("first_response_minutes", 0.3),
            Level("product_area", {"technical": 0.5, "billing": 0.1}),
            Level("customer_tier", {"enterprise": 0.5, "premium": 0.2}),
        ),
        base_rate=0.3,
        auc=0.8,
    ),
    versions=classifier_versions(),
    id_column="ticket_id",
    id_prefix="TKT",
    prediction_column="route_to_tier2",
    score_column="escalation_score",
    reference_rows=4500,
    batch_rows=2000,
    label_delay_days=3,
    jurisdictions=("EU",),
)

MODELS: tuple[ModelSpec, ...] = (
    DELIVERY_TIME_HOURS,
    SUPPORT_TICKET_ESCALATION,
)
"""The operations models, in the fleet's order."""
