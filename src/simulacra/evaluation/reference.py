"""The real-vs-real reference: real rows the generator never saw, scored as if synthetic.

Two samples of the same real population differ by chance, so no generator can beat the
scores of unseen real rows: they are the ceiling of column shapes, pair trends and k-NN
precision/recall, and the floor (about 0.5) of the detection AUC, at the size of the holdout.
Without a holdout, a seeded `Limits.holdout_share` of the real rows plays that part against
the rest. A smaller sample scores a little lower by chance, so the reference is conservative:
synthetic scores within about 0.01 of it are as good as real data gets.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .. import seeding
from ._space import feature_space
from .detection import detection_auc
from .diversity import knn_precision_recall
from .fidelity import ks_complement, tv_complement
from .limits import Limits
from .pairs import pair_fidelity
from .prepare import Tables, subsample
from .schema import Overlap, Reference

# purposes of the reference's random streams: seeding.rng(seed, "evaluation", purpose)
SPLIT, DETECTION, KNN = 30, 31, 32


def reference_tables(tables: Tables, limits: Limits, seed: int) -> tuple[Tables, str]:
    """Tables whose synthetic side is real: the holdout against the real rows, or (without a
    holdout) a seeded share of the real rows against the others. Returns the tables and
    'holdout' or 'split'."""
    if tables.holdout is not None:
        return replace(tables, synthetic=tables.holdout, holdout=None), "holdout"
    rng = seeding.rng(seed, "evaluation", SPLIT)
    held = rng.random(len(tables.real)) < limits.holdout_share
    if held.sum() < 2 or (~held).sum() < 2:
        held = np.arange(len(tables.real)) % 2 == 1
    real = tables.real[~held].reset_index(drop=True)
    other = tables.real[held].reset_index(drop=True)
    return replace(tables, real=real, synthetic=other, holdout=None), "split"


def reference_scores(
    tables: Tables, limits: Limits, seed: int, holdout_overlap: Overlap | None = None
) -> Reference:
    """The scores of a real sample treated as synthetic: column shapes (per column and mean),
    pair trends (per pair and mean), detection AUC and k-NN precision/recall. Same formulas as
    the synthetic scores (see fidelity.py, pairs.py, detection.py, diversity.py).
    `holdout_overlap` (`privacy.holdout_overlap`) says how unseen the holdout is."""
    ref, source = reference_tables(tables, limits, seed)
    columns = {}
    for name in ref.columns:
        score = (
            ks_complement(ref.real[name], ref.synthetic[name])
            if name in ref.numerical
            else tv_complement(ref.real[name], ref.synthetic[name])
        )
        columns[name] = float(score)
    pairs = {
        " × ".join(p["columns"]): p["score"]
        for p in pair_fidelity(ref)
        if p["score"] is not None and np.isfinite(p["score"])
    }
    real = subsample(ref.real, limits.model_rows, seed, DETECTION)
    other = subsample(ref.synthetic, limits.model_rows, seed, DETECTION)
    auc = detection_auc(real, other, ref.categorical, seed=seed)
    space = feature_space(ref)
    knn = knn_precision_recall(
        space.transform(subsample(ref.real, limits.knn_rows, seed, KNN)),
        space.transform(subsample(ref.synthetic, limits.knn_rows, seed, KNN)),
    )
    shapes = [v for v in columns.values() if np.isfinite(v)]
    return Reference(
        source=source,
        rows=(len(ref.real), len(ref.synthetic)),
        column_shapes=float(np.mean(shapes)) if shapes else None,
        column_pair_trends=float(np.mean(list(pairs.values()))) if pairs else None,
        detection_auc=auc,
        knn_precision=knn["precision"],
        knn_recall=knn["recall"],
        columns=columns,
        pairs=pairs,
        holdout_overlap=holdout_overlap,
    )
