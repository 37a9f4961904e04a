"""Names and positions shared by the rules, the drivers and the outcomes.

The compiled rules read parameters and state from plain arrays; this module
says which column means what, once. Everything here is a constant. Each index
is found from its name tuple (`P_NAMES.index("w_risk")`), never numbered by
hand, so a name can be added anywhere in its tuple; tests/test_layout.py holds
the purpose keys of the random streams distinct.
"""

from model.core.registry import DECISIONS, MAX_DEGREE, P_COLUMNS, RECIPIENTS, SEGP_COLUMNS  # noqa: F401 (re-exported)

# --- Population segments (order is the column order everywhere) ---
SEGMENTS = (
    "general",
    "csc_known",
    "domestic_abuse",
    "insecure_immigration",
    "grt",
    "ehe",
    "adoptive",
    "disabled_parents",
)
N_SEG = len(SEGMENTS)

# --- Recipients of a data flow (segment fears are per recipient): RECIPIENTS, from the registry ---
N_RECIPIENTS = len(RECIPIENTS)

PURPOSES = ("direct_care", "matching", "safeguarding")
PURPOSE_MATCHING = PURPOSES.index("matching")

# --- Children: slots per family and the bits of a child's flags word ---
MAX_CHILDREN = 4
AGE_OUT_MONTHS = 216  # 18th birthday
F_EXISTS = 1 << 0
F_REGISTERED = 1 << 1
SHIFT_6IN1 = 2  # two bits: 6-in-1 doses received, 0..3
MASK_6IN1 = 3 << SHIFT_6IN1
SHIFT_MMR = 4  # two bits: MMR doses received, 0..2
MASK_MMR = 3 << SHIFT_MMR
SHIFT_HV = 6  # five bits: health visitor reviews done
F_NEED = 1 << 11
F_IDENTIFIED = 1 << 12
F_MISSING_EDU = 1 << 13  # in an episode of missing education now (episodes start and end: step.education)
F_FOUND = 1 << 14  # found by a data match during the current episode (cleared when an episode starts)
F_VACC_LAST_MONTH = 1 << 15  # a dose was given last month, so the next one is already booked

# --- A child's schedule (step.step_child): ch_sched holds the month it is next stepped in full, then the month of
# the next event of each of its rare-event streams (W_*), each a single kind of event at a time ---
NEVER = (1 << 14) - 1  # a month no run reaches (a run is at most 6,000 months)
WAIT_UNSET = -1  # a stream of a child just placed, first drawn in its first full step
W_ILL, W_NEED, W_EDU = 0, 1, 2  # illness; need onset, or its identification by other routes; education changes
N_WAITS = 3

# --- Immunisation schedule (age in months at which each dose falls due) ---
AGE_6IN1 = (2, 3, 4)  # 8, 12, 16 weeks
AGE_MMR = (12, 40)  # 1 year; 3 years 4 months
AGE_CATCHUP_END_MONTHS = 72  # call/recall and catch-up modelled to age 6

# --- Health visitor reviews: (first, last) month of age of each window ---
HV_REVIEWS = ("antenatal", "new_birth", "six_to_eight_week", "twelve_month", "two_year")
HV_WINDOW_FIRST = (0, 0, 1, 12, 24)
HV_WINDOW_LAST = (0, 0, 1, 12, 24)  # one offered visit each: coverage is its take-up
HV_FIRST_COUNTED = 1  # hv_review_coverage averages the four post-birth reviews

# --- Ages bounding outcome populations ---
AGE_REG_OUTCOME_END = 84  # gp_registered_share: children aged 0-6
AGE_SCHOOL_START = 60
AGE_SCHOOL_END = 192  # compulsory school age 5-15
AGE_ILLNESS_BAND = 60  # the monthly chance of illness changes at the 5th birthday (rules.p_illness)
COVER_AGES = (12, 24, 60)  # COVER milestones (step.cover_milestones)
# Ages at which a child has something due that is not a rare event, or its rare events' chances change: a dose or
# review falls due, a milestone is counted, school age starts or ends, the illness band changes, the child ages out
DUE_AGES = tuple(
    sorted(
        set(AGE_6IN1 + AGE_MMR + HV_WINDOW_FIRST + HV_WINDOW_LAST + COVER_AGES)
        | {AGE_SCHOOL_START, AGE_SCHOOL_END, AGE_ILLNESS_BAND, AGE_OUT_MONTHS}
    )
)

# --- Contact types (columns of the contact parameter table) ---
CONTACTS = ("registration", "vaccination", "hv_review", "unscheduled")
C_REGISTRATION = CONTACTS.index("registration")
C_VACCINATION = CONTACTS.index("vaccination")
C_HV = CONTACTS.index("hv_review")
C_UNSCHEDULED = CONTACTS.index("unscheduled")
N_CONTACTS = len(CONTACTS)

# --- Parameters: columns of the scalar vector P and of the per-segment table SEGP ---
# Generated from model/core/registry.py, in its order: P_<NAME> and S_<NAME> index each column (P_W_RISK is the
# column of behaviour.w_risk). They are module constants, which the compiled rules read as compile-time constants.
P_NAMES = P_COLUMNS
SEGP_NAMES = SEGP_COLUMNS
globals().update({f"P_{name.upper()}": i for i, name in enumerate(P_NAMES)})
globals().update({f"S_{name.upper()}": j for j, name in enumerate(SEGP_NAMES)})
P_DETECT0 = P_NAMES.index("p_detect_registration")  # + contact type, in CONTACTS order
S_FEAR0 = SEGP_NAMES.index("fear_csc")  # + recipient, in RECIPIENTS order
N_P = len(P_NAMES)
N_SEGP = len(SEGP_NAMES)

# --- Flows of a scenario: columns of the FLOWS table ---
FLOW_FIELDS = (
    "start_abs_month",
    "recipient",
    "is_matching",
    "told",
    "safeguard_factor",
    "media_intensity",
    "match_interval_months",
    "objection_respected",
    "end_abs_month",
    "national",
)
FL_START = FLOW_FIELDS.index("start_abs_month")
FL_RECIPIENT = FLOW_FIELDS.index("recipient")
FL_MATCHING = FLOW_FIELDS.index("is_matching")
FL_TOLD = FLOW_FIELDS.index("told")
FL_SAFEGUARD = FLOW_FIELDS.index("safeguard_factor")
FL_MEDIA = FLOW_FIELDS.index("media_intensity")
FL_MATCH_INTERVAL = FLOW_FIELDS.index("match_interval_months")
FL_OBJECTION = FLOW_FIELDS.index("objection_respected")
FL_END = FLOW_FIELDS.index("end_abs_month")  # first month the flow no longer runs (NEVER_ENDS if it runs on)
FL_NATIONAL = FLOW_FIELDS.index("national")  # 1 if the flow runs across the country (movers have lived under it)
NEVER_ENDS = float(1 << 40)  # an end month no run reaches
N_FLOWF = len(FLOW_FIELDS)
MAX_FLOWS = 8  # awareness is a bit per flow in one byte

# --- Monthly counters, per segment ---
COUNTERS = (
    "families",
    "aware",
    "trust_sum",
    "children",
    "children_0_6",
    "registered_0_6",
    "cohort_12m",
    "full_6in1_12m",
    "cohort_24m",
    "mmr1_24m",
    "cohort_5y",
    "mmr2_5y",
    "hv_due",
    "hv_done",
    "contacts",
    "identifications",
    "identified_any_route",
    "months_to_identification_sum",
    "cme_found",
    "births",
    "aged_out",
    "moved_in_children",
    "moved_out_children",
    "need_onsets",
    "decisions",
    "mmr1_5y",
    "avoiding",
    "objecting",
    "full_6in1_24m",
    "missing_edu_school_age",
    "matching_flagged",
    "missing_edu_onsets",
    "full_6in1_5y",
    "missing_edu_known",
)
K_FAMILIES = COUNTERS.index("families")
K_AWARE = COUNTERS.index("aware")
K_TRUST_SUM = COUNTERS.index("trust_sum")
K_CHILDREN = COUNTERS.index("children")
K_CHILDREN_0_6 = COUNTERS.index("children_0_6")
K_REGISTERED_0_6 = COUNTERS.index("registered_0_6")
K_COHORT_12M = COUNTERS.index("cohort_12m")
K_FULL_6IN1_12M = COUNTERS.index("full_6in1_12m")
K_COHORT_24M = COUNTERS.index("cohort_24m")
K_MMR1_24M = COUNTERS.index("mmr1_24m")
K_COHORT_5Y = COUNTERS.index("cohort_5y")
K_MMR2_5Y = COUNTERS.index("mmr2_5y")
K_HV_DUE = COUNTERS.index("hv_due")
K_HV_DONE = COUNTERS.index("hv_done")
K_CONTACTS = COUNTERS.index("contacts")
K_IDENTIFICATIONS = COUNTERS.index("identifications")
K_IDENTIFIED_ANY_ROUTE = COUNTERS.index("identified_any_route")
K_MONTHS_TO_IDENTIFICATION_SUM = COUNTERS.index("months_to_identification_sum")
K_CME_FOUND = COUNTERS.index("cme_found")
K_BIRTHS = COUNTERS.index("births")
K_AGED_OUT = COUNTERS.index("aged_out")
K_MOVED_IN_CHILDREN = COUNTERS.index("moved_in_children")
K_MOVED_OUT_CHILDREN = COUNTERS.index("moved_out_children")
K_NEED_ONSETS = COUNTERS.index("need_onsets")
K_DECISIONS = COUNTERS.index("decisions")
K_MMR1_5Y = COUNTERS.index("mmr1_5y")  # cohort_5y children with an MMR dose (a validation check, not an outcome)
K_AVOIDING = COUNTERS.index("avoiding")  # families avoiding services at the month's end
K_OBJECTING = COUNTERS.index("objecting")  # families objecting to at least one flow at the month's end
K_FULL_6IN1_24M = COUNTERS.index("full_6in1_24m")  # cohort_24m children with all three 6-in-1 doses
K_MISSING_EDU_SCHOOL_AGE = COUNTERS.index("missing_edu_school_age")  # school-age children missing education now
K_MATCHING_FLAGGED = COUNTERS.index("matching_flagged")  # children flagged by a data match this month
K_MISSING_EDU_ONSETS = COUNTERS.index("missing_edu_onsets")  # school-age children starting an episode
K_FULL_6IN1_5Y = COUNTERS.index("full_6in1_5y")  # cohort_5y children with all three 6-in-1 doses
K_MISSING_EDU_KNOWN = COUNTERS.index("missing_edu_known")  # of missing_edu_school_age, those the authority knows of
N_COUNTERS = len(COUNTERS)

# --- What neighbours read of a household: one uint16 word, last month's and this month's ---
# (16 bits, not 32, because distant neighbours are random reads: a smaller array stays in cache)
SOCIAL_AWARE_SHIFT = 0  # 8 bits: aware of flow k
SOCIAL_LETTER_SHIFT = 8  # 1 bit: an enquiry letter arrived, from the flow whose match found children (M_FINDS)
SOCIAL_ENGAGED_SHIFT = 9  # 1 bit: took up its most recent due contact
SOCIAL_LETTER = 1 << SOCIAL_LETTER_SHIFT
SOCIAL_ENGAGED = 1 << SOCIAL_ENGAGED_SHIFT

# --- A household's engagement state: one uint16 word (private to the household) ---
ENG_OBJECTING = 0xFF  # 8 bits: the family has opted its children's records out of flow k
ENG_AVOIDING = 1 << 8  # 1 bit: the family keeps away from services (layout of the state machine: docs/ODD.md)

TRUST_SCALE = 65535  # trust is fixed point (16 bits) so sums are exact

# --- Purposes of random draws (the fourth key of every draw) ---
R_MOVE = 1
R_MOVE_CHILDREN = 2
R_BIRTH = 3
R_TRUST_INIT = 4
R_PROPENSITY = 5
R_AVOID = 6
R_REENGAGE = 7
R_AWARE = 16  # + flow
R_FORGET = 32  # + flow
R_OBJECT = 48  # + flow
R_CHILD = 64  # + slot * R_CHILD_STRIDE + child purpose
R_CHILD_STRIDE = 64
RC_AGE = 0
RC_REGISTERED = 1
RC_DOSE = 2  # + dose (0..4)
RC_MISSING_EDU = 8
RC_REGISTER = 10
RC_VACC = 11
RC_UNSCHEDULED = 14
RC_DETECT = 15
RC_DETECT_OTHER = 16
RC_DETECT_MATCHING = 17
RC_UNMATCHED = 19  # a child's standing chance of being unmatched (keyed by its birth month, not the month)
RC_MISSING_KNOWN = 20  # a child's standing chance that its missing education is known (keyed by its birth month)
RC_WAIT = 32  # + 2 x stream (+ 1 for a wait drawn anew: a first one, or at an age its chance changes)
RC_HV = 24  # + review (0..4)
# Purposes that take an offset span that many consecutive keys (the others one); tests/test_layout.py reads every
# R_* and RC_* constant of this module with these spans, so a new purpose cannot be left out of its check
PURPOSE_SPANS = {
    "R_AWARE": MAX_FLOWS,
    "R_FORGET": MAX_FLOWS,
    "R_OBJECT": MAX_FLOWS,
    "RC_DOSE": len(AGE_6IN1) + len(AGE_MMR),
    "RC_WAIT": 2 * N_WAITS,
    "RC_HV": len(HV_REVIEWS),
}
