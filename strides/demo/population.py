"""How the demo population is made up. Rates are set to look like England's school population
(school census, January 2025, rounded): about a quarter of pupils eligible for free school meals,
14% on SEN support and 5% with an education, health and care plan in mainstream schools, a fifth
of primary pupils with English as an additional language, and an ethnic mix close to the national
one, varying from school to school."""

from __future__ import annotations

# (region name, LA codes of its local authorities, how ethnically diverse its schools are)
REGIONS: tuple[tuple[str, tuple[int, ...], float], ...] = (
    ("Tyne and Wear", (390, 391, 392, 393, 394), 0.75),
    ("West Yorkshire", (380, 381, 382, 383, 384), 1.35),
    ("Teesside and Durham", (805, 806, 807, 808, 840, 841), 0.8),
    ("Greater Manchester", (350, 351, 352, 354, 355, 356, 358, 359), 1.3),
    ("Cumbria and Lancashire", (942, 943, 888, 889, 890), 0.6),
)

# National shares of pupils by ethnicity (school census 2025, rounded; sums to 1).
ETHNICITY_SHARES: dict[str, float] = {
    "WBRI": 0.630, "WIRI": 0.003, "WIRT": 0.002, "WROM": 0.006, "WOTH": 0.075,
    "MWBC": 0.015, "MWBA": 0.009, "MWAS": 0.019, "MOTH": 0.026,
    "AIND": 0.035, "APKN": 0.045, "ABAN": 0.019, "AOTH": 0.020,
    "BCRB": 0.009, "BAFR": 0.043, "BOTH": 0.008,
    "CHNE": 0.005, "OOTH": 0.022, "REFU": 0.006, "NOBT": 0.003,
}  # fmt: skip

# Primary need of pupils on SEN support (K) and with an EHCP (E), by phase of mainstream school.
NEEDS_K_PRIMARY = {
    "SLCN": 0.31, "SEMH": 0.18, "MLD": 0.12, "ASD": 0.10, "SPLD": 0.08, "NSA": 0.06,
    "OTH": 0.04, "PD": 0.04, "HI": 0.03, "VI": 0.02, "MSI": 0.01, "SLD": 0.01,
}  # fmt: skip
NEEDS_K_SECONDARY = {
    "SEMH": 0.25, "SPLD": 0.21, "MLD": 0.14, "SLCN": 0.12, "ASD": 0.11, "OTH": 0.05,
    "NSA": 0.04, "PD": 0.03, "HI": 0.03, "VI": 0.02,
}  # fmt: skip
NEEDS_E_MAINSTREAM = {
    "ASD": 0.34, "SLCN": 0.20, "SEMH": 0.16, "MLD": 0.08, "SPLD": 0.05, "PD": 0.05,
    "SLD": 0.04, "HI": 0.03, "VI": 0.02, "OTH": 0.02, "MSI": 0.01,
}  # fmt: skip
# Special schools are designated for a range of needs; each pupil's needs fit their school.
SPECIAL_PROFILES: dict[str, dict[str, float]] = {
    "complex learning needs": {"SLD": 0.36, "PMLD": 0.16, "ASD": 0.28, "SLCN": 0.10, "MLD": 0.10},
    "autism and communication": {"ASD": 0.56, "SLCN": 0.22, "MLD": 0.17, "SLD": 0.05},
    "moderate learning difficulties": {"MLD": 0.46, "SLCN": 0.24, "ASD": 0.25, "SLD": 0.05},
}
SPECIAL_NEEDS = ("SLD", "PMLD", "ASD", "MLD", "SLCN")
NEEDS_K_AP = {"SEMH": 0.66, "SLCN": 0.12, "SPLD": 0.12, "ASD": 0.10}
NEEDS_E_AP = {"SEMH": 0.60, "ASD": 0.28, "SLCN": 0.12}
