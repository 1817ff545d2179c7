import numpy as np
import pytest

from simulacra import DataError
from simulacra.ids import IdPattern, generate_ids, infer_pattern


def test_ids_are_unique_across_chunks_and_follow_the_pattern() -> None:
    first = generate_ids("US{6 digits}", 0, 5_000, seed=1)
    second = generate_ids("US{6 digits}", 5_000, 5_000, seed=1)
    both = np.concatenate([first, second])
    assert len(set(both)) == 10_000
    assert all(len(v) == 8 and v.startswith("US") and v[2:].isdigit() for v in both)
    again = generate_ids("US{6 digits}", 0, 5_000, seed=1)
    assert (first == again).all()


def test_pattern_space_is_enforced() -> None:
    assert IdPattern.parse("{2 letters}-{3 digits}").space == 26**2 * 1000
    with pytest.raises(DataError, match="only 100 distinct"):
        generate_ids("X{2 digits}", 0, 101, seed=0)
    with pytest.raises(DataError, match="no placeholder"):
        IdPattern.parse("ABC")


def test_inferred_patterns() -> None:
    assert infer_pattern(["US584275", "US000123"]) == "US{6 digits}"
    assert infer_pattern(["AB-12", "CD-34"]) == "{2 letters}-{2 digits}"
    assert infer_pattern(["a1", "bb22"]) is None
    uuids = ["2f1c7a4e-9b1d-4c8e-8f3a-1d2e3f4a5b6c", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"]
    assert infer_pattern(uuids) == "{uuid}"


def test_large_spaces_and_uuids() -> None:
    big = generate_ids("{12 digits}", 0, 1_000, seed=3)
    assert len(set(big)) == 1_000 and all(len(v) == 12 for v in big)
    uuids = generate_ids("{uuid}", 0, 100, seed=3)
    assert len(set(uuids)) == 100
