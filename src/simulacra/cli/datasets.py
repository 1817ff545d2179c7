"""Datasets of several related tables on the command line: a folder holding one table file
per table, or a database named by URL.

    simulacra inspect data/ --json meta.json
    simulacra fit data/ -o m.simulacra [--metadata meta.json]
    simulacra fit postgresql://user@host/db --tables customers,orders -o m.simulacra
    simulacra sample m.simulacra --scale 1.0 -o out/          (or -o postgresql://.../synth)
    simulacra evaluate data/ out/ [--holdout held/] [--json scores.json]

The library does the work (`relational/`); these functions read, call and print.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._progress import status
from ..errors import ParameterError
from .common import check_output, out, print_table, write_json

if TYPE_CHECKING:
    import pandas as pd

    from ..relational.schema import DatasetSchema

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def is_url(text: str) -> bool:
    """Whether `text` names a database rather than a path (checked without importing the
    database drivers: the command line starts quickly)."""
    return bool(_URL.match(text.strip()))


def is_dataset(text: str) -> bool:
    """Whether `text` names a dataset of several tables: a database, or a folder not named
    like a table file (`data.csv/` is a table's name, which then cannot be read)."""
    from ..io import FORMATS

    path = Path(text)
    return is_url(text) or (path.is_dir() and path.suffix.lower() not in FORMATS)


def read_dataset(
    source: str, tables: list[str] | None, encoding: str | None
) -> tuple[dict[str, pd.DataFrame], DatasetSchema | None, dict[str, Any]]:
    """The tables of a folder or database, the schema the database declares (None for a
    folder) and where they came from (`DatasetSynthesizer.fit`'s `source`)."""
    if is_url(source):
        from ..relational.database import read_database

        with status(f"reading {_shown(source)}"):
            contents = read_database(source, tables)
        return contents.frames, contents.schema, {"column_types": contents.column_types}
    from ..relational.files import read_folder

    if tables:
        raise ParameterError("--tables picks tables of a database; a folder's are its files")
    with status(f"reading {source}"):
        frames, suffixes = read_folder(source, encoding)
    return frames, None, {"suffixes": suffixes}


def dataset_schema(
    frames: dict[str, pd.DataFrame], declared: DatasetSchema | None, metadata: Path | None
) -> DatasetSchema:
    """The schema to use: the metadata file's, else the database's keys with inferred column
    metadata, else all inferred."""
    from ..metadata import Metadata
    from ..relational.dataset import own_columns
    from ..relational.infer import infer_schema
    from ..relational.schema import DatasetSchema

    if metadata is not None:
        return DatasetSchema.load(metadata)
    with status("inferring keys, relations and column kinds"):
        if declared is None:
            return infer_schema(frames)
        for name, table in declared.tables.items():
            own = own_columns(declared, name, frames[name])
            table.metadata = Metadata.infer(frames[name][own]) if own else Metadata({})
        return declared


def inspect_dataset(
    source: str, json_path: Path | None, tables: list[str] | None, encoding: str | None
) -> None:
    frames, declared, _ = read_dataset(source, tables, encoding)
    schema = dataset_schema(frames, declared, None)
    rows = []
    for name in schema.order():
        table = schema.tables[name]
        parents = ", ".join(f"{r.child_key} -> {r.parent}" for r in schema.parents_of(name))
        rows.append(
            [
                name,
                f"{len(frames[name]):,}",
                len(frames[name].columns),
                table.primary_key or "-",
                parents or "-",
                table.order_by or "-",
            ]
        )
    headers = ["table", "rows", "columns", "primary key", "foreign keys", "order"]
    print_table(f"{_shown(source)} ({len(rows)} tables)", headers, rows)
    if json_path is not None:
        with status(f"writing {json_path}"):
            schema.save(json_path)
        out.print(f"dataset metadata written to {json_path} (edit it, then fit --metadata)")


def fit_dataset(
    source: str,
    output: Path,
    metadata: Path | None,
    tables: list[str] | None,
    model: str | None,
    children: str | None,
    params: dict[str, Any],
    encoding: str | None,
    verbose: bool,
) -> None:
    from ..relational.dataset import CHILDREN, SEQUENCE_MODEL, DatasetSynthesizer

    if children is not None and children not in CHILDREN:
        raise ParameterError(f"--children must be one of {', '.join(CHILDREN)}, not {children!r}")

    check_output(output, [metadata], model=True)
    frames, declared, where = read_dataset(source, tables, encoding)
    schema = dataset_schema(frames, declared, metadata)
    seed = params.pop("seed", 0)
    synthesizer = DatasetSynthesizer(
        model=model or SEQUENCE_MODEL,
        children=children or CHILDREN[0],
        params=params,
        seed=seed,
        verbose=verbose,
    )
    with status(f"fitting {len(frames)} tables"):
        synthesizer.fit(frames, schema, source=where)
    with status(f"writing {output}"):
        synthesizer.save(output)
    described = synthesizer.describe()["tables"]
    rows = [
        [
            name,
            f"{info['rows']:,}",
            info["model"] or "-",
            f"given {info['given']}" if info["given"] else "alone",
            f"{info['fit']['seconds']:.1f}s" if info["fit"] else "-",
        ]
        for name, info in described.items()
    ]
    print_table(f"fitted {_shown(source)}", ["table", "rows", "model", "learned", "fit"], rows)
    out.print(f"-> {output}")


def holds_dataset(model: Path) -> bool:
    """Whether a model file holds a dataset model (read from its manifest only)."""
    import json
    import zipfile

    try:
        with zipfile.ZipFile(model) as archive:
            manifest = json.loads(archive.read("manifest.json")[: 1 << 20])
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return False  # the table loader says what is wrong with the file
    return isinstance(manifest, dict) and manifest.get("kind") == "dataset"


def sample_dataset(model: Path, scale: float | None, output: str, seed: int, verbose: bool) -> None:
    from ..relational.dataset import DatasetSynthesizer
    from ..relational.files import check_folder_target, write_folder

    scale = 1.0 if scale is None else scale
    if not is_url(output):
        check_folder_target(Path(output))
    with status(f"loading {model}"):
        synthesizer = DatasetSynthesizer.load(model)
    synthesizer.verbose = verbose
    counts: dict[str, int] = {}
    if is_url(output):
        from ..relational.database import write_database

        with status(f"sampling {len(synthesizer.schema_.tables)} tables (scale {scale:g})"):
            tables = synthesizer.sample(scale, seed=seed)
        with status(f"writing {_shown(output)}"):
            types = synthesizer.source_.get("column_types")
            write_database(output, tables, synthesizer.schema_, types)
        counts = {name: len(frame) for name, frame in tables.items()}
    else:  # tables without children are streamed into their files chunk by chunk
        streams = synthesizer.iter_tables(scale, seed=seed)
        counted = ((name, _counting(chunks, name, counts)) for name, chunks in streams)
        with status(f"sampling {len(synthesizer.schema_.tables)} tables (scale {scale:g})"):
            write_folder(counted, Path(output), synthesizer.source_.get("suffixes", {}))
    shown = ", ".join(f"{name} {rows:,}" for name, rows in counts.items())
    out.print(f"wrote {len(counts)} tables to {_shown(output)} (rows: {shown})")


def evaluate_datasets(
    real: str,
    synthetic: str,
    holdout: str | None,
    metadata: Path | None,
    json_path: Path | None,
    seed: int,
) -> None:
    from ..relational.evaluate import evaluate_dataset

    frames, declared, _ = read_dataset(real, None, None)
    synthetic_frames, _, _ = read_dataset(synthetic, None, None)
    held = read_dataset(holdout, None, None)[0] if holdout is not None else None
    schema = dataset_schema(frames, declared, metadata)
    with status("evaluating each table and each relation"):
        scores = evaluate_dataset(frames, synthetic_frames, schema, held, seed)
    rows = [[name, *_cells(s)] for name, s in scores["tables"].items()]
    for relation in scores["relations"]:
        name = relation["relation"]
        if "joined" in relation:
            rows.append([f"{name} (child + parent)", *_cells(relation["joined"])])
        rows.append([f"{name} (parent + children)", *_cells(relation["parents"])])
    headers = ["rows of", "C2ST AUC", "floor", "shapes", "pairs", "closer than p5"]
    print_table("detection (C2ST) beside its floor: unseen real rows", headers, rows)
    links = [
        [
            r["relation"],
            f"{r['referential_integrity']:.1%}",
            f"{r['children_per_parent_ks']:.3f}",
            " vs ".join(f"{m:.2f}" for m in r["children_per_parent_mean"]),
        ]
        for r in scores["relations"]
    ]
    headers = ["relation", "integrity", "children KS", "children per parent (real vs synth)"]
    print_table("relations", headers, links)
    left = [f"{t}.{c}" for t, columns in scores["left_out"].items() for c in columns]
    if left:
        out.print(f"not scored: {', '.join(left)} (PII in the metadata, replaced by design)")
    if json_path is not None:
        write_json(json_path, scores)
        out.print(f"scores written to {json_path}")


def _counting(chunks: Iterable[pd.DataFrame], name: str, counts: dict[str, int]) -> Any:
    counts[name] = 0
    for chunk in chunks:
        counts[name] += len(chunk)
        yield chunk


def _cells(scores: dict[str, Any]) -> list[str]:
    def number(value: Any, pattern: str) -> str:
        return "-" if value is None else format(value, pattern)

    return [
        number(scores["detection_auc"], ".3f"),
        number(scores["detection_auc_floor"], ".3f"),
        number(scores["column_shapes"], ".3f"),
        number(scores["column_pair_trends"], ".3f"),
        number(scores["share_closer_than_holdout_p5"], ".1%"),
    ]


def _shown(source: str) -> str:
    """A source as shown: a database URL without its password."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", source)


def check_dataset_options(**options: Any) -> None:
    """One error line for a single-table option given with a dataset."""
    given = [name for name, value in options.items() if value not in (None, False, [])]
    if given:
        flag = "--" + given[0].replace("_", "-")
        raise ParameterError(f"{flag} works with one table, not with a dataset of several")
