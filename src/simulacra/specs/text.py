"""Text columns of a specification: Faker fields and templates built from other columns.

Templates are parsed here, not handed to `str.format`, so a placeholder can only name a column
(`{owner}`, `{`Plan Estimate`}` is written `{Plan Estimate}`) with an optional format spec
(`{score:.2f}`, `{created:%Y-%m}`); nothing else in the text is interpreted.

Sizes a spec could blow up are bounded: a template's text (MAX_TEMPLATE_CHARS), the width and
precision of a number format (MAX_FORMAT_WIDTH), a date format (MAX_FORMAT_CHARS) and each
value a template makes (MAX_TEMPLATE_OUTPUT, checked before the text is joined), and Faker's
pool of distinct values (MAX_FAKER_POOL).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from faker import Faker
from faker.config import AVAILABLE_LOCALES
from faker.providers.lorem.en_US import Provider as _LoremProvider

from ..errors import ParameterError
from ..pii import PROVIDERS, fake_values
from .columns import MAX_FORMAT_CHARS, Arrays, Chunk, ColumnSpec

# Faker providers a spec may call (a fixed list: a spec cannot name any other Faker method).
FAKER_PROVIDERS = tuple(
    sorted(
        set(PROVIDERS)
        | {
            "paragraph",
            "text",
            "word",
            "catch_phrase",
            "bs",
            "job",
            "country",
            "user_name",
            "url",
            "color_name",
            "license_plate",
            "postcode",
            "company_email",
            "domain_name",
        }
    )
)
_POOL = 20_000
MAX_FAKER_POOL = 1_000_000  # distinct Faker values drawn for one column
MAX_TEMPLATE_CHARS = 2_000  # the text of a template
MAX_FORMAT_WIDTH = 100  # width and precision in a number format such as `{x:>10.2f}`
MAX_TEMPLATE_OUTPUT = 10_000  # characters of each value a template makes
LOREM_WORDS: tuple[str, ...] = tuple(_LoremProvider.word_list)


_LOREM = ("sentence", "paragraph", "text", "word")


class FakerSpec(ColumnSpec):
    """Values from a Faker provider, seeded.

    `words`/`sentences` size sentences and paragraphs, `max_chars` truncates, `pool` caps how many
    distinct values are drawn from Faker (rows then pick from that pool: an organisation has a few
    hundred owners, not one per row). Lorem text (sentence, paragraph, text, word) is composed
    from Faker's English word list with numpy, which is ~50x faster than calling Faker per row.
    """

    type = "faker"
    required = frozenset({"provider"})
    optional = frozenset({"words", "sentences", "max_chars", "locale", "pool"})

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        super().__init__(name, options)
        self.provider = options["provider"]
        if self.provider not in FAKER_PROVIDERS:
            raise ParameterError(
                f"{self.where}: unknown Faker provider '{self.provider}' "
                f"(use one of {', '.join(FAKER_PROVIDERS)})"
            )
        self.words = self.number("words", low=1, high=200, integer=True)
        self.sentences = self.number("sentences", low=1, high=50, integer=True)
        self.max_chars = self.number("max_chars", low=1, integer=True)
        if self.words is not None and self.provider != "sentence":
            raise ParameterError(f"{self.where}: 'words' only applies to provider sentence")
        if self.sentences is not None and self.provider != "paragraph":
            raise ParameterError(f"{self.where}: 'sentences' only applies to provider paragraph")
        self.locale = str(options.get("locale", "en_US"))
        if self.locale not in AVAILABLE_LOCALES:
            raise ParameterError(f"{self.where}: unknown Faker locale '{self.locale}'")
        pool = self.number("pool", _POOL, low=1, high=MAX_FAKER_POOL, integer=True)
        self.pool = int(pool or _POOL)

    def setup(self, rng: np.random.Generator, total: int) -> Any:
        """The pool of Faker values rows pick from (lorem text needs none)."""
        if self.provider in _LOREM and self.locale == "en_US":
            return None
        seed = int(rng.integers(0, 2**31))
        size = min(total, self.pool)
        plain = self.words is None and self.sentences is None and self.locale == "en_US"
        if plain and self.provider in PROVIDERS:
            return fake_values(self.provider, size, seed, pool=size)
        return self._faker_pool(size, seed)

    def generate(self, values: Arrays, chunk: Chunk) -> Arrays:
        pool: np.ndarray | None = chunk.state
        if pool is None:
            out = self._lorem(chunk.n, chunk.rng)
        elif chunk.offset + chunk.n <= len(pool):  # small tables: each row its own value
            out = pool[chunk.offset : chunk.offset + chunk.n]
        else:
            out = pool[chunk.rng.integers(0, len(pool), chunk.n)]
        if self.max_chars is not None:
            limit = int(self.max_chars)
            out = np.array([v[:limit].rstrip() for v in out], dtype=object)
        return {self.name: out}

    def _faker_pool(self, size: int, seed: int) -> np.ndarray:
        faker = Faker(self.locale)
        faker.seed_instance(seed)
        make = getattr(faker, self.provider)
        kwargs: dict[str, int] = {}
        if self.words is not None:
            kwargs["nb_words"] = int(self.words)
        if self.sentences is not None:
            kwargs["nb_sentences"] = int(self.sentences)
        return np.array([str(make(**kwargs)).replace("\n", " ") for _ in range(size)], dtype=object)

    def _lorem(self, n: int, rng: np.random.Generator) -> np.ndarray:
        words = np.asarray(LOREM_WORDS, dtype=object)
        if self.provider == "word":
            return words[rng.integers(0, len(words), n)]
        per_sentence = int(self.words or 6)
        if self.provider == "sentence":
            counts = np.ones(n, dtype=np.int64)
        else:
            counts = _around(rng, int(self.sentences or (5 if self.provider == "text" else 3)), n)
        lengths = _around(rng, per_sentence, int(counts.sum()))
        picks = words[rng.integers(0, len(words), int(lengths.sum()))].tolist()
        sentences, pos = [], 0
        for length in lengths.tolist():
            chunk = picks[pos : pos + length]
            pos += length
            sentences.append(" ".join(chunk).capitalize() + ".")
        out, pos = [], 0
        for count in counts.tolist():
            out.append(" ".join(sentences[pos : pos + count]))
            pos += count
        return np.array(out, dtype=object)


def _around(rng: np.random.Generator, mean: int, n: int) -> np.ndarray:
    """Counts within +-40% of `mean` (at least 1), like Faker's variable lengths."""
    low, high = max(1, round(mean * 0.6)), max(1, round(mean * 1.4))
    return rng.integers(low, high, n, endpoint=True)


_PLACEHOLDER = re.compile(r"\{([^{}:]+)(?::([^{}]*))?\}")
_NUMBER_SPEC = re.compile(r"^[<>^=]?[+\- ]?0?(?P<width>\d*),?(?:\.(?P<precision>\d+))?[dfeEgG%]?$")


class TemplateSpec(ColumnSpec):
    """Text with `{column}` placeholders filled from other columns, row by row."""

    type = "template"
    required = frozenset({"template"})

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        super().__init__(name, options)
        text = options["template"]
        if not isinstance(text, str):
            raise ParameterError(f"{self.where}: 'template' must be text")
        if len(text) > MAX_TEMPLATE_CHARS:
            raise ParameterError(
                f"{self.where}: template of {len(text):,} characters, more than the limit of "
                f"{MAX_TEMPLATE_CHARS:,}"
            )
        self.pieces: list[str | tuple[str, str | None]] = []
        pos = 0
        for match in _PLACEHOLDER.finditer(text):
            self.pieces.append(text[pos : match.start()])
            self.pieces.append((match.group(1).strip(), match.group(2)))
            pos = match.end()
        self.pieces.append(text[pos:])
        literal = "".join(p for p in self.pieces if isinstance(p, str))
        if "{" in literal or "}" in literal:
            at = text.find("{" if "{" in literal else "}")
            raise ParameterError(f"{self.where}: unbalanced brace in template at position {at + 1}")
        for piece in self.pieces:
            if isinstance(piece, tuple) and piece[1] is not None:
                self._check_format(piece[1])

    def _check_format(self, spec: str) -> None:
        """Refuse formats whose output alone could be huge (`{x:>1000000000}`)."""
        if len(spec) > MAX_FORMAT_CHARS:
            raise ParameterError(
                f"{self.where}: format '{spec[:20]}...' is longer than the limit of "
                f"{MAX_FORMAT_CHARS} characters"
            )
        number = _NUMBER_SPEC.match(spec)
        if number is None:
            return
        for part in ("width", "precision"):
            size = number.group(part)
            if size and int(size) > MAX_FORMAT_WIDTH:
                raise ParameterError(
                    f"{self.where}: format '{spec}' asks for a {part} of {int(size):,}, more "
                    f"than the limit of {MAX_FORMAT_WIDTH}"
                )

    @property
    def depends(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p[0] for p in self.pieces if isinstance(p, tuple)))

    def generate(self, values: Arrays, chunk: Chunk) -> Arrays:
        texts = [
            np.full(chunk.n, piece, dtype=object)
            if isinstance(piece, str)
            else self._text(values[piece[0]], piece[0], piece[1])
            for piece in self.pieces
        ]
        # measured before joining: a template repeating a long column could make gigabytes
        lengths = np.zeros(chunk.n, dtype=np.int64)
        for text in texts:
            lengths += np.fromiter((len(str(v)) for v in text), dtype=np.int64, count=chunk.n)
        if chunk.n and int(lengths.max()) > MAX_TEMPLATE_OUTPUT:
            raise ParameterError(
                f"{self.where}: template makes values of {int(lengths.max()):,} characters, "
                f"more than the limit of {MAX_TEMPLATE_OUTPUT:,}"
            )
        out = np.full(chunk.n, "", dtype=object)
        for text in texts:
            out = out + text
        return {self.name: out}

    def _text(self, array: np.ndarray, column: str, spec: str | None) -> np.ndarray:
        if array.dtype.kind == "M":
            stamps = pd.Series(array.astype("datetime64[s]"))
            text = stamps.dt.strftime(spec or "%Y-%m-%d")
            return text.to_numpy(dtype=object)
        if spec is None:
            if (
                array.dtype.kind == "f"
                and np.all(np.isfinite(array))
                and np.all(array == np.round(array))
            ):
                return array.astype(np.int64).astype(str).astype(object)
            return array.astype(str).astype(object)
        if array.dtype.kind not in "iuf" or not _NUMBER_SPEC.match(spec):
            raise ParameterError(
                f"{self.where}: format '{spec}' does not apply to column '{column}'"
            )
        return np.array([format(v, spec) for v in array.tolist()], dtype=object)
