"""AppTest of the Recommender page: a profile built by search, likes and dislikes, the starter
button or an uploaded file; recommendations ranked by P(Yes) with their prompts; a fine-tuned run
as the model and two models compared; candidate filters; one book asked about on its own.

Every score comes from the tiny random Llama (real model, random weights: the numbers are noise,
so the tests check shape, order and range, never which book wins). The module trains one tiny
LoRA run on Book-Crossing questions into its own store (~10 s)."""

from __future__ import annotations

import re

import pytest

from tests.ui.apptest import REPO, assert_no_exception, main_errors, open_page_with_model
from workbench.experiments import run
from workbench.recommend.catalog import book_catalog
from workbench.recommend.profile import Profile, profile_to_json
from workbench.specs import apply_overrides, load_spec
from workbench.store import Store

PAGE = "pages/6_Recommender.py"
TINY = "tiny-random-llama"
TIMEOUT = 120
SPEC = "assets/specs/bookcrossing-lora.yaml"
# Title starts: the catalog keeps full titles ("The Hobbit : The Enchanting Prelude to ...").
STARTER_LIKED = ["The Hobbit", "Harry Potter and the Sorcerer's Stone", "A Game of Thrones"]
STARTER_DISLIKED = ["The Firm"]
ZERO_SHOT_LABEL = f"Zero-shot: {TINY} (no training)"


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    """One finished tiny LoRA run on Book-Crossing questions: (store root, record)."""
    root = tmp_path_factory.mktemp("recommender-page-store")
    spec = apply_overrides(load_spec(REPO / SPEC), [
        "n_train=16", "n_test=16", f"model_name={TINY}", "max_steps=2",
        "training.early_stopping_patience=null",
        # No validation rows (200 of them, evaluated each epoch) and fp32: seconds, not minutes.
        "data.val_fraction=0", "training.precision=fp32", "training.batch_size=4",
    ])
    record = run(spec, store=Store(root)).record
    assert record.status == "done", record.error
    assert record.dataset == "book-crossing-tallrec" and record.kind == "finetune"
    return root, record


@pytest.fixture(scope="module")
def catalog():
    return book_catalog()


# --- helpers -------------------------------------------------------------------------------------


def _page(model: str | None = TINY):
    return open_page_with_model(PAGE, model, TIMEOUT)


def _texts(elements) -> list[str]:
    return [element.value for element in elements]


def _profile(at) -> tuple[list[str], list[str]]:
    """The titles in the page's Liked and Disliked lists, as drawn."""
    values = _texts(at.main.markdown)
    heads = [i for i, v in enumerate(values)
             if v.startswith(("**👍 Liked**", "**👎 Disliked**"))]
    if not heads:
        return [], []
    assert len(heads) == 2, values
    entries = lambda part: [v.split("  \n")[0] for v in part if ":gray[" in v]  # noqa: E731
    return entries(values[heads[0] + 1: heads[1]]), entries(values[heads[1] + 1:])


def _starts(titles: list[str], prefixes: list[str]) -> bool:
    return len(titles) == len(prefixes) and all(map(str.startswith, titles, prefixes))


def _starter(at) -> set[str]:
    """Loads the starter profile; the titles of its books (the catalog's full titles)."""
    at.button(key="rec_starter").click().run()
    assert_no_exception(at)
    assert any(s.startswith("Starter profile:") for s in _texts(at.main.success))
    liked, disliked = _profile(at)
    assert _starts(liked, STARTER_LIKED) and _starts(disliked, STARTER_DISLIKED), (liked, disliked)
    return {*liked, *disliked}


def _small_pool(at, pool: int = 10, top_n: int = 5) -> None:
    at.number_input(key="rec_pool").set_value(pool).run()
    at.number_input(key="rec_top_n").set_value(top_n).run()


def _recommend(at) -> None:
    at.button(key="rec_go").click().run()
    assert_no_exception(at)
    assert not main_errors(at), main_errors(at)


def _check_ranked(table, n: int, rated: set[str]) -> None:
    assert list(table["rank"]) == list(range(1, n + 1))
    p_yes = list(table["p_yes"])
    assert all(0.0 <= p <= 1.0 for p in p_yes), p_yes
    assert p_yes == sorted(p_yes, reverse=True), p_yes
    assert not rated & set(table["title"]), "a rated book was recommended"


def _uploader(at):
    return at.get("file_uploader")[0]


def _upload(at, name: str, data: bytes) -> None:
    uploader = _uploader(at)
    assert uploader.key == "rec_upload"
    uploader.set_value((name, data, "application/json"))
    at.run()
    assert_no_exception(at)


# --- tests ---------------------------------------------------------------------------------------


def test_an_empty_profile_says_what_to_do(tmp_path, use_store):
    use_store(tmp_path / "runs")
    at = _page()
    assert any(i.startswith("No books yet") for i in _texts(at.main.info))
    assert at.get("download_button")[0].proto.disabled  # nothing to download yet
    assert at.toggle(key="rec_compare").disabled  # no trained run to compare with
    assert any(c.startswith("No fine-tuned recommender yet") for c in _texts(at.main.caption))
    at.button(key="rec_go").click().run()
    assert_no_exception(at)
    assert any(e.startswith("The profile is empty") for e in main_errors(at))
    assert not at.main.dataframe
    # Asking about one book needs a profile too.
    at.text_input(key="rec_ask_query").input("da vinci").run()
    at.button(key="rec_ask_go").click().run()
    assert_no_exception(at)
    assert any(e.startswith("The profile is empty") for e in main_errors(at))
    assert not at.main.metric


def test_the_starter_profile_is_ranked_with_prompts(tmp_path, use_store):
    use_store(tmp_path / "runs")
    at = _page()
    rated = _starter(at)
    assert not at.get("download_button")[0].proto.disabled
    _small_pool(at)
    _recommend(at)
    table = at.main.dataframe[0].value
    assert list(table.columns) == ["rank", "title", "author", "year", "p_yes", "n_ratings"]
    _check_ranked(table, 5, rated)
    assert any(m.startswith("**Top 5 of 10 candidates** · " + ZERO_SHOT_LABEL)
               for m in _texts(at.main.markdown))
    assert len(at.main.get("plotly_chart")) == 1
    prompt = at.main.code[0].value
    assert "User Preference:" in prompt and "The Hobbit" in prompt and "The Firm" in prompt
    assert table["title"][0] in prompt.split("Whether the user will like the target book")[-1]
    # The prompt of another book, picked by its rank.
    at.selectbox(key="rec_prompt_pick").set_value(3).run()
    assert_no_exception(at)
    assert f'"{table["title"][2]}"' in at.main.code[0].value
    # Changing the inputs keeps the old ranking but says it is out of date.
    at.number_input(key="rec_top_n").set_value(3).run()
    assert any("changed since this ranking" in i for i in _texts(at.main.info))
    # Clearing the profile empties the lists.
    at.button(key="rec_clear").click().run()
    assert_no_exception(at)
    assert _profile(at) == ([], [])
    assert any(i.startswith("No books yet") for i in _texts(at.main.info))


def test_search_like_dislike_and_remove(tmp_path, use_store):
    use_store(tmp_path / "runs")
    at = _page(model=None)  # no scoring here
    at.text_input(key="rec_search").input("tolkien").run()
    assert_no_exception(at)
    hits = [m for m in _texts(at.main.markdown) if "Tolkien" in m or "TOLKIEN" in m]
    assert len(hits) >= 3, hits
    like = [b for b in at.main.button if (b.key or "").startswith("rec_like_")]
    assert len(like) == len(hits)
    book_id = like[0].key.removeprefix("rec_like_")
    title = hits[0].split("**")[1]
    like[0].click().run()
    assert_no_exception(at)
    assert _profile(at) == ([title], [])
    assert at.button(key=f"rec_like_{book_id}").disabled  # already liked
    assert any("👍 liked" in m for m in _texts(at.main.markdown) if m.startswith(f"**{title}**"))
    at.button(key=f"rec_dislike_{book_id}").click().run()
    assert_no_exception(at)
    assert f'Moved "{title}" to the books you dislike.' in _texts(at.main.info)
    assert _profile(at) == ([], [title])
    at.button(key=f"rec_remove_Disliked_{book_id}").click().run()
    assert_no_exception(at)
    assert _profile(at) == ([], [])
    at.text_input(key="rec_search").input("zzqqxx").run()
    assert_no_exception(at)
    assert any(w.startswith('No book matches "zzqqxx"') for w in _texts(at.main.warning))


def test_uploads_load_a_profile_and_bad_files_are_explained(tmp_path, use_store, catalog):
    use_store(tmp_path / "runs")
    at = _page(model=None)
    hobbit = catalog.search("the hobbit tolkien", 1).iloc[0]
    firm = catalog.search("the firm grisham", 1).iloc[0]
    good = profile_to_json(Profile(liked=(hobbit,), disliked=(firm,)))
    _upload(at, "mine.json", good)
    assert "Loaded 1 liked and 1 disliked books from mine.json." in _texts(at.main.success)
    assert _profile(at) == ([hobbit["title"]], [firm["title"]])
    assert not main_errors(at)

    both = good.replace(b'"disliked": [\n    {\n      "book_id": "' + firm["book_id"].encode(),
                        b'"disliked": [\n    {\n      "book_id": "' + hobbit["book_id"].encode())
    assert both != good
    bad = {
        "notjson.json": (b"this is not json {", "it is not valid JSON"),
        "format.json": (good.replace(b"workbench-book-profile", b"some-other-format"),
                        'it should say "format": "workbench-book-profile"'),
        "both.json": (both, "is both liked and disliked: keep it in one list."),
        "big.json": (b" " * 200_001, "it is 201 KB and a profile is at most 200 KB."),
        "list.json": (b"[1, 2]", "it should be a JSON object"),
        "latin1.json": ('{"format": "workbench-book-profile", "title": "Caf\u00e9"}'
                        .encode("latin-1"), "it is not UTF-8 text"),
    }
    for name, (data, reason) in bad.items():
        _upload(at, name, data)
        errors = main_errors(at)
        assert len(errors) == 1 and errors[0].startswith(f"{name}: ") and reason in errors[0], \
            (name, errors)
        assert _profile(at) == ([hobbit["title"]], [firm["title"]])  # the loaded profile is kept

    # A book the catalog does not know is kept under its own title.
    unknown = profile_to_json(Profile(liked=({"book_id": "X-123", "title": "My Own Book",
                                              "author": "Me"},)))
    _upload(at, "unknown.json", unknown)
    assert any("kept under their own titles: My Own Book" in s for s in _texts(at.main.success))
    assert _profile(at) == (["My Own Book"], [])

    # Loaded, cleared, and the same file uploaded once more: it loads again.
    _upload(at, "mine.json", good)
    assert _profile(at) == ([hobbit["title"]], [firm["title"]])
    at.button(key="rec_clear").click().run()
    assert _profile(at) == ([], [])
    _uploader(at).set_value(None)
    at.run()
    _upload(at, "mine.json", good)
    assert _profile(at) == ([hobbit["title"]], [firm["title"]])


def test_a_fine_tuned_run_recommends_and_compares_with_zero_shot(tuned, use_store):
    root, record = tuned
    use_store(root)
    at = _page()
    picker = at.selectbox(key="rec_model")
    assert picker.options[0] == ZERO_SHOT_LABEL
    assert len(picker.options) == 2
    assert picker.options[1].endswith(f"({record.id[-6:]})")
    assert "book-crossing-tallrec" in picker.options[1]
    rated = _starter(at)
    _small_pool(at)
    picker.set_value(record.id).run()
    assert_no_exception(at)
    _recommend(at)
    _check_ranked(at.main.dataframe[0].value, 5, rated)
    assert any(m.startswith("**Top 5 of 10 candidates** · ") and record.id[-6:] in m
               for m in _texts(at.main.markdown))
    assert "User Preference:" in at.main.code[0].value

    at.selectbox(key="rec_model").set_value("zero-shot").run()
    at.toggle(key="rec_compare").set_value(True).run()
    assert at.selectbox(key="rec_model_b").value == record.id
    _recommend(at)
    sentence = next(m for m in _texts(at.main.markdown) if m.startswith("**Two models on"))
    found = re.search(r"same 10 candidates\.\*\* Rank correlation \(Spearman\) (-?\d\.\d\d); "
                      r"(\d) of the top 5 are in both lists\.", sentence)
    assert found, sentence
    assert -1 <= float(found[1]) <= 1 and 0 <= int(found[2]) <= 5
    assert len(at.main.dataframe) == 2
    for frame in at.main.dataframe:
        _check_ranked(frame.value, 5, rated)
    # The same ten candidates, ranked by each model.
    assert len(at.main.code) == 2
    labels = _texts(at.main.markdown)
    assert f"**{ZERO_SHOT_LABEL}**" in labels
    assert any(m.startswith("**") and record.id[-6:] in m for m in labels)
    # One candidate left (Rich Shapero wrote one book): nothing to correlate, said so.
    at.text_input(key="rec_author").input("rich shapero").run()
    at.button(key="rec_go").click().run()
    assert_no_exception(at)
    assert any(w.startswith("The two rankings share fewer than two books") for w in
               _texts(at.main.warning)), _texts(at.main.warning)
    assert not any(m.startswith("**Two models on") for m in _texts(at.main.markdown))
    assert [len(frame.value) for frame in at.main.dataframe] == [1, 1]
    assert [list(frame.value["title"]) for frame in at.main.dataframe] == [["Wild Animus"]] * 2


def test_author_filter_and_a_filter_that_matches_nothing(tmp_path, use_store):
    use_store(tmp_path / "runs")
    at = _page()
    rated = _starter(at)
    _small_pool(at)
    at.text_input(key="rec_author").input("grisham").run()
    _recommend(at)
    table = at.main.dataframe[0].value
    _check_ranked(table, 5, rated)
    assert all("grisham" in author.lower() for author in table["author"]), list(table["author"])
    assert any(m.startswith("**Top 5 of 10 candidates**") for m in _texts(at.main.markdown))
    at.text_input(key="rec_author").input("zzqqxx nobody").run()
    at.button(key="rec_go").click().run()
    assert_no_exception(at)
    assert any(w.startswith("No book you have not rated matches these filters")
               for w in _texts(at.main.warning))
    # Years instead of an author: every recommendation was published in the range.
    at.text_input(key="rec_author").input("").run()
    at.slider(key="rec_years").set_value((1990, 1995)).run()
    _recommend(at)
    table = at.main.dataframe[0].value
    _check_ranked(table, 5, rated)
    assert all(1990 <= year <= 1995 for year in table["year"]), list(table["year"])


def test_ask_about_one_book(tmp_path, use_store):
    use_store(tmp_path / "runs")
    at = _page()
    _starter(at)
    at.text_input(key="rec_ask_query").input("da vinci").run()
    assert_no_exception(at)
    book = at.selectbox(key="rec_ask_book")
    assert book.options[0].startswith("The Da Vinci Code · Dan Brown")
    at.button(key="rec_ask_go").click().run()
    assert_no_exception(at)
    metric = at.main.metric[0]
    assert metric.label == f"P(Yes) · {ZERO_SHOT_LABEL}"
    assert 0.0 <= float(metric.value) <= 1.0
    prompt = at.main.code[-1].value
    assert "User Preference:" in prompt and '"The Da Vinci Code" written by Dan Brown' in prompt
    # A book of the profile is scored too, and the page says it is part of the history.
    at.text_input(key="rec_ask_query").input("the firm grisham").run()
    at.button(key="rec_ask_go").click().run()
    assert_no_exception(at)
    assert "You disliked this book: it is part of your history too." in _texts(at.main.caption)


def test_train_your_own_recommender_starts_one_background_run_and_reuses_it(tmp_path, use_store):
    from workbench.ui.run_state import run_supervisor

    root = tmp_path / "runs"
    use_store(root)
    at = _page()
    at.select_slider(key="rec_train_k").set_value(16).run()
    at.button(key="rec_train_go").click().run()
    assert_no_exception(at)
    records = Store(root).list()
    assert len(records) == 1
    record = records[0]
    assert (record.kind, record.dataset, record.model) == ("finetune", "book-crossing-tallrec", TINY)
    assert record.spec["data"]["n_train"] == 16 and record.spec["training"]["method"] == "lora"
    at.button(key="rec_train_go").click().run()  # the same settings again: reused, not queued
    assert len(Store(root).list()) == 1
    assert any("already" in toast.value for toast in at.toast)
    run_supervisor().cancel(record.id)
