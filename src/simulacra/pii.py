"""Personal fields: detection by column name and value shape, and replacement with Faker.

Real values of a PII column are never modelled or stored: only the provider name and the
share of nulls are kept, and synthetic values come from Faker.
"""

from __future__ import annotations

import re

import numpy as np

from . import seeding

PROVIDERS = (
    "name",
    "first_name",
    "last_name",
    "email",
    "phone_number",
    "address",
    "street_address",
    "city",
    "ssn",
    "ipv4",
    "company",
    "sentence",
)

_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_PHONE = re.compile(r"^\+?[\d\s().-]{7,20}(\s*(x|ext\.?)\s*\d+)?$")
_SSN = re.compile(r"^\d{3}-\d{2}-\d{4}$")
_IPV4 = re.compile(r"^(\d{1,3}\.){3}\d{1,3}$")
_PERSON = re.compile(r"^[A-Z][a-zA-Z'-]+( [A-Z]\.?)?( [A-Z][a-zA-Z'-]+){0,2}$")
_SINGLE_NAME = re.compile(r"^[A-Z][a-zA-Z'-]+$")
_ADDRESS = re.compile(r"^\d+ [\w .'-]+")

_PERSON_HINTS = (
    "name",
    "owner",
    "customer",
    "author",
    "person",
    "employee",
    "contact",
    "assignee",
    "manager",
    "patient",
    "user",
)


def column_words(column: str) -> list[str]:
    """A column name's words, lower case: split at anything but letters and digits and where
    camelCase turns ('nameFirst': name, first)."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", column)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def detect_provider(column: str, values: list[str]) -> str | None:
    """The Faker provider that fits a string column, or None if it does not look personal.

    Value patterns decide for emails, SSNs and IPv4 addresses; names, phones and addresses also
    need a hint in the column name, so that product names or codes are not taken for PII; a
    city, a first name and a last name need at least 50 distinct values (a handful of cities
    or of capitalised words is a category, not a person).
    """
    if not values:
        return None
    words = set(column_words(column))

    def share(pattern: re.Pattern[str]) -> float:
        return sum(bool(pattern.match(v)) for v in values) / len(values)

    if share(_EMAIL) >= 0.9:
        return "email"
    if share(_SSN) >= 0.9 and ("ssn" in words or "social" in words):
        return "ssn"
    if share(_IPV4) >= 0.9:
        return "ipv4"
    if words & {"phone", "tel", "telephone", "mobile", "cell", "fax"} and share(_PHONE) >= 0.9:
        return "phone_number"
    if words & {"address", "street", "addr"} and share(_ADDRESS) >= 0.7:
        return "street_address" if "street" in words else "address"
    many = len(set(values)) >= 50
    if words & {"city", "town"} and many and share(_SINGLE_NAME) + share(_PERSON) >= 0.9:
        return "city"
    if {"first", "given"} & words or "firstname" in words:
        return "first_name" if many and share(_SINGLE_NAME) >= 0.9 else None
    if {"last", "surname", "family"} & words or "lastname" in words:
        return "last_name" if many and share(_SINGLE_NAME) >= 0.9 else None
    if words & set(_PERSON_HINTS) and share(_PERSON) >= 0.9:
        multi = sum(" " in v for v in values) / len(values)
        return "name" if multi >= 0.5 else None
    return None


def fake_values(provider: str, count: int, seed: int, pool: int = 20_000) -> np.ndarray:
    """`count` fake values from `provider`, drawn from a seeded pool of at most `pool` values.

    A pool keeps the cost bounded for millions of rows (Faker makes ~100k values a second).
    """
    if provider not in PROVIDERS:
        raise ValueError(f"unknown PII provider '{provider}' (use one of {', '.join(PROVIDERS)})")
    from faker import Faker  # here, not at the top: 40 ms of every command's start-up

    faker = Faker("en_US")
    faker.seed_instance(seeding.integer(seed, "faker", 0))
    make = getattr(faker, provider)
    size = min(count, pool)
    values = np.array([str(make()).replace("\n", ", ") for _ in range(size)], dtype=object)
    if size == count:
        return values
    rng = seeding.rng(seed, "faker", 1)
    return values[rng.integers(0, size, count)]
