"""The pushpull browser explorer: a Mesa ``SolaraViz`` app around :class:`ExplorerModel`.

Run with ``pushpull viz`` (or ``python -m sim.viz``). The page is Mesa's
:func:`mesa.visualization.SolaraViz`:

* its sidebar has Mesa's run controls (step, play / pause, reset, play interval) and
  the model parameters: a preset selector and one slider or select per lever
  (:data:`sim.viz.explorer.LEVERS`);
* its main area has two SolaraViz components (they take the model): a status panel
  (step, participation, lever values, a "withdraw incentives" button) and the figures,
  i.e. the actor network (:func:`NetworkView`) beside the time series
  (:func:`PlotsView`), drawn by :mod:`sim.viz.figures`. They share one panel so that
  they sit side by side in the plain column that replaces SolaraViz's grid (see
  :func:`_patch_grid_for_ipyvue3`).

Each browser session (one Solara kernel) renders its own :func:`Page`, which builds
its own model, and the lever values are session-scoped reactive variables, so a class
of students can explore side by side without disturbing each other.

Beyond stock SolaraViz, where sliders only take effect at the next reset:

* live levers (:attr:`Lever.live`) also change the running model at once, and a
  scenario's scheduled change (e.g. incentives withdrawn at step 151) moves the slider;
* choosing a preset loads its lever values into the sliders and resets the model.

Both work because each parameter's ``value`` is a session-scoped ``solara.Reactive``:
the slider is bound to it (so code can move the slider), and SolaraViz forwards every
change of it to the parameters it rebuilds the model from at reset.

Environment variables read at start: ``PUSHPULL_VIZ_PRESET`` (starting preset) and
``PUSHPULL_VIZ_SIZE`` (starting number of actors).
"""

from __future__ import annotations

import os
import threading
from typing import Any

import ipyvue
import solara

from sim.config import ConfigError, bundled_scenarios, load_scenario
from sim.viz import guard
from sim.viz.explorer import (
    DEFAULTS_LABEL,
    LEVERS,
    LEVERS_BY_KEY,
    ExplorerModel,
    lever_values,
    reach_value,
)
from sim.viz.figures import NetworkFigure, TimeSeriesFigure


def _patch_grid_for_ipyvue3() -> None:
    """Lay out SolaraViz's components in a plain column when ipyvue is 3 or newer.

    Mesa 3.5's ``ComponentsView`` puts the components into ``solara.GridDraggable``.
    With ipyvue 3, Solara's grid widget loads a Vue 2 build of vue-grid-layout, which
    throws "GlobalVue.use is not a function" in the browser and leaves SolaraViz's
    main area blank (https://github.com/projectmesa/mesa/issues/3806). SolaraViz looks
    ``solara.GridDraggable`` up at render time, so replacing it with a column of the
    same items fixes the page; only dragging and resizing the panels is lost. With
    ipyvue < 3 the stock grid works and nothing is patched.
    """
    if int(str(ipyvue.__version__).split(".")[0]) < 3:
        return

    def stacked_components(
        items, grid_layout=None, resizable=True, draggable=True, on_grid_layout=None
    ):
        return solara.Column(children=list(items))

    solara.GridDraggable = stacked_components


_patch_grid_for_ipyvue3()
guard.install()  # every control checks the browser's values on the server (sim.viz.guard)

from mesa.visualization import SolaraViz  # noqa: E402 - after the patch, for clarity
from mesa.visualization.utils import force_update, update_counter  # noqa: E402

TITLE = "pushpull explorer"
# Mesa's default. A frame must render before the next step lands: Solara stops a render loop
# that never settles, and a Pause click is then lost.
PLAY_INTERVAL_MS = 100
PRESETS = [DEFAULTS_LABEL, *bundled_scenarios()]


def _start_values() -> tuple[str, dict[str, Any]]:
    """The starting preset and lever values (from the environment, else the defaults)."""
    preset = os.environ.get("PUSHPULL_VIZ_PRESET") or DEFAULTS_LABEL
    if preset not in PRESETS:
        preset = DEFAULTS_LABEL
    values = lever_values(load_scenario(None if preset == DEFAULTS_LABEL else preset))
    size = os.environ.get("PUSHPULL_VIZ_SIZE")
    if size is not None:
        values["population_size"] = int(size)
    return preset, values


_START_PRESET, _START_VALUES = _start_values()

# Session state. A ``solara.reactive`` made at module level holds one value per
# browser session (kernel); these are the values the sidebar's controls are bound to.
preset_choice = solara.reactive(_START_PRESET)
lever_choice = {lever.key: solara.reactive(_START_VALUES[lever.key]) for lever in LEVERS}
_MODEL_CONTEXT = solara.create_context(None)  # the session's reactive model (for presets)


def _select_values(key: str) -> list[str]:
    """Options of a select lever: its choices plus any other value a preset uses."""
    values = list(LEVERS_BY_KEY[key].choices)
    for name in PRESETS[1:]:
        label = lever_values(load_scenario(name))[key]
        if label not in values:
            values.append(label)  # e.g. a preset's list of sectors, shown as "a, b"
    return values


def model_params() -> dict[str, dict[str, Any]]:
    """SolaraViz's model parameters: the preset and the levers, bound to session state."""
    params: dict[str, dict[str, Any]] = {
        "preset": {"type": "Select", "label": "Preset", "value": preset_choice, "values": PRESETS}
    }
    for lever in LEVERS:
        value = lever_choice[lever.key]
        if lever.kind == "select":
            params[lever.key] = {
                "type": "Select",
                "label": lever.label,
                "value": value,
                "values": _select_values(lever.key),
            }
        else:
            cast = int if lever.kind == "int" else float
            params[lever.key] = {
                "type": "SliderInt" if lever.kind == "int" else "SliderFloat",
                "label": lever.label,
                "value": value,
                "min": cast(lever.low),
                "max": cast(lever.high),
                "step": cast(lever.step),
            }
    return params


def _plain(value: Any) -> Any:
    """A parameter's value: SolaraViz passes a reactive as is until its control moves."""
    return value.value if isinstance(value, solara.Reactive) else value


class SessionModel(ExplorerModel):
    """:class:`ExplorerModel` as SolaraViz builds it (at start and at each reset).

    Adds a lock (SolaraViz steps in a worker thread while the page changes levers),
    the live lever values the page and the model last agreed on, and the last error.
    Values that make an invalid scenario fall back to the preset's own values (an
    exception here would break the page), and the error is shown.

    Args:
        preset: bundled scenario name (or the reactive bound to the preset selector).
        seed: seed of the run (None keeps the preset's).
        scenario: ignored; SolaraViz's reset passes an empty Mesa scenario (the seed
            comes from the preset instead).
        **levers: lever values (or the reactives bound to the lever controls).
    """

    def __init__(
        self, preset: Any = None, seed: Any = None, scenario: Any = None, **levers: Any
    ) -> None:
        self.lock = threading.RLock()
        self.error: str | None = None
        preset, seed = _plain(preset), _plain(seed)
        try:
            super().__init__(preset, seed, **{k: _plain(v) for k, v in levers.items()})
        except ConfigError as exc:
            self.error = str(exc)
            super().__init__(preset if preset in PRESETS else None, seed)
        self.synced = lever_values(self.params)

    def step(self) -> None:
        with self.lock:
            super().step()


def _session_model() -> SessionModel:
    """A model from this session's current preset and lever values."""
    return SessionModel(preset_choice.value, **{k: r.value for k, r in lever_choice.items()})


def sync_levers(model: SessionModel) -> bool:
    """Reconcile the session's live lever values with the running model.

    A lever moved in the page is applied to the model now; a parameter the scenario's
    schedule changed moves its lever. Levers that are not live wait for a reset.

    Returns:
        True if anything changed (the page should redraw).
    """
    moved: dict[str, Any] = {}
    changed = False
    with model.lock:
        current = lever_values(model.params)
        for lever in LEVERS:
            key = lever.key
            if not lever.live:
                continue
            chosen = lever_choice[key].value
            if chosen != model.synced[key]:
                try:
                    model.set_parameter(
                        lever.param, reach_value(chosen) if key == "reach" else chosen
                    )
                    model.error = None
                except ConfigError as exc:
                    model.error = str(exc)
                model.synced[key] = chosen
                changed = True
            elif current[key] != model.synced[key]:
                model.synced[key] = moved[key] = current[key]
    for key, value in moved.items():  # outside the lock: this re-renders the sidebar
        lever_choice[key].value = value
    return changed or bool(moved)


def load_preset(model: solara.Reactive[SessionModel], preset: str) -> None:
    """Load a preset's lever values (keeping the chosen number of actors) and reset."""
    values = lever_values(load_scenario(None if preset == DEFAULTS_LABEL else preset))
    values["population_size"] = lever_choice["population_size"].value
    for key, value in values.items():
        lever_choice[key].value = value
    model.value = SessionModel(preset, **values)


def _lever_text(key: str, value: Any) -> str:
    lever = LEVERS_BY_KEY[key]
    if lever.kind == "float":
        return f"{float(value):.2f}"
    return str(int(value)) if lever.kind == "int" else str(value)


@solara.component
def StatusPanel(model: SessionModel) -> None:
    """Status line, lever values and the "withdraw incentives" button.

    It also applies lever changes to the running model and a new preset (effects that
    run after each render, so they see every step and every lever change).
    """
    update_counter.get()
    chosen = {key: r.value for key, r in lever_choice.items()}  # re-render on any lever
    preset = preset_choice.value
    model_ref = solara.use_context(_MODEL_CONTEXT)

    def apply_levers() -> None:
        if sync_levers(model):
            force_update()

    def apply_preset() -> None:
        if model_ref is not None and preset != model.preset and preset in PRESETS:
            load_preset(model_ref, preset)

    solara.use_effect(apply_levers, None)
    solara.use_effect(apply_preset, [preset])

    with model.lock:
        acting = float(model.state.acting.mean())
        text = (
            f"Step {model.steps} · participation {acting:.3f} · "
            f"incentive {model.params.push.incentive:.2f} · preset {model.preset}"
        )
    # The sliders show no numbers; a class reads the values off a projected screen here.
    levers = " · ".join(
        f"{key.replace('_', ' ')} {_lever_text(key, value)}" for key, value in chosen.items()
    )
    with solara.Row(justify="space-between", style={"align-items": "center"}):
        with solara.Column(gap="2px"):
            solara.Text(
                text, classes=["pp-status"], style={"font-size": "1.1em", "font-weight": "500"}
            )
            solara.Text(levers, classes=["pp-levers"], style={"font-size": "0.8em"})
        solara.Button(
            "Withdraw incentives",
            on_click=lambda: lever_choice["incentive"].set(0.0),
            color="error",
            outlined=True,
            classes=["pp-withdraw"],
        )
    if model.error:
        solara.Error(model.error)


@solara.component
def NetworkView(model: SessionModel) -> None:
    """The actor network (colour = sector, filled = acting, size = intrinsic motivation,
    diamond = an organisation's leader)."""
    update_counter.get()
    # Figures are rebuilt only for a new model (reset, preset); frames just update them.
    figure = solara.use_memo(lambda: NetworkFigure(model), [id(model)])
    with model.lock:
        png = figure.png(model)
    solara.Image(png, width="100%", classes=["pp-network"])


@solara.component
def PlotsView(model: SessionModel) -> None:
    """Participation, motivation, progress and spend (all costs) over time."""
    update_counter.get()
    figure = solara.use_memo(lambda: TimeSeriesFigure(model), [id(model)])
    with model.lock:
        png = figure.png(model.metrics_frame())
    solara.Image(png, width="100%", classes=["pp-timeseries"])


@solara.component
def FiguresView(model: SessionModel) -> None:
    """The network and the plots side by side (one panel of SolaraViz's column)."""
    with solara.Columns([5, 7]):
        NetworkView(model)
        PlotsView(model)


COMPONENTS = [StatusPanel, FiguresView]
MODEL_PARAMS = model_params()


@solara.component
def Page() -> None:
    """The explorer page: one model per browser session, shown by SolaraViz."""
    first = solara.use_memo(_session_model, [])
    model = solara.use_reactive(first)
    solara.provide_context(_MODEL_CONTEXT, model)
    solara.Title(TITLE)
    SolaraViz(
        model,
        components=COMPONENTS,
        model_params=MODEL_PARAMS,
        name=TITLE,
        play_interval=PLAY_INTERVAL_MS,
    )
