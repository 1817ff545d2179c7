"""The `user-stories` scenario: 10,000 x 59 user stories resembling an agile tool's export.

Modelled on the sample rows of the VAE/GAN framework paper's Figure 7 (Formatted ID `US584275`,
Defects `3 New, 10 Open, 8 Fixed, 1 Analysis`, Release `2024.P11`, Plan Estimate, Milestone
`21-Nov`, ...), written entirely in the specification language, with dependencies between
columns: dates in order (created <= in progress <= accepted <= last update), dates present only
in the states that have them, task hours and counts growing with the plan estimate, defect
totals summing the defect breakdown, cycle and lead times computed from the dates.
"""

from __future__ import annotations

from typing import Any

_STATES = {"Defined": 0.2, "In-Progress": 0.25, "Completed": 0.15, "Accepted": 0.4}
_DEFECT_STAGES = ["Analysis", "Ready for Dev", "Review", "Development", "QA", "Backlog", "DONE"]
_TEAMS = ["Phoenix", "Atlas", "Nebula", "Orion", "Vega", "Titan", "Helix", "Quasar"]
_STARTED = "`Schedule State` != 'Defined'"
_ACCEPTED = "`Schedule State` == 'Accepted'"


def _defect_count(share: float) -> dict[str, Any]:
    return {"formula": f"poisson({share} + `Plan Estimate` / 12)", "max": 10, "hidden": True}


def user_stories_spec() -> dict[str, Any]:
    """The specification of the user-stories scenario (59 visible columns, the first ten in the
    order of the paper's Figure 7)."""
    columns: dict[str, Any] = {
        "Formatted ID": {"type": "id", "pattern": "US{6 digits}"},
        "Name": {"provider": "sentence", "words": 4, "max_chars": 22},
        "Description": {"provider": "paragraph", "sentences": 3, "max_chars": 150},
        "Milestone": {
            "type": "date",
            "after": "Creation Date",
            "distribution": "gamma",
            "shape": 3,
            "scale": 20,
            "format": "%d-%b",
        },
        "Defects": {
            "template": "{def_new} New, {def_open} Open, {def_fixed} Fixed, {def_other} {def_stage}"
        },
        "Scrumban": {"categories": ["Ready", "Doing", "Review", "Done"], "missing": 0.85},
        "Owner": {"provider": "name", "pool": 400},
        "Release": {"template": "{Creation Date:%Y}.P{pi}"},
        "Plan Estimate": {"distribution": "integers", "low": 1, "high": 50},
        "Development Month": {
            "type": "date",
            "start": "2024-11-01",
            "end": "2024-12-31",
            "format": "%Y-%m",
        },
        "Creation Date": {"type": "datetime", "start": "2021-01-04", "end": "2024-10-31"},
        "def_new": _defect_count(1.0),
        "def_open": _defect_count(1.5),
        "def_fixed": _defect_count(2.0),
        "def_other": _defect_count(0.5),
        "def_stage": {"categories": _DEFECT_STAGES, "hidden": True},
        "pi": {"distribution": "integers", "low": 11, "high": 14, "hidden": True},
        "Schedule State": {"categories": _STATES},
        "Flow State": {
            "formula": "where(`Schedule State` == 'Defined', 'Ready', "
            "where(`Schedule State` == 'In-Progress', 'In Dev', "
            "where(`Schedule State` == 'Completed', 'In Test', 'Done')))"
        },
        "In-Progress Date": {
            "type": "datetime",
            "after": "Creation Date",
            "distribution": "gamma",
            "shape": 2,
            "scale": 10,
            "when": _STARTED,
        },
        "Accepted Date": {
            "type": "datetime",
            "after": "In-Progress Date",
            "distribution": "gamma",
            "shape": 2,
            "scale": 6,
            "when": _ACCEPTED,
        },
        "Last Update Date": {
            "type": "datetime",
            "after": "Accepted Date",
            "distribution": "exponential",
            "scale": 15,
        },
        "sprint": {"distribution": "integers", "low": 1, "high": 6, "hidden": True},
        "Iteration": {"template": "{Release} Sprint {sprint}"},
        "Project": {"categories": [f"Team {t}" for t in _TEAMS]},
        "feature_no": {"distribution": "integers", "low": 1000, "high": 1999, "hidden": True},
        "Parent": {"template": "F{feature_no}"},
        "Feature": {"provider": "catch_phrase", "pool": 1000},
        "Portfolio Item": {"template": "F{feature_no}: {Feature}"},
        "Ready": {"type": "boolean", "p": 0.35},
        "Blocked": {"type": "boolean", "p": 0.08},
        "Blocked Reason": {"provider": "sentence", "words": 6, "when": "Blocked"},
        "Expedite": {"type": "boolean", "p": 0.05},
        "Task Count": {"formula": "`Plan Estimate` / 6 + poisson(1.5)", "min": 1, "round": 0},
        "Task Estimate Total": {
            "formula": "`Plan Estimate` * 2.5 * lognormal(0, 0.25)",
            "round": 1,
        },
        "Task Actual Total": {
            "formula": "`Task Estimate Total` * lognormal(0.05, 0.3) "
            "* (`Schedule State` != 'Defined')",
            "round": 1,
        },
        "Task Remaining Total": {
            "formula": "where(" + _ACCEPTED + ", 0, max(0, "
            "`Task Estimate Total` - `Task Actual Total`))",
            "round": 1,
        },
        "Defect Count": {"formula": "def_new + def_open + def_fixed + def_other", "round": 0},
        "Defect Status": {
            "formula": "where(`Defect Count` == 0, 'NONE', where(def_new + def_open"
            " > 0, 'SOME OPEN', 'ALL CLOSED'))"
        },
        "Test Case Count": {"formula": "poisson(1 + `Plan Estimate` / 8)", "round": 0},
        "Passing Test Cases": {"formula": "round(`Test Case Count` * beta(6, 2))", "round": 0},
        "Test Case Status": {
            "formula": "where(`Test Case Count` == 0, 'NONE', where("
            "`Passing Test Cases` == `Test Case Count`, 'ALL PASSING',"
            " 'SOME FAILING'))"
        },
        "Priority": {"categories": {"Low": 0.3, "Normal": 0.45, "High": 0.2, "Critical": 0.05}},
        "Risk": {"categories": {"Low": 0.6, "Medium": 0.3, "High": 0.1}},
        "Story Type": {
            "categories": {"Feature": 0.6, "Enabler": 0.2, "Tech Debt": 0.12, "Spike": 0.08}
        },
        "Tags": {
            "categories": ["frontend", "backend", "api", "ux", "security", "performance"],
            "missing": 0.4,
        },
        "Notes": {"provider": "sentence", "words": 10, "missing": 0.6},
        "Acceptance Criteria": {"provider": "paragraph", "sentences": 2, "max_chars": 120},
        "Business Value": {"distribution": "integers", "low": 1, "high": 100},
        "Type": {"value": "HierarchicalRequirement"},
        "Workspace": {"value": "Enterprise Agile"},
        "Submitted By": {"provider": "name", "pool": 400},
        "Owner Email": {"provider": "company_email", "pool": 400},
        "Team Size": {"distribution": "integers", "low": 3, "high": 12},
        "Velocity": {"formula": "`Team Size` * normal(5, 1)", "min": 1, "round": 0},
        "Committed": {"formula": "`Schedule State` != 'Defined' or bernoulli(0.3)"},
        "Cycle Time (days)": {
            "formula": "days(`Accepted Date`) - days(`In-Progress Date`)",
            "round": 1,
            "when": _ACCEPTED,
        },
        "Lead Time (days)": {
            "formula": "days(`Accepted Date`) - days(`Creation Date`)",
            "round": 1,
            "when": _ACCEPTED,
        },
        "Age (days)": {"formula": "days(`Last Update Date`) - days(`Creation Date`)", "round": 0},
        "Estimate Confidence": {"categories": {"Low": 0.2, "Medium": 0.5, "High": 0.3}},
        "Component": {
            "categories": ["UI", "API", "Database", "Infrastructure", "Reporting", "Integrations"]
        },
        "Environment": {"categories": {"Production": 0.5, "Staging": 0.3, "Development": 0.2}},
        "Customer Impact": {
            "categories": {"None": 0.4, "Minor": 0.35, "Major": 0.2, "Severe": 0.05}
        },
        "Discussion Count": {"formula": "poisson(0.5 + `Defect Count` / 4)", "round": 0},
        "Attachments": {"distribution": "poisson", "lam": 0.8},
        "Accepted Points": {"formula": "where(" + _ACCEPTED + ", `Plan Estimate`, 0)"},
        "Display Color": {
            "categories": [
                "#21a2e0",
                "#4a1d7e",
                "#f9a814",
                "#ee6c19",
                "#107c1e",
                "#df1a7b",
                "#848689",
            ]
        },
    }
    return {
        "name": "user-stories",
        "description": "user stories resembling an agile tool's export (59 columns)",
        "rows": 10_000,
        "columns": columns,
    }
