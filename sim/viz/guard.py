"""Server-side checks of every value the browser sends to the explorer's controls.

A Solara page is a set of widgets whose values the browser reports over a websocket. Any
client can send any value for any widget (e.g. a file path as the preset, 4000 actors on a
slider whose maximum is 1000, a word where a number belongs), so nothing the page offers
may be trusted on arrival. The controls here take the place of Solara's sliders, selects
and checkboxes in the explorer's process (Mesa's SolaraViz looks them up on the ``solara``
module when it renders): a value reaches the session's state only if the widget offers it;
anything else is dropped, and the widget keeps its last good value.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

import solara
from solara.components import slider as _solara_slider

LOG = logging.getLogger("pushpull.viz")
_ORIGINAL = {
    "SliderInt": solara.SliderInt,
    "SliderFloat": solara.SliderFloat,
    "Select": solara.Select,
    "Checkbox": solara.Checkbox,
}


def offered_number(value: Any, low: float, high: float, integer: bool) -> int | float | None:
    """``value`` as the slider's number if the slider offers it, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or not low <= value <= high:
        return None
    if integer:
        return int(value) if float(value).is_integer() else None
    return float(value)


def offered_choice(value: Any, values: Sequence[Any]) -> bool:
    """Whether ``value`` is one of a select's options (of the same type: 1 is not True)."""
    return any(value == option and type(value) is type(option) for option in values)


def _refused(label: str, value: Any) -> None:
    LOG.info("refused %r for %r: not offered by the control", str(value)[:40], label)


def _checked_slider(integer: bool) -> Callable:
    def CheckedSlider(  # noqa: N802 - a Solara component, named like one
        label: str,
        value: Any = 0,
        min: float = 0,  # noqa: A002 - Solara's argument names
        max: float = 10,  # noqa: A002
        step: float = 1,
        on_value: Callable[[Any], None] | None = None,
        thumb_label: Any = True,
        tick_labels: Any = False,
        disabled: bool = False,
    ) -> Any:
        reactive_value = solara.use_reactive(value, on_value)

        def set_checked(new: Any) -> None:
            checked = offered_number(new, min, max, integer)
            if checked is None:
                _refused(label, new)
            else:
                reactive_value.set(checked)

        # Solara's sliders cast the browser's value (int("abc") raises in the session);
        # its private _slider draws the same widget without the cast.
        ticks = _solara_slider._produce_tick_labels(tick_labels, min, max, step)
        return _solara_slider._slider(
            reactive_value.value, set_checked, label, min, max, step, thumb_label, ticks, disabled
        )

    CheckedSlider.__name__ = "SliderInt" if integer else "SliderFloat"
    return solara.component(CheckedSlider)


@solara.component
def Select(  # noqa: N802 - a Solara component
    label: str,
    values: list[Any],
    value: Any = None,
    on_value: Callable[[Any], None] | None = None,
    **kwargs: Any,
) -> Any:
    """``solara.Select`` that accepts only one of its ``values``."""
    reactive_value = solara.use_reactive(value, on_value)

    def set_checked(new: Any) -> None:
        if offered_choice(new, values):
            reactive_value.set(new)
        else:
            _refused(label, new)

    return _ORIGINAL["Select"](
        label=label, values=values, value=reactive_value.value, on_value=set_checked, **kwargs
    )


@solara.component
def Checkbox(  # noqa: N802 - a Solara component
    *, label: Any = None, value: Any = True, on_value: Callable | None = None, **kwargs: Any
) -> Any:
    """``solara.Checkbox`` that accepts only True or False."""
    reactive_value = solara.use_reactive(value, on_value)

    def set_checked(new: Any) -> None:
        if isinstance(new, bool):
            reactive_value.set(new)
        else:
            _refused(str(label), new)

    return _ORIGINAL["Checkbox"](
        label=label, value=reactive_value.value, on_value=set_checked, **kwargs
    )


SliderInt = _checked_slider(integer=True)
SliderFloat = _checked_slider(integer=False)


def install() -> None:
    """Make ``solara.SliderInt`` etc. the checked controls, in this process."""
    solara.SliderInt = SliderInt
    solara.SliderFloat = SliderFloat
    solara.Select = Select
    solara.Checkbox = Checkbox
