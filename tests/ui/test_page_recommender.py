"""AppTest of the Recommender page: a profile built by search, likes and dislikes, the starter
button or an uploaded file; recommendations ranked by P(Yes) with their prompts, on a chart zoomed
to their range, beside item-based CF and popularity on the same candidates; candidate pools that
follow the profile and filters; a fine-tuned run as the model with its held-out AUC against
zero-shot on the same questions, and two models compared; the class demo and TALLRec's recipe
started in the background; one book asked about on its own.

Every score comes from the tiny random Llama (real model, random weights: the numbers are noise,
so the tests check shape, order and range, never which book wins). The module trains one tiny
LoRA run on Book-Crossing questions into its own store (~10 s), and the tiny model's zero-shot
run on the same questions."""

from __future__ import annotations

import json
import re

import pytest

from tests.ui.apptest import REPO, assert_no_exception, main_errors, open_page_with_model
from workbench.experiments import run
from workbench.recommend.catalog import author_key, book_catalog
from workbench.recommend.held_out import CLASS_DEMO_SPEC, zero_shot_spec
from workbench.recommend.profile import Profile, profile_to_json
from workbench.specs import apply_overrides, load_spec, parse_spec
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
def tuned_and_zero_shot(tmp_path_factory, tuned):
    """A copy of the tuned run's store plus the tiny model zero-shot on the same 16 questions."""
    import shutil

    root, record = tuned
    copy = tmp_path_factory.mktemp("recommender-page-zero-shot") / "runs"
    shutil.copytree(root, copy)
    zero = run(zero_shot_spec(TINY, like=record.spec), store=Store(copy)).record
    assert zero.status == "done", zero.error
    return copy, record, zero


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


def _model_tables(at):
    """The language models' ranking tables (the classic lists come after them)."""
    return [frame for frame in at.main.dataframe if "p_yes" in frame.value.columns]


def _classic_tables(at) -> dict:
    """The CF and popularity lists, told apart by CF's evidence column (AppTest gives a
    dataframe no key)."""
    tables = [frame.value for frame in at.main.dataframe if "in_model_top" in frame.value.columns]
    return {("item_cf" if "co_raters" in table.columns else "popularity"): table
            for table in tables}


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
    assert len(_model_tables(at)) == 2
    for frame in _model_tables(at):
        _check_ranked(frame.value, 5, rated)
    assert set(_classic_tables(at)) == {"item_cf", "popularity"}
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
    assert [len(frame.value) for frame in at.main.dataframe] == [1, 1, 1, 1]
    assert [list(frame.value["title"]) for frame in at.main.dataframe] == [["Wild Animus"]] * 4


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
    at.radio(key="rec_train_recipe").set_value("tallrec").run()
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


def test_the_class_demo_is_the_default_recipe_and_starts_its_spec(tmp_path, use_store):
    from workbench.ui.run_state import run_supervisor

    root = tmp_path / "runs"
    use_store(root)
    at = _page()
    assert at.radio(key="rec_train_recipe").value == "class_demo"
    assert not at.get("select_slider")  # K belongs to TALLRec's recipe
    demo = load_spec(CLASS_DEMO_SPEC)
    assert any(f"one pass over {demo.data.n_train} Book-Crossing questions" in m
               for m in _texts(at.main.markdown))
    time_line = next(c for c in _texts(at.main.caption) if c.startswith("About "))
    assert "the test questions included" in time_line, time_line
    at.button(key="rec_train_go").click().run()
    assert_no_exception(at)
    [record] = Store(root).list()
    assert (record.kind, record.dataset, record.model) == ("finetune", "book-crossing-tallrec", TINY)
    assert parse_spec(record.spec).training == demo.training
    assert record.spec["data"]["n_train"] == demo.data.n_train
    run_supervisor().cancel(record.id)


def test_the_ranking_shows_cf_and_popularity_on_the_same_candidates(tmp_path, use_store):
    use_store(tmp_path / "runs")
    at = _page()
    rated = _starter(at)
    _small_pool(at)
    _recommend(at)
    [model] = [frame.value for frame in _model_tables(at)]
    classic = _classic_tables(at)
    assert set(classic) == {"item_cf", "popularity"}
    for method, table in classic.items():
        assert list(table["rank"]) == list(range(1, 6)), method
        assert table["score"].is_monotonic_decreasing, method
        assert not rated & set(table["title"]), method
        assert table["in_model_top"].sum() == len(set(table["title"]) & set(model["title"]))
    assert "co_raters" in classic["item_cf"].columns
    texts = _texts(at.main.markdown)
    assert any(m.startswith("**The same 10 candidates without a language model** · overlap "
                            "with the top 5 of " + ZERO_SHOT_LABEL) for m in texts), texts
    assert {"**Item-based CF**", "**Popularity**"} <= set(texts)
    overlaps = [c for c in _texts(at.main.caption) if "also in the model's top 5" in c]
    assert len(overlaps) == 2, _texts(at.main.caption)
    for caption in overlaps:
        found = re.match(r"(\d) of 5 books also in the model's top 5; rank correlation "
                         r"\(Spearman\) with the model's P\(Yes\) (-?\d\.\d\d)\.", caption)
        assert found and 0 <= int(found[1]) <= 5 and -1 <= float(found[2]) <= 1, caption
    # The chart spans the scores shown, not 0 to 1, and says so.
    spec = json.loads(at.main.get("plotly_chart")[0].proto.spec)
    axis = spec["layout"]["xaxis"]
    low, high = model["p_yes"].min(), model["p_yes"].max()
    assert axis["range"][0] <= low and axis["range"][1] >= high
    assert axis["range"][1] - axis["range"][0] <= max((high - low) * 1.2, high - low + 0.01) + 1e-9
    assert "axis zoomed to" in axis["title"]["text"]
    assert any(c.startswith("Pool: Most rated books. P(Yes) of these books runs from")
               for c in _texts(at.main.caption))


def test_candidate_pools_follow_the_profile(tmp_path, use_store):
    use_store(tmp_path / "runs")
    at = _page()
    # A pool that follows liked books needs a liked book.
    at.text_input(key="rec_search").input("the firm grisham").run()
    at.button(key=next(b.key for b in at.main.button
                       if (b.key or "").startswith("rec_dislike_"))).click().run()
    at.radio(key="rec_pool_source").set_value("authors").run()
    at.button(key="rec_go").click().run()
    assert_no_exception(at)
    assert any("like at least one book first" in w for w in _texts(at.main.warning))
    assert not at.main.dataframe

    at.button(key="rec_clear").click().run()
    rated = _starter(at)
    _small_pool(at)
    _recommend(at)
    table = _model_tables(at)[0].value
    _check_ranked(table, 5, rated)
    liked_authors = {"jrrtolkien", "jkrowling", "georgerrmartin"}
    assert set(table["author"].map(author_key)) <= liked_authors, list(table["author"])
    assert any(c.startswith("Pool: By authors you liked.") for c in _texts(at.main.caption))

    at.radio(key="rec_pool_source").set_value("co_rated").run()
    assert any("changed since this ranking" in i for i in _texts(at.main.info))
    _recommend(at)
    _check_ranked(_model_tables(at)[0].value, 5, rated)
    assert any(c.startswith("Pool: Co-rated with books you liked.") for c in _texts(at.main.caption))
    # A pool and filters that leave nothing say so.
    at.radio(key="rec_pool_source").set_value("authors").run()
    at.text_input(key="rec_author").input("grisham").run()
    at.button(key="rec_go").click().run()
    assert_no_exception(at)
    assert any(w.startswith("No book you have not rated by the authors you liked matches these "
                            "filters") for w in _texts(at.main.warning)), _texts(at.main.warning)


def test_held_out_auc_of_a_run_against_zero_shot_on_the_same_questions(tuned_and_zero_shot,
                                                                          use_store):
    root, record, zero = tuned_and_zero_shot
    use_store(root)
    at = _page()
    zero_auc = zero.metrics["test"]["auc"]
    line = next(m for m in _texts(at.main.markdown) if m.startswith("**Held-out:**"))
    assert line.startswith(f"**Held-out:** {TINY} zero-shot, AUC {zero_auc:.3f} (95% interval ")
    assert line.endswith("on 16 Book-Crossing questions of held-out readers.")
    at.selectbox(key="rec_model").set_value(record.id).run()
    assert_no_exception(at)
    auc = record.metrics["test"]["auc"]
    line = next(m for m in _texts(at.main.markdown) if m.startswith("**Held-out:**"))
    assert line == (
        f"**Held-out:** this model, AUC {auc:.3f} (95% interval "
        f"{record.metrics['test']['auc_ci'][0]:.3f} to {record.metrics['test']['auc_ci'][1]:.3f}) "
        f"on 16 Book-Crossing questions of held-out readers. The same model zero-shot on the "
        f"same questions: AUC {zero_auc:.3f}, so training added **{auc - zero_auc:+.3f}**.")
    assert not [b for b in at.main.button if b.key == "rec_auc"]


def test_measure_zero_shot_starts_one_background_evaluation(tuned, tmp_path, use_store):
    from workbench.ui.run_state import run_supervisor

    root = tmp_path / "runs"
    use_store(root)
    at = _page()
    assert any(c.startswith(f"No held-out AUC of {TINY} zero-shot on 200 test questions yet")
               for c in _texts(at.main.caption)), _texts(at.main.caption)
    at.button(key="rec_auc").click().run()
    assert_no_exception(at)
    [record] = Store(root).list()
    demo = load_spec(CLASS_DEMO_SPEC)
    assert (record.kind, record.method, record.model) == ("evaluate", "zero-shot", TINY)
    assert record.spec["data"]["n_test"] == demo.data.n_test
    assert parse_spec(record.spec).template == demo.template
    assert any(c.startswith(f"Measuring {TINY} zero-shot on these questions")
               for c in _texts(at.main.caption))
    run_supervisor().cancel(record.id)
    # A run whose zero-shot is not stored offers the same button for its own questions.
    tuned_root, tuned_record = tuned
    use_store(tuned_root)
    at = _page()
    at.selectbox(key="rec_model").set_value(tuned_record.id).run()
    assert any(c.startswith(f"No held-out AUC of {TINY} zero-shot on 16 test questions yet")
               for c in _texts(at.main.caption)), _texts(at.main.caption)
