"""The response policy: breach sizes at their limits, the SEV matrix, windows by tier, the committed file."""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.config import load_fleet, parse
from govern.errors import ConfigError
from govern.respond.policy import Breach, BreachSize, IncidentType, ResponsePolicy, Sev

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("measured", "threshold", "breach"),
    [
        (0.875, 1.0, Breach.MINOR),
        (0.75, 1.0, Breach.MAJOR),  # exactly 25 % beyond (exact in binary): at the limit, major
        (0.7500001, 1.0, Breach.MINOR),
        (0.5, 1.0, Breach.SEVERE),  # exactly 50 %: severe
        (0.5000001, 1.0, Breach.MAJOR),
        (1.25, 1.0, Breach.MAJOR),  # a ceiling: 25 % above
        (0.87, 0.1, Breach.SEVERE),  # a drift distance 8.7 times its limit
        (0.125, 0.0, Breach.MINOR),  # a threshold of 0: the absolute distance
        (None, 0.8, Breach.SEVERE),  # no figure: a check that fails without one
    ],
)
def test_breach_size_at_its_limits(measured: float | None, threshold: float, breach: Breach) -> None:
    assert BreachSize(major_from=0.25, severe_from=0.5).of(measured, threshold) is breach


def test_sev_by_type_tier_and_breach() -> None:
    policy = ResponsePolicy()
    assert policy.sev(IncidentType.PERFORMANCE, "high", Breach.MAJOR) is Sev.SEV2
    assert policy.sev(IncidentType.PERFORMANCE, "low", Breach.MAJOR) is Sev.SEV4
    assert policy.sev(IncidentType.FAIRNESS, "high", Breach.MINOR) is Sev.SEV2
    assert policy.sev(IncidentType.DRIFT, "critical", Breach.SEVERE) is Sev.SEV3
    assert policy.sev(IncidentType.DATA_QUALITY, None, Breach.SEVERE) is Sev.SEV2  # unknown tier: as high
    assert Sev.worst(Sev.SEV3, Sev.SEV1, Sev.SEV2) is Sev.SEV1 and Sev.SEV1.at_least(Sev.SEV2)


def test_a_file_changes_only_the_cells_it_gives() -> None:
    policy = ResponsePolicy.model_validate({"severity": {"drift": {"high": {"minor": "SEV1", "major": "SEV1",
                                                                           "severe": "SEV1"}}}})  # fmt: skip
    assert policy.sev(IncidentType.DRIFT, "high", Breach.MINOR) is Sev.SEV1
    assert policy.sev(IncidentType.DRIFT, "low", Breach.SEVERE) is Sev.SEV4
    assert policy.sev(IncidentType.PERFORMANCE, "high", Breach.MAJOR) is Sev.SEV2


def test_windows_scale_by_tier() -> None:
    windows = ResponsePolicy().windows
    assert windows.acknowledge(Sev.SEV2, "high") == 4 and windows.acknowledge(Sev.SEV2, "low") == 8
    assert windows.recover(Sev.SEV1, "critical") == 12


def test_bad_values_are_refused_with_the_field() -> None:
    with pytest.raises(ValueError, match="severe_from"):
        BreachSize(major_from=0.5, severe_from=0.2)
    with pytest.raises(ValueError, match="SEV5|SEV1"):
        ResponsePolicy.model_validate({"playbooks": {"rollback": {"at_or_above": "SEV5"}}})


def test_a_webhook_url_in_the_file_is_refused_without_echoing_it(tmp_path: Path) -> None:
    path = tmp_path / "incident_response.yaml"
    path.write_text(
        "notifications:\n  channels:\n    - {name: ops, kind: json, url_env: 'https://hooks.example.com/s3cr3t'}\n"
    )
    with pytest.raises(ConfigError) as caught:
        parse(ResponsePolicy, path)
    chain = [caught.value, *([caught.value.__cause__] if caught.value.__cause__ else [])]
    assert all("s3cr3t" not in str(e) for e in chain)


def test_the_committed_policy_file_is_the_documented_defaults() -> None:
    """configs/policies/incident_response.yaml writes every default out: it must say what the code does."""
    fleet = load_fleet(ROOT / "configs" / "fleet.yaml", strict=False)
    committed = fleet.response_policy
    assert committed.notifications.channels, "the demo's file names its channels"
    defaults = ResponsePolicy(description=committed.description, notifications=committed.notifications)
    assert committed == defaults
