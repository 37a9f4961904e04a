"""What the outcomes mean in plain words, counts for the whole place beside the rates, and sources cited plainly.

The report, the figures and the explorer all speak through these helpers, so a
definition or a count is written once. Outcome names are read from
model/core/outcomes.py: an outcome added there without words here still shows,
under its name humanised.
"""

import re

from model.core.layout import AGE_OUT_MONTHS
from model.core.outcomes import EFFECTS, OUTCOMES

SEGMENT_LABELS = {
    "general": "General population",
    "csc_known": "Known to children's social care",
    "domestic_abuse": "Domestic abuse survivors",
    "insecure_immigration": "Insecure immigration status",
    "grt": "Gypsy, Roma and Traveller",
    "ehe": "Home-educating families",
    "adoptive": "Adoptive families",
    "disabled_parents": "Disabled parents",
}
# segment -> the group as a sentence names it ("15% of families with insecure immigration status")
SEGMENT_PHRASES = {
    "general": "the general population",
    "csc_known": "families known to children's social care",
    "domestic_abuse": "domestic abuse survivors",
    "insecure_immigration": "families with insecure immigration status",
    "grt": "Gypsy, Roma and Traveller families",
    "ehe": "home-educating families",
    "adoptive": "adoptive families",
    "disabled_parents": "families with disabled parents",
}
RECIPIENT_WORDS = {
    "csc": "children's social care",
    "education": "education",
    "police": "the police",
    "national": "a national department",
    "other": "other designated persons",
}
# parameter path -> plain words (others are built from the path by parameter_words)
PARAMETER_WORDS = {
    "behaviour.w_risk": "How strongly perceived risk puts families off each contact (per-contact decision)",
    "segments.*.rel_avoid": "How readily families start avoiding services (every group)",
    "segments.*.dur_avoid_months": "How long families keep away (every group)",
    "engagement.rel_avoid_aware": "How readily families start avoiding while the sharing stays in mind",
    "engagement.rel_object_per_risk": "How readily families opt their children's records out",
    "engagement.rel_register_avoiding": "Chance of GP registration an avoiding family keeps",
    "engagement.rel_unscheduled_avoiding": "Chance of urgent care an avoiding family keeps",
    "behaviour.w_peer": "How much families copy their neighbours",
    "trust.erosion_unexpected": "Trust lost on finding out about sharing unexpectedly",
    "trust.erosion_told": "Trust lost when told about sharing in advance",
    "trust.recovery_per_month": "How fast trust recovers",
    "awareness.p_word_of_mouth": "How fast word of the sharing spreads",
    "awareness.p_word_of_mouth_letter": "How fast word spreads after families are told",
    "awareness.p_notice_per_month": "How fast a notice reaches families (when told)",
    "awareness.rel_fear_told": "Fear a notice carries, against word of mouth",
    "awareness.p_forget_per_month": "How fast families forget",
    "awareness.media_decay_months": "How long media coverage lasts",
    "safeguards.rel_risk_objection_respected": "Risk left when objection is respected",
    "safeguards.rel_risk_confidentiality_kept": "Risk left when confidentiality is kept",
    "safeguards.rel_risk_direct_care_only": "Risk left when use is direct care only",
    "safeguarding.p_detect_hv_review": "Chance a health visitor review spots a child at risk",
    "safeguarding.p_detect_other_per_month": "Chance a child at risk is spotted another way",
    "safeguarding.p_detect_matching": "Chance a matching enquiry spots a child at risk",
}


SEGMENT_PARAMETER_WORDS = {  # a group's parameter after its name: 'Insecure immigration status: how long ...'
    "rel_avoid": "how readily they start avoiding",
    "dur_avoid_months": "how long they keep away",
}


def parameter_words(path: str) -> str:
    """A parameter's dotted path in plain words, for axes and tables a reader scans."""
    if path in PARAMETER_WORDS:
        return PARAMETER_WORDS[path]
    parts = path.split(".")
    if parts[0] == "segments" and len(parts) >= 3:
        group = SEGMENT_LABELS.get(parts[1], humanised(parts[1]))
        if parts[2] == "fear" and len(parts) == 4:
            return f"{group}: fear of {RECIPIENT_WORDS.get(parts[3], parts[3])}"
        if parts[2] == "rel_risk":
            return f"{group}: how much of their stated fear they act on"
        if parts[2] in SEGMENT_PARAMETER_WORDS:
            return f"{group}: {SEGMENT_PARAMETER_WORDS[parts[2]]}"
        return f"{group}: {' '.join(parts[2:]).replace('_', ' ')}"
    return humanised(" ".join(parts[1:] or parts))


# outcome -> one-line definition, for a reader meeting the word for the first time
DEFINITIONS = {
    "aware_share": "Families aware of the data sharing: the share of households that know of at least one new flow.",
    "mean_trust": "Trust in NHS confidentiality: each household's trust that health records stay with health "
    "services, from 0 (none) to 1 (full), averaged over households.",
    "gp_registered_share": "GP registration: the share of children aged 0-6 registered with a GP practice.",
    "coverage_6in1_12m": "6-in-1 coverage at 12 months: the share of children turning 1 who have had all three "
    "doses of the 6-in-1 vaccine (an NHS COVER milestone).",
    "coverage_mmr1_24m": "MMR1 coverage at 24 months: the share of children turning 2 who have had a first MMR "
    "dose (an NHS COVER milestone).",
    "coverage_mmr2_5y": "MMR2 coverage at 5 years: the share of children turning 5 who have had both MMR doses "
    "(an NHS COVER milestone).",
    "hv_review_coverage": "Health visitor reviews done: the share of the new-birth, 6-8 week, 12-month and 2-year "
    "reviews falling due that take place.",
    "safeguarding_contacts_per_10k": "Safeguarding contacts: times a child is seen by a health professional who "
    "could notice a child at risk (GP registration, vaccination visits, health visitor reviews, unscheduled care), "
    "per 10,000 children a year.",
    "identifications_per_10k": "Children at risk spotted: children with a safeguarding need identified at a health "
    "contact or after a data-matching enquiry, per 10,000 children a year.",
    "months_to_identification": "Months to identification: how long a child's need goes unnoticed before it is "
    "identified, on average.",
    "cme_found_per_10k": "Children missing education found: children not on any school roll whom data matching "
    "finds, per 10,000 children a year.",
    "avoiding_share": "Families avoiding health services: the share of households keeping away from health "
    "services because of the data sharing (no vaccinations or health visitor reviews, less GP registration and "
    "unscheduled care) in a month.",
    "objecting_share": "Families objecting: the share of households that have opted their children's records out "
    "of at least one flow (only where objection is respected).",
    "coverage_6in1_24m": "6-in-1 coverage at 24 months: the share of children turning 2 who have had all three "
    "doses of the 6-in-1 vaccine (an NHS COVER milestone).",
    "coverage_mmr1_5y": "MMR1 coverage at 5 years: the share of children turning 5 who have had a first MMR dose "
    "(an NHS COVER milestone).",
    "missing_education_per_10k": "Children missing education: school-age children on no school roll or register, "
    "per 10,000 children, at a point in time, whether or not the local authority knows of them.",
    "matching_flagged_per_10k": "Children flagged by data matching: children a match flags as possibly missing "
    "education, per 10,000 children a year, whether or not they turn out to be missing (those who are, are the "
    "children missing education found).",
    "coverage_6in1_5y": "6-in-1 coverage at 5 years: the share of children turning 5 who have had all three doses "
    "of the 6-in-1 vaccine (an NHS COVER milestone).",
    "missing_education_known_per_10k": "Children missing education known to the local authority: those of the "
    "children missing education whom the authority knows of, per 10,000 children at a point in time, as its "
    "census day counts them.",
}
NAMES = {
    "aware_share": "Families aware of the data sharing",
    "mean_trust": "Trust in NHS confidentiality",
    "gp_registered_share": "Children aged 0-6 registered with a GP",
    "coverage_6in1_12m": "6-in-1 vaccine by 12 months",
    "coverage_mmr1_24m": "MMR first dose by 24 months",
    "coverage_mmr2_5y": "MMR both doses by 5 years",
    "hv_review_coverage": "Health visitor reviews done",
    "safeguarding_contacts_per_10k": "Safeguarding contacts",
    "identifications_per_10k": "Children at risk spotted",
    "months_to_identification": "Months to identification",
    "cme_found_per_10k": "Children missing education found",
    "avoiding_share": "Families avoiding health services",
    "objecting_share": "Families objecting to a flow",
    "coverage_6in1_24m": "6-in-1 vaccine by 24 months",
    "coverage_mmr1_5y": "MMR first dose by 5 years",
    "missing_education_per_10k": "Children missing education",
    "matching_flagged_per_10k": "Children flagged by data matching",
    "coverage_6in1_5y": "6-in-1 vaccine by 5 years",
    "missing_education_known_per_10k": "Children missing education known to the local authority",
}
# effect -> what its count for the whole place a year counts
COUNT_NOUNS = {
    "lost_safeguarding_contacts_per_10k": "safeguarding contacts lost",
    "lost_identifications_per_10k": "children at risk missed",
    "cme_found_per_10k_change": "more children missing education found",
    "matching_flagged_per_10k_change": "more children flagged by data matching",
    "coverage_6in1_12m_change_pp": "children turning 1 without the 6-in-1 vaccine",
    "coverage_6in1_24m_change_pp": "children turning 2 without the 6-in-1 vaccine",
    "coverage_6in1_5y_change_pp": "children turning 5 without the 6-in-1 vaccine",
    "coverage_mmr1_24m_change_pp": "children turning 2 without a first MMR dose",
    "coverage_mmr1_5y_change_pp": "children turning 5 without a first MMR dose",
    "coverage_mmr2_5y_change_pp": "children turning 5 without both MMR doses",
    "gp_registered_share_change_pp": "children aged 0-6 off GP lists",
}
# effect -> what a negative count of it counts, so no count reads as a negative number of children
OPPOSITE_COUNT_NOUNS = {
    "lost_safeguarding_contacts_per_10k": "more safeguarding contacts",
    "lost_identifications_per_10k": "more children at risk spotted",
    "cme_found_per_10k_change": "fewer children missing education found",
    "matching_flagged_per_10k_change": "fewer children flagged by data matching",
    "coverage_6in1_12m_change_pp": "more children turning 1 with the 6-in-1 vaccine",
    "coverage_6in1_24m_change_pp": "more children turning 2 with the 6-in-1 vaccine",
    "coverage_6in1_5y_change_pp": "more children turning 5 with the 6-in-1 vaccine",
    "coverage_mmr1_24m_change_pp": "more children turning 2 with a first MMR dose",
    "coverage_mmr1_5y_change_pp": "more children turning 5 with a first MMR dose",
    "coverage_mmr2_5y_change_pp": "more children turning 5 with both MMR doses",
    "gp_registered_share_change_pp": "more children aged 0-6 registered with a GP",
}
# effect -> what its count of the place's families counts (percentage points of households)
FAMILY_COUNT_NOUNS = {"avoiding_share_change_pp": "more families avoiding health services"}
# How many of the place's children an effect's unit applies to: "all" (rates per 10,000), or ages in months
COHORT_MONTHS = {
    "coverage_6in1_12m_change_pp": 12,  # one year of age: the children turning 1 in a year
    "coverage_6in1_24m_change_pp": 12,
    "coverage_6in1_5y_change_pp": 12,
    "coverage_mmr1_24m_change_pp": 12,
    "coverage_mmr1_5y_change_pp": 12,
    "coverage_mmr2_5y_change_pp": 12,
    "gp_registered_share_change_pp": 84,  # children aged 0-6 (months 0-83)
}
COVERAGE_SIGN = -1.0  # a fall in coverage is children missed: counts of "without" are minus the change
EVIDENCE_REVIEW = "the project's evidence review (its sources are listed in params/sources.yaml)"
BILL_BRIEFING = "defenddigitalme's briefing on the Bill (14 June 2025)"
OUTSIDE_FILES = (
    (re.compile(r"\(?\s*shared/context/policy_background\.txt\s*\)?"), f"({BILL_BRIEFING})"),
    (re.compile(r"policy_background\.txt(?:,)?\s*(section|sections)\s+"), f"{BILL_BRIEFING}, point "),
    (re.compile(r"policy_background\.txt"), BILL_BRIEFING),
    (re.compile(r"EVIDENCE\.md\s+section\s+"), f"{EVIDENCE_REVIEW}, section "),
    (re.compile(r"EVIDENCE\.md"), EVIDENCE_REVIEW),
)


def outcome_of(effect: str) -> str:
    """The outcome an effect is computed from (the effect itself when it is an outcome)."""
    base = effect.split("__", 1)[0]
    return EFFECTS[base][0] if base in EFFECTS else base


def humanised(name: str) -> str:
    """A code name as words: 'coverage_mmr1_24m' -> 'Coverage mmr1 24m'."""
    return name.replace("_", " ").capitalize()


def outcome_name(outcome: str) -> str:
    """An outcome's short name for a reader."""
    return NAMES.get(outcome, humanised(outcome))


def definition(outcome: str) -> str:
    """An outcome's one-line definition; an outcome without one is named and pointed to the ODD."""
    return DEFINITIONS.get(outcome, f"{outcome_name(outcome)} (defined in docs/ODD.md, section 4, Observation).")


def definitions() -> dict[str, str]:
    """Every outcome of model/core/outcomes.py with its definition, in that order."""
    return {o: definition(o) for o in OUTCOMES}


def children_counted(effect: str, n_children: int) -> float:
    """The place's children one unit of the effect is taken over: all of them, or a one-year cohort, or ages 0-6."""
    months = COHORT_MONTHS.get(effect.split("__", 1)[0])
    return n_children if months is None else n_children * months / AGE_OUT_MONTHS


def place_count(effect: str, value: float, n_children: int, n_families: int | None = None) -> float | None:
    """An effect as a number of children or contacts a year for the whole place; None if it has no count.

    Rates are per 10,000 children a year, so the count is rate x children / 10,000; percentage-point changes
    are counted over the children they are a share of (a one-year cohort, assuming the place's children are
    spread evenly over ages 0-17), and a fall in coverage counts as children without the vaccine. A change in
    a share of households (families avoiding) is counted over `n_families`, when given.
    """
    base = effect.split("__", 1)[0]
    if value != value:
        return None
    if base in FAMILY_COUNT_NOUNS:
        return None if n_families is None else value / 100.0 * n_families
    if base not in COUNT_NOUNS:
        return None
    if base in COHORT_MONTHS:
        return COVERAGE_SIGN * value / 100.0 * children_counted(base, n_children)
    return value / 10_000 * n_children


def round_count(count: float) -> str:
    """A count as a reader would say it, to two significant figures, before a plural noun: 'about 810', 'about 7',
    'about 1' (1 to 1.5), 'fewer than 1' (under 1, either sign: never 'one or two' for 0.6)."""
    size = abs(count)
    if size < 1:
        return "fewer than 1"
    rounded = float(f"{size:.2g}") if size >= 10 else round(size)
    return f"about {'-' if count < 0 else ''}{rounded:,.0f}"


SINGULAR = (("children", "child"), ("contacts", "contact"), ("families", "family"))


def noun_for(said: str, noun: str) -> str:
    """The noun in the number a count is said with: 'fewer than 1 child', 'about 1 contact', 'about 7 children'."""
    if said not in ("fewer than 1", "about 1"):
        return noun
    for plural, one in SINGULAR:
        if plural in noun.split():
            return noun.replace(plural, one, 1)
    return noun


def say_count(count: float, noun: str) -> str:
    """A count said with its noun in the right number: 'fewer than 1 child at risk', 'about 7 children at risk'."""
    said = round_count(count)
    return f"{said} {noun_for(said, noun)}"


def counted(effect: str, count: float) -> str:
    """'about 810 safeguarding contacts lost': a count of the place's children before what it counts; a negative
    count is said the other way round ('about 7 more children at risk spotted'), never as a negative number, and
    a count under 1 either way is 'fewer than 1' of what the policy costs."""
    base = effect.split("__", 1)[0]
    if count <= -1 and base in OPPOSITE_COUNT_NOUNS:
        said = round_count(-count)
        return f"{said} {noun_for(said, OPPOSITE_COUNT_NOUNS[base])}"
    said = round_count(count)
    return f"{said} {noun_for(said, COUNT_NOUNS[base])}"


def count_phrase(effect: str, value: float, n_children: int, place: str, n_families: int | None = None) -> str:
    """'about 810 safeguarding contacts lost a year in Wigan', or '' when the effect has no count."""
    count = place_count(effect, value, n_children, n_families)
    if count is None:
        return ""
    base = effect.split("__", 1)[0]
    if base in FAMILY_COUNT_NOUNS:
        said = round_count(count)
        return f"{said} {noun_for(said, FAMILY_COUNT_NOUNS[base])} in {place} (final-year average)"
    return f"{counted(effect, count)} a year in {place}"


def cite_plainly(text: str) -> str:
    """Source text with files outside the repository replaced by what they are."""
    for pattern, words in OUTSIDE_FILES:
        text = pattern.sub(words, text)
    return text
