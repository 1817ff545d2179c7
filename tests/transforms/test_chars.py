import numpy as np

from simulacra.transforms.chars import learn_strings


def test_learned_strings_are_new_distinct_and_seeded() -> None:
    real = [f"user{i:03d}" for i in range(300)] + [f"admin{i}" for i in range(50)]
    pool = learn_strings(real, 500, np.random.default_rng(1), min_count=5)
    assert len(pool) == 500 and len(set(pool)) == 500
    assert not set(pool) & set(real)
    assert pool == learn_strings(real, 500, np.random.default_rng(1), min_count=5)
    assert sum(p.startswith(("user", "admin")) for p in pool) > 400  # the shape is learned


def test_rare_steps_are_pruned_and_small_spaces_fall_back_to_shapes() -> None:
    real = ["ab1", "ab2", "ab3", "ab4", "ab5", "zq9"]
    pool = learn_strings(real, 50, np.random.default_rng(0), min_count=5)
    assert not any("zq" in p for p in pool)  # seen once: never spelled out
    tiny = learn_strings(["a1", "b2"], 20, np.random.default_rng(0), exclude={"c3"})
    assert tiny and not set(tiny) & {"a1", "b2", "c3"}
