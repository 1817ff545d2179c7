"""Unique identifiers from a pattern such as ``US{6 digits}``.

Pattern language (shared with dataset specifications): literal text with placeholders
``{N digits}`` (0-9), ``{N letters}`` (A-Z), ``{N lower}`` (a-z), ``{N hex}`` (0-9a-f),
``{uuid}`` (a random UUID4) and ``{int}`` (consecutive integers from a start value).

Identifiers are drawn without replacement through an affine permutation of the pattern's
space, so any number of rows can be streamed in chunks and every id stays unique.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass

import numpy as np

from . import seeding
from .errors import DataError

ALPHABETS = {
    "digits": "0123456789",
    "letters": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "lower": "abcdefghijklmnopqrstuvwxyz",
    "hex": "0123456789abcdef",
}
_PLACEHOLDER = re.compile(r"\{(?:(\d+) (digits|letters|lower|hex)|(uuid)|(int))\}")


@dataclass(frozen=True)
class IdPattern:
    """A parsed pattern: literal pieces and (alphabet, width) placeholders."""

    text: str
    pieces: tuple[str | tuple[str, int], ...]

    @classmethod
    def parse(cls, text: str) -> IdPattern:
        pieces: list[str | tuple[str, int]] = []
        pos = 0
        for match in _PLACEHOLDER.finditer(text):
            if match.start() > pos:
                pieces.append(text[pos : match.start()])
            if match.group(3):
                pieces.append(("uuid", 0))
            elif match.group(4):
                pieces.append(("int", 0))
            else:
                pieces.append((match.group(2), int(match.group(1))))
            pos = match.end()
        if pos < len(text):
            pieces.append(text[pos:])
        if "{" in "".join(p for p in pieces if isinstance(p, str)):
            raise DataError(
                f"id pattern '{text}': unknown placeholder (use {{N digits}}, "
                "{N letters}, {N lower}, {N hex}, {uuid} or {int})"
            )
        if not any(isinstance(p, tuple) for p in pieces):
            raise DataError(f"id pattern '{text}' has no placeholder, so its ids cannot be unique")
        return cls(text, tuple(pieces))

    @property
    def space(self) -> int | None:
        """How many distinct ids the pattern can make (None: unbounded)."""
        size = 1
        for piece in self.pieces:
            if isinstance(piece, tuple):
                kind, width = piece
                if kind in ("uuid", "int"):
                    return None
                size *= len(ALPHABETS[kind]) ** width
        return size


def generate_ids(pattern: str, start: int, count: int, seed: int, first: int = 0) -> np.ndarray:
    """Ids number `start` .. `start + count - 1` of the seeded permutation of `pattern`'s space.

    `first` is the starting value of an ``{int}`` placeholder.
    """
    parsed = IdPattern.parse(pattern)
    space = parsed.space
    index = np.arange(start, start + count, dtype=np.int64)
    if space is not None and start + count > space:
        raise DataError(
            f"id pattern '{pattern}' has only {space:,} distinct values; "
            f"cannot make {start + count:,} unique ids"
        )
    if space is not None:
        index = _permute(index, space, seed)
    out = np.full(count, "", dtype=object)
    rng = seeding.rng(seed, "ids", 1, start)
    for piece in reversed(parsed.pieces):
        if isinstance(piece, str):
            text = np.full(count, piece, dtype=object)
        else:
            kind, width = piece
            if kind == "int":
                text = (np.arange(start, start + count, dtype=np.int64) + first).astype(str)
            elif kind == "uuid":
                raw = rng.integers(0, 256, size=(count, 16), dtype=np.uint8)
                text = np.array([str(uuid.UUID(bytes=r.tobytes(), version=4)) for r in raw])
            else:
                text, index = _digits_of(index, ALPHABETS[kind], width)
        out = text.astype(object) + out
    return out


def _permute(index: np.ndarray, space: int, seed: int) -> np.ndarray:
    """A bijection of range(space): (a * i + b) mod space with a coprime to space."""
    rng = seeding.rng(seed, "ids", 0)
    a = int(rng.integers(1, 2**62)) % space or 1
    while math.gcd(a, space) != 1:
        a = (a + 1) % space or 1
    b = int(rng.integers(0, 2**62)) % space
    if space < 2**31:
        return (index * (a % space) + b) % space
    values = [(int(i) * a + b) % space for i in index]
    return np.array(values, dtype=object)


def _digits_of(index: np.ndarray, alphabet: str, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The last `width` base-len(alphabet) digits of `index`, and the quotient left over."""
    base = len(alphabet)
    chars = np.array(list(alphabet), dtype=object)
    text = np.full(len(index), "", dtype=object)
    rest = index
    for _ in range(width):
        text = chars[(rest % base).astype(np.int64)] + text
        rest = rest // base
    return text, rest


_RUN = re.compile(r"[0-9]+|[A-Z]+|[a-z]+|[^0-9A-Za-z]+")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_HEX = re.compile(r"^[0-9a-f]+$")


def infer_pattern(values: list[str]) -> str | None:
    """A pattern that every value matches, or None when the values have no common shape.

    Runs of one character class that never change stay literal text; runs that change
    become placeholders of their width (all values must share the same widths). Lowercase
    hexadecimal tokens of one width (at least 8) are ``{N hex}``; UUIDs are ``{uuid}``.
    """
    if not values:
        return None
    if all(_UUID.match(v) for v in values):
        return "{uuid}"
    width = len(values[0])
    hexes = all(len(v) == width and _HEX.match(v) for v in values)
    if width >= 8 and hexes and any(not v.isdigit() for v in values):
        return f"{{{width} hex}}"  # tokens and hashes: digits and a-f in any order
    runs = [_RUN.findall(v) for v in values]
    shape = [(len(r), _class_of(r)) for r in runs[0]]
    if any([(len(r), _class_of(r)) for r in rr] != shape for rr in runs):
        return None
    parts = []
    for pos, (width, kind) in enumerate(shape):
        distinct = {rr[pos] for rr in runs}
        if len(distinct) == 1:
            parts.append(next(iter(distinct)).replace("{", "").replace("}", ""))
        elif kind == "other":
            return None
        else:
            parts.append(f"{{{width} {kind}}}")
    pattern = "".join(parts)
    return pattern if "{" in pattern else None


def _class_of(run: str) -> str:
    if run.isdigit():
        return "digits"
    if run.isupper():
        return "letters"
    if run.islower():
        return "lower"
    return "other"
