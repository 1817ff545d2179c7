"""Public data with peers' published synthetic sets (../shared/data/tabular-argn-paper/, from the
TabularARGN paper's repository): the adult table, its split, and the peers' samples, put in one
form so that one evaluator scores ours and theirs.

- adult: the paper's 50/50 split; the test file has duplicate rows and rows of the training file
  (25%), so the holdout is the test rows deduplicated and not in the training file (a clean
  holdout, as the data's README asks for distance-based privacy scores).
- column names use underscores (`education_num`), text values are stripped of the leading space
  of the original CSV, numbers are floats: TabularARGN's Parquet sets write them so, TabSyn's
  CSV sets as the original. Nothing else is changed (TabSyn's fractional ages stay fractional).
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pandas as pd

# the shared folder beside the repository, or where SIMULACRA_SHARED says (a clone elsewhere)
SHARED = Path(os.environ.get("SIMULACRA_SHARED", Path(__file__).resolve().parents[2] / "shared"))
DATA = SHARED / "data" / "tabular-argn-paper"
ADULT = DATA / "adult"
# published sets: name -> (zip file, member suffix)
ADULT_PEERS = {
    "tabularargn (published)": ("peer-TabARGN.zip", ".parquet"),
    "tabsyn (published)": ("peer-tabsyn.zip", ".csv"),
}
BASEBALL = DATA / "baseball"
# published synthetic baseball players and fielding: peer -> (players file, fielding file)
BASEBALL_PEERS = {
    "TabularARGN": ("peer-TabARGN_baseball_players", "peer-TabARGN_baseball_fielding_run_1"),
    "REaLTabFormer": ("peer-RTF_baseball_players", "peer-RTF_baseball_fielding_run_1"),
    "RCTGAN": ("peer-RCTGAN_baseball_players_run_1", "peer-RCTGAN_baseball_fielding_run_1"),
    "SDV PAR": ("peer-SDV_PAR_baseball_players_run_1", "peer-SDV_PAR_baseball_fielding_run_1"),
    "SDV HMA": ("peer-SDV_baseball_players_run_2", "peer-SDV_baseball_fielding_run_2"),
}


def available() -> bool:
    return (ADULT / "adult-train.csv").exists()


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.rename(columns=lambda c: c.replace(".", "_"))
    out = {}
    for name, column in frame.items():
        if pd.api.types.is_numeric_dtype(column):
            out[name] = column.astype("float64")
        else:
            out[name] = column.astype("string").str.strip().astype(object)
    return pd.DataFrame(out)


def load_adult() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """(training rows, clean holdout rows, what cleaning removed)."""
    train = _tidy(pd.read_csv(ADULT / "adult-train.csv"))
    test = _tidy(pd.read_csv(ADULT / "adult-test.csv"))
    unique = test.drop_duplicates()
    seen = unique.merge(train.drop_duplicates(), how="left", indicator=True)["_merge"]
    clean = unique[(seen == "left_only").to_numpy()].reset_index(drop=True)
    removed = {
        "test_rows": len(test),
        "duplicates_removed": len(test) - len(unique),
        "in_train_removed": len(unique) - len(clean),
    }
    return train.reset_index(drop=True), clean, removed


def adult_peer_sets(name: str) -> list[pd.DataFrame]:
    """The published synthetic sets of peer `name` (five each), tidied like the real rows."""
    archive, suffix = ADULT_PEERS[name]
    sets = []
    with zipfile.ZipFile(ADULT / archive) as z:
        for member in sorted(m for m in z.namelist() if m.endswith(suffix)):
            data = io.BytesIO(z.read(member))
            frame = pd.read_parquet(data) if suffix == ".parquet" else pd.read_csv(data)
            sets.append(_tidy(frame))
    return sets
