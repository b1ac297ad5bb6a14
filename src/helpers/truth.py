"""Ground truth planted in the synthetic default province; tests import it to check what methods recover.

Figures marked *published* are the Tây Ninh project's (seed 000) and directive's (seed 003); the rest are
planted choices, each with the reason for its value. Nothing here is computed from the generated files.
"""
from __future__ import annotations

SEED = 20_211_009  # date the Tây Ninh project was published (09/10/2021): any fixed seed would do
PROVINCE_CODE = "SIM"
MERGED_PROVINCE_CODE = "SIMX"  # the province formed by the 2025 merger
FIRST_YEAR, LAST_YEAR = 2011, 2025
TERMS = ("2010-2015", "2015-2020", "2020-2025")

# Term totals of the two kinds of attrition. 2015-2020 is published (424 removed, 238 asked to leave);
# 2010-2015 is the only integer consistent with the published percent changes (+37,66% and +98%); 2020-2025
# falls 46,4% against 2015-2020, short of the project's target of at least 50%.
TERM_TOTALS = {
    "removed": {"2010-2015": 308, "2015-2020": 424, "2020-2025": 215},
    "asked_to_leave": {"2010-2015": 120, "2015-2020": 238, "2020-2025": 140},
}
TARGET = {"term": "2020-2025", "baseline_term": "2015-2020", "indicator": "removed_and_asked",
          "direction": "decrease", "change_pct": 50.0}

# Annual percent change of the attrition rate (per member at the start of the year) in the first term. The
# later terms' APCs are then fixed by continuity at the knots and by the term totals: see
# helpers.synth.solve_trend, which returns the full planted parameters.
FIRST_TERM_APC = {"removed": 4.0, "asked_to_leave": 8.0}
# The resulting planted APC per term (2011-2015, 2016-2020, 2021-2025), as solved by the generator from the
# constants above; tests check the generator still solves to these, so analyses can be tested against them.
PLANTED_APC = {
    "removed": (4.0, 5.4742, -26.6260),
    "asked_to_leave": (8.0, 15.5948, -27.0581),
}
# log rate per member in 2011 (the intercept of the same solved trend), for simulating from the planted model.
PLANTED_LOG_RATE_2011 = {"removed": -6.511385, "asked_to_leave": -7.535165}

# Published counts behind every share the Tây Ninh project states for 2015-2020 leavers (base 662).
PUBLISHED_LEAVER_COUNTS_2015_2020 = {
    "age_18_40": 478,               # 72,21%
    "informal_occupation": 519,     # 78,40%: hired, freelance, trade, farming, homemaking, demobilised
    "hamlet_branch": 572,           # stated as 86,42%; 572/662 is 86,40% (the checker reports it)
    "professional_none_or_elementary": 444,  # 67,07%
    "political_none": 614,          # 92,75%
}
# Reasons (published shares; counts implied by them): removed for quitting branch activity 89,86% of 424;
# asked to leave for family hardship 72,69% and following a spouse abroad 27,31% of 238.
PUBLISHED_REASON_COUNTS_2015_2020 = {
    ("removed", "quit_activity"): 381,
    ("asked_to_leave", "family_hardship"): 173,
    ("asked_to_leave", "spouse_abroad"): 65,
}

# Membership composition (probabilities for each member not constructed as a 2015-2020 leaver). Chosen so that
# the published leaver shares are clearly over-represented, as the project's narrative says they are.
MEMBER_SHARES = {
    "sex": {"male": 0.62, "female": 0.38},
    "branch_type": {"hamlet": 0.55, "agency": 0.15, "public_service": 0.17, "enterprise": 0.08,
                    "armed_forces": 0.05},
    "occupation": {"farmer": 0.20, "freelance": 0.08, "trader": 0.05, "homemaker": 0.03, "demobilised": 0.04,
                   "worker": 0.06, "civil_servant": 0.30, "armed_forces": 0.05, "student": 0.01,
                   "retired": 0.17, "other": 0.01},
    "professional_training": {"none": 0.25, "elementary": 0.10, "intermediate": 0.20, "college": 0.08,
                              "university": 0.33, "postgraduate": 0.04},
    "political_training": {"none": 0.40, "elementary": 0.35, "intermediate": 0.20, "advanced": 0.05},
}
# Share of members aged 18-40 at the start of each year, aimed at across 2016-2020 by the age distribution.
MEMBER_SHARE_AGE_18_40 = 0.28

# Leaver composition in the terms the seeds do not describe, drawn with these probabilities. They equal the
# published 2015-2020 shares, so the over-representation is the same in every term.
LEAVER_SHARES = {
    "age_18_40": 478 / 662,
    "informal_occupation": 519 / 662,
    "hamlet_branch": 572 / 662,
    "professional_none_or_elementary": 444 / 662,
    "political_none": 614 / 662,
    "male": 0.70,
}

# Over-representation among leavers (share among leavers / share among members) that profile analyses must
# recover, from the two tables above.
OVER_REPRESENTATION = {
    "age_18_40": LEAVER_SHARES["age_18_40"] / MEMBER_SHARE_AGE_18_40,
    "informal_occupation": LEAVER_SHARES["informal_occupation"]
    / sum(MEMBER_SHARES["occupation"][k] for k in ("farmer", "freelance", "trader", "homemaker", "demobilised")),
    "hamlet_branch": LEAVER_SHARES["hamlet_branch"] / MEMBER_SHARES["branch_type"]["hamlet"],
    "professional_none_or_elementary": LEAVER_SHARES["professional_none_or_elementary"]
    / (MEMBER_SHARES["professional_training"]["none"] + MEMBER_SHARES["professional_training"]["elementary"]),
    "political_none": LEAVER_SHARES["political_none"] / MEMBER_SHARES["political_training"]["none"],
    "male": LEAVER_SHARES["male"] / MEMBER_SHARES["sex"]["male"],
}

# Subordinate units: code, name, relative size, relative attrition rate. D06 is planted at twice the province's
# rate and D03 at half, so a funnel plot has one unit above and one below the limits to find.
UNITS = (
    ("D01", "Thành phố Bình Minh (mô phỏng)", 0.16, 1.0),
    ("D02", "Thị xã Hòa An (mô phỏng)", 0.13, 1.0),
    ("D03", "Huyện Tân Lập (mô phỏng)", 0.12, 0.5),
    ("D04", "Huyện Phước Hưng (mô phỏng)", 0.11, 1.0),
    ("D05", "Huyện Long Thạnh (mô phỏng)", 0.10, 1.0),
    ("D06", "Huyện Châu Thành Tây (mô phỏng)", 0.10, 2.0),
    ("D07", "Huyện Bến Cầu Mới (mô phỏng)", 0.08, 1.0),
    ("D08", "Huyện Trảng Lớn (mô phỏng)", 0.07, 1.0),
    ("D09", "Đảng bộ Khối cơ quan và doanh nghiệp (mô phỏng)", 0.13, 1.0),
)
BRANCHES_PER_TYPE = {"hamlet": 620, "agency": 300, "public_service": 320, "enterprise": 210, "armed_forces": 200}

INITIAL_MEMBERS = 36_500   # on the rolls on 1 January 2011; with the flows below about 45,000 by 2025
ADMISSIONS_PER_YEAR = 1_250
TRANSFERS_IN_PER_YEAR = 160
ANNUAL_HAZARD = {"transferred_out": 0.0045, "expelled": 0.0004, "other_exit": 0.0001}
DEATH_HAZARD = {"under_60": 0.0015, "60_to_74": 0.012, "75_plus": 0.06}

# Cause group recorded for each leaver (removed or asked to leave): the member him- or herself first.
LEAVER_CAUSE_SHARES = {1: 0.10, 2: 0.06, 3: 0.15, 4: 0.18, 5: 0.12, 6: 0.04, 7: 0.35}

# Survey (100 branches, 200 former members, as the Tây Ninh project surveyed). Ratings 1-5 are cut from latent
# normal scores; cause k and solution k are correlated with these latent correlations, every unmatched pair 0.
# Pairs 2 and 6 are planted as unrelated: a correct analysis does not flag them after correction.
SURVEY_YEAR = 2021
SURVEY_RESPONDENTS = {"branch": 100, "former_member": 200}
MATCHED_LATENT_CORRELATION = {1: -0.5, 2: 0.0, 3: -0.5, 4: -0.6, 5: -0.3, 6: 0.0, 7: -0.4}
UNRELATED_PAIRS = tuple((k, k) for k, rho in MATCHED_LATENT_CORRELATION.items() if rho == 0.0)
# Mean latent cause rating (higher = the cause mattered more), so group 7 and group 4 rank first.
CAUSE_LATENT_MEAN = {1: 0.0, 2: -0.3, 3: 0.2, 4: 0.4, 5: 0.1, 6: -0.4, 7: 0.7}
LIKERT_CUTS = (-1.5, -0.5, 0.5, 1.5)  # latent score → rating 1..5
SURVEY_NONRESPONSE = 0.02  # share of rating cells left empty, so analyses meet missing answers

# Branch-level association planted for the surveyed branches: in the years after the survey, each point of a
# solution group's implementation rating (1-5) multiplies the branch's rate of removed + asked-to-leave members
# by this ratio. Solutions 3 (management), 4 (branch activity) and 7 (members' own awareness) are planted as
# protective; the others have no effect. With 100 surveyed branches the default data can only give wide
# intervals: the method is checked for precision on a larger simulated panel in the tests.
BRANCH_SOLUTION_RATE_RATIO = {1: 1.0, 2: 1.0, 3: 0.80, 4: 0.75, 5: 1.0, 6: 1.0, 7: 0.85}
