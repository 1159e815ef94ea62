"""TALLRec files: the real book and movie files, malformed files, and the ways to read one."""

import functools
import http.server
import json
import threading

import pytest

from workbench.data import frame_fingerprint, get_info, load, summary
from workbench.data.tallrec import load_tallrec_dataset, read_tallrec
from workbench.errors import DataValidationError, DatasetUnavailableError

# From shared/data/tallrec/README.md: file -> (rows, Yes., No.)
REAL_FILES = {
    ("book", "valid"): (2_427, 1_011, 1_416),
    ("book", "test"): (2_427, 1_054, 1_373),
    ("movie", "valid"): (1_000, 658, 342),
    ("movie", "test"): (1_000, 528, 472),
}
MOVIE_RECORD = {
    "instruction": "Given the user's preference and unpreference, identify whether the user will "
    'like the target movie by answering "Yes." or "No.".',
    "input": 'User Preference: "Heat (1995)", "Fargo (1996)"\n'
    'User Unpreference: "Batman & Robin (1997)"\n'
    'Whether the user will like the target movie "Scream (1996)"?',
    "output": "Yes.",
}


def as_bytes(records) -> bytes:
    return json.dumps(records).encode()


@pytest.mark.parametrize("domain, split", sorted(REAL_FILES))
def test_real_files_parse_with_the_published_counts(tallrec_dir, domain, split):
    frame = read_tallrec(tallrec_dir / domain / f"{split}.json")
    rows, yes, no = REAL_FILES[(domain, split)]
    assert len(frame) == rows
    assert frame["label"].value_counts().to_dict() == {"yes": yes, "no": no}
    assert (frame["output"].map({"Yes.": "yes", "No.": "no"}) == frame["label"]).all()
    assert frame["target_item"].notna().all()


@pytest.mark.parametrize("domain, split", sorted(REAL_FILES))
def test_every_listed_item_is_parsed(tallrec_dir, domain, split):
    frame = read_tallrec(tallrec_dir / domain / f"{split}.json")
    for text, liked, disliked in zip(frame["input"], frame["liked_items"], frame["disliked_items"]):
        preference, unpreference, _ = text.split("\n")
        assert len(liked) == listed_count(preference, domain)
        assert len(disliked) == listed_count(unpreference, domain)


def listed_count(line: str, domain: str) -> int:
    """Items on a preference line, counted by the separator TALLRec writes between them."""
    listing = line.split(":", 1)[1].strip()
    if not listing:
        return 0
    return listing.count('" written by ') if domain == "book" else listing.count('", "') + 1


def test_book_items_are_titles(tallrec_dir):
    first = read_tallrec(tallrec_dir / "book" / "valid.json").iloc[0]
    assert first["liked_items"] == ()
    assert first["disliked_items"][0] == "Booked to Die (Cliff Janeway Novels (Paperback))"
    assert len(first["disliked_items"]) == 4
    assert first["target_item"] == "The Colonel"


def test_movie_items_are_titles_with_years(tallrec_dir):
    first = read_tallrec(tallrec_dir / "movie" / "valid.json").iloc[0]
    assert first["liked_items"][:2] == (
        "Silence of the Lambs, The (1991)",
        "Indiana Jones and the Last Crusade (1989)",
    )
    assert len(first["liked_items"]) == 5 and len(first["disliked_items"]) == 5
    assert first["target_item"] == "Scream (1996)"


def test_bytes_and_path_read_the_same(tmp_path):
    path = tmp_path / "movies.json"
    path.write_bytes(as_bytes([MOVIE_RECORD]))
    from_path = read_tallrec(path)
    assert from_path.equals(read_tallrec(as_bytes([MOVIE_RECORD])))
    assert from_path.iloc[0]["liked_items"] == ("Heat (1995)", "Fargo (1996)")
    assert from_path.iloc[0]["label"] == "yes"


def test_the_frame_can_be_fingerprinted():
    frame = read_tallrec(as_bytes([MOVIE_RECORD]))
    assert len(frame_fingerprint(frame)) == 16


def test_an_input_in_another_layout_keeps_empty_helpers():
    frame = read_tallrec(as_bytes([{**MOVIE_RECORD, "input": "free text"}]))
    assert frame.iloc[0]["liked_items"] == () and frame.iloc[0]["target_item"] is None


@pytest.mark.parametrize(
    "content, message",
    [
        (b"[{", "not valid JSON"),
        (b'{"instruction": "x"}', "JSON list of records"),
        (b"[]", "no records"),
        (as_bytes([MOVIE_RECORD, "text"]), "Record 1 is not an object"),
        (
            as_bytes([MOVIE_RECORD, MOVIE_RECORD, {"instruction": "x", "input": "y"}]),
            "Record 2 has no 'output' field",
        ),
        (as_bytes([{**MOVIE_RECORD, "input": 3}]), "Record 0: 'input' must be a string"),
        (as_bytes([{**MOVIE_RECORD, "output": "Maybe"}]), 'Record 0: output must be "Yes."'),
        ("é".encode("latin-1"), "not UTF-8"),
    ],
)
def test_malformed_files_say_what_is_wrong(content, message):
    with pytest.raises(DataValidationError, match=message):
        read_tallrec(content)


def test_a_missing_file_is_unavailable(tmp_path):
    with pytest.raises(DatasetUnavailableError, match="No TALLRec file"):
        read_tallrec(tmp_path / "absent.json")


@pytest.fixture
def local_server(tmp_path):
    """A local HTTP server for tmp_path: a URL that works without the internet."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_read_from_a_url(tmp_path, local_server):
    (tmp_path / "movies.json").write_bytes(as_bytes([MOVIE_RECORD]))
    frame = read_tallrec(f"{local_server}/movies.json")
    assert frame.iloc[0]["target_item"] == "Scream (1996)"


def test_an_unreachable_url_is_unavailable(local_server):
    with pytest.raises(DatasetUnavailableError, match="answered 404"):
        read_tallrec(f"{local_server}/absent.json")
    with pytest.raises(DatasetUnavailableError, match="offline"):
        read_tallrec("http://127.0.0.1:9/nothing-listens-here.json", timeout=2)


def test_load_tallrec_dataset_detects_the_domain():
    frame, info = load_tallrec_dataset(as_bytes([MOVIE_RECORD]))
    assert info.name == "tallrec-movie" and len(frame) == 1
    assert info.item_title_column == "target_item" and info.label_column == "label"


def test_load_tallrec_dataset_refuses_the_wrong_domain():
    with pytest.raises(DataValidationError, match="choose tallrec-movie"):
        load_tallrec_dataset(as_bytes([MOVIE_RECORD]), domain="book")


@pytest.mark.parametrize("domain", ["book", "movie"])
def test_registered_tallrec_data_sets_ask_for_a_file(domain):
    info = get_info(f"tallrec-{domain}")
    assert info.needs_file and not info.offline
    with pytest.raises(DatasetUnavailableError, match="choose a TALLRec JSON file"):
        load(info.name)
    line = summary(info)
    assert line["rows"] is None and line["needs_file"] is True
