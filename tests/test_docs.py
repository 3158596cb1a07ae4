"""docs/ODD.md cannot drift silently from the code.

Every parameter, every time-series column, every summary metric and every bundled scenario must
appear in the ODD document, and its generated tables (docs/odd_tables.py) must be current.
Fix a failure with ``python docs/odd_tables.py --write`` (and, for new mechanisms, by describing
them in the text).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sim.config import DEFAULT_SECTORS, PARAMETERS, bundled_scenarios
from sim.metrics import SUMMARY_KEYS, timeseries_columns

DOCS = Path(__file__).resolve().parents[1] / "docs"
ODD = DOCS / "ODD.md"


@pytest.fixture(scope="module")
def odd_text() -> str:
    return ODD.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def odd_tables():
    spec = importlib.util.spec_from_file_location("odd_tables", DOCS / "odd_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", list(PARAMETERS))
def test_every_parameter_is_documented(odd_text: str, name: str) -> None:
    assert f"`{name}`" in odd_text, f"parameter {name} missing from docs/ODD.md"


@pytest.mark.parametrize("column", timeseries_columns(list(DEFAULT_SECTORS)))
def test_every_timeseries_column_is_documented(odd_text: str, column: str) -> None:
    assert f"`{column}`" in odd_text, f"time-series column {column} missing from docs/ODD.md"


@pytest.mark.parametrize("key", SUMMARY_KEYS)
def test_every_summary_metric_is_documented(odd_text: str, key: str) -> None:
    assert f"`{key}`" in odd_text, f"summary metric {key} missing from docs/ODD.md"


@pytest.mark.parametrize("scenario", bundled_scenarios())
def test_every_bundled_scenario_is_mapped(odd_text: str, scenario: str) -> None:
    assert f"`{scenario}`" in odd_text, f"scenario {scenario} missing from docs/ODD.md (1.3)"


def test_generated_tables_are_current(odd_text: str, odd_tables) -> None:
    try:
        fresh = odd_tables.render(odd_text)
    except SystemExit as exc:  # a parameter or metric without an entry in docs/odd_tables.py
        pytest.fail(str(exc))
    assert fresh == odd_text, (
        "docs/ODD.md tables are out of date: run python docs/odd_tables.py --write"
    )


def test_odd_has_all_sections(odd_text: str) -> None:
    for heading in (
        "## 1 Purpose and patterns",
        "## 2 Entities, state variables and scales",
        "## 3 Process overview and scheduling",
        "## 4 Design concepts",
        "## 5 Initialization",
        "## 6 Input data",
        "## 7 Submodels",
        "## References",
    ):
        assert heading in odd_text
