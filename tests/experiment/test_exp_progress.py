"""The sweep's progress bar labels its times, so elapsed time never reads as time left."""

from __future__ import annotations

import io

from rich.console import Console

from sim.experiment import progress


def test_bar_says_elapsed_and_remaining(monkeypatch):
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=False)
    monkeypatch.setattr(progress, "err_console", console)
    bar = progress.ProgressBar("demo", "demo: 4 runs")
    with bar as (on_start, on_batch):
        on_start(4, 0)
        on_batch(2, 1)
        bar.progress.refresh()
    text = buffer.getvalue()
    assert "demo: 4 runs" in text
    assert "2/4 runs, 1 failed, elapsed 0:00:0" in text and "remaining" in text


def test_quiet_bar_prints_nothing(monkeypatch):
    buffer = io.StringIO()
    monkeypatch.setattr(progress, "err_console", Console(file=buffer))
    with progress.ProgressBar("demo", "demo: 4 runs", quiet=True) as (on_start, on_batch):
        on_start(4, 2)
        on_batch(2, 0)
    assert buffer.getvalue() == ""
