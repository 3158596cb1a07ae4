"""Validation: published findings run as experiments against the default parameter set."""
