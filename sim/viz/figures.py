"""Matplotlib (Agg) drawings for the explorer: the actor network and the time series.

Each frame is sent to the browser as a PNG. Redrawing a whole figure costs 70-120 ms
on a small machine, almost all of it axes, ticks and text that do not change between
steps. So each figure is drawn once without its changing artists (nodes, lines,
title), that background is kept, and a frame only restores it and draws the changing
artists on top (matplotlib "blitting"), which takes a few milliseconds. Axis limits
grow in doublings, so the background is redrawn only a handful of times per run.
``matplotlib.figure.Figure`` is used directly, never pyplot, so figures are not
registered globally and are freed with the session.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from sim.mechanisms import leaders

if TYPE_CHECKING:
    import pandas as pd

    from sim.viz.explorer import ExplorerModel

SECTOR_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
DPI = 80
LEADER_PUSHING = "#e6a800"  # gold outline: a leader pushing inside her organisation
MAX_DRAWN_TIES = 4000  # beyond this, draw a random sample: the picture looks the same


def sector_colour(index: int) -> str:
    """Colour of the sector with this index (cycles after ten sectors)."""
    return SECTOR_COLOURS[index % len(SECTOR_COLOURS)]


class _Blitter:
    """Render a figure as PNG, redrawing only its animated artists when possible.

    Args:
        figure: the figure; an Agg canvas is attached.
        animated: artists that change every frame (drawn on top of the background).
    """

    def __init__(self, figure: Figure, animated: list[Artist]) -> None:
        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self.animated = animated
        for artist in animated:
            artist.set_animated(True)  # excluded from the full draw of the background
        self._background = None
        self._key: tuple | None = None

    def _limits(self) -> tuple:
        return tuple((*ax.get_xlim(), *ax.get_ylim()) for ax in self.figure.axes)

    def png(self) -> bytes:
        """The current frame as PNG bytes."""
        key = self._limits()
        if self._background is None or key != self._key:
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._key = key
        self.canvas.restore_region(self._background)
        for artist in self.animated:
            if artist.axes is not None:
                artist.axes.draw_artist(artist)
            else:
                self.figure.draw_artist(artist)
        buffer = io.BytesIO()
        # Fast compression: these PNGs live for one frame; size matters less than time.
        Image.frombuffer(
            "RGBA", self.canvas.get_width_height(), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1
        ).save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


def _tie_segments(model: ExplorerModel) -> np.ndarray:
    """Line segments (M x 2 x 2) for the ties, each undirected tie once."""
    net = model.network
    if getattr(net, "well_mixed", False) or net.indices.size == 0:
        return np.zeros((0, 2, 2))
    rows = np.repeat(np.arange(net.indptr.size - 1), np.diff(net.indptr))
    keep = rows < net.indices  # CSR stores each tie in both directions
    src, dst = rows[keep], net.indices[keep]
    if src.size > MAX_DRAWN_TIES:
        pick = np.random.default_rng(0).choice(src.size, MAX_DRAWN_TIES, replace=False)
        src, dst = src[pick], dst[pick]
    return np.stack([model.positions[src], model.positions[dst]], axis=1)


class NetworkFigure:
    """The actor network: colour = sector, filled = acting, size = intrinsic motivation.

    Organisation leaders are drawn as diamonds on top of the other actors; a leader
    who pushes inside her organisation (pulled in, aligned, ``leaders.incentive`` > 0)
    gets a gold outline, so a class sees the cascade start.

    Args:
        model: the model whose network and layout are drawn.
    """

    def __init__(self, model: ExplorerModel) -> None:
        self.figure = Figure(figsize=(5.6, 5.0), dpi=DPI)
        self.figure.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.93)
        ax = self.figure.add_subplot()
        ax.set_axis_off()
        ax.add_collection(
            LineCollection(
                _tie_segments(model), colors="#999999", linewidths=0.4, alpha=0.35, zorder=1
            )
        )
        self._base = np.array([to_rgba(sector_colour(i)) for i in model.state.sector])
        self._leader = np.asarray(model.state.leader, dtype=bool)
        pos = model.positions
        member, lead = pos[~self._leader], pos[self._leader]
        self.nodes = ax.scatter(member[:, 0], member[:, 1], s=20, linewidths=0.6, zorder=2)
        self.leaders = ax.scatter(
            lead[:, 0], lead[:, 1], s=40, marker="D", linewidths=1.8, zorder=3
        )
        ax.set_xlim(pos[:, 0].min() - 0.05, pos[:, 0].max() + 0.05)
        ax.set_ylim(pos[:, 1].min() - 0.05, pos[:, 1].max() + 0.05)
        self._legend(ax, model.sector_names)
        self.title = ax.set_title("", fontsize=10)
        self._blitter = _Blitter(self.figure, [self.nodes, self.leaders, self.title])

    @staticmethod
    def _legend(ax, sector_names: list[str]) -> None:
        handles = [
            Line2D([], [], ls="", marker="o", color=sector_colour(i), label=name)
            for i, name in enumerate(sector_names)
        ]
        handles += [
            Line2D([], [], ls="", marker="D", mfc="white", mec="#1a1a1a", label="leader"),
            Line2D(
                [],
                [],
                ls="",
                marker="D",
                mfc="white",
                mec=LEADER_PUSHING,
                mew=1.8,
                label="leader pushing inside",
            ),
        ]
        ax.legend(
            handles=handles,
            loc="lower center",
            ncols=min(len(handles), 4),
            fontsize=8,
            frameon=False,
            bbox_to_anchor=(0.5, -0.02),
        )

    def update(self, model: ExplorerModel) -> Figure:
        """Recolour nodes for the model's current state and return the figure."""
        state = model.state
        acting = np.asarray(state.acting, dtype=bool)
        intrinsic = np.clip(np.asarray(state.intrinsic, dtype=float), 0.0, 1.0)
        face = self._base.copy()
        # Idle actors are drawn faint; how faint follows their intrinsic motivation,
        # so motivated-but-idle actors (ready to join) stand out from the indifferent.
        face[:, 3] = np.where(acting, 1.0, 0.12 + 0.3 * intrinsic)
        edge = np.where(acting[:, None], np.array([[0.1, 0.1, 0.1, 0.9]]), face)
        size = 8 + 70 * intrinsic
        lead = self._leader
        self.nodes.set_facecolors(face[~lead])
        self.nodes.set_edgecolors(edge[~lead])
        self.nodes.set_sizes(size[~lead])
        # Leaders keep a dark outline even when idle, so they can be found at a glance.
        leader_edge = np.where(acting[lead, None], edge[lead], np.array([[0.1, 0.1, 0.1, 0.6]]))
        leader_edge[self._pushing(model)[lead]] = to_rgba(LEADER_PUSHING)
        self.leaders.set_facecolors(face[lead])
        self.leaders.set_edgecolors(leader_edge)
        self.leaders.set_sizes(24 + 70 * intrinsic[lead])
        self.title.set_text(
            f"step {model.steps}: {acting.mean():.0%} acting "
            "(filled = acting, size = intrinsic motivation)"
        )
        return self.figure

    @staticmethod
    def _pushing(model: ExplorerModel) -> np.ndarray:
        """Leaders who push inside their organisation now (the model's own rule)."""
        lead, state = model.params.leaders, model.state
        if lead.incentive <= 0:
            return np.zeros(state.size, dtype=bool)
        return leaders.pushing_leaders(state.leader, state.acting, state.alignment, lead.alignment)

    def png(self, model: ExplorerModel) -> bytes:
        """The network for the model's current state as PNG bytes."""
        self.update(model)
        return self._blitter.png()


PANEL_TITLES = (
    "Participation by sector (black = all)",
    "Intrinsic motivation vs extrinsic pressure",
    "Collective progress (cumulative)",
    "Spend per step (all costs)",
)


def _grown(limit: float, needed: float) -> float:
    """Double ``limit`` until it covers ``needed`` (limits change rarely that way)."""
    while needed > limit:
        limit *= 2
    return limit


class TimeSeriesFigure:
    """Four panels: participation by sector, motivation vs pressure, progress, spend.

    The spend panel shows the total (incentives + convening + accountability, column
    ``spend``) and, thinner, the incentive and accountability parts.

    Args:
        model: the model whose metrics are plotted (its sector names fix the lines).
    """

    def __init__(self, model: ExplorerModel) -> None:
        # Fixed margins: a constrained layout would be recomputed on every full draw.
        self.figure = Figure(figsize=(7.2, 5.0), dpi=DPI)
        self.figure.subplots_adjust(
            left=0.07, right=0.98, bottom=0.09, top=0.95, wspace=0.18, hspace=0.22
        )
        self.axes = self.figure.subplots(2, 2, sharex=True).ravel()
        self.lines: dict[str, Line2D] = {}
        ax = self.axes[0]
        for i, name in enumerate(model.sector_names):
            (self.lines[f"participation_{name}"],) = ax.plot([], [], lw=1.2, color=sector_colour(i))
        # No legend here: the network's legend gives the sector colours.
        (self.lines["participation"],) = ax.plot([], [], lw=2.2, color="black", label="all")
        ax = self.axes[1]
        (self.lines["intrinsic_motivation"],) = ax.plot([], [], color="#2ca02c", label="intrinsic")
        (self.lines["extrinsic_pressure"],) = ax.plot([], [], color="#d62728", label="extrinsic")
        ax.legend(fontsize=7, loc="upper left", frameon=False)
        (self.lines["progress"],) = self.axes[2].plot([], [], color="#9467bd")
        ax = self.axes[3]
        # Total spend, with the two costs a class compares: paying people and holding
        # each other to account (the rest of the total is convening).
        (self.lines["spend"],) = ax.plot([], [], lw=1.8, color="#8c564b", label="total")
        (self.lines["incentive_spend"],) = ax.plot(
            [], [], lw=1.0, ls="--", color="#d62728", label="incentives"
        )
        (self.lines["accountability_spend"],) = ax.plot(
            [], [], lw=1.0, ls=":", color="#1f77b4", label="accountability"
        )
        # Spend can spike anywhere (each revision of the vision is a meeting): the legend
        # is drawn every frame on top of the lines, on a white box, so it stays readable.
        legend = ax.legend(fontsize=7, loc="upper left", framealpha=0.85, edgecolor="none")
        for ax, title in zip(self.axes, PANEL_TITLES, strict=True):
            ax.set_title(title, fontsize=9)
            ax.tick_params(labelsize=7)
            ax.set_ylim(0, 1)
        for ax in self.axes[2:]:
            ax.set_xlabel("step", fontsize=8)
        self.axes[0].set_xlim(0, 50)
        self._blitter = _Blitter(self.figure, [*self.lines.values(), legend])

    def update(self, frame: pd.DataFrame) -> Figure:
        """Put the recorded metrics into the lines, grow the limits, return the figure."""
        steps = frame["step"].to_numpy(dtype=float) if len(frame) else np.zeros(0)
        for column, line in self.lines.items():
            if column in frame:
                line.set_data(steps, frame[column].to_numpy(dtype=float))
        if steps.size:
            self.axes[0].set_xlim(0, _grown(self.axes[0].get_xlim()[1], steps.max()))
        # Participation keeps its fixed 0..1 axis so sectors compare at a glance.
        for ax in self.axes[1:]:
            peak = max(
                (
                    np.nanmax(ln.get_ydata(), initial=0.0)
                    for ln in ax.get_lines()
                    if np.isfinite(ln.get_ydata()).any()
                ),
                default=0.0,
            )
            ax.set_ylim(0, _grown(ax.get_ylim()[1], peak))
        return self.figure

    def png(self, frame: pd.DataFrame) -> bytes:
        """The time series as PNG bytes."""
        self.update(frame)
        return self._blitter.png()
