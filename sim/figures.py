"""The figure of one run: participation by sector, motivation and pressure, progress."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

SECTOR_PREFIX = "participation_"


def plot_run(ts: pd.DataFrame, title: str, phase_steps: tuple[int, ...], path: Path) -> None:
    """Write a three-panel PNG of a run's time series; schedule changes are marked."""
    fig, axes = plt.subplots(3, 1, figsize=(8, 9), sharex=True, constrained_layout=True)
    steps = ts["step"]
    sectors = [c for c in ts.columns if c.startswith(SECTOR_PREFIX)]
    ax = axes[0]
    for column in sectors:
        ax.plot(steps, ts[column], lw=1.2, label=column.removeprefix(SECTOR_PREFIX))
    ax.plot(steps, ts["participation"], color="black", lw=2.2, label="all actors")
    ax.set_ylabel("share acting")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(loc="best", fontsize=8, ncol=2)
    ax.set_title(title)
    ax = axes[1]
    ax.plot(steps, ts["intrinsic_motivation"], label="intrinsic motivation")
    ax.plot(steps, ts["extrinsic_pressure"], label="extrinsic pressure")
    ax.plot(steps, ts["ownership"], label="ownership of shared vision")
    ax.plot(steps, ts["cant_not"], label='share who "can\'t NOT" act')
    ax.set_ylabel("mean over actors")
    ax.legend(loc="best", fontsize=8)
    ax = axes[2]
    ax.plot(steps, ts["progress"], color="tab:green", label="cumulative progress")
    ax.set_ylabel("progress")
    ax.set_xlabel("step")
    spend = ax.twinx()
    spend.plot(
        steps, ts["incentive_spend"].cumsum(), color="tab:red", ls="--", label="incentive spend"
    )
    spend.set_ylabel("cumulative incentive spend", color="tab:red")
    ax.legend(loc="upper left", fontsize=8)
    for axis in axes:
        for step in phase_steps:
            axis.axvline(step, color="grey", ls=":", lw=1)
    if phase_steps:
        axes[0].annotate("schedule change", (phase_steps[-1], 1.0), fontsize=8, color="grey")
    fig.savefig(path, dpi=110)
    plt.close(fig)
