"""Small helpers shared by the command modules: parsing `key=value` options, printing tables."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from ..errors import ParameterError

out = Console()
err = Console(file=sys.stderr)


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


def print_table(title: str, headers: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title, title_justify="left")
    for header in headers:
        table.add_column(header)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    out.print(table)
