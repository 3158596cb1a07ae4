"""Loading scenarios: files, names, overrides, one-line errors; property tests of the loader."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config import NAME_PATTERN, PARAMETERS, SECTION_MODELS, Scenario
from sim.loading import ConfigError, build_scenario, load_scenario, to_toml

# -- examples --------------------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "scenario.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(spec: Any = None, overrides: dict[str, Any] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_scenario(spec, overrides)
    message = str(info.value)
    assert "\n" not in message, "errors must be one line"
    return message


def test_defaults_load_without_a_file() -> None:
    scenario = load_scenario()
    assert scenario == Scenario()
    assert scenario.name == "custom"


def test_file_name_becomes_the_scenario_name(tmp_path: Path) -> None:
    path = write(tmp_path, "steps = 12\n[push]\nincentive = 0.25\n", "my_case.toml")
    scenario = load_scenario(path)
    assert scenario.name == "my_case"
    assert scenario.steps == 12
    assert scenario.push.incentive == 0.25
    assert load_scenario(str(path)) == scenario


def test_overrides_apply_on_top_of_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "steps = 12\n[push]\nincentive = 0.25\n")
    scenario = load_scenario(path, {"push.incentive": 1.5, "dialogue.rate": 0.5})
    assert scenario.steps == 12
    assert scenario.push.incentive == 1.5
    assert scenario.dialogue.rate == 0.5


def test_unknown_key_in_file_suggests_the_closest_name(tmp_path: Path) -> None:
    path = write(tmp_path, "[push]\nincentiv = 0.5\n")
    message = error_of(path)
    assert str(path) in message
    assert "push.incentiv" in message
    assert "did you mean 'push.incentive'" in message


def test_unknown_section_suggests_the_closest_name(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "[visoin]\nmode = 'imposed'\n"))
    assert "visoin" in message and "did you mean 'vision'" in message


def test_unknown_override_suggests_the_closest_name() -> None:
    message = error_of(None, {"dialogue.confidance": 0.2})
    assert message.startswith("override")
    assert "did you mean 'dialogue.confidence'" in message


def test_unknown_key_in_schedule_suggests_the_closest_name(tmp_path: Path) -> None:
    text = "steps = 20\n[[schedule]]\nstep = 5\nset = { 'push.incentve' = 0.0 }\n"
    message = error_of(write(tmp_path, text))
    assert "schedule" in message and "did you mean 'push.incentive'" in message


def test_schedule_cannot_change_the_population(tmp_path: Path) -> None:
    text = "steps = 20\n[[schedule]]\nstep = 5\nset = { 'population.size' = 10 }\n"
    message = error_of(write(tmp_path, text))
    assert "population.size" in message and "cannot change mid-run" in message


def test_wrong_type_names_the_key(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, 'steps = "many"\n'))
    assert "steps" in message and "'many'" in message
    message = error_of(None, {"vision.mode": 3})
    assert "vision.mode" in message and "none, imposed, co_created" in message


def test_out_of_range_names_the_key_and_the_range() -> None:
    message = error_of(None, {"dialogue.confidence": 1.5})
    assert message.startswith("override: dialogue.confidence:")
    assert "1.5" in message and "float from 0 to 1" in message


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"push.convener": "banks"}, "push.convener"),
        ({"push.reach": ["business", "banks"]}, "push.reach"),
    ],
)
def test_unknown_sector_lists_the_sectors(overrides: dict[str, Any], key: str) -> None:
    message = error_of(None, overrides)
    assert key in message and "'banks'" in message
    assert "business, nonprofit, government, academia, community" in message


def test_reach_accepts_a_list_of_known_sectors() -> None:
    scenario = load_scenario(None, {"push.reach": ["business", "government"]})
    assert scenario.push.reach == ["business", "government"]


def test_schedule_step_beyond_steps(tmp_path: Path) -> None:
    text = "steps = 20\n[[schedule]]\nstep = 25\nset = { 'push.incentive' = 0.0 }\n"
    message = error_of(write(tmp_path, text))
    assert "schedule" in message and "25" in message and "20" in message
    # ... also when --steps shortens a bundled scenario past its schedule
    assert "schedule" in error_of("push_then_withdraw", {"steps": 100})


def test_invalid_toml_reports_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "steps = 10\n\nseed = = 3\n")
    message = error_of(path)
    assert str(path) in message and "invalid TOML" in message and "line 3" in message


def test_missing_file_and_unknown_name(tmp_path: Path) -> None:
    assert "no such scenario file" in error_of(tmp_path / "absent.toml")
    message = error_of("baselin")
    assert "did you mean 'baseline'" in message and "multi_sector_pull" in message


def test_to_toml_round_trips_and_leaves_out_unlimited_budget() -> None:
    scenario = load_scenario("push_then_withdraw", {"push.reach": ["business"], "seed": 9})
    text = to_toml(scenario)
    assert "budget" not in text
    data = tomllib.loads(text)
    assert build_scenario(data, "round trip", {}) == scenario
    limited = scenario.with_overrides({"push.budget": 3.5})
    assert build_scenario(tomllib.loads(to_toml(limited)), "x", {}).push.budget == 3.5


# -- property tests --------------------------------------------------------------------------


def _accepts(name: str, value: Any) -> bool:
    try:
        load_scenario(None, {name: value})
    except ConfigError:
        return False
    return True


# Parameters whose valid values are drawn by hand (they have no numeric range or choices).
SPECIAL = {"name", "population.sectors", "push.convener", "schedule"}
BUDGET_CAP = 1e9  # push.budget is unbounded above; any finite budget is valid
# The bounds of ParamInfo, with exclusive ends (gt) found by asking the loader itself.
NUMERIC = {
    name: info
    for name, info in PARAMETERS.items()
    if info.kind in ("int", "float")
    and name not in SPECIAL
    and (info.high is not None or name == "push.budget")
}


def _value_strategy(name: str) -> st.SearchStrategy[Any]:
    info = PARAMETERS[name]
    if name == "push.reach":
        sectors = list(Scenario().population.sectors)
        subsets = st.lists(st.sampled_from(sectors), min_size=1, max_size=5, unique=True)
        return st.one_of(st.sampled_from(info.choices), subsets)
    if info.choices:
        return st.sampled_from(info.choices)
    if name == "push.convener":
        return st.sampled_from(["", *Scenario().population.sectors])
    if name == "name":  # a name is also a folder name
        return st.from_regex(NAME_PATTERN, fullmatch=True)
    high = BUDGET_CAP if info.high is None else info.high
    if info.kind == "int":
        ints = st.integers(int(info.low), int(high))
        if name == "network.mean_degree":  # documented: must be even
            ints = ints.map(lambda v: v - v % 2).filter(lambda v: v >= info.low)
        return ints
    return st.floats(
        info.low,
        high,
        exclude_min=not _accepts(name, info.low),
        exclude_max=not _accepts(name, high),
        allow_nan=False,
    )


VALID_NAMES = sorted(set(NUMERIC) | {n for n, i in PARAMETERS.items() if i.choices} | {"name"})
VALUE_STRATEGIES = {name: _value_strategy(name) for name in VALID_NAMES}
VALID_OVERRIDES = st.lists(
    st.sampled_from(VALID_NAMES), min_size=1, max_size=8, unique=True
).flatmap(lambda names: st.fixed_dictionaries({n: VALUE_STRATEGIES[n] for n in names}))


def test_property_strategies_cover_most_parameters() -> None:
    # guards the property tests against silently testing nothing
    assert len(VALID_NAMES) >= len(PARAMETERS) - len(SPECIAL) - 2
    assert {"push.incentive", "network.mean_degree", "vision.mode", "push.reach"} <= set(
        VALID_NAMES
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(VALID_OVERRIDES)
def test_valid_overrides_load_and_round_trip(overrides: dict[str, Any]) -> None:
    scenario = load_scenario(None, overrides)
    flat = scenario.flat()
    for name, value in overrides.items():
        assert flat[name] == value, name
    again = build_scenario(tomllib.loads(to_toml(scenario)), "round trip", {})
    assert again == scenario
    assert again.flat() == flat


@settings(max_examples=50, deadline=None)
@given(
    st.dictionaries(
        st.from_regex(r"[a-z][a-z0-9_]{0,9}", fullmatch=True),
        st.floats(0.01, 100.0),
        min_size=1,
        max_size=6,
    )
)
def test_sector_shares_round_trip_normalised(shares: dict[str, float]) -> None:
    scenario = load_scenario(None, {"population.sectors": shares})
    loaded = scenario.flat()["population.sectors"]
    assert list(loaded) == list(shares)
    assert sum(loaded.values()) == pytest.approx(1.0)
    total = sum(shares.values())
    for name, share in shares.items():
        assert loaded[name] == pytest.approx(share / total)


@st.composite
def out_of_range(draw: st.DrawFn) -> tuple[str, Any]:
    name = draw(st.sampled_from(sorted(NUMERIC)))
    info = NUMERIC[name]
    is_int = info.kind == "int"
    sides = ["below"] if info.high is None else ["below", "above"]
    side = draw(st.sampled_from(sides))
    if side == "above":
        if is_int:
            return name, int(info.high) + draw(st.integers(1, 10**6))
        return name, info.high + draw(st.floats(1e-6, 1e6))
    if not _accepts(name, info.low):  # an exclusive lower bound is itself out of range
        return name, info.low
    if is_int:
        return name, int(info.low) - draw(st.integers(1, 10**6))
    return name, info.low - draw(st.floats(1e-6, 1e6))


@settings(max_examples=150, deadline=None)
@given(out_of_range())
def test_out_of_range_numbers_raise_naming_the_key(case: tuple[str, Any]) -> None:
    name, value = case
    with pytest.raises(ConfigError) as info:
        load_scenario(None, {name: value})
    message = str(info.value)
    assert name in message
    assert "\n" not in message


UNKNOWN_WORD = st.from_regex(r"[a-z][a-z0-9_]{0,14}", fullmatch=True)


@settings(max_examples=100, deadline=None)
@given(UNKNOWN_WORD, st.sampled_from([None, *SECTION_MODELS]), st.integers(0, 5))
def test_unknown_keys_always_raise(word: str, section: str | None, value: int) -> None:
    key = word if section is None else f"{section}.{word}"
    if key in PARAMETERS or (section is None and word in SECTION_MODELS):
        return
    # as an override ...
    with pytest.raises(ConfigError, match="unknown"):
        load_scenario(None, {key: value})
    # ... and inside a scenario file
    data: dict[str, Any] = {word: value} if section is None else {section: {word: value}}
    with pytest.raises(ConfigError, match="unknown key"):
        build_scenario(data, "file.toml", {})


@pytest.mark.parametrize(
    "change", ["'push.incentive' = 9.0", "'vision.mode' = 'shared'", "'push.convener' = 'banks'"]
)
def test_schedule_values_are_validated_when_loading(tmp_path: Path, change: str) -> None:
    text = f"steps = 20\n[[schedule]]\nstep = 5\nset = {{ {change} }}\n"
    message = error_of(write(tmp_path, text))
    assert change.split("'")[1] in message  # names the key


def test_wrong_type_for_reach_is_attributed_to_the_override() -> None:
    message = error_of(None, {"push.reach": 5})
    assert message.startswith("override: push.reach:")
