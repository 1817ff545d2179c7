"""New short strings (usernames, codes, plates) from a character model of a column's values.

A Markov chain over characters, with contexts of up to `ORDER` previous characters, learns
which character follows which. Only what at least `min_count` values share is kept: a
context-to-character step seen fewer times is dropped, and generation backs off to a shorter
context, so no single real value can be spelled out from what is stored. Strings are drawn
once, at fit, into a pool; a drawn string equal to a real value is thrown away, so the pool
(the only thing stored with the model) holds no real value.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict

import numpy as np

ORDER = 3
_START, _END = "\x02", "\x03"
# draws in a row without a new string before the chain is taken as used up
_STALE = 2_000
# reshaped real values tried per missing pool string
_TRIES = 5


def learn_strings(
    values: list[str],
    size: int,
    rng: np.random.Generator,
    min_count: int = 1,
    exclude: set[str] | None = None,
) -> list[str]:
    """Up to `size` distinct strings drawn from a character model of `values`, none of them
    one of `values` or `exclude`. Falls back to strings of the same shape (a letter for a
    letter, a digit for a digit) when the chain can only spell real values."""
    real = set(values) | (exclude or set())
    steps = _steps(values, max(min_count, 1))
    longest = max((len(v) for v in values), default=1) + 2
    pool: dict[str, None] = {}
    idle = 0  # draws in a row that added nothing: the chain's space is used up
    while len(pool) < size and idle < _STALE:
        text = _draw(steps, rng.random(longest), longest)
        if text and text not in real and text not in pool:
            pool[text] = None
            idle = 0
        else:
            idle += 1
    if len(pool) < size:
        for text in _reshaped(values, size * _TRIES, rng):
            if len(pool) >= size:
                break
            if text not in real:
                pool[text] = None
    return list(pool)


def _steps(values: list[str], min_count: int) -> dict[str, tuple[list[str], list[float]]]:
    """Context -> (next characters, cumulative probabilities), keeping steps seen at least
    `min_count` times; the empty context keeps every character if none is that common."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for value in values:
        padded = _START * ORDER + value + _END
        for i in range(ORDER, len(padded)):
            for k in range(ORDER + 1):
                counts[padded[i - k : i]][padded[i]] += 1
    steps = {}
    for context, nxt in counts.items():
        kept = {c: n for c, n in nxt.items() if n >= min_count}
        if not kept and context == "":
            kept = dict(nxt)
        if kept:
            chars = sorted(kept)
            weights = np.array([kept[c] for c in chars], dtype=np.float64)
            steps[context] = (chars, (np.cumsum(weights) / weights.sum()).tolist())
    return steps


def _draw(
    steps: dict[str, tuple[list[str], list[float]]], uniforms: np.ndarray, longest: int
) -> str:
    text = _START * ORDER
    for u in uniforms[:longest].tolist():
        context = text[-ORDER:]
        while context not in steps:
            context = context[1:]
        chars, cumulative = steps[context]
        char = chars[min(bisect.bisect_left(cumulative, u), len(chars) - 1)]
        if char == _END:
            break
        text += char
    return text[ORDER:]


_CLASSES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _reshaped(values: list[str], count: int, rng: np.random.Generator) -> list[str]:
    """Real values with every letter and digit replaced by a random one of its class."""
    out = []
    for i in rng.integers(0, len(values), count) if values else []:
        chars = []
        for char in values[int(i)]:
            alphabet = next((a for a in _CLASSES if char in a), None)
            chars.append(alphabet[int(rng.integers(len(alphabet)))] if alphabet else char)
        out.append("".join(chars))
    return out
