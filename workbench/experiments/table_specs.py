"""Specs that name a table by path (`data.file`) become specs that name a kept data set.

    spec = resolve_tables(load_spec("credit.yaml"))   # data: {file: credit.csv, label_column: card}
    spec.data.dataset                                  # "credit-csv-1a2b3c4d", kept in the home

The table is kept as the Data explorer keeps it (workbench.data.kept): by its content, with the
label choice, roles and descriptions of the spec. So the run is stored under the same data set
as the app's runs on the same table, its data fingerprint is the file's content (a renamed copy
is answered from the store, an edited file is not), and every page can show and rerun it.
"""

from __future__ import annotations

from workbench.rows import resolve_data
from workbench.specs import AnySpec, ForgettingSpec, parse_spec, spec_to_dict


def resolve_tables(spec: AnySpec) -> AnySpec:
    """The spec with each `data.file` kept and replaced by the kept data set's name."""
    if isinstance(spec, ForgettingSpec):
        if not any(task.data.file for task in spec.tasks):
            return spec
        values = spec_to_dict(spec)
        for task, task_values in zip(spec.tasks, values["tasks"]):
            task_values["data"] = resolve_data(task.data).model_dump()
        return parse_spec(values)
    if spec.data.file is None:
        return spec
    return spec.model_copy(update={"data": resolve_data(spec.data)})
