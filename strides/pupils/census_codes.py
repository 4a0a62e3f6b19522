"""Census code sets used on pupil records (see shared/reference/standards.md section 3)."""

from __future__ import annotations

from django.db import models


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"


class SenProvision(models.TextChoices):
    NONE = "N", "No special educational need"
    SUPPORT = "K", "SEN support"
    EHCP = "E", "Education, health and care plan"


class SenNeed(models.TextChoices):
    SPLD = "SPLD", "Specific learning difficulty"
    MLD = "MLD", "Moderate learning difficulty"
    SLD = "SLD", "Severe learning difficulty"
    PMLD = "PMLD", "Profound and multiple learning difficulty"
    SEMH = "SEMH", "Social, emotional and mental health"
    SLCN = "SLCN", "Speech, language and communication needs"
    HI = "HI", "Hearing impairment"
    VI = "VI", "Vision impairment"
    MSI = "MSI", "Multi-sensory impairment"
    PD = "PD", "Physical disability"
    ASD = "ASD", "Autistic spectrum disorder"
    OTH = "OTH", "Other difficulty"
    NSA = "NSA", "SEN support but no specialist assessment"


class Ethnicity(models.TextChoices):
    WBRI = "WBRI", "White – British"
    WIRI = "WIRI", "White – Irish"
    WIRT = "WIRT", "Traveller of Irish heritage"
    WROM = "WROM", "Gypsy / Roma"
    WOTH = "WOTH", "Any other White background"
    MWBC = "MWBC", "White and Black Caribbean"
    MWBA = "MWBA", "White and Black African"
    MWAS = "MWAS", "White and Asian"
    MOTH = "MOTH", "Any other mixed background"
    AIND = "AIND", "Indian"
    APKN = "APKN", "Pakistani"
    ABAN = "ABAN", "Bangladeshi"
    AOTH = "AOTH", "Any other Asian background"
    BCRB = "BCRB", "Black Caribbean"
    BAFR = "BAFR", "Black African"
    BOTH = "BOTH", "Any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"


ETHNICITY_MAJOR_GROUP = {
    **dict.fromkeys(["WBRI", "WIRI", "WIRT", "WROM", "WOTH"], "White"),
    **dict.fromkeys(["MWBC", "MWBA", "MWAS", "MOTH"], "Mixed"),
    **dict.fromkeys(["AIND", "APKN", "ABAN", "AOTH"], "Asian"),
    **dict.fromkeys(["BCRB", "BAFR", "BOTH"], "Black"),
    "CHNE": "Chinese",
    "OOTH": "Any other",
    **dict.fromkeys(["REFU", "NOBT", ""], "Unclassified"),
}

# NC year as stored: nursery N1 = -2, N2 = -1, reception = 0, then 1..14.
NC_YEAR_LABELS = {-2: "N1", -1: "N2", 0: "R", **{n: f"Year {n}" for n in range(1, 15)}}
NC_YEAR_CODES = {"N1": -2, "N2": -1, "R": 0, "X": None}


class RegistrationType(models.TextChoices):
    SINGLE = "C", "Single registration"
    MAIN_DUAL = "M", "Dual registration – main"
    SUBSIDIARY_DUAL = "S", "Dual registration – subsidiary"
    GUEST = "G", "Guest"


class LeavingReason(models.TextChoices):
    TRANSFER = "transfer", "Moved to another school"
    END_OF_PHASE = "end_of_phase", "End of phase / year 11 or 13 leaver"
    PLACEMENT_ENDED = "placement_ended", "AP placement ended"
    MOVED_AWAY = "moved_away", "Moved out of the area"
    ELECTIVE_HOME_EDUCATION = "ehe", "Elective home education"
    PERMANENT_EXCLUSION = "exclusion", "Permanent exclusion"
    OTHER = "other", "Other"


# First language (census ``Language``): the DfE codes schools use most often, with their names.
# A code not in this list is still valid census data; it is shown as the code itself.
LANGUAGES: dict[str, str] = {
    "ENG": "English",
    "ENB": "Believed to be English",
    "OTB": "Believed to be other than English",
    "NOT": "Information not obtained",
    "REF": "Refused",
    "AFK": "Afrikaans",
    "AKA": "Akan (Twi / Fante)",
    "ALB": "Albanian (Shqip)",
    "AMR": "Amharic",
    "ARA": "Arabic",
    "ARM": "Armenian",
    "BEL": "Belarusian",
    "BNG": "Bengali",
    "BSL": "British Sign Language",
    "BUL": "Bulgarian",
    "CAM": "Khmer (Cambodian)",
    "CCE": "Caribbean Creole English",
    "CCF": "Caribbean Creole French",
    "CHI": "Chinese",
    "CYM": "Welsh (Cymraeg)",
    "CZE": "Czech",
    "DAN": "Danish",
    "DUT": "Dutch / Flemish",
    "EST": "Estonian",
    "FIN": "Finnish",
    "FRN": "French",
    "GAE": "Irish (Gaelic)",
    "GER": "German",
    "GRE": "Greek",
    "GUJ": "Gujarati",
    "HAU": "Hausa",
    "HEB": "Hebrew",
    "HGR": "Hungarian",
    "HIN": "Hindi",
    "IGB": "Igbo",
    "ITA": "Italian",
    "JPN": "Japanese",
    "KOR": "Korean",
    "KRI": "Krio",
    "KUR": "Kurdish",
    "LIN": "Lingala",
    "LIT": "Lithuanian",
    "LTV": "Latvian",
    "MAR": "Marathi",
    "MKD": "Macedonian",
    "MLM": "Malayalam",
    "MLT": "Maltese",
    "MLY": "Malay / Indonesian",
    "NEP": "Nepali",
    "NOR": "Norwegian",
    "PAS": "Pashto",
    "PHR": "Persian (Farsi)",
    "PNJ": "Panjabi",
    "POL": "Polish",
    "POR": "Portuguese",
    "RMN": "Romanian",
    "RUS": "Russian",
    "SCB": "Serbian / Croatian / Bosnian",
    "SHO": "Shona",
    "SLO": "Slovak",
    "SLV": "Slovenian",
    "SNH": "Sinhala",
    "SOM": "Somali",
    "SPA": "Spanish",
    "SWA": "Swahili",
    "SWE": "Swedish",
    "TAM": "Tamil",
    "TEL": "Telugu",
    "TGL": "Tagalog / Filipino",
    "THA": "Thai",
    "TIG": "Tigrinya",
    "TUR": "Turkish",
    "UKR": "Ukrainian",
    "URD": "Urdu",
    "VIE": "Vietnamese",
    "YOR": "Yoruba",
    "ZUL": "Zulu",
}


def language_label(code: str | None) -> str:
    """The language's name for a census code ("RMN" -> "Romanian"); an unknown code as it is."""
    code = (code or "").strip()
    return LANGUAGES.get(code.upper(), code)
