"""The model's mechanisms, one module each; each docstring states its equation and sources."""
