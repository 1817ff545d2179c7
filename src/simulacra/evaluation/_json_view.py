"""The typed report as the JSON layout every report file has, and back.

The layout predates the typed report and is kept key for key: each area's object starts with
its verdict (`score`, `verdict`, `sentence`), fidelity's also shows privacy's `far_share` and
`distance_ratio` and ends with the verdict's `caps`, and an unmeasured utility is
`{"score": null, "verdict": "n/a", "sentence": ..., "ratio": null}`. `schema_version` comes
first. Everything else is `_codec.to_plain` of the dataclasses in `schema.py`.
"""

from __future__ import annotations

from typing import Any

from ..errors import DataError
from ._codec import from_plain, to_plain
from .schema import (
    AREAS,
    SCHEMA_VERSION,
    AreaVerdict,
    Bias,
    Cap,
    Diversity,
    Fidelity,
    Overall,
    Privacy,
    Reference,
    Report,
    SequenceScores,
    Settings,
    Utility,
    Verdicts,
)

_VERDICT_KEYS = ("score", "verdict", "sentence")
_SHOWN_FROM_PRIVACY = ("far_share", "distance_ratio")  # in fidelity's object too
_KEYS = ("schema_version", "overall", *AREAS, "reference", "settings", "sequences")


def report_to_plain(report: Report) -> dict[str, Any]:
    """The report's JSON object (see the module docstring)."""
    v = report.verdicts
    privacy = to_plain(report.privacy)
    fidelity = {
        **to_plain(v.fidelity),
        **to_plain(report.fidelity),
        **{key: privacy[key] for key in _SHOWN_FROM_PRIVACY},
        "caps": to_plain(v.fidelity_caps),
    }
    utility = to_plain(report.utility) if report.utility is not None else {"ratio": None}
    sequences = {} if report.sequences is None else {"sequences": to_plain(report.sequences)}
    return {
        "schema_version": SCHEMA_VERSION,
        "overall": to_plain(v.overall),
        "fidelity": fidelity,
        "utility": {**to_plain(v.utility), **utility},
        "diversity": {**to_plain(v.diversity), **to_plain(report.diversity)},
        "privacy": {**to_plain(v.privacy), **privacy},
        "bias": {**to_plain(v.bias), **to_plain(report.bias)},
        "reference": to_plain(report.reference),
        "settings": to_plain(report.settings),
        **sequences,
    }


def report_from_plain(data: Any) -> Report:
    """The typed report of a JSON object of that layout; a DataError names what does not fit."""
    if not isinstance(data, dict):
        raise DataError("a report is a JSON object")
    version = data.get("schema_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DataError(f"schema_version {version!r} is not a version")
    if version > SCHEMA_VERSION:
        raise DataError(
            f"schema_version {version} was written by a newer simulacra; this one reads up to "
            f"{SCHEMA_VERSION}"
        )
    unknown = [key for key in data if key not in _KEYS]
    if unknown:
        raise DataError(f"unknown key(s) {', '.join(map(repr, unknown))} in a report")
    areas = {area: dict(_object(data, area, "report")) for area in AREAS}
    verdicts = {area: _take_verdict(areas[area], area) for area in AREAS}
    fidelity = areas["fidelity"]
    caps = from_plain(tuple[Cap, ...], _pop(fidelity, "caps", "fidelity"), "fidelity.caps")
    for key in _SHOWN_FROM_PRIVACY:
        _pop(fidelity, key, "fidelity")  # privacy's own copy is the one read
    utility = areas["utility"]
    return Report(
        verdicts=Verdicts(
            overall=from_plain(Overall, _object(data, "overall", "report"), "overall"),
            fidelity=verdicts["fidelity"],
            fidelity_caps=caps,
            utility=verdicts["utility"],
            diversity=verdicts["diversity"],
            privacy=verdicts["privacy"],
            bias=verdicts["bias"],
        ),
        fidelity=from_plain(Fidelity, fidelity, "fidelity"),
        utility=None if utility == {"ratio": None} else from_plain(Utility, utility, "utility"),
        diversity=from_plain(Diversity, areas["diversity"], "diversity"),
        privacy=from_plain(Privacy, areas["privacy"], "privacy"),
        bias=from_plain(Bias, areas["bias"], "bias"),
        reference=from_plain(Reference, _object(data, "reference", "report"), "reference"),
        settings=from_plain(Settings, _object(data, "settings", "report"), "settings"),
        sequences=(
            from_plain(SequenceScores, _object(data, "sequences", "report"), "sequences")
            if "sequences" in data
            else None
        ),
    )


def _take_verdict(area: dict[str, Any], where: str) -> AreaVerdict:
    parts = {key: _pop(area, key, where) for key in _VERDICT_KEYS}
    verdict: AreaVerdict = from_plain(AreaVerdict, parts, where)
    return verdict


def _object(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = _pop(dict(data), key, where)
    if not isinstance(value, dict):
        raise DataError(f"{where}.{key}: expected an object")
    return value


def _pop(data: dict[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise DataError(f"{where}: no '{key}'")
    return data.pop(key)
