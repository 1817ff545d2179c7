"""Distillation (issue 26): a fast student model fitted on a large sample drawn from a slow
teacher (ddpm, the ensemble, any fitted table model), never on real rows.

    student = distil("teacher.simulacra", rows=100_000)   # the autoregressive network
    simulacra distil teacher.simulacra -o student.simulacra [--rows N] [-m MODEL]

The student learns the teacher's distribution, not the real table: every row it sees is one
the teacher sampled, so whatever it could reveal about the real rows the teacher's samples
already reveal. Its privacy is therefore the teacher's: under differential privacy, the same
(epsilon, delta) by post-processing (the student is a function of the teacher's output); without
DP, the teacher's protections and nothing more (the student's own protections, such as
`min_count`, then apply to synthetic rows only). The student's file records its teacher
(`distilled_`, shown by `describe()` as `distilled_from` and by `simulacra inspect`): the
teacher's model and file, the rows it was fitted on, the rows sampled for the student, the seed,
and the teacher's privacy settings (epsilon, delta and its own privacy description).

The teacher draws `rows` rows with seed `seed` (call 0 of that seed's sample stream) and the
student fits them with the same seed: the same teacher, rows and seed give the same student.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import seeding
from ..errors import ModelFileError, ParameterError
from . import transfer
from .base import Synthesizer

DEFAULT_STUDENT = "autoregressive"
ROWS_PER_TRAINING_ROW = 10  # a sample larger than the teacher's table: less of its noise
MIN_ROWS = 20_000
MAX_ROWS = 200_000  # the student's fit time grows with its rows
PRIVACY_NOTE = (
    "trained only on rows sampled from the teacher, never on real rows: its privacy is the "
    "teacher's (the same epsilon and delta under differential privacy, by post-processing)"
)


def default_rows(teacher: Synthesizer) -> int:
    """`ROWS_PER_TRAINING_ROW` rows per row the teacher learned, within [MIN_ROWS, MAX_ROWS]."""
    learned = int(teacher.fit_info_.get("rows", 0))
    return min(max(ROWS_PER_TRAINING_ROW * learned, MIN_ROWS), MAX_ROWS)


def load_teacher(teacher: Synthesizer | str | Path) -> tuple[Synthesizer, str]:
    """The fitted teacher and how to name it (its file's name), or one clear error."""
    if isinstance(teacher, Synthesizer):
        teacher._check_fitted()
        return teacher, f"a fitted {teacher.name} model"
    if not isinstance(teacher, str | Path):
        raise ParameterError(
            f"distil: the teacher must be a fitted model or a model file, not {teacher!r}"
        )
    path = Path(teacher)
    if not path.is_file():
        raise ModelFileError(f"distil: no teacher model file at {path}")
    loaded = Synthesizer.load(path, verbose=False)  # one error line for a bad file
    return loaded, path.name


def distil(
    teacher: Synthesizer | str | Path,
    *,
    rows: int | None = None,
    model: str = DEFAULT_STUDENT,
    seed: int = 0,
    verbose: bool = False,
    **params: Any,
) -> Synthesizer:
    """A `model` student (parameters `params`) fitted on `rows` rows sampled from `teacher`
    (a fitted table model or its file; default rows: `default_rows`). Returns the fitted
    student, its teacher recorded in `distilled_`."""
    fitted, source = load_teacher(teacher)
    seed = seeding.check_seed(seed)
    if rows is None:
        rows = default_rows(fitted)
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 2:
        raise ParameterError(f"distil: rows must be an integer of at least 2, not {rows!r}")
    if getattr(fitted, "sequence_key", None) is not None:
        raise ParameterError(f"distil: {source} learned sequences; distil a model of rows")
    student = Synthesizer(model, seed=seed, verbose=verbose, **params)
    if getattr(student, "epsilon", None) is not None:
        raise ParameterError(
            "distil: the student takes no epsilon: it never sees real rows, its privacy is the "
            "teacher's"
        )
    sample = fitted.sample(rows, seed=seed)
    if fitted.rules_ is not None:  # the student keeps the teacher's rules by construction
        student.rules = list(fitted.rules_.texts)
        student.fit(sample)
    else:
        student.fit(sample, fitted.metadata_)
    student.distilled_ = {
        "teacher": fitted.name,
        "source": source,
        "teacher_rows": fitted.fit_info_.get("rows"),
        "rows": rows,
        "seed": seed,
        "privacy": teacher_privacy(fitted),
        "note": PRIVACY_NOTE,
    }
    return student


def teacher_privacy(teacher: Synthesizer) -> dict[str, Any]:
    """The teacher's privacy settings (epsilon, delta) and its own privacy description; a
    teacher that was itself distilled passes its teacher's on."""
    inherited = teacher.distilled_
    if inherited is not None:
        return dict(inherited["privacy"])
    return {
        "epsilon": getattr(teacher, "epsilon", None),
        "delta": getattr(teacher, "delta", None),
        "differentially_private": teacher._private(),
        **transfer.base_privacy(teacher),
    }
