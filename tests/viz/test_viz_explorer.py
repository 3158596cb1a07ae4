"""The explorer's model wrapper, session logic and figures, without a browser."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import ConfigError
from sim.viz.explorer import (
    LEVERS,
    ExplorerModel,
    reach_label,
    reach_value,
)
from sim.viz.figures import NetworkFigure, TimeSeriesFigure, _grown

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_levers_name_real_parameters() -> None:
    from sim.config import PARAMETERS

    for lever in LEVERS:
        assert lever.param in PARAMETERS, lever.param


def test_model_applies_levers_as_overrides() -> None:
    model = ExplorerModel(incentive=0.4, vision_mode="co_created", population_size=60, seed=3)
    assert model.params.push.incentive == pytest.approx(0.4)
    assert model.params.vision.mode == "co_created"
    assert model.state.sector.size == 60
    assert model.positions.shape == (60, 2)
    assert np.isfinite(model.positions).all()


def test_model_rejects_unknown_lever_and_bad_value() -> None:
    with pytest.raises(ConfigError):
        ExplorerModel(not_a_lever=1)
    with pytest.raises(ConfigError):
        ExplorerModel(incentive=-1.0, population_size=50)


def test_layout_is_reproducible() -> None:
    a = ExplorerModel(population_size=80, seed=5)
    b = ExplorerModel(population_size=80, seed=5)
    np.testing.assert_allclose(a.positions, b.positions)


def test_reach_round_trip() -> None:
    assert reach_value(reach_label("all")) == "all"
    assert reach_value(reach_label(["business", "academia"])) == ["business", "academia"]


def test_figures_render_png_frames() -> None:
    model = ExplorerModel(population_size=80)
    network, series = NetworkFigure(model), TimeSeriesFigure(model)
    first = network.png(model)
    assert first.startswith(PNG_SIGNATURE)
    assert series.png(model.metrics_frame()).startswith(PNG_SIGNATURE)
    for _ in range(5):
        model.step()
    assert network.png(model) != first
    assert series.png(model.metrics_frame()).startswith(PNG_SIGNATURE)


def test_network_figure_without_ties() -> None:
    model = ExplorerModel(population_size=40)
    model.network = type(model.network)(
        n=40,
        indptr=np.zeros(41, dtype=np.int64),
        indices=np.zeros(0, dtype=np.int64),
        rows=np.zeros(0, dtype=np.int64),
        well_mixed=True,
    )
    assert NetworkFigure(model).png(model).startswith(PNG_SIGNATURE)


def test_limits_grow_by_doubling() -> None:
    assert _grown(1.0, 0.5) == 1.0
    assert _grown(1.0, 3.0) == 4.0


def test_population_is_capped_for_drawing() -> None:
    from sim.config import load_scenario
    from sim.viz.explorer import MAX_ACTORS, lever_values

    big = load_scenario(None, {"population.size": 50_000})
    assert lever_values(big)["population_size"] == MAX_ACTORS


# The accountability and leaders levers (issue 8): each reaches the model's parameter.
NEW_LEVERS = {
    "kind": ("push.kind", "recognition"),
    "measurement": ("accountability.measurement", 0.7),
    "peer_sanction": ("accountability.peer_sanction", 1.2),
    "rules": ("accountability.rules", "co_created"),
    "leaders_incentive": ("leaders.incentive", 0.6),
}


@pytest.mark.parametrize("key", sorted(NEW_LEVERS))
def test_accountability_and_leader_levers_reach_the_model(key: str) -> None:
    from sim.config import load_scenario
    from sim.viz.explorer import LEVERS_BY_KEY, lever_values

    param, value = NEW_LEVERS[key]
    assert LEVERS_BY_KEY[key].param == param
    assert LEVERS_BY_KEY[key].live  # a class moves them while the model runs
    default = load_scenario(None).flat()[param]
    assert default != value
    model = ExplorerModel(population_size=50, **{key: value})
    assert model.params.flat()[param] == value
    assert lever_values(model.params)[key] == value


def test_push_kind_offers_recognition_and_rules_offer_every_regime() -> None:
    from sim.viz.explorer import LEVERS_BY_KEY

    assert LEVERS_BY_KEY["kind"].choices == ("reward", "sanction", "both", "recognition")
    assert LEVERS_BY_KEY["rules"].choices == ("none", "imposed", "co_created")


def test_leaders_are_drawn_as_their_own_markers() -> None:
    model = ExplorerModel("leaders_cascade", population_size=120)
    figure = NetworkFigure(model)
    leader = np.asarray(model.state.leader, dtype=bool)
    assert 0 < leader.sum() < leader.size
    np.testing.assert_allclose(figure.leaders.get_offsets(), model.positions[leader])
    assert len(figure.nodes.get_offsets()) == (~leader).sum()
    labels = [t.get_text() for t in figure.figure.axes[0].get_legend().get_texts()]
    assert "leader" in labels and "leader pushing inside" in labels


def test_pushing_leaders_get_the_gold_outline() -> None:
    from matplotlib.colors import to_rgba

    from sim.viz.figures import LEADER_PUSHING

    model = ExplorerModel("leaders_cascade", population_size=120)
    figure = NetworkFigure(model)
    for _ in range(40):
        model.step()
    figure.update(model)
    gold = np.all(np.isclose(figure.leaders.get_edgecolors(), to_rgba(LEADER_PUSHING)), axis=1)
    assert gold.sum() == figure._pushing(model)[model.state.leader].sum() > 0
    model.set_parameter("leaders.incentive", 0.0)  # no push inside: no gold outline
    figure.update(model)
    gold = np.all(np.isclose(figure.leaders.get_edgecolors(), to_rgba(LEADER_PUSHING)), axis=1)
    assert not gold.any()


def test_spend_panel_plots_total_spend() -> None:
    model = ExplorerModel("mutual_accountability", population_size=60)
    series = TimeSeriesFigure(model)
    for _ in range(5):
        model.step()
    frame = model.metrics_frame()
    series.update(frame)
    np.testing.assert_allclose(series.lines["spend"].get_ydata(), frame["spend"])
    assert frame["spend"].iloc[-1] > 0 == frame["incentive_spend"].sum()  # accountability costs
    assert series.axes[3].get_title().startswith("Spend per step")
