"""The SolaraViz page's model and lever logic, without a browser (test_browser has that)."""

from __future__ import annotations

from collections.abc import Iterator

import ipyvue
import pytest
import solara

from sim.config import bundled_scenarios, load_scenario
from sim.viz import app
from sim.viz.explorer import DEFAULTS_LABEL, LEVERS, lever_values


@pytest.fixture(autouse=True)
def fresh_levers() -> Iterator[None]:
    """Outside a Solara kernel the session reactives are plain globals: restore them."""
    saved = app.preset_choice.value, {k: r.value for k, r in app.lever_choice.items()}
    app.lever_choice["population_size"].value = 60
    yield
    app.preset_choice.value = saved[0]
    for key, value in saved[1].items():
        app.lever_choice[key].value = value


def test_grid_patched_only_for_ipyvue3() -> None:
    patched = solara.GridDraggable.__name__ == "stacked_components"
    assert patched == (int(ipyvue.__version__.split(".")[0]) >= 3)


def test_model_params_are_bound_to_session_state() -> None:
    params = app.model_params()
    assert list(params) == ["preset", *(lever.key for lever in LEVERS)]
    assert params["preset"]["value"] is app.preset_choice
    assert params["preset"]["values"] == [DEFAULTS_LABEL, *bundled_scenarios()]
    for lever in LEVERS:
        assert params[lever.key]["value"] is app.lever_choice[lever.key]
        assert params[lever.key]["label"] == lever.label
    for name in bundled_scenarios():  # every preset's reach can be shown
        assert lever_values(load_scenario(name))["reach"] in params["reach"]["values"]


def test_session_model_unwraps_reactives_and_ignores_mesa_scenario() -> None:
    model = app.SessionModel(
        preset=solara.Reactive(DEFAULTS_LABEL),
        scenario=object(),
        incentive=solara.Reactive(0.3),
        population_size=50,
    )
    assert model.params.push.incentive == pytest.approx(0.3)
    assert model.state.sector.size == 50
    assert model.error is None
    model.step()
    assert model.steps == 1


def test_session_model_falls_back_on_invalid_values() -> None:
    model = app.SessionModel(incentive=-1.0, population_size=50)
    assert model.error and "push.incentive" in model.error
    assert model.steps == 0


def test_sync_applies_live_levers_only() -> None:
    model = app._session_model()
    assert not app.sync_levers(model)
    app.lever_choice["incentive"].value = 0.7
    app.lever_choice["population_size"].value = 100
    assert app.sync_levers(model)
    assert model.params.push.incentive == pytest.approx(0.7)
    assert model.state.sector.size == 60  # structural: only on reset
    assert not app.sync_levers(model)


def test_scheduled_change_moves_the_lever() -> None:
    if "push_then_withdraw" not in bundled_scenarios():
        pytest.skip("preset push_then_withdraw not bundled")
    model = solara.Reactive(app._session_model())
    app.load_preset(model, "push_then_withdraw")
    assert model.value.preset == "push_then_withdraw"
    assert app.lever_choice["incentive"].value > 0
    assert app.lever_choice["population_size"].value == 60  # the chosen size survives
    for _ in range(151):
        model.value.step()
        app.sync_levers(model.value)
    assert app.lever_choice["incentive"].value == 0.0


def test_presets_include_the_accountability_scenarios() -> None:
    params = app.model_params()
    for name in ("mutual_accountability", "imposed_rules", "leaders_cascade"):
        assert name in app.PRESETS
        assert name in params["preset"]["values"]
    assert "recognition" in params["kind"]["values"]
    assert params["rules"]["values"][:3] == ["none", "imposed", "co_created"]


def test_preset_loads_accountability_levers_and_they_apply_live() -> None:
    model = solara.Reactive(app._session_model())
    app.load_preset(model, "mutual_accountability")
    acc = load_scenario("mutual_accountability").accountability
    assert app.lever_choice["measurement"].value == acc.measurement
    assert app.lever_choice["peer_sanction"].value == acc.peer_sanction
    assert app.lever_choice["rules"].value == "co_created"
    app.lever_choice["rules"].value = "imposed"
    app.lever_choice["leaders_incentive"].value = 0.4
    app.lever_choice["kind"].value = "recognition"
    assert app.sync_levers(model.value)
    assert model.value.params.accountability.rules == "imposed"
    assert model.value.params.leaders.incentive == pytest.approx(0.4)
    assert model.value.params.push.kind == "recognition"
