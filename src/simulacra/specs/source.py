"""Reading a specification's text into plain data, with every size the text decides bounded.

YAML is read with the safe loader only (no tags that build Python objects, so no input runs
code). Before anything is built, one pass over the parser's events measures the document as it
would be once every alias is expanded: an alias bomb (`a: &a [x, x]`, `b: &b [*a, *a]`, ...)
or an alias to a node that contains it is refused by arithmetic on node counts, without
expanding anything. JSON has no aliases; its nesting is measured on the text before parsing.

Limits (each a ParameterError naming the file, what is too big and the limit):

- MAX_SPEC_BYTES: the text of a specification;
- MAX_SPEC_DEPTH: nesting of mappings and lists, aliases expanded;
- MAX_SPEC_NODES: values, mappings and lists together, aliases expanded.
"""

from __future__ import annotations

import json
import re
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..errors import ParameterError

MAX_SPEC_BYTES = 1_000_000
MAX_SPEC_DEPTH = 32
MAX_SPEC_NODES = 1_000_000

# libyaml when it is built, else the pure-Python parser: both with the safe constructor
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def read_file(path: Path) -> str:
    """The text of a specification file, refused unread when it is larger than MAX_SPEC_BYTES."""
    if not path.exists():
        raise ParameterError(f"{path}: no such specification file")
    size = path.stat().st_size
    if size > MAX_SPEC_BYTES:
        raise ParameterError(
            f"{path}: specification file of {size:,} bytes, more than the limit of "
            f"{MAX_SPEC_BYTES:,}"
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ParameterError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def load_text(text: str, where: str) -> Any:
    """The data of a YAML or JSON text (JSON when it starts with `{`); `where` names it."""
    if len(text) > MAX_SPEC_BYTES:
        raise ParameterError(
            f"{where}: specification of {len(text):,} characters, more than the limit of "
            f"{MAX_SPEC_BYTES:,}"
        )
    is_json = text.lstrip().startswith("{")
    try:
        if is_json:
            _check_json_depth(text, where)
            return json.loads(text, object_pairs_hook=partial(_unique_keys, where))
        _check_yaml_size(text, where)
        return yaml.load(text, Loader=_LOADER)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        if isinstance(exc, ParameterError):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ParameterError(f"{where}: not valid YAML/JSON ({first})") from exc


def _unique_keys(where: str, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refused when it names a key twice (the parser keeps the last)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ParameterError(
                f"{where}: '{key}' is defined twice in the same object; the second would "
                "silently replace the first: rename or remove one"
            )
        out[key] = value
    return out


def _check_json_depth(text: str, where: str) -> None:
    """Refuse JSON nested deeper than MAX_SPEC_DEPTH (the parser would recurse that deep)."""
    # unclosed strings are left in; the parser reports them once the depth is known to be fine
    codes = np.frombuffer(_JSON_STRING.sub('""', text).encode("utf-8"), dtype=np.uint8)
    steps = np.isin(codes, (ord("{"), ord("["))).astype(np.int64)
    steps -= np.isin(codes, (ord("}"), ord("]")))
    depth = int(np.cumsum(steps).max()) if len(steps) else 0
    if depth > MAX_SPEC_DEPTH:
        raise ParameterError(
            f"{where}: JSON nested {depth} levels deep, more than the limit of {MAX_SPEC_DEPTH}"
        )


class _Open:
    """A mapping or list being read: its anchor, its nodes so far and its deepest child; for
    a mapping, the keys read so far (with their lines), whether the next node is a key, and
    the key the mapping itself is the value of."""

    __slots__ = ("anchor", "nodes", "depth", "mapping", "keys", "at_key", "key", "name")

    def __init__(self, anchor: str | None, mapping: bool, name: str | None) -> None:
        self.anchor = anchor
        self.nodes = 1
        self.depth = 0
        self.mapping = mapping
        self.keys: dict[str, int] = {}
        self.at_key = True
        self.key: str | None = None
        self.name = name

    def place(self, key: str | None, line: int, where: str) -> str | None:
        """Count one node of this mapping: a key (refused if read before: YAML keeps the
        last silently) or a value, whose key is returned."""
        if not self.mapping:
            return None
        if not self.at_key:
            self.at_key = True
            return self.key
        self.at_key = False
        self.key = key
        if key is None or key == "<<":  # a complex key, or a merge
            return None
        if key in self.keys:
            what = f"column '{key}'" if self.name == "columns" else f"key '{key}'"
            raise ParameterError(
                f"{where}: {what} is defined twice (lines {self.keys[key]} and {line}); "
                "the second would silently replace the first: rename or remove one"
            )
        self.keys[key] = line
        return None


def _check_yaml_size(text: str, where: str) -> None:
    """Measure the YAML document with every alias expanded, from parser events only."""
    measured: dict[str, tuple[int, int]] = {}  # anchor -> (nodes, depth) once complete
    stack: list[_Open] = []

    def add(nodes: int, depth: int) -> None:
        if not stack:
            return
        parent = stack[-1]
        parent.nodes += nodes
        parent.depth = max(parent.depth, depth)
        if parent.nodes > MAX_SPEC_NODES:
            raise ParameterError(
                f"{where}: more than {MAX_SPEC_NODES:,} values once its aliases are expanded "
                "(an alias bomb?)"
            )
        if len(stack) + depth > MAX_SPEC_DEPTH:
            raise ParameterError(
                f"{where}: nested more than {MAX_SPEC_DEPTH} levels deep once its aliases are "
                "expanded"
            )

    def place(key: str | None, event: Any) -> str | None:
        return stack[-1].place(key, event.start_mark.line + 1, where) if stack else None

    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.CollectionStartEvent):
            name = place(None, event)
            stack.append(_Open(event.anchor, isinstance(event, yaml.MappingStartEvent), name))
            if len(stack) > MAX_SPEC_DEPTH:
                raise ParameterError(
                    f"{where}: nested more than {MAX_SPEC_DEPTH} levels deep (the limit)"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            done = stack.pop()
            if done.anchor is not None:
                measured[done.anchor] = (done.nodes, done.depth + 1)
            add(done.nodes, done.depth + 1)
        elif isinstance(event, yaml.ScalarEvent):
            place(event.value, event)
            if event.anchor is not None:
                measured[event.anchor] = (1, 0)
            add(1, 0)
        elif isinstance(event, yaml.AliasEvent):
            place(None, event)
            if event.anchor not in measured:
                # the loader names an undefined anchor itself; an open one would contain itself
                if any(o.anchor == event.anchor for o in stack):
                    raise ParameterError(
                        f"{where}: alias *{event.anchor} refers to a node that contains it"
                    )
                continue
            add(*measured[event.anchor])
