"""YAML limits: every config file is refused, quickly and in little memory, when it is too big or its aliases
would blow it up; the committed configs are far inside the limits."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from govern.config import MAX_YAML_ALIASES, MAX_YAML_BYTES, MAX_YAML_NODES, _read_yaml, load_fleet
from govern.errors import ConfigError
from tests.fleet_factory import write_fleet

REPO = Path(__file__).resolve().parents[1]


def _laughs_in_lists(levels: int) -> str:
    """The "billion laughs": each level a list of nine aliases of the one below, 9**levels strings in all."""
    lines = ["lol0: &lol0 [" + ", ".join(["lol"] * 9) + "]"]
    lines += [f"lol{i}: &lol{i} [" + ", ".join([f"*lol{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def _laughs_in_merge_keys(levels: int) -> str:
    """The same bomb through merge keys (``<<``), which a loader expands into each mapping that merges."""
    lines = ["m0: &m0 {" + ", ".join(f"k{i}: lol" for i in range(9)) + "}"]
    lines += [f"m{i}: &m{i} {{<<: [" + ", ".join([f"*m{i - 1}"] * 9) + "]}" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("bomb", [_laughs_in_lists, _laughs_in_merge_keys])
def test_a_nine_level_alias_bomb_is_refused_at_once_and_in_little_memory(tmp_path: Path, bomb) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb(9))
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ConfigError) as info:
            _read_yaml(path)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(info.value).startswith(
        f"{path}: must be a YAML document of at most {MAX_YAML_NODES} nodes once its aliases are expanded; got "
    )
    assert seconds < 0.5
    assert peak < 5 * 2**20  # bytes: nothing was expanded


def test_an_alias_bomb_in_a_model_file_is_that_models_error(tmp_path: Path) -> None:
    # six levels (531,441 strings) so that, without the limit, the test fails on the message instead of hanging
    path = write_fleet(tmp_path)
    model_file = path.parent / "models" / "loan.yaml"
    model_file.write_text(_laughs_in_lists(6).replace("lol", "x_lol") + model_file.read_text())
    fleet = load_fleet(path, strict=False)
    assert fleet.models == {}
    assert f"{model_file}: must be a YAML document of at most {MAX_YAML_NODES} nodes" in fleet.broken["loan"]


def test_a_bomb_in_the_fleet_file_stops_the_fleet(tmp_path: Path) -> None:
    path = write_fleet(tmp_path)
    path.write_text(_laughs_in_lists(6) + path.read_text())
    with pytest.raises(ConfigError, match=r"fleet\.yaml: must be a YAML document of at most 100000 nodes"):
        load_fleet(path, strict=False)


def test_aliases_beyond_the_limit_are_refused_and_up_to_it_are_read(tmp_path: Path) -> None:
    def document(aliases: int) -> str:
        return "a: &a 1\nb: [" + ", ".join(["*a"] * aliases) + "]\n"

    path = tmp_path / "aliases.yaml"
    path.write_text(document(MAX_YAML_ALIASES))
    assert len(_read_yaml(path)["b"]) == MAX_YAML_ALIASES
    path.write_text(document(MAX_YAML_ALIASES + 1))
    with pytest.raises(ConfigError, match=rf"at most {MAX_YAML_ALIASES} aliases; got alias number 101 at line 2"):
        _read_yaml(path)


def test_an_alias_inside_the_node_it_names_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("features: &f\n  - income\n  - *f\n")
    with pytest.raises(ConfigError, match=r"without an alias inside the node it names.*; got one at line 3"):
        _read_yaml(path)


def test_a_file_beyond_one_mib_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    head = "name: big\n# "
    path.write_text(head + "x" * (MAX_YAML_BYTES - len(head) - 1) + "\n")
    assert path.stat().st_size == MAX_YAML_BYTES
    assert _read_yaml(path) == {"name": "big"}
    path.write_text(head + "x" * (MAX_YAML_BYTES - len(head)) + "\n")
    with pytest.raises(ConfigError, match=r"at most 1048576 bytes \(1 MiB\); got 1048577 bytes instead"):
        _read_yaml(path)


def test_many_plain_nodes_without_aliases_are_also_bounded(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text("values: [" + ", ".join(["1"] * MAX_YAML_NODES) + "]\n")  # 100,003 nodes with the mapping
    with pytest.raises(ConfigError, match=r"at most 100000 nodes once its aliases are expanded; got 100001 nodes"):
        _read_yaml(path)


def test_the_committed_fleet_loads_within_the_limits() -> None:
    fleet = load_fleet(REPO / "configs" / "fleet.yaml")
    assert sorted(fleet.models) == sorted(file.stem for file in (REPO / "configs" / "models").glob("*.yaml"))
    assert fleet.broken == {}


def test_a_document_nested_thousands_deep_is_that_files_error_not_a_traceback(tmp_path: Path) -> None:
    from govern.config import load_fleet
    from tests.fleet_factory import model_config, write_fleet

    fleet = write_fleet(tmp_path, models=[model_config(), model_config("churn")])
    (tmp_path / "configs" / "models" / "churn.yaml").write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    loaded = load_fleet(fleet, strict=False)
    assert list(loaded.models) == ["loan"]
    assert "churn.yaml: must be a YAML document nested a reasonable depth" in loaded.broken["churn"]
