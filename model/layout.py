"""Names and positions shared by the rules, the drivers and the outcomes.

The compiled rules read parameters and state from plain arrays; this module
says which column means what, once. Everything here is a constant.
"""

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

# --- Recipients of a data flow (segment fears are per recipient) ---
RECIPIENTS = ("csc", "education", "police", "national", "other")
N_RECIPIENTS = len(RECIPIENTS)

PURPOSES = ("direct_care", "matching", "safeguarding")
PURPOSE_MATCHING = 1

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
F_MISSING_EDU = 1 << 13
F_FOUND = 1 << 14
F_VACC_LAST_MONTH = 1 << 15  # a dose was given last month, so the next one is already booked

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

# --- Contact types (columns of the contact parameter table) ---
CONTACTS = ("registration", "vaccination", "hv_review", "unscheduled")
C_REGISTRATION, C_VACCINATION, C_HV, C_UNSCHEDULED = 0, 1, 2, 3
N_CONTACTS = len(CONTACTS)

# --- Scalar parameters: index in the P vector ---
P_NAMES = (
    "p_birth_per_month",
    "p_move_per_month",
    "p_word_of_mouth",
    "p_word_of_mouth_letter",
    "p_notice_per_month",
    "p_forget_per_month",
    "media_decay_months",
    "erosion_unexpected",
    "erosion_told",
    "recovery_per_month",
    "w_risk",
    "w_peer",
    "peer_ref",
    "shift_unregistered",
    "logit_register_due",
    "logit_register_late",
    "logit_vacc_due",
    "logit_mmr1_due",
    "logit_mmr2_due",
    "logit_vacc_catchup",
    "catchup_decay_months",
    "logit_hv_review",
    "logit_unscheduled",
    "need_unscheduled",
    "p_illness_under5_per_month",
    "p_illness_over5_per_month",
    "p_detect_registration",
    "p_detect_vaccination",
    "p_detect_hv_review",
    "p_detect_unscheduled",
    "p_detect_other_per_month",
    "p_detect_matching",
    "p_init_registered",
    "p_init_dose",
    "trust_spread",
    "sd_propensity",
    "mean_children",
)
P_P_BIRTH_PER_MONTH = 0
P_P_MOVE_PER_MONTH = 1
P_P_WORD_OF_MOUTH = 2
P_P_WORD_OF_MOUTH_LETTER = 3
P_P_NOTICE_PER_MONTH = 4
P_P_FORGET_PER_MONTH = 5
P_MEDIA_DECAY_MONTHS = 6
P_EROSION_UNEXPECTED = 7
P_EROSION_TOLD = 8
P_RECOVERY_PER_MONTH = 9
P_W_RISK = 10
P_W_PEER = 11
P_PEER_REF = 12
P_SHIFT_UNREGISTERED = 13
P_LOGIT_REGISTER_DUE = 14
P_LOGIT_REGISTER_LATE = 15
P_LOGIT_VACC_DUE = 16
P_LOGIT_MMR1_DUE = 17
P_LOGIT_MMR2_DUE = 18
P_LOGIT_VACC_CATCHUP = 19
P_CATCHUP_DECAY_MONTHS = 20
P_LOGIT_HV_REVIEW = 21
P_LOGIT_UNSCHEDULED = 22
P_NEED_UNSCHEDULED = 23
P_P_ILLNESS_UNDER5_PER_MONTH = 24
P_P_ILLNESS_OVER5_PER_MONTH = 25
P_P_DETECT_REGISTRATION = 26
P_P_DETECT_VACCINATION = 27
P_P_DETECT_HV_REVIEW = 28
P_P_DETECT_UNSCHEDULED = 29
P_P_DETECT_OTHER_PER_MONTH = 30
P_P_DETECT_MATCHING = 31
P_P_INIT_REGISTERED = 32
P_P_INIT_DOSE = 33
P_TRUST_SPREAD = 34
P_SD_PROPENSITY = 35
P_MEAN_CHILDREN = 36
P_DETECT0 = P_P_DETECT_REGISTRATION  # + contact type, in CONTACTS order
N_P = len(P_NAMES)

# --- Per-segment parameters: columns of the SEGP table ---
SEGP_NAMES = (
    "trust0",
    "shift_engagement",
    "rel_risk",
    "nondisclosure",
    "h_need_per_month",
    "p_missing_education",
    "rel_media",
) + tuple("fear_" + r for r in RECIPIENTS)
S_TRUST0 = 0
S_SHIFT_ENGAGEMENT = 1
S_REL_RISK = 2
S_NONDISCLOSURE = 3
S_H_NEED_PER_MONTH = 4
S_P_MISSING_EDUCATION = 5
S_REL_MEDIA = 6
S_FEAR_CSC = 7
S_FEAR_EDUCATION = 8
S_FEAR_POLICE = 9
S_FEAR_NATIONAL = 10
S_FEAR_OTHER = 11
S_FEAR0 = SEGP_NAMES.index("fear_csc")
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
)
FL_START, FL_RECIPIENT, FL_MATCHING, FL_TOLD, FL_SAFEGUARD, FL_MEDIA, FL_MATCH_INTERVAL = range(7)
N_FLOWF = len(FLOW_FIELDS)
MAX_FLOWS = 8  # awareness is a bit per flow in one byte
MAX_DEGREE = 200  # neighbour counts are packed 8 bits a flow, so a count must fit in a byte

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
)
K_FAMILIES = 0
K_AWARE = 1
K_TRUST_SUM = 2
K_CHILDREN = 3
K_CHILDREN_0_6 = 4
K_REGISTERED_0_6 = 5
K_COHORT_12M = 6
K_FULL_6IN1_12M = 7
K_COHORT_24M = 8
K_MMR1_24M = 9
K_COHORT_5Y = 10
K_MMR2_5Y = 11
K_HV_DUE = 12
K_HV_DONE = 13
K_CONTACTS = 14
K_IDENTIFICATIONS = 15
K_IDENTIFIED_ANY_ROUTE = 16
K_MONTHS_TO_IDENTIFICATION_SUM = 17
K_CME_FOUND = 18
K_BIRTHS = 19
K_AGED_OUT = 20
K_MOVED_IN_CHILDREN = 21
K_MOVED_OUT_CHILDREN = 22
K_NEED_ONSETS = 23
K_DECISIONS = 24
K_MMR1_5Y = 25  # cohort_5y children with at least one MMR dose (a validation check, not an outcome)
N_COUNTERS = len(COUNTERS)

# --- What neighbours read of a household: one uint16 word, last month's and this month's ---
# (16 bits, not 32, because distant neighbours are random reads: a smaller array stays in cache)
SOCIAL_AWARE_SHIFT = 0  # 8 bits: aware of flow k
SOCIAL_LETTER_SHIFT = 8  # 1 bit: an enquiry letter arrived, from the flow whose match found children (M_FINDS)
SOCIAL_ENGAGED_SHIFT = 9  # 1 bit: took up its most recent due contact
SOCIAL_LETTER = 1 << SOCIAL_LETTER_SHIFT
SOCIAL_ENGAGED = 1 << SOCIAL_ENGAGED_SHIFT

TRUST_SCALE = 65535  # trust is fixed point (16 bits) so sums are exact

# --- Purposes of random draws (the fourth key of every draw) ---
R_MOVE = 1
R_MOVE_CHILDREN = 2
R_BIRTH = 3
R_TRUST_INIT = 4
R_PROPENSITY = 5
R_AWARE = 16  # + flow
R_FORGET = 32  # + flow
R_CHILD = 64  # + slot * R_CHILD_STRIDE + child purpose
R_CHILD_STRIDE = 64
RC_AGE = 0
RC_REGISTERED = 1
RC_DOSE = 2  # + dose (0..4)
RC_MISSING_EDU = 8
RC_NEED = 9
RC_REGISTER = 10
RC_VACC = 11
RC_ILL = 13
RC_UNSCHEDULED = 14
RC_DETECT = 15
RC_DETECT_OTHER = 16
RC_DETECT_MATCHING = 17
RC_HV = 24  # + review (0..4)
