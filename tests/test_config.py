"""The scenario schema: parameter vocabulary, defaults, ranges and bundled scenarios."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pydantic
import pytest

from sim.config import PARAMETERS, ParamInfo, Scenario
from sim.loading import REPO_SCENARIOS, ConfigError, bundled_scenarios, load_scenario

# The dotted names the issue asks for: the user vocabulary of the model.
REQUIRED_NAMES = [
    "steps",
    "seed",
    "population.size",
    "population.sectors",
    "population.vision_dims",
    "population.champions",
    "network.kind",
    "network.mean_degree",
    "network.cross_sector_share",
    "dialogue.rate",
    "dialogue.confidence",
    "dialogue.convergence",
    "dialogue.common_ground_focus",
    "vision.mode",
    "vision.inclusion",
    "vision.clarity",
    "push.incentive",
    "push.reach",
    "push.convener",
    "push.monitoring",
    "push.legitimacy",
    "push.crowding_out",
    "pull.social_influence",
    "pull.progress_feedback",
    "motivation.initial",
    "motivation.habit_rate",
    "schedule",
]

# The only parameter documented as having no upper bound ("none = unlimited").
UNBOUNDED_ABOVE = {"push.budget"}


@pytest.mark.parametrize("name", REQUIRED_NAMES)
def test_required_parameter_exists(name: str) -> None:
    assert name in PARAMETERS
    info = PARAMETERS[name]
    assert isinstance(info, ParamInfo)
    assert info.name == name
    assert info.doc, f"{name} has no description"


def test_flat_covers_exactly_the_parameters() -> None:
    flat = Scenario().flat()
    assert set(flat) == set(PARAMETERS)


def test_defaults_in_parameters_match_the_schema() -> None:
    flat = Scenario().flat()
    for name, info in PARAMETERS.items():
        assert flat[name] == info.default, name


def test_defaults_lie_within_their_ranges_and_choices() -> None:
    for name, info in PARAMETERS.items():
        if info.choices:
            assert info.default in info.choices, name
        if isinstance(info.default, int | float) and not isinstance(info.default, bool):
            if info.low is not None:
                assert info.default >= info.low, name
            if info.high is not None:
                assert info.default <= info.high, name


def test_choices_of_the_categorical_parameters() -> None:
    assert set(PARAMETERS["vision.mode"].choices) == {"none", "imposed", "co_created"}
    assert set(PARAMETERS["network.kind"].choices) == {"small_world", "random", "well_mixed"}
    assert set(PARAMETERS["push.kind"].choices) == {"reward", "sanction", "both", "recognition"}
    assert set(PARAMETERS["push.reach"].choices) == {"all", "convener"}
    assert "list of sectors" in PARAMETERS["push.reach"].allowed()


def test_allowed_describes_numeric_ranges() -> None:
    assert PARAMETERS["dialogue.confidence"].allowed() == "float from 0 to 1"
    assert PARAMETERS["steps"].allowed() == "int from 1 to 1000000"
    assert PARAMETERS["push.budget"].allowed() == "float >= 0"
    assert PARAMETERS["name"].allowed() == "str"


def test_numeric_parameters_have_an_upper_bound_except_the_budget() -> None:
    # An upper bound given with ``lt`` (pull.social_threshold) must show up in ParamInfo too:
    # the CLI's "allowed" text, the experiment engine and the docs all read it from there.
    missing = [
        name
        for name, info in PARAMETERS.items()
        if info.kind in ("int", "float") and info.high is None and name not in UNBOUNDED_ABOVE
    ]
    assert missing == []


def test_social_threshold_range_in_parameters() -> None:
    info = PARAMETERS["pull.social_threshold"]
    assert info.low == 0.0
    assert info.high == 1.0


def test_scenario_is_frozen() -> None:
    scenario = Scenario()
    with pytest.raises(pydantic.ValidationError):
        scenario.steps = 5  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        scenario.push.incentive = 1.0  # type: ignore[misc]


def test_sector_list_means_equal_shares() -> None:
    scenario = load_scenario(None, {"population.sectors": ["a", "b", "c", "d"]})
    assert scenario.population.sectors == {"a": 0.25, "b": 0.25, "c": 0.25, "d": 0.25}


def test_sector_shares_are_normalised() -> None:
    scenario = load_scenario(None, {"population.sectors": {"a": 1.0, "b": 3.0}})
    assert scenario.population.sectors == {"a": 0.25, "b": 0.75}


@pytest.mark.parametrize("sectors", [[], {}, {"a": 0.0, "b": 1.0}, {"a": -1.0}, ["a", 3]], ids=repr)
def test_bad_sectors_are_rejected(sectors) -> None:
    with pytest.raises(ConfigError, match="population.sectors"):
        load_scenario(None, {"population.sectors": sectors})


def test_odd_mean_degree_is_rejected() -> None:
    with pytest.raises(ConfigError, match="network.mean_degree.*even"):
        load_scenario(None, {"network.mean_degree": 7})


def test_convener_defaults_to_the_first_sector() -> None:
    scenario = load_scenario(None, {"population.sectors": ["x", "y"]})
    assert scenario.push.convener == ""
    assert scenario.convener == "x"
    assert (
        load_scenario(None, {"population.sectors": ["x", "y"], "push.convener": "y"}).convener
        == "y"
    )


def test_with_overrides_returns_a_validated_copy() -> None:
    base = Scenario()
    changed = base.with_overrides({"push.incentive": 0.7, "vision.mode": "imposed"})
    assert changed.push.incentive == 0.7
    assert changed.vision.mode == "imposed"
    assert base.push.incentive == 0.0  # the original is untouched
    with pytest.raises(ConfigError, match="push.incentive"):
        base.with_overrides({"push.incentive": 5.0})


def test_budget_none_means_unlimited() -> None:
    assert Scenario().push.budget is None
    assert load_scenario(None, {"push.budget": 12.5}).push.budget == 12.5


def test_config_reexports_the_loading_api() -> None:
    import sim.config as config

    assert config.load_scenario is load_scenario
    assert config.ConfigError is ConfigError


def test_loading_module_imports_on_its_own() -> None:
    # ``import sim.loading`` as the first import of a process must work (sim.config re-exports
    # names from sim.loading, which itself imports sim.config).
    result = subprocess.run(
        [sys.executable, "-c", "import sim.loading"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr.strip().splitlines()[-1:]


# -- bundled scenarios ---------------------------------------------------------------------


SCENARIO_FILES = sorted(REPO_SCENARIOS.glob("*.toml"))


def test_bundled_scenarios_are_the_files() -> None:
    assert len(SCENARIO_FILES) >= 10
    assert bundled_scenarios() == [p.stem for p in SCENARIO_FILES]
    for name in (
        "baseline",
        "closed_org_push",
        "multi_sector_push",
        "multi_sector_pull",
        "push_then_withdraw",
        "co_created_vision",
        "imposed_vision",
    ):
        assert name in bundled_scenarios()


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_bundled_scenario_loads_and_states_its_question(path: Path) -> None:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# Question:"), f"{path.name} starts with {first!r}"
    assert len(first) > len("# Question:") + 10
    scenario = load_scenario(path.stem)
    assert scenario.name == path.stem
    assert load_scenario(path) == scenario  # by path and by name alike
