"""A small valid fleet written to a folder, for config and pipeline tests (the demo fleet is for e2e)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

FLEET = {
    "name": "test-fleet",
    "state_dir": "state",
    "data_root": "data",
    "output_dir": "runs",
    "expectations_dir": "expectations",
    "concurrency": 2,
    "default_policies": ["drift_standard"],
}

POLICIES = {
    "drift_standard": {"name": "drift_standard", "drift": {"max_jensen_shannon": 0.1, "max_psi": 0.2}},
    "us_four_fifths": {
        "name": "us_four_fifths",
        "jurisdictions": ["US"],
        "fairness": {"min_impact_ratio": 0.8, "min_group_size": 50},
    },
    "strict_fairness": {
        "name": "strict_fairness",
        "fairness": {"min_impact_ratio": 0.9, "min_group_size": 100, "severity": "critical"},
    },
}


def model_config(name: str = "loan", **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "name": name,
        "owner": {"name": "Ada", "email": "ada@example.com"},
        "business_unit": "lending",
        "risk_tier": "high",
        "problem_type": "binary_classification",
        "registry": {"name": name},
        "data": {
            "reference": f"{name}/reference.parquet",
            "batches": f"{name}/batches/{{date}}.parquet",
            "labels": f"{name}/labels/{{date}}.parquet",
            "label_delay_days": 2,
        },
        "columns": {
            "id": "id",
            "timestamp": "ts",
            "features": ["income", "region"],
            "categorical": ["region"],
            "prediction": "approved",
            "score": "score",
            "target": "repaid",
            "protected": ["gender"],
        },
        "policies": ["us_four_fifths"],
        "thresholds": {"performance": {"metric": "roc_auc", "minimum": 0.7}},
    }
    config.update(overrides)
    return config


def write_fleet(
    root: Path,
    models: list[dict[str, Any]] | None = None,
    policies: dict[str, dict[str, Any]] | None = None,
    fleet: dict[str, Any] | None = None,
) -> Path:
    """Write configs/ and expectations/ under root; return the fleet file."""
    configs = root / "configs"
    (configs / "models").mkdir(parents=True, exist_ok=True)
    (configs / "policies").mkdir(parents=True, exist_ok=True)
    (root / "expectations").mkdir(parents=True, exist_ok=True)
    fleet_path = configs / "fleet.yaml"
    fleet_data = {
        **FLEET,
        "state_dir": "../state",
        "data_root": "../data",
        "output_dir": "../runs",
        "expectations_dir": "../expectations",
        **(fleet or {}),
    }
    fleet_path.write_text(yaml.safe_dump(fleet_data))
    for name, policy in (POLICIES if policies is None else policies).items():
        (configs / "policies" / f"{name}.yaml").write_text(yaml.safe_dump(policy))
    for model in [model_config()] if models is None else models:
        (configs / "models" / f"{model['name']}.yaml").write_text(yaml.safe_dump(model, sort_keys=False))
        suite = {"name": model.get("expectation_suite", model["name"]), "expectations": []}
        (root / "expectations" / f"{suite['name']}.json").write_text(json.dumps(suite))
    return fleet_path


def applicants(
    rng: np.random.Generator, n: int, *, start: str, days: int, regions: tuple[str, ...], spread: float = 1.0
) -> pd.DataFrame:
    """The columns every synthetic test table shares: ``id``, ``ts`` (sorted over ``days`` days from ``start``),
    ``income`` ~ N(0, spread) and ``region``; drawn from ``rng`` in that order (income, region, timestamps)."""
    income = rng.normal(0, spread, n)
    region = rng.choice(list(regions), n)
    stamps = pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.integers(0, days * 86400, n)), unit="s")
    return pd.DataFrame({"id": np.arange(n), "ts": stamps, "income": income, "region": region})
