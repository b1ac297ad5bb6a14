"""Allowed codes of every coded column; their Vietnamese and English labels live in locales/*/codes.toml."""

from __future__ import annotations

from helpers.text import t

# Kinds of leaving the unit's rolls. Only the first four are exits from the party; transfers move a member
# between party organisations and enter the stock identity separately.
EXIT_KINDS = ("removed", "asked_to_leave", "expelled", "died", "other_exit", "transferred_out")
PARTY_EXITS = ("removed", "asked_to_leave", "expelled", "died", "other_exit")
ATTRITION_EXITS = ("removed", "asked_to_leave")  # the two kinds the Tây Ninh project sets out to reduce
ENTRY_KINDS = ("on_roll", "admitted", "transferred_in")

EXIT_REASONS = {
    "removed": ("quit_activity", "unpaid_dues", "lost_contact", "other"),
    "asked_to_leave": ("family_hardship", "spouse_abroad", "health", "other"),
}

DOMAINS: dict[str, tuple[str, ...]] = {
    "exit_kind": EXIT_KINDS,
    "entry_kind": ENTRY_KINDS,
    "exit_reason": tuple(sorted({r for reasons in EXIT_REASONS.values() for r in reasons})),
    "sex": ("male", "female"),
    "branch_type": ("hamlet", "agency", "public_service", "enterprise", "armed_forces", "other"),
    # The seeds group hired, freelance, trade, farming, homemaking and demobilised soldiers as one block.
    "occupation": (
        "farmer",
        "freelance",
        "trader",
        "homemaker",
        "demobilised",
        "worker",
        "civil_servant",
        "armed_forces",
        "student",
        "retired",
        "other",
    ),
    "professional_training": ("none", "elementary", "intermediate", "college", "university", "postgraduate"),
    "political_training": ("none", "elementary", "intermediate", "advanced"),
    "respondent_type": ("branch", "former_member"),
    "unit_level": ("province", "district", "commune", "grassroots"),
    "target_direction": ("decrease", "increase"),
    "target_indicator": ("removed_and_asked", "removed", "asked_to_leave"),
    "cause_group": ("1", "2", "3", "4", "5", "6", "7"),
    "age_group": ("18_30", "31_40", "41_50", "51_plus"),
    "source_attribute": ("sex", "age_group", "professional_training", "occupation"),
    "rating_subject": ("organisation", "member"),
    # Best first; for grassroots organisations not_completed is what the documents call "yếu kém" (weak).
    "quality_rating": ("excellent", "good", "completed", "not_completed"),
}

# Attributes by which the pool that new members are drawn from is described (admission_sources.attribute).
SOURCE_ATTRIBUTES = DOMAINS["source_attribute"]
QUALITY_RATINGS = DOMAINS["quality_rating"]
AGE_GROUP_LOWER = {"18_30": 18, "31_40": 31, "41_50": 41, "51_plus": 51}

# Occupations that the Tây Ninh project counts together (519/662 of leavers, 2015-2020).
INFORMAL_OCCUPATIONS = ("farmer", "freelance", "trader", "homemaker", "demobilised")


def age_group(age: int) -> str:
    """The ``age_group`` code of an age in whole years (ages under 18 count with 18_30)."""
    return next(code for code, lower in reversed(AGE_GROUP_LOWER.items()) if age >= lower or code == "18_30")


def label(domain: str, code: str, lang: str = "vi") -> str:
    """Human label of one code, in the report's language."""
    return t(f"codes.{domain}.{code}", lang)
