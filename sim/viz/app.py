"""The pushpull browser explorer: a Solara page around a Mesa model.

Run with ``pushpull viz`` (or ``python -m sim.viz``). Each browser session (one
Solara kernel) renders its own :func:`Page`, so each gets its own
:class:`~sim.viz.explorer.ExplorerSession` and model: a class of students can explore
side by side without disturbing each other.

Why not ``mesa.visualization.SolaraViz``: its component grid is Solara's
``GridDraggable``, which with ipyvue 3 fails in the browser ("GlobalVue.use is not a
function") and leaves the main area blank, and its reset rebuilds the model from
fixed slider defaults, so a preset could not update the sliders. The page keeps
Mesa's pattern (reactive model, step / play / reset, a sidebar of parameters) with
components that work offline and update in place.

Environment variables read at start: ``PUSHPULL_VIZ_PRESET`` (starting preset) and
``PUSHPULL_VIZ_SIZE`` (starting number of actors).
"""

from __future__ import annotations

import os
import time

import solara

from sim.viz.explorer import LEVERS, ExplorerSession, Lever
from sim.viz.figures import NetworkFigure, TimeSeriesFigure

TITLE = "pushpull explorer"
MIN_DELAY_MS = 20


def _new_session() -> ExplorerSession:
    size = os.environ.get("PUSHPULL_VIZ_SIZE")
    return ExplorerSession(os.environ.get("PUSHPULL_VIZ_PRESET"), int(size) if size else None)


@solara.component
def LeverControl(session: ExplorerSession, lever: Lever, value, on_change) -> None:
    """One slider or select bound to a lever of the session.

    ``value`` is passed in (not read from the session here) because the props decide
    whether this re-renders: a preset or a withdrawal changes it from outside.
    """

    def change(new_value) -> None:
        session.set_lever(lever.key, new_value)
        on_change()

    if lever.kind == "select":
        choices = list(lever.choices)
        if value not in choices:
            choices.append(value)  # a preset's list of sectors, shown as "a, b"
        solara.Select(lever.label, values=choices, value=value, on_value=change)
    else:
        shown = f"{int(value)}" if lever.kind == "int" else f"{float(value):.2f}"
        # The value is shown in a text line above a label-less slider: long labels
        # beside the track would squeeze it, and a class can read the value off a
        # projected screen.
        with solara.Div(classes=[f"pp-lever-{lever.key}"]):
            solara.Text(f"{lever.label}: {shown}", style={"font-size": "0.9em"})
            slider = solara.SliderInt if lever.kind == "int" else solara.SliderFloat
            cast = int if lever.kind == "int" else float
            slider(
                "",
                value=cast(value),
                min=cast(lever.low),
                max=cast(lever.high),
                step=cast(lever.step),
                on_value=change,
            )


@solara.component
def Controls(session: ExplorerSession, playing: solara.Reactive[bool], refresh) -> None:
    """Step, play/pause, reset and withdraw-incentives buttons."""

    def step() -> None:
        refresh(controls=session.step())

    def reset() -> None:
        playing.value = False
        session.reset()
        refresh(controls=True)

    def withdraw() -> None:
        session.withdraw_incentives()
        refresh(controls=True)

    with solara.Row(justify="space-between"):
        solara.Button(
            "Step", on_click=step, color="primary", disabled=playing.value, classes=["pp-step"]
        )
        solara.Button(
            "Pause" if playing.value else "Play",
            color="primary",
            on_click=lambda: playing.set(not playing.value),
            classes=["pp-play"],
        )
        solara.Button("Reset", on_click=reset, color="primary", classes=["pp-reset"])
    solara.Button(
        "Withdraw incentives",
        on_click=withdraw,
        color="error",
        outlined=True,
        classes=["pp-withdraw"],
        style={"margin-top": "8px", "width": "100%"},
    )


@solara.component
def Sidebar(
    session: ExplorerSession,
    playing: solara.Reactive[bool],
    controls_version: solara.Reactive[int],
    refresh,
) -> None:
    """Preset selector, run controls, and the levers.

    Reads ``controls_version`` (bumped by lever, preset and reset changes, not by
    steps), so playing re-renders only the figures, not a dozen controls per frame.
    """
    controls_version.get()

    def choose(preset: str) -> None:
        playing.value = False
        session.choose_preset(preset)
        refresh(controls=True)

    with solara.Card("Run"):
        Controls(session, playing, refresh)
    with solara.Card("Scenario"):
        solara.Select("Preset", values=session.presets, value=session.preset, on_value=choose)
        for lever in LEVERS:
            LeverControl(session, lever, session.values[lever.key], lambda: refresh(controls=True))
        if session.error:
            solara.Error(session.error)


@solara.component
def Figures(session: ExplorerSession, version: solara.Reactive[int]) -> None:
    """Status line, network and time series of the current model, redrawn each version."""
    drawn = version.get()
    model = session.model
    # Figures are rebuilt only for a new model (reset, preset); frames just update them.
    network = solara.use_memo(lambda: NetworkFigure(model), [id(model)])
    series = solara.use_memo(lambda: TimeSeriesFigure(model), [id(model)])
    with session.lock:
        net_png = network.png(model)
        series_png = series.png(model.metrics_frame())
        incentive = model.params.push.incentive
        text = (
            f"Step {session.step_count} · participation {session.participation:.3f} · "
            f"incentive {incentive:.2f} · preset {session.preset}"
        )
    # After the render pass is committed: lets the play loop continue (see wait_drawn).
    solara.use_effect(lambda: session.mark_drawn(drawn), [drawn])
    solara.Text(text, classes=["pp-status"], style={"font-size": "1.1em", "font-weight": "500"})
    with solara.Columns([5, 7]):
        solara.Image(net_png, width="100%", classes=["pp-network"])
        solara.Image(series_png, width="100%", classes=["pp-timeseries"])


@solara.component
def Page() -> None:
    """The explorer page (one per browser session)."""
    session = solara.use_memo(_new_session, [])
    version = solara.use_reactive(0)
    controls_version = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    delay_ms = solara.use_reactive(30)

    def refresh(controls: bool = False) -> None:
        version.value = session.version
        if controls:
            controls_version.value += 1

    def play_loop() -> None:
        # Runs in a worker thread. It waits until each frame is drawn, then pauses at
        # least MIN_DELAY_MS, so a render started by a click (pause, a slider) finishes
        # before the next step changes state again.
        while playing.value:
            refresh(controls=session.step())
            session.wait_drawn()
            time.sleep(max(delay_ms.value, MIN_DELAY_MS) / 1000)

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)

    solara.Title(TITLE)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar():
        Sidebar(session, playing, controls_version, refresh)
        with solara.Card("Speed"):
            solara.SliderInt("Delay between frames (ms)", value=delay_ms, min=0, max=500, step=10)
    Figures(session, version)
