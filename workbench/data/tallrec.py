"""TALLRec instruction files (Bao et al., 2023): recommendation as a yes/no question.

A TALLRec file is a JSON list of records with three strings:
    instruction  "Given the user's preference and unpreference, identify whether the user will
                  like the target book by answering "Yes." or "No.""
    input        User Preference: "Title" written by Author, "Title" written by Author
                 User Unpreference: "Title" written by Author
                 Whether the user will like the target book ""Title" written by Author"?
                 (movie files list "Title (1995)", "Title (1996)" and ask about
                 the target movie "Title (1997)"?)
    output       "Yes." or "No."

`read_tallrec(source)` reads one from a path, an http(s) URL or bytes (an upload), checks the
format and returns a frame: instruction, input, output, label ("yes"/"no") and parsed helpers:
liked_items and disliked_items (tuples of titles, hashable so the frame can be fingerprinted) and
target_item (a title). Inputs that do not follow the three-line layout keep empty helpers: the
helpers are for display and analysis, training uses instruction and input as they are.

Decision: the TALLRec files are not embedded (they belong to the TALLRec repository; its training
files are several MB each), so `tallrec-book` and `tallrec-movie` are registered as data sets that
need a file: `needs_file=True`, and `offline=False` because `load(name)` alone cannot build them.
Their registry loader raises DatasetUnavailableError asking for a file;
`load_tallrec_dataset(source, domain)` returns the frame and the DatasetInfo for a chosen file.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from functools import partial
from pathlib import Path

import pandas as pd

from workbench.data.registry import DatasetInfo, Feature, get_info, register
from workbench.errors import DataValidationError, DatasetUnavailableError

FIELDS = ("instruction", "input", "output")
OUTPUT_LABELS = {"Yes.": "yes", "No.": "no"}
LABEL = "label"
CLASSES = ("no", "yes")
DOMAINS = ("book", "movie")
INSTRUCTION = (
    "Given the user's preference and unpreference, identify whether the user will like the "
    'target {item} by answering "Yes." or "No.".'
)

Source = str | Path | bytes

# --- reading -------------------------------------------------------------------------------------


def is_url(source: Source) -> bool:
    return isinstance(source, str) and source.lower().startswith(("http://", "https://"))


def download(url: str, timeout: float) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        raise DatasetUnavailableError(
            f"{url} answered {error.code} {error.reason}: check the address."
        ) from error
    except OSError as error:  # no network, unknown host, refused, timed out
        reason = getattr(error, "reason", error)
        raise DatasetUnavailableError(
            f"Could not download {url} ({reason}). This machine may be offline: download the "
            "file elsewhere and choose it as a file or upload."
        ) from error


def read_bytes(source: Source, timeout: float) -> bytes:
    if isinstance(source, bytes):
        return source
    if is_url(source):
        return download(str(source), timeout)
    path = Path(source).expanduser()
    if not path.is_file():
        raise DatasetUnavailableError(f"No TALLRec file at {path}.")
    return path.read_bytes()


def parse_json(content: bytes) -> object:
    try:
        return json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise DataValidationError(f"The TALLRec file is not UTF-8 text ({error}).") from None
    except json.JSONDecodeError as error:
        raise DataValidationError(
            f"The TALLRec file is not valid JSON: {error.msg} at line {error.lineno}, "
            f"column {error.colno}."
        ) from None
    except (ValueError, RecursionError):  # a number of thousands of digits, [[[[...]]]]
        raise DataValidationError(
            "The TALLRec file is JSON that cannot be read: a number thousands of digits long "
            "or lists nested thousands deep."
        ) from None


def validate_records(records: object) -> list[dict]:
    """A JSON list of objects with string instruction, input and output, output Yes./No."""
    if not isinstance(records, list):
        raise DataValidationError(
            "A TALLRec file is a JSON list of records; this file holds a "
            f"{type(records).__name__}."
        )
    if not records:
        raise DataValidationError("The TALLRec file has no records.")
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise DataValidationError(f"Record {index} is not an object with {', '.join(FIELDS)}.")
        for field in FIELDS:
            if record.get(field) is None:  # absent, or null
                raise DataValidationError(
                    f"Record {index} has no {field!r} field (each record needs "
                    f"{', '.join(FIELDS)})."
                )
            if not isinstance(record[field], str):
                raise DataValidationError(f"Record {index}: {field!r} must be a string.")
        if record["output"].strip() not in OUTPUT_LABELS:
            raise DataValidationError(
                f'Record {index}: output must be "Yes." or "No.", not {record["output"]!r}.'
            )
    return records


# --- parsing the input ---------------------------------------------------------------------------

PREFERENCE = "User Preference:"
UNPREFERENCE = "User Unpreference:"
TARGET = re.compile(r'Whether the user will like the target (?P<domain>\w+) "(?P<item>.*)"\?\s*$')
# An item ends where the next one starts (', "') or at the end of the line.
BOOK_ITEM = re.compile(r'"(?P<title>.*?)" written by (?P<author>.*?)(?=, "|$)')
QUOTED_ITEM = re.compile(r'"(?P<title>.*?)"(?=, "|$)')


def item_titles(listing: str, domain: str) -> tuple[str, ...]:
    pattern = BOOK_ITEM if domain == "book" else QUOTED_ITEM
    return tuple(match["title"] for match in pattern.finditer(listing.strip()))


def target_title(item: str, domain: str) -> str:
    """Book targets are written `"Title" written by Author`; movie targets are the bare title."""
    match = BOOK_ITEM.fullmatch(item) if domain == "book" else None
    return match["title"] if match else item


def listing_after(prefix: str, line: str) -> str | None:
    return line[len(prefix):] if line.startswith(prefix) else None


def parse_input(text: str) -> dict:
    """liked_items, disliked_items and target_item of one TALLRec input (empty if unparsable)."""
    lines = text.split("\n")
    target = TARGET.match(lines[-1]) if lines else None
    if len(lines) != 3 or target is None:
        return {"liked_items": (), "disliked_items": (), "target_item": None}
    domain = target["domain"]
    liked = listing_after(PREFERENCE, lines[0])
    disliked = listing_after(UNPREFERENCE, lines[1])
    return {
        "liked_items": item_titles(liked, domain) if liked is not None else (),
        "disliked_items": item_titles(disliked, domain) if disliked is not None else (),
        "target_item": target_title(target["item"], domain),
    }


def records_frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame({field: [record[field] for record in records] for field in FIELDS})
    frame[LABEL] = frame["output"].str.strip().map(OUTPUT_LABELS)
    helpers = pd.DataFrame([parse_input(text) for text in frame["input"]], index=frame.index)
    return pd.concat([frame, helpers], axis=1)


def read_tallrec(source: Source, timeout: float = 15.0) -> pd.DataFrame:
    """A TALLRec JSON file (path, http(s) URL or bytes) -> a checked, parsed frame."""
    return records_frame(validate_records(parse_json(read_bytes(source, timeout))))


# --- data sets -----------------------------------------------------------------------------------

INSTRUCTION_DOMAIN = re.compile(r"\btarget (book|movie)\b")


def detect_domain(frame: pd.DataFrame) -> str | None:
    """"book" or "movie" when every instruction names the same one, else None."""
    matches = (INSTRUCTION_DOMAIN.search(text) for text in frame["instruction"])
    found = {match[1] for match in matches if match}
    return found.pop() if len(found) == 1 else None


def ask_for_file(domain: str) -> pd.DataFrame:
    raise DatasetUnavailableError(
        f"tallrec-{domain} needs a TALLRec JSON file: choose a TALLRec JSON file (path or "
        f"upload), e.g. valid.json or test.json from data/{domain} of github.com/SAI990323/TALLRec."
    )


def read_domain_file(source: Source, domain: str) -> pd.DataFrame:
    return load_tallrec_dataset(source, domain)[0]


DOMAIN_ORIGIN = {
    "book": ("Book-Crossing", "rating > 5 of 10"),
    "movie": ("MovieLens-100K", "rating > 3 of 5"),
}


def tallrec_info(domain: str) -> DatasetInfo:
    origin, like_rule = DOMAIN_ORIGIN[domain]
    return DatasetInfo(
        name=f"tallrec-{domain}",
        title=f"TALLRec {domain}s ({origin})",
        kind="recommendation",
        description=(
            f"One row per TALLRec question: the {domain}s a user liked and disliked, and a target "
            f"{domain}. Task: will the user like the target {domain} (answer Yes. or No.). "
            "Needs a TALLRec JSON file."
        ),
        source=(
            f"TALLRec (Bao et al., 2023), github.com/SAI990323/TALLRec data/{domain}, built from "
            f"{origin}"
        ),
        license="Apache-2.0 (TALLRec repository)",
        label_column=LABEL,
        classes=CLASSES,
        features=(
            Feature("input", "text", f"the user's {domain} history and the target {domain}"),
        ),
        loader=partial(ask_for_file, domain),
        file_loader=partial(read_domain_file, domain=domain),
        offline=False,
        needs_file=True,
        text_column="input",
        item_title_column="target_item",
        label_rule=f'output "Yes." -> yes, "No." -> no (TALLRec: like = {like_rule})',
    )


for _domain in DOMAINS:
    register(tallrec_info(_domain))


def load_tallrec_dataset(
    source: Source, domain: str | None = None
) -> tuple[pd.DataFrame, DatasetInfo]:
    """Read a TALLRec file; `domain` (book or movie) defaults to the one its instructions name."""
    frame = read_tallrec(source)
    detected = detect_domain(frame)
    if domain is None:
        if detected is None:
            raise DataValidationError(
                "Could not tell whether this TALLRec file is about books or movies; "
                f"choose the domain ({' or '.join(DOMAINS)})."
            )
        domain = detected
    if domain not in DOMAINS:
        raise DataValidationError(f"Unknown TALLRec domain {domain!r}; use {' or '.join(DOMAINS)}.")
    if detected is not None and detected != domain:
        raise DataValidationError(
            f"This TALLRec file asks about {detected}s, not {domain}s: choose tallrec-{detected}."
        )
    return frame, get_info(f"tallrec-{domain}")
