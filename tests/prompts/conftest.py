"""Fixtures for the prompt tests: California rows, small synthetic data sets, tokenizers."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.data import get_info
from workbench.data.registry import DatasetInfo, Feature

# sklearn's first California row, as the embedded data set holds it.
FIRST_ROW = {
    "MedInc": 8.3252,
    "HouseAge": 41.0,
    "AveRooms": 6.984126984126984,
    "AveBedrms": 1.0238095238095235,
    "Population": 322.0,
    "AveOccup": 2.5555555555555554,
    "Latitude": 37.88,
    "Longitude": -122.23,
    "valuable": "yes",
}


@pytest.fixture(scope="session")
def california_info() -> DatasetInfo:
    return get_info("california-housing")


@pytest.fixture(scope="session")
def california() -> pd.DataFrame:
    """The whole data set, read from its asset (no parquet cache is written)."""
    return get_info("california-housing").loader()


@pytest.fixture
def row_dict() -> dict:
    """The first row as a plain dict of Python values."""
    return dict(FIRST_ROW)


@pytest.fixture
def first_row(california) -> pd.Series:
    """The first row as a pandas Series (numpy values), as scoring code passes rows."""
    return california.iloc[0]


@pytest.fixture(scope="session")
def houses_info() -> DatasetInfo:
    """A West Roxbury-like table: column names with spaces, an integer and a text column."""
    frame = pd.DataFrame(
        {
            "LOT SQFT": [9965, 6590],
            "YR BUILT": [1880, 1945],
            "REMODEL": ["None", "Recent"],
            "high_value": ["no", "yes"],
        }
    )
    return DatasetInfo(
        name="houses",
        title="Houses",
        kind="tabular",
        description="test data",
        source="test",
        license="test",
        label_column="high_value",
        classes=("no", "yes"),
        features=(
            Feature("LOT SQFT", "numeric", "lot size (sq ft)"),
            Feature("YR BUILT", "numeric", "year built"),
            Feature("REMODEL", "categorical", "last remodeling"),
        ),
        loader=lambda: frame,
    )


@pytest.fixture(scope="session")
def smollm_tokenizer():
    """SmolLM2-135M-Instruct's real tokenizer (it has a chat template)."""
    from workbench.models.loading import load_tokenizer, resolve_source
    from workbench.models.registry import get_model_info

    source, local_only = resolve_source(get_model_info("smollm2-135m-instruct"), lambda _: None)
    return load_tokenizer(source, local_only)
