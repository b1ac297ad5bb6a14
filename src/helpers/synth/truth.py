"""Ground truth planted in the synthetic default province; tests import it to check what methods recover.

Figures marked *published* are the Tây Ninh project's (seed 000) and directive's (seed 003), the Hòa Bình
admissions article's (seed 001) and the Ho Chi Minh City article's (seed 004); the rest are planted choices, each
with the reason for its value. Nothing here is computed from the generated files.
"""

from __future__ import annotations

SEED = 20_211_009  # date the Tây Ninh project was published (09/10/2021): any fixed seed would do
PROVINCE_CODE = "SIM"
MERGED_PROVINCE_CODE = "SIMX"  # the province formed by the 2025 merger
FIRST_YEAR, LAST_YEAR = 2011, 2025
TERMS = ("2010-2015", "2015-2020", "2020-2025")

# Term totals of the two kinds of attrition. 2015-2020 is published (424 removed, 238 asked to leave);
# 2010-2015 is the only integer consistent with the published percent changes (+37,66% and +98%); 2020-2025
# (planted) falls 46,1% against 2015-2020, short of the project's target of at least 50%: removals (mostly for
# quitting branch activity, what the project's management measures act on) fall fast, requests to leave (family
# hardship, a spouse abroad) more slowly.
TERM_TOTALS = {
    "removed": {"2010-2015": 308, "2015-2020": 424, "2020-2025": 186},
    "asked_to_leave": {"2010-2015": 120, "2015-2020": 238, "2020-2025": 171},
}
TARGET = {
    "term": "2020-2025",
    "baseline_term": "2015-2020",
    "indicator": "removed_and_asked",
    "direction": "decrease",
    "change_pct": 50.0,
}

# Annual percent change of the attrition rate (per member at the start of the year) in the first term. The
# later terms' APCs are then fixed by continuity at the knots and by the term totals: see
# helpers.synth.province.solve_trend, which returns the full planted parameters.
FIRST_TERM_APC = {"removed": 4.0, "asked_to_leave": 8.0}
# The resulting planted APC per term (2011-2015, 2016-2020, 2021-2025), as solved by the generator from the
# constants above; tests check the generator still solves to these, so analyses can be tested against them.
PLANTED_APC = {
    "removed": (4.0, 7.2093, -31.1645),
    "asked_to_leave": (8.0, 17.3921, -21.0042),
}
# log rate per member in 2011 (the intercept of the same solved trend), for simulating from the planted model.
PLANTED_LOG_RATE_2011 = {"removed": -6.621293, "asked_to_leave": -7.644030}
# The annual counts are not the trend's expectations rounded: each term's pinned total is split over its years
# as a multinomial draw (Poisson counts conditional on their sum) with probabilities proportional to the planted
# trend times the exposure times a year effect exp(YEAR_EFFECT_SD * z), z standard normal, drawn once per kind of
# exit and year. The year effect is a mild extra-Poisson variation (a screening campaign, a bad harvest year):
# with about 40-100 exits a year it puts the Pearson dispersion of a Poisson trend fit near 1,1-1,3.
YEAR_EFFECT_SD = 0.06

# Published counts behind every share the Tây Ninh project states for 2015-2020 leavers (base 662).
PUBLISHED_LEAVER_COUNTS_2015_2020 = {
    "age_18_40": 478,  # 72,21%
    "informal_occupation": 519,  # 78,40%: hired, freelance, trade, farming, homemaking, demobilised
    "hamlet_branch": 572,  # stated as 86,42%; 572/662 is 86,40% (the checker reports it)
    "professional_none_or_elementary": 444,  # 67,07%
    "political_none": 614,  # 92,75%
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
    "branch_type": {"hamlet": 0.55, "agency": 0.15, "public_service": 0.17, "enterprise": 0.08, "armed_forces": 0.05},
    "occupation": {
        "farmer": 0.20,
        "freelance": 0.08,
        "trader": 0.05,
        "homemaker": 0.03,
        "demobilised": 0.04,
        "worker": 0.06,
        "civil_servant": 0.30,
        "armed_forces": 0.05,
        "student": 0.01,
        "retired": 0.17,
        "other": 0.01,
    },
    "professional_training": {
        "none": 0.25,
        "elementary": 0.10,
        "intermediate": 0.20,
        "college": 0.08,
        "university": 0.33,
        "postgraduate": 0.04,
    },
    "political_training": {"none": 0.40, "elementary": 0.35, "intermediate": 0.20, "advanced": 0.05},
}
# Occupations of newly admitted members: as MEMBER_SHARES, except that nobody is admitted retired (that share goes
# to workers, civil servants and students); the informal occupations keep their shares, so the over-representation
# of informal work among leavers is unchanged.
ADMITTED_OCCUPATION = {
    "farmer": 0.20,
    "freelance": 0.08,
    "trader": 0.05,
    "homemaker": 0.03,
    "demobilised": 0.04,
    "worker": 0.12,
    "civil_servant": 0.36,
    "armed_forces": 0.05,
    "student": 0.06,
    "other": 0.01,
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
# rate and D03 at half, so a funnel plot has one unit above and one below the limits to find. The others differ
# a little (0,88-1,12, mean 1), as real districts do, without leaving the funnel's limits: the city and the
# agencies' committee lose fewer members than the rural districts.
UNITS = (
    ("D01", "Thành phố Bình Minh (mô phỏng)", 0.16, 0.93),
    ("D02", "Thị xã Hòa An (mô phỏng)", 0.13, 1.04),
    ("D03", "Huyện Tân Lập (mô phỏng)", 0.12, 0.5),
    ("D04", "Huyện Phước Hưng (mô phỏng)", 0.11, 1.08),
    ("D05", "Huyện Long Thạnh (mô phỏng)", 0.10, 0.97),
    ("D06", "Huyện Châu Thành Tây (mô phỏng)", 0.10, 2.0),
    ("D07", "Huyện Bến Cầu Mới (mô phỏng)", 0.08, 1.12),
    ("D08", "Huyện Trảng Lớn (mô phỏng)", 0.07, 1.02),
    ("D09", "Đảng bộ Khối cơ quan và doanh nghiệp (mô phỏng)", 0.13, 0.88),
)
BRANCHES_PER_TYPE = {"hamlet": 620, "agency": 300, "public_service": 320, "enterprise": 210, "armed_forces": 200}

# On the rolls on 1 January 2011. With the flows below the stock grows slowly, from about 42,400 to 46,000 by
# 2025, so that the admissions the seeds publish (1.394 to 1.650 a year) are 3-4% of the members every year.
INITIAL_MEMBERS = 42_000
# Age on 1 January 2011 of the members then on the rolls: [low, high) and share. An older stock than the new
# members, so that the 2016-2020 stock is 28% aged 18-40 (MEMBER_SHARE_AGE_18_40).
INITIAL_AGES = {(22, 41): 0.12, (41, 61): 0.43, (61, 86): 0.45}
ADMISSION_AGES = (19, 36)  # age when admitted, [low, high): the charter's minimum is 18; most join young
TRANSFER_AGES = (25, 56)  # age when transferred in: mid-career moves
TRANSFERS_IN_PER_YEAR = 160
# Transfers out (1,4% a year, mostly to other provinces for work) outnumber transfers in: with the deaths of an
# older stock they hold the growth to a few hundred members a year despite the published admissions.
ANNUAL_HAZARD = {"transferred_out": 0.014, "expelled": 0.0004, "other_exit": 0.0001}
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


# --- admissions against the plan (seed 001, Hòa Bình) ----------------------------------------------------------
# Members admitted in the province per calendar year, counted from the member registry (entry_kind "admitted",
# entry_date in the year; leavers who were admitted in the year included). Published: 1.394 in 2021, 1.457 in
# 2022, 10.980 over 2016-2022 (so 8.129 over 2016-2020, planted at about 3,7% of the members a year, unevenly);
# 2011-2015 and 2024-2025 are planted at about 3,2-3,4%, inside the 3-4% band; 2023 is 787 / 0,45 (below).
ADMITTED_PER_YEAR = {
    2011: 1_385,
    2012: 1_421,
    2013: 1_396,
    2014: 1_452,
    2015: 1_418,
    2016: 1_630,
    2017: 1_672,
    2018: 1_640,
    2019: 1_570,
    2020: 1_617,
    2021: 1_394,
    2022: 1_457,
    2023: 1_749,
    2024: 1_536,
    2025: 1_467,
}
# Published: 787 admitted in the first six months of 2023 (37,8% of the plan).
ADMITTED_FIRST_HALF_2023 = 787
# Share of a year's admissions made by 30 June: about 45% (787 is 45% of 2023's 1.749), varying by district (a
# lasting district effect, standard deviation FIRST_HALF_UNIT_SD) and by year (FIRST_HALF_YEAR_SD), each
# district-year's first half a binomial draw. In 2023 the published 787 is split over the districts by their
# admissions times their own 2020-2022 share, so each district's mid-year projection lands near its 2023 total.
FIRST_HALF_SHARE = 0.45
FIRST_HALF_UNIT_SD = 0.025
FIRST_HALF_YEAR_SD = 0.015
# A district-year's admissions are the province's split by district size (UNITS) times a random factor
# exp(ADMISSION_UNIT_SD * z), z standard normal cut at ±1,5 (so at most ±3%: every district stays inside the
# 3-4% band, the province's 2021 rate being only 3,1%), times the planted factor below (default 1).
ADMISSION_UNIT_SD = 0.02
# Admission plans of the province per year (the sum of its districts' plans). Published through the attainment
# percentages: 1.394 = 110,63% of 1.260 (2021), 1.457 = 104,82% of 1.390 (2022), 10.980 = 88,48% of 12.410
# (2016-2022; 12.409 fits too, 12.410 is planted), 787 = 37,80% of 2.082 (2023; 2.080-2.084 fit 37,8%). The
# 2016-2020 plans (9.760) are the rest of 12.410; 2011-2015 and 2024-2025 are planted close to the admissions
# (a little above in most years, exceeded in 2012 and 2014).
ADMISSION_PLANS = {
    2011: 1_400,
    2012: 1_400,
    2013: 1_420,
    2014: 1_420,
    2015: 1_450,
    2016: 1_900,
    2017: 1_950,
    2018: 1_980,
    2019: 1_990,
    2020: 1_940,
    2021: 1_260,
    2022: 1_390,
    2023: 2_082,
    2024: 1_800,
    2025: 1_750,
}
# A district's admissions are the province's split by district size (UNITS) times this factor (default 1), so
# every district-year admits about the province's rate except one planted clearly above the 3-4% band (D09 in
# 2017) and one clearly below it (D05 in 2019).
ADMISSION_RATE_FACTOR = {("D09", 2017): 1.45, ("D05", 2019): 0.6}
# A district's plan is the province's plan split by district size times this factor (default 1). In 2023 D02 and
# D07 are given plans about twice what their first half projects (BEHIND at mid-year); D01 a plan a little above
# its projection (AT RISK); every other district's plan is below its projection (ON TRACK).
PLAN_FACTOR = {("D02", 2023): 2.2, ("D07", 2023): 2.4, ("D01", 2023): 1.12}
# The pool new members are drawn from (admission_sources, province only, 2021-2025): this many people per member
# admitted, with the same expected sex, age group and occupation profile as those admitted; university and
# postgraduate training are 1,5 times as common among those admitted as in the pool (the pool is expected to hold 2
# per admitted member of those levels instead of 3), so the other training levels are under-represented among
# those admitted. Each year's pool is a multinomial draw of its size over these expected shares, so the ratios
# vary around 1 (and 1,5) as a real pool's would.
SOURCE_YEARS = range(2021, 2026)
SOURCE_POOL_PER_ADMITTED = 3
SOURCE_TRAINING_RATIO = {"university": 1.5, "postgraduate": 1.5}

# --- quality ratings (seed 004, Ho Chi Minh City) ---------------------------------------------------------------
RATING_YEARS = range(2015, 2026)
# Province counts per rating (excellent, good, completed, not_completed) each year; weak organisations fall
# towards and then below the target, excellent ones fall sharply in 2016-2018 as assessment tightened (seed 004)
# and recover slowly, unevenly, after. Their sum is the number of grassroots party organisations that year: 1.111
# in 2015 and 2018 makes the published shares exact counts (571/1.111 = 51,4% excellent in 2015, 291/1.111 = 26,2%
# in 2018, 4/1.111 = 0,36% weak in 2018, 6/1.111 = 0,5% in 2015: stated "0,5%"; 0,54% rounds to it and is above
# the target of below 0,5%); in the other years organisations are founded, merged and dissolved (1.092-1.123).
ORGANISATION_RATINGS = {
    2015: (571, 420, 114, 6),
    2016: (482, 487, 139, 6),
    2017: (386, 560, 156, 5),
    2018: (291, 640, 176, 4),
    2019: (304, 648, 159, 5),
    2020: (318, 637, 159, 4),
    2021: (297, 662, 161, 3),
    2022: (311, 654, 150, 4),
    2023: (322, 641, 144, 3),
    2024: (309, 660, 136, 3),
    2025: (327, 641, 121, 3),
}
GRASSROOTS_ORGANISATIONS = {year: sum(counts) for year, counts in ORGANISATION_RATINGS.items()}
# D06 (the district planted with twice the province's attrition) rates its organisations far worse from 2018 on;
# every other district's organisations are a random draw from the province's remaining ratings.
D06_ORGANISATION_SHARES_FROM_2018 = {"excellent": 0.10, "good": 0.50, "completed": 0.37, "not_completed": 0.03}
ORGANISATION_OUTLIER = ("D06", 2018)
# Members' ratings: each district's rated members (members less those exempted, who are not rated) drawn from
# these probabilities; excellent 10,5% (province 10-12% every year, as seed 004 states with D03 included). D03
# (the district planted with half the attrition) rates its members better.
MEMBER_RATING_SHARES = {"excellent": 0.105, "good": 0.78, "completed": 0.10, "not_completed": 0.015}
D03_MEMBER_RATING_SHARES = {"excellent": 0.16, "good": 0.77, "completed": 0.065, "not_completed": 0.005}
MEMBER_RATING_OUTLIER = "D03"

# --- member management (seed 002; screening from seed 004) ------------------------------------------------------
MANAGEMENT_YEARS = range(2015, 2026)
# Share of members exempted from duties and activities, every year: D04 and D08 above the seed's 10% threshold,
# every other district between 3% and 7%.
EXEMPTED_SHARE = {
    "D01": 0.040,
    "D02": 0.050,
    "D03": 0.035,
    "D04": 0.13,
    "D05": 0.060,
    "D06": 0.065,
    "D07": 0.045,
    "D08": 0.16,
    "D09": 0.032,
}
# Plausible ranges [low, high) each district-year is drawn from: working far away (share of members), leave
# expired (share of those far away), registered at the place of residence under Regulation 76 (share of members).
FAR_AWAY_SHARE = (0.025, 0.055)
FAR_AWAY_OVERDUE_SHARE = (0.12, 0.28)
REGISTERED_76_SHARE = (0.16, 0.24)
# Screening under Directive 28-CT/TW in 2019: 1.127 reviewed, 119 removed (10,6%, the share seed 004 states for
# 359 of 3.381 in a city four times larger), 1.008 kept under monitoring and education. Split over districts by
# members (screened) and by their exits that year (removed; never more than a district's removed + asked to
# leave + expelled).
SCREENING_YEAR = 2019
SCREENING = {"screened": 1_127, "removed": 119, "monitored": 1_008}
