"""Small helpers shared by the command modules: parsing `key=value` options, reading tables,
writing JSON, printing tables and nested descriptions.

rich, pandas and the rest load inside the helpers that need them, so `--help` stays quick.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._progress import status
from ..errors import DataError, ParameterError, SimulacraError

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console


class _LazyConsole:
    """A rich Console, made on first use: `out.print(...)` as with the Console itself."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            # no file given: the console writes to sys.stdout / sys.stderr as they are then
            self._console = Console(stderr=self._stderr)
        return getattr(self._console, name)


out = _LazyConsole(stderr=False)
err = _LazyConsole(stderr=True)

SHOWN_ITEMS = 8  # a list longer than this prints as its first values, its last and its length


def parse_value(text: str) -> Any:
    """A JSON scalar if `text` is one (42, 0.5, true, null), else the text itself."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return value if isinstance(value, int | float | bool | str | list) or value is None else text


def parse_pairs(items: list[str] | None, option: str, typed: bool = True) -> dict[str, Any]:
    """`["a=1", "b=x"]` -> {"a": 1, "b": "x"}; a malformed item names the option."""
    pairs: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ParameterError(f"{option} expects name=value, not {item!r}")
        pairs[key.strip()] = parse_value(value) if typed else value
    return pairs


def load_table(path: Path) -> pd.DataFrame:
    """`read_table` behind a spinner; any error from pandas or pyarrow names the file."""
    from ..io import read_table

    with status(f"reading {path}"):
        try:
            return read_table(path)
        except SimulacraError:
            raise
        except (ValueError, TypeError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DataError(f"{path}: cannot be read as a table: {first}") from exc


def write_json(path: Path, data: Any) -> Path:
    """Write `data` as indented JSON atomically (numpy values become plain numbers)."""
    from ..io import atomic_path

    with status(f"writing {path}"), atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=_plain) + "\n", encoding="utf-8")
    return path


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy arrays and scalars, torch tensors
        return value.tolist()
    return str(value)


def print_table(title: str, headers: list[str], rows: list[list[Any]]) -> None:
    """A table on stdout; piped or captured output gets 160 columns, not rich's default 80,
    so no cell is cut."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title or None, title_justify="left")
    for header in headers:
        table.add_column(header)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    (out if out.is_terminal else Console(width=max(out.width, 160))).print(table)


def print_details(title: str, details: Mapping[str, Any]) -> None:
    """Print a nested description (a model's `describe()`), whatever its keys.

    The plain entries make one name/value table under `title`. A dict whose values are all
    dicts (one per column, network or loss) makes a table with a row per entry; any other dict
    makes its own section, and so on down. Long lists are shortened; `--json` keeps everything.
    """
    out.print(title, markup=False, highlight=False, style="bold", soft_wrap=True)
    plain = [[key, short(value)] for key, value in details.items() if not _is_section(value)]
    if plain:
        print_table("", ["name", "value"], plain)
    for key, value in details.items():
        if not _is_section(value):
            continue
        if all(isinstance(v, Mapping) for v in value.values()):
            headers = list(dict.fromkeys(h for record in value.values() for h in record))
            rows = [
                [name, *(short(record[h]) if h in record else "" for h in headers)]
                for name, record in value.items()
            ]
            out.print(
                f"{key} ({len(rows)})", markup=False, highlight=False, style="bold", soft_wrap=True
            )
            print_table("", ["name", *headers], rows)
        else:
            print_details(key, value)


def _is_section(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value)


def short(value: Any) -> str:
    """A value in a few characters: floats to 4 significant digits, long lists shortened."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={short(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, list | tuple) for v in value):
            return f"{len(value)} x {len(value[0])} values"
        if len(value) > SHOWN_ITEMS:
            head = ", ".join(short(v) for v in value[: SHOWN_ITEMS - 2])
            return f"[{head}, ..., {short(value[-1])}] ({len(value)} values)"
        return "[" + ", ".join(short(v) for v in value) + "]"
    return str(value)
