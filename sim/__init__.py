"""pushpull: why people keep acting together - push (incentives) versus pull (shared vision)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pushpull")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
