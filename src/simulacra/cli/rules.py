"""Rules on the command line: the help of `--rule`, and the rules `inspect` proposes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .common import out, print_table

if TYPE_CHECKING:
    import pandas as pd

    from ..metadata import Metadata

RULE_HELP = (
    "A rule every sampled row keeps, repeatable: 'start <= end', 'total = price * quantity', "
    "'total ~ hours * rate within 10%', 'fixed: city, zip', 'age in 0..120', "
    "'color in {red, green}', 'if plan = free then seats = 1' (default: the metadata's rules)."
)


def with_proposed_rules(table: pd.DataFrame, metadata: Metadata) -> Metadata:
    """`metadata` with the rules (nearly) every row of `table` keeps (`evaluation.proposals`),
    after those it already lists; the proposals are printed, to keep or delete in the JSON."""
    from ..evaluation.proposals import propose_rules
    from ..metadata import Metadata

    proposals = [p for p in propose_rules(table, metadata) if p.rule not in metadata.rules]
    if not proposals:
        return metadata
    rows = [[p.rule, p.kind, f"{p.held:.2%}"] for p in proposals]
    print_table(
        f"rules the rows keep ({len(rows)}; written with the metadata: delete those you do not "
        "want kept)",
        ["rule", "kind", "rows keeping it"],
        rows,
    )
    out.print("models fitted with this metadata keep every rule in it in every sampled row")
    return Metadata(metadata.columns, rules=[*metadata.rules, *(p.rule for p in proposals)])
