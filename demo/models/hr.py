"""HR: resume screening, employee attrition and salary benchmarks.

One incident model: ``resume_screening`` (tier_3 university candidates advance far less often, every night).
"""

from __future__ import annotations

from demo.models import feeds
from demo.models.columns import AGE_40, GENDER, cat, flag, num
from demo.models.versions import classifier_versions, regressor_versions
from demo.spec import BinaryTarget, Level, Linear, LogNormal, ModelSpec, Normal, Poisson, RegressionTarget, Step

UNIVERSITY_TIER = cat("university_tier", {"tier_1": 0.25, "tier_2": 0.45, "tier_3": 0.3}, role="protected")
# Tier 1 graduates arrive with more internships, higher GPAs and assessment scores: the model never sees the
# tier, but the features it does see carry it, and tier_3 candidates advance far less often.
TIER_SHIFT = {"university_tier": {"tier_1": 0.19, "tier_3": -0.19}}

RESUME_SCREENING = ModelSpec(
    name="resume_screening",
    description="Screens job applications: which candidates advance to a first interview (1 = advance).",
    business_unit="hr",
    feed=feeds.APPLICANT_TRACKING,
    risk_tier="high",
    problem_type="binary_classification",
    latents=("aptitude",),
    columns=(
        GENDER,
        AGE_40,
        UNIVERSITY_TIER,
        num("years_experience", LogNormal(5, 0.7), clip=(0, 40), decimals=1),
        cat(
            "degree_level",
            {"none": 0.06, "bachelor": 0.56, "master": 0.31, "phd": 0.07},
            shift={"university_tier": {"tier_1": 0.15, "tier_3": -0.15}},
        ),
        num("gpa", Normal(3.3, 0.35), clip=(2.0, 4.0), decimals=2, load={"aptitude": 0.4}, shift=TIER_SHIFT),
        num(
            "skills_assessment_score",
            Normal(70, 12),
            clip=(20, 100),
            integer=True,
            load={"aptitude": 0.6},
            shift=TIER_SHIFT,
        ),
        num("internships", Poisson(1.2), clip=(0, 8), integer=True, shift=TIER_SHIFT),
        num("certifications", Poisson(1.0), clip=(0, 12), integer=True),
        flag("employee_referral", 0.15),
    ),
    target=BinaryTarget(
        "strong_interview",
        (
            Linear("skills_assessment_score", 1.0),
            Linear("years_experience", 0.5),
            Linear("gpa", 0.5),
            Linear("internships", 0.3),
            Linear("certifications", 0.15),
            Step("employee_referral", 0.5, 2, 0.4),
            Level("degree_level", {"none": -0.3, "master": 0.2, "phd": 0.3}),
        ),
        base_rate=0.38,
        auc=0.8,
    ),
    versions=classifier_versions(),
    id_column="candidate_id",
    id_prefix="CAN",
    prediction_column="advance",
    score_column="advance_score",
    reference_rows=6000,
    batch_rows=2800,
    label_delay_days=14,
    judge_intersections=True,
    policies=("us_four_fifths", "eu_ai_act_high_risk"),
    jurisdictions=("US", "EU"),
)

EMPLOYEE_ATTRITION = ModelSpec(
    name="employee_attrition",
    description="Flags employees at risk of leaving within six months for a retention conversation (1 = flag).",
    business_unit="hr",
    feed=feeds.HR_CORE,
    risk_tier="medium",
    problem_type="binary_classification",
    columns=(
        GENDER,
        AGE_40,
        num("tenure_years", LogNormal(4, 0.8), clip=(0, 40), decimals=1),
        num("months_since_promotion", LogNormal(20, 0.7), clip=(0, 240), integer=True),
        num("salary_ratio_to_market", Normal(0.98, 0.12), clip=(0.5, 1.6), decimals=3),
        num("engagement_score", Normal(3.6, 0.7), clip=(1, 5), decimals=1),
        num("overtime_hours_month", LogNormal(8, 0.9), clip=(0, 120), decimals=1),
        cat(
            "department",
            {"engineering": 0.28, "sales": 0.22, "operations": 0.2, "finance": 0.1, "marketing": 0.1, "support": 0.1},
        ),
        cat("work_mode", {"onsite": 0.35, "hybrid": 0.5, "remote": 0.15}),
    ),
    target=BinaryTarget(
        "left_within_6m",
        (
            Linear("engagement_score", -1.0),
            Linear("salary_ratio_to_market", -0.6),
            Linear("months_since_promotion", 0.5),
            Linear("tenure_years", -0.4),
            Linear("overtime_hours_month", 0.4),
            Level("department", {"sales": 0.3, "support": 0.2}),
            Level("work_mode", {"onsite": 0.2}),
        ),
        base_rate=0.42,
        auc=0.82,
    ),
    versions=classifier_versions(),
    id_column="employee_id",
    id_prefix="EMP",
    prediction_column="retention_flag",
    score_column="attrition_score",
    reference_rows=6000,
    batch_rows=2800,
    label_delay_days=14,
    policies=("eu_ai_act_high_risk",),
    jurisdictions=("EU",),
)

SALARY_BENCHMARK = ModelSpec(
    name="salary_benchmark",
    description="Recommends the base salary (USD) of an offer from role, level and experience.",
    business_unit="hr",
    feed=feeds.OFFER_REQUESTS,
    risk_tier="medium",
    problem_type="regression",
    columns=(
        num("years_experience", LogNormal(7, 0.7), clip=(0, 40), decimals=1),
        num("performance_rating", Normal(3.2, 0.7), clip=(1, 5), decimals=1),
        cat("job_level", {"L1": 0.15, "L2": 0.25, "L3": 0.25, "L4": 0.18, "L5": 0.12, "L6": 0.05}),
        cat(
            "job_family",
            {"engineering": 0.3, "sales": 0.2, "operations": 0.18, "finance": 0.12, "marketing": 0.1, "people": 0.1},
        ),
        cat("location_tier", {"tier_a": 0.35, "tier_b": 0.4, "tier_c": 0.25}),
        cat("degree_level", {"none": 0.08, "bachelor": 0.57, "master": 0.29, "phd": 0.06}),
    ),
    target=RegressionTarget(
        "base_salary",
        (
            Linear("years_experience", 0.1, log=True),
            Linear("performance_rating", 0.03),
            Level("job_level", {"L2": 0.15, "L3": 0.32, "L4": 0.5, "L5": 0.7, "L6": 0.95}),
            Level("job_family", {"engineering": 0.15, "finance": 0.08, "operations": -0.1, "people": -0.08}),
            Level("location_tier", {"tier_a": 0.12, "tier_c": -0.12}),
            Level("degree_level", {"master": 0.05, "phd": 0.1, "none": -0.05}),
        ),
        intercept=11.0,
        noise=0.08,
        log=True,
        decimals=-2,
    ),
    versions=regressor_versions(),
    id_column="offer_id",
    id_prefix="OFR",
    prediction_column="recommended_salary",
    score_column=None,
    reference_rows=4000,
    batch_rows=1600,
    label_delay_days=21,
    jurisdictions=("US",),
)

MODELS: tuple[ModelSpec, ...] = (
    RESUME_SCREENING,
    EMPLOYEE_ATTRITION,
    SALARY_BENCHMARK,
)
"""The HR models, in the fleet's order."""
