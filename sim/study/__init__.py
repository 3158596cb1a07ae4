"""The study: one experiment per question of the project, run together into one report.

``pushpull study`` (see :mod:`sim.study.commands`) runs every experiment listed in
``experiments/study.toml`` through the sweep engine and writes ``results/study/REPORT.md``.
"""
