"""Built-in templates for every data set: one per serializer plus a Jinja example.

    builtin_templates("california-housing")   # {"list": ..., "text": ..., "jinja": ...}
    default_template(info)                    # a DatasetInfo works too (uploads)

The question and answer words come from `TASKS` (TabLLM's wording where it has one); a data set
without an entry, an upload for instance, gets "Is the {label} {positive}? Yes or no?" (or, with
more than two classes, "What is the {label}? A, B or C?" answered by the class names). The
registry is read at call time, so data sets registered later get templates too.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.data import get_info, tallrec
from workbench.data.registry import DatasetInfo
from workbench.data.tables import jinja_reference  # lives with the tables, which name columns too
from workbench.specs import TemplateSpec

TABULAR_SERIALIZERS = ("list", "text", "values", "table", "json")
YES_NO = {"no": "No", "yes": "Yes"}


@dataclass(frozen=True)
class Task:
    """How a data set's task is asked, and the answer word of each class."""

    question: str
    answers: dict[str, str]
    jinja: str | None = None  # a hand-written Jinja example; None: one made from the features
    instruction: str | None = None
    wrapper: str = "none"
    answer_prefix: str = "Answer:"


CALIFORNIA_JINJA = """\
A census block group in California at latitude {{ Latitude }}, longitude {{ Longitude }}.
Median income: {{ MedInc }} (tens of thousands of dollars).
Median house age: {{ HouseAge }} years.
Rooms per household: {{ AveRooms }}, of which bedrooms: {{ AveBedrms }}.
Population: {{ Population }}, with {{ AveOccup }} people per household."""



def _tallrec(item: str) -> Task:
    # TALLRec's input already ends with the question; the instruction carries the task.
    return Task(
        "", YES_NO, jinja="{{ input }}", instruction=tallrec.INSTRUCTION.format(item=item),
        wrapper="alpaca",
    )


TASKS: dict[str, Task] = {
    "california-housing": Task(
        "Is this house block valuable? Yes or no?", YES_NO, jinja=CALIFORNIA_JINJA
    ),
    "adult-income": Task(
        "Does this person earn more than 50000 dollars per year? Yes or no?",
        {"<=50K": "No", ">50K": "Yes"},
    ),
    "german-credit": Task(
        "Is this applicant a good credit risk? Yes or no?", {"bad": "No", "good": "Yes"}
    ),
    "pima-diabetes": Task("Does this patient have diabetes? Yes or no?", YES_NO),
    "universal-bank": Task(
        "Did this customer accept the personal loan offered to them? Yes or no?", YES_NO
    ),
    "west-roxbury": Task(
        "Is this house worth more than the median house in West Roxbury? Yes or no?", YES_NO
    ),
    "amazon-reviews": Task(
        "Is this review great? Yes or no?", {"other": "No", "great": "Yes"},
        jinja="Review: {{ review }}",
    ),
    "newsgroups-cars": Task(
        "Is this post about cars? Yes or no?", {"electronics": "No", "autos": "Yes"},
        jinja="Post: {{ post }}",
    ),
    "imdb": Task(
        "Is this movie review positive? Yes or no?", {"negative": "No", "positive": "Yes"},
        jinja="Review: {{ text }}",
    ),
    "ag-news": Task(
        "What is the topic of this news article? World, Sports, Business or Science?",
        {"World": "World", "Sports": "Sports", "Business": "Business", "Sci/Tech": "Science"},
        jinja="Article: {{ text }}",
    ),
    "book-crossing": Task("Will the user like this book? Yes or no?", YES_NO),
    "movielens": Task("Will the user like this movie? Yes or no?", YES_NO),
    "tallrec-book": _tallrec("book"),
    "tallrec-movie": _tallrec("movie"),
    "book-crossing-tallrec": _tallrec("book"),
    "movielens-tallrec": _tallrec("movie"),
}


def _info(dataset: str | DatasetInfo) -> DatasetInfo:
    return dataset if isinstance(dataset, DatasetInfo) else get_info(dataset)


def task_for(info: DatasetInfo) -> Task:
    """The hand-written task when its answers still fit the data set's classes, else generic."""
    task = TASKS.get(info.name)
    if task is not None and set(task.answers) == set(info.classes):
        return task
    return generic_task(info)


def generic_task(info: DatasetInfo) -> Task:
    label = info.label_column.replace("_", " ")
    if len(info.classes) == 2:
        positive = info.positive
        negative = next(name for name in info.classes if name != positive)
        return Task(f"Is the {label} {positive}? Yes or no?", {negative: "No", positive: "Yes"})
    *first, last = info.classes
    question = f"What is the {label}? {', '.join(first)} or {last}?"
    return Task(question, {name: name for name in info.classes})


def feature_jinja(info: DatasetInfo) -> str:
    """One "readable name: value" line per feature, for data sets without a hand-written one."""
    return "\n".join(
        f"{feature.label}: {{{{ {jinja_reference(feature.name)} }}}}" for feature in info.features
    )


def text_jinja(info: DatasetInfo) -> str:
    column = info.text_column or info.features[0].name
    label = next((f.label for f in info.features if f.name == column), column)
    return f"{label[:1].upper()}{label[1:]}: {{{{ {jinja_reference(column)} }}}}"


def _spec(task: Task, **fields) -> TemplateSpec:
    return TemplateSpec(
        question=task.question,
        answers=dict(task.answers),
        answer_prefix=task.answer_prefix,
        instruction=task.instruction,
        wrapper=task.wrapper,
        **fields,
    )


def builtin_templates(dataset: str | DatasetInfo) -> dict[str, TemplateSpec]:
    """Named templates for a data set (a registry name or a DatasetInfo); the first is the
    default. Text data sets get a template on their text column ("jinja") and a list one; a
    table with a text column among other features is a table (every serializer, every column)."""
    info = _info(dataset)
    task = task_for(info)
    if info.text_column and info.kind != "tabular":
        return {
            "jinja": _spec(task, serializer="jinja", jinja=task.jinja or text_jinja(info)),
            "list": _spec(task, serializer="list", features=[info.text_column]),
        }
    templates = {
        name: _spec(task, serializer=name, readable_names=(name == "text"))
        for name in TABULAR_SERIALIZERS
    }
    templates["jinja"] = _spec(task, serializer="jinja", jinja=task.jinja or feature_jinja(info))
    return templates


def default_template(dataset: str | DatasetInfo) -> TemplateSpec:
    """The seed's list serialization for tables (TemplateSpec() for California housing), the
    text-column template for text data sets."""
    return next(iter(builtin_templates(dataset).values()))
