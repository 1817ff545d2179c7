"""Small helpers shared by the command modules: parsing `key=value` options, reading tables,
writing JSON, printing tables and nested descriptions.

rich, pandas and the rest load inside the helpers that need them, so `--help` stays quick.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from contextlib import ExitStack
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

            # no file given: the console writes to sys.stdout / sys.stderr as they are then;
            # no markup: text such as "[carat, cut]" in a value or a path prints as it is
            self._console = Console(stderr=self._stderr, markup=False)
        return getattr(self._console, name)


out = _LazyConsole(stderr=False)
err = _LazyConsole(stderr=True)


def announce(line: str) -> None:
    """A Dask engine's line (the cluster it runs on) on stderr, as written."""
    err.print(line, markup=False, highlight=False)


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
        if not sep or not key.strip():
            raise ParameterError(f"{option} expects name=value, not {item!r}")
        key = key.strip()
        if key in pairs:
            raise ParameterError(f"{option} {key} is given twice; give each name once")
        pairs[key] = parse_value(value) if typed else value
    return pairs


def given(**options: Any) -> dict[str, Any]:
    """The model parameters whose options were given (not None): the model's own declared
    defaults stand for the others."""
    return {name: value for name, value in options.items() if value is not None}


MODEL_SUFFIX = ".simulacra"


def check_output(path: Path, inputs: list[Path | None], model: bool = False) -> None:
    """Refuse, before any work, an output that would overwrite an input of the same command,
    a model file not named `.simulacra`, a folder, or a place that cannot be written."""
    import os

    if model and path.suffix.lower() != MODEL_SUFFIX:
        raise ParameterError(
            f"{path}: model files end in {MODEL_SUFFIX} (for example "
            f"{path.with_suffix(MODEL_SUFFIX).name}), so no table or other file is overwritten"
        )
    if path.is_dir():
        raise DataError(f"{path}: is a folder; give a file name")
    for source in inputs:
        if source is not None and _same_file(path, source):
            raise DataError(f"{path}: is also an input of this command; write the output elsewhere")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise DataError(f"{parent}: is a file, not a folder, so {path} cannot be written")
    if not os.access(parent, os.W_OK):
        raise DataError(f"{parent}: cannot be written to (read-only or no permission)")


def write_together(writers: dict[Path, Callable[[Path], object]]) -> None:
    """Call each writer on a temporary path beside its target; the targets appear only when
    every writer succeeded, so one command's outputs land together or not at all."""
    from ..io import atomic_path

    if len(set(map(_resolved, writers))) < len(writers):
        raise DataError("two outputs of this command are the same file; give each its own path")
    with ExitStack() as stack:
        temporary = {path: stack.enter_context(atomic_path(path)) for path in writers}
        for path, write in writers.items():
            with status(f"writing {path}"):
                write(temporary[path])


def _resolved(path: Path) -> Path:
    return path.resolve()


def _same_file(a: Path, b: Path) -> bool:
    import os

    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def load_table(path: Path, encoding: str | None = None) -> pd.DataFrame:
    """`read_table` behind a spinner; prints what was assumed about the file (separator,
    decimal commas, ...) as `note:` lines; any error from pandas or pyarrow names the file."""
    from ..io import READ_NOTES, read_table

    with status(f"reading {path}"):
        try:
            table = read_table(path, encoding=encoding)
        except SimulacraError:
            raise
        except (ValueError, TypeError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DataError(f"{path}: cannot be read as a table: {first}") from exc
    for note in table.attrs.get(READ_NOTES, []):
        err.print(f"note: {path}: {note}", markup=False, highlight=False, soft_wrap=True)
    return table


ENGINE_HELP = (
    "local: one process, one file; dask: a folder of Parquet files, one per partition, "
    "written on a Dask cluster (same rows as local)."
)
SCHEDULER_HELP = (
    "With --engine dask: scheduler address, e.g. tcp://host:8786 (default: a LocalCluster "
    "sized to this machine, for this command only)."
)
PARTITIONS_HELP = "With --engine dask: number of files (default: one per 1,000,000 rows)."
ENCODING_HELP = "Text encoding of a CSV or JSON-lines input, e.g. latin-1 (default: UTF-8)."


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
    so no cell is cut. Cells are plain text: brackets in a value are not rich markup."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(title) if title else None, title_justify="left")
    for header in headers:
        table.add_column(Text(header))
    for row in rows:
        table.add_row(*(Text("" if v is None else str(v)) for v in row))
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
