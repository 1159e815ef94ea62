"""The tabular data sets: real row counts, labels, features, and California's online loader."""

import joblib
import numpy as np
import pandas as pd
import pytest

from workbench.assets import asset_file
from workbench.data import LOADER_VERSION, get_info, load
from workbench.data import tabular
from workbench.errors import DatasetUnavailableError

# name -> (rows, rows of the positive class)
EXPECTED = {
    "california-housing": (20_640, 10_317),
    "adult-income": (48_842, 11_687),
    "german-credit": (1_000, 700),
    "pima-diabetes": (532, 177),
    "universal-bank": (5_000, 480),
    "west-roxbury": (5_802, 2_897),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_rows_and_positives(name):
    frame, info = load(name)
    rows, positives = EXPECTED[name]
    assert info.kind == "tabular"
    assert len(frame) == rows
    assert (frame[info.label_column] == info.positive).sum() == positives
    assert set(frame[info.label_column].unique()) == set(info.classes)
    assert len(info.classes) == 2


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_columns_are_the_declared_features_then_the_label(name):
    frame, info = load(name)
    assert list(frame.columns) == info.feature_names + [info.label_column]
    for feature in info.features:
        assert feature.readable, f"{name}.{feature.name} needs a readable name for prompts"
        column = frame[feature.name]
        if feature.type == "numeric":
            assert pd.api.types.is_numeric_dtype(column), feature.name
        else:
            assert pd.api.types.is_string_dtype(column), feature.name


@pytest.mark.parametrize(
    "codebook, features",
    [
        (tabular.GERMAN_CODEBOOK, tabular.GERMAN_FEATURES),
        (tabular.BANK_CODEBOOK, tabular.BANK_FEATURES),
    ],
)
def test_decoded_columns_are_declared_categorical(codebook, features):
    types = {feature.name: feature.type for feature in features}
    assert {column: types[column] for column in codebook} == dict.fromkeys(codebook, "categorical")


def test_adult_values_have_no_padding():
    frame, _ = load("adult-income")
    assert set(frame["income"]) == {"<=50K", ">50K"}
    assert not frame["workclass"].dropna().str.startswith(" ").any()


def test_german_credit_drops_the_id_and_decodes_codes():
    frame, _ = load("german-credit")
    assert "OBS#" not in frame and "RESPONSE" not in frame
    assert frame["CHK_ACCT"].value_counts()["no checking account"] == 394
    assert frame["FOREIGN"].value_counts().to_dict() == {"yes": 963, "no": 37}


def test_pima_is_both_r_tables():
    frame, _ = load("pima-diabetes")
    assert "rownames" not in frame and "type" not in frame
    assert frame["diabetes"].value_counts().to_dict() == {"no": 355, "yes": 177}


def test_universal_bank_drops_identifiers():
    frame, _ = load("universal-bank")
    assert "ID" not in frame and "ZIP Code" not in frame and "Personal Loan" not in frame
    assert set(frame["Education"]) == {"undergraduate", "graduate", "advanced or professional"}


def test_west_roxbury_drops_the_value_and_the_tax_that_leaks_it():
    frame, _ = load("west-roxbury")
    assert not {"TOTAL VALUE", "TAX"} & set(frame.columns)
    assert all(column == column.strip() for column in frame.columns)
    assert frame["REMODEL"].value_counts().to_dict() == {"None": 4346, "Recent": 875, "Old": 581}
    raw = pd.read_csv(asset_file("dmba", "dmba/csvFiles/WestRoxbury.csv.gz"))
    assert raw["TOTAL VALUE "].median() == 375.9


def test_a_second_load_comes_from_the_parquet_cache(isolated_data_cache):
    first = load("german-credit")
    assert (isolated_data_cache / f"german-credit-v{LOADER_VERSION}.parquet").is_file()
    second = load("german-credit")
    assert second.fingerprint == first.fingerprint
    pd.testing.assert_frame_equal(second.frame, first.frame)


# --- California through scikit-learn's downloader, from a local file -----------------------------


def write_sklearn_california_file(rows: pd.DataFrame, data_home) -> None:
    """Rows of the embedded CSV back to cal_housing_py3.pkz, the file scikit-learn caches.

    Its columns are value (in $), median income, house age, total rooms, total bedrooms,
    population, households, latitude, longitude; sklearn divides rooms, bedrooms and
    population by households and the value by 100,000.
    """
    households = np.round(rows["Population"] / rows["AveOccup"])
    raw = np.column_stack(
        [
            np.round(rows["MedHouseVal"] * 100_000),
            rows["MedInc"],
            rows["HouseAge"],
            np.round(rows["AveRooms"] * households),
            np.round(rows["AveBedrms"] * households),
            rows["Population"],
            households,
            rows["Latitude"],
            rows["Longitude"],
        ]
    ).astype(np.float64)
    joblib.dump(raw, data_home / "cal_housing_py3.pkz", compress=6)


def test_california_online_loader_matches_the_embedded_rows(tmp_path):
    embedded = pd.read_csv(asset_file("shapiq", "shapiq/datasets/data/california_housing.csv"))
    rows = embedded.sample(50, random_state=0).reset_index(drop=True)
    write_sklearn_california_file(rows, tmp_path)

    online = tabular.load_california_online(data_home=str(tmp_path))
    offline = tabular.california_from_frame(rows)

    assert list(online.columns) == list(offline.columns)
    features = [feature.name for feature in tabular.CALIFORNIA_FEATURES]
    np.testing.assert_allclose(online[features], offline[features], rtol=1e-5)
    assert online["valuable"].tolist() == offline["valuable"].tolist()
    assert online["valuable"].value_counts().to_dict() == {"no": 25, "yes": 25}


def test_california_online_loader_explains_a_failed_download(monkeypatch, tmp_path):
    def offline(**kwargs):
        raise OSError("no route to host")

    monkeypatch.setattr("sklearn.datasets.fetch_california_housing", offline)
    with pytest.raises(DatasetUnavailableError, match="california-housing"):
        tabular.load_california_online(data_home=str(tmp_path))


def test_registered_california_is_unchanged():
    info = get_info("california-housing")
    assert info.label_column == "valuable" and info.classes == ("no", "yes")
