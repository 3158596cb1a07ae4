"""Reading scenarios: TOML files, bundled names, dotted overrides, and one-line errors.

Every way bad input can arrive (a misspelled key, a wrong type, a value out of range, an unknown
sector, a schedule step beyond ``steps``, unreadable TOML) ends here as a :class:`ConfigError`
whose message is one line naming the file, the key and what is allowed.
"""

from __future__ import annotations

import copy
import difflib
import math
import re
import tomllib
import warnings
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from sim import config as schema

REPO_SCENARIOS = Path(__file__).resolve().parents[1] / "experiments" / "scenarios"
#: Largest scenario or experiment file read (real ones are a few kB; /dev/zero is endless).
MAX_FILE_BYTES = 1_000_000
#: Deepest nesting of tables and arrays accepted (a scenario needs 4).
MAX_DEPTH = 20
#: Longest echo of a bad value in an error line.
MAX_ECHO = 60


class ConfigError(ValueError):
    """Bad scenario input; ``str(error)`` is one line fit for a user's terminal."""


class ScenarioNote(UserWarning):
    """Input that is used, but not quite as written (e.g. sector shares renormalised)."""


#: Top-level keys only an experiment file has: a scenario file with one is the wrong kind.
EXPERIMENT_KEYS = ("base", "replications", "variants", "sweep", "fixed", "output")


def scenario_dirs() -> list[Path]:
    """Where bundled scenarios live: the source tree, then the installed package data."""
    dirs = [REPO_SCENARIOS]
    packaged = resources.files("sim") / "_scenarios"
    if packaged.is_dir():
        dirs.append(Path(str(packaged)))
    return [d for d in dirs if d.is_dir()]


def bundled_scenarios() -> list[str]:
    """Names of the bundled scenarios, sorted."""
    return sorted({p.stem for d in scenario_dirs() for p in d.glob("*.toml")})


def resolve_scenario_path(spec: str | Path) -> Path:
    """Turn a scenario name or path into an existing file path (raises ConfigError)."""
    try:
        return _scenario_path(spec)
    except OSError as exc:  # e.g. a name too long for the file system
        raise ConfigError(f"{spec}: not a usable scenario name or path: {exc.strerror}") from None


def _scenario_path(spec: str | Path) -> Path:
    path = Path(spec)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise ConfigError(f"{spec}: no such scenario file")
        return path
    for directory in scenario_dirs():
        candidate = directory / f"{spec}.toml"
        if candidate.is_file():
            return candidate
    names = bundled_scenarios()
    hint = _suggest(str(spec), names)
    raise ConfigError(f"{spec}: no such scenario{hint}; bundled: {', '.join(names)}")


def read_text(path: Path) -> str:
    """A scenario or experiment file's text (raises ConfigError: unreadable, too big, binary)."""
    try:
        if path.exists() and not path.is_file():
            raise ConfigError(f"{path}: not a regular file")
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_FILE_BYTES // 1000} kB; not a scenario")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """Parse TOML text; syntax errors and absurd nesting become one-line ConfigErrors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{source}: nested deeper than {MAX_DEPTH} levels") from None
    if _depth(data) > MAX_DEPTH:
        raise ConfigError(f"{source}: nested deeper than {MAX_DEPTH} levels")
    return data


def _depth(value: Any) -> int:
    """Nesting depth of tables and arrays, without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level <= MAX_DEPTH:
            children = item.values() if isinstance(item, dict) else item
            if isinstance(item, dict | list):
                stack.extend((child, level + 1) for child in children)
    return deepest


def read_toml(path: Path) -> dict[str, Any]:
    """Read and parse a TOML file; every problem is a one-line ConfigError."""
    return parse_toml(read_text(path), str(path))


def safe_name(stem: str) -> str:
    """A file stem made into a valid scenario name (it also names the output folder)."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", stem).lstrip("_.-")[:100]
    return name or "custom"


Labels = str | Mapping[str, str]


def load_scenario(
    spec: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    override_label: Labels = "override",
) -> schema.Scenario:
    """Load a scenario by bundled name or path, apply dotted overrides and validate.

    Args:
        spec: bundled scenario name, path to a TOML file, or None for the defaults.
        overrides: ``{dotted.name: value}`` applied on top of the file.
        override_label: how errors name the source of an override: one label (the CLI's
            ``--set``), or a mapping from dotted name to the option that set it (e.g.
            ``{"steps": "--steps"}``) whose ``"*"`` entry labels the other overrides.

    Raises:
        ConfigError: with a one-line message naming the source, the key and what is allowed.
    """
    if spec is None:
        data: dict[str, Any] = {}
        source = "defaults"
    else:
        path = resolve_scenario_path(spec)
        data, source = read_toml(path), str(path)
        _check_not_experiment(data, source)
        data.setdefault("name", safe_name(path.stem))
    return build_scenario(data, source, overrides or {}, override_label)


def _check_not_experiment(data: dict[str, Any], source: str) -> None:
    found = [key for key in EXPERIMENT_KEYS if key in data]
    if found:
        raise ConfigError(
            f"{source}: this is an experiment file (it has {', '.join(found)}), not a "
            f"scenario; run it with: pushpull sweep {source}"
        )


def build_scenario(
    data: dict[str, Any],
    source: str,
    overrides: dict[str, Any],
    override_label: Labels = "override",
) -> schema.Scenario:
    """Validate a nested mapping plus dotted overrides into a Scenario."""
    data = copy.deepcopy(data)
    for key, value in overrides.items():
        _set_dotted(data, key, value, _label(override_label, key))
    _check_schedule_keys(data.get("schedule"), source)
    try:
        scenario = schema.Scenario.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source, overrides, override_label)) from None
    _check_schedule_values(scenario, source)
    _note_renormalised_shares(
        data,
        source
        if "population.sectors" not in overrides
        else _label(override_label, "population.sectors"),
    )
    return scenario


def _label(labels: Labels, key: str) -> str:
    """The name of the option that supplied the override ``key``."""
    if isinstance(labels, str):
        return labels
    return labels.get(key, labels.get("*", "override"))


def _note_renormalised_shares(data: dict[str, Any], source: str) -> None:
    """Say (as a :class:`ScenarioNote` warning) when sector shares do not sum to 1."""
    sectors = (data.get("population") or {}).get("sectors")
    if not isinstance(sectors, dict) or not sectors:
        return
    total = sum(sectors.values())
    if math.isclose(total, 1.0, rel_tol=1e-9):
        return
    shares = ", ".join(f"{name} {share / total:.3g}" for name, share in sectors.items())
    warnings.warn(
        f"{source}: population.sectors: shares sum to {total:g}, not 1; used as proportions "
        f"({shares})",
        ScenarioNote,
        stacklevel=2,
    )


def _check_schedule_values(scenario: schema.Scenario, source: str) -> None:
    """Apply the phases in order now, so a bad value fails at load time, not mid-run."""
    current = scenario.model_dump(mode="python", exclude={"schedule"})
    for phase in sorted(scenario.schedule, key=lambda p: p.step):
        for key, value in phase.set.items():
            _set_dotted(current, key, value, source)
        try:
            schema.Scenario.model_validate(current)
        except ValidationError as exc:
            detail = format_validation_error(exc, "", {}).removeprefix(": ")
            raise ConfigError(f"{source}: schedule (step {phase.step}): {detail}") from None


def apply_overrides(scenario: schema.Scenario, overrides: dict[str, Any]) -> schema.Scenario:
    """A validated copy of ``scenario`` with dotted overrides applied."""
    return build_scenario(scenario.model_dump(mode="python"), "overrides", overrides)


def to_toml(scenario: schema.Scenario) -> str:
    """The fully resolved scenario as TOML (``None`` values, i.e. unlimited, are left out)."""
    return tomli_w.dumps(_drop_none(scenario.model_dump(mode="python")))


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def _set_dotted(data: dict[str, Any], key: str, value: Any, source: str) -> None:
    if key not in schema.PARAMETERS:
        raise ConfigError(
            f"{source}: {key}: unknown parameter{_suggest(key, list(schema.PARAMETERS))}"
        )
    parts = key.split(".")
    target = data
    for part in parts[:-1]:
        target = target.setdefault(part, {})
        if not isinstance(target, dict):
            raise ConfigError(f"{source}: {part}: must be a table")
    target[parts[-1]] = value


def _check_schedule_keys(schedule: Any, source: str) -> None:
    if not isinstance(schedule, list):
        return
    for phase in schedule:
        changes = phase.get("set") if isinstance(phase, dict) else None
        if not isinstance(changes, dict):
            continue
        for key in changes:
            if key not in schema.PARAMETERS:
                hint = _suggest(key, list(schema.PARAMETERS))
                raise ConfigError(f"{source}: schedule: unknown parameter {key!r}{hint}")
            if not schema.changeable_mid_run(key):
                allowed = ", ".join(schema.SECTIONS_CHANGEABLE_MID_RUN)
                raise ConfigError(
                    f"{source}: schedule: {key} cannot change mid-run; allowed sections: {allowed}"
                )


def format_validation_error(
    exc: ValidationError,
    source: str,
    overrides: dict[str, Any],
    override_label: Labels = "override",
) -> str:
    """One line for the first validation error: source, dotted key, problem, what is allowed.

    An override that came from an option of its own (``--steps``) is named by that option
    alone; one from a generic option (``--set``) by the option and the dotted key.
    """
    errors = exc.errors()
    # An unknown key is the likelier root cause (a misspelling) than the missing one.
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    ctx_error = (error.get("ctx") or {}).get("error")
    if isinstance(ctx_error, schema.KeyedError):
        return f"{_where(ctx_error.key, source, overrides, override_label)}: {ctx_error}"
    if _in_phase(error["loc"]):
        return f"{source}: {_phase_error(error)}"
    key = _param_key(error["loc"])
    where = _where(key, source, overrides, override_label)
    if error["type"] == "extra_forbidden":
        return f"{where}: {_unknown_key(key)}"
    info = schema.PARAMETERS.get(key)
    allowed = f"; allowed: {info.allowed()}" if info else ""
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "string_pattern_mismatch" and key == "name":
        message = "must be 1-100 letters, digits, '_', '.' or '-', starting with a letter or digit"
        allowed = ""
    return f"{where}: {message} (got {_echo(error.get('input'))}){allowed}"


def _where(key: str, source: str, overrides: dict[str, Any], labels: Labels) -> str:
    if key not in overrides:
        return f"{source}: {key}"
    label = _label(labels, key)
    own_option = not isinstance(labels, str) and key in labels
    return label if own_option else f"{label}: {key}"


def _unknown_key(key: str) -> str:
    hint = _suggest(key, list(schema.PARAMETERS) + list(schema.SECTION_MODELS))
    return f"unknown key{hint}"


def _in_phase(loc: tuple) -> bool:
    return len(loc) >= 3 and loc[0] == "schedule" and isinstance(loc[1], int)


def _phase_error(error: dict) -> str:
    """An error inside one ``[[schedule]]`` phase, naming the phase and its key."""
    where = f"schedule (phase {error['loc'][1] + 1})"
    key = str(error["loc"][2])
    allowed = list(schema.Phase.model_fields)
    if error["type"] == "extra_forbidden":
        hint = _suggest(key, allowed)
        return f"{where}: unknown key {key!r}{hint}; allowed: {', '.join(allowed)}"
    if error["type"] == "missing":
        return f"{where}: required key {key!r} is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {key}: {message} (got {_echo(error.get('input'))})"


def _echo(value: Any) -> str:
    """A bad value for an error line: its repr, cut short (a value can be megabytes)."""
    text = repr(value)
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 3] + "..."


def _param_key(loc: tuple) -> str:
    """The dotted parameter a pydantic error location points into (drops union-member parts)."""
    parts = [str(part) for part in loc]
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in schema.PARAMETERS:
            return ".".join(parts[:end])
    return ".".join(parts)


def _suggest(word: str, candidates: list[str]) -> str:
    match = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    if not match:
        tail = word.split(".")[-1]
        match = [c for c in candidates if c.split(".")[-1] == tail][:1]
    return f" (did you mean {match[0]!r}?)" if match else ""
