"""Browser explorer for pushpull (Solara + Mesa); start it with ``pushpull viz``.

Importing this package is cheap: Solara is imported only by :mod:`sim.viz.app`.
"""
