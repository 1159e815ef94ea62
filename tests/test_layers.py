"""The package's layers, read from the source (every import statement, those inside functions
too; nothing is imported):

- only workbench/ui/ imports streamlit (besides the Streamlit entry points app.py and pages/);
- the units of workbench/ (its top-level modules and packages) import downwards only: a unit
  imports units of its own layer or of the layers below it in LAYERS, never one above, and the
  imports between units form no cycle.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "workbench"

# Bottom first. A unit may import its own layer and every layer below; the comments say what each
# layer imports, as the code does today.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("__init__", "errors", "paths", "units", "hub", "lifeline", "distributed"),  # nothing
    ("environment", "assets", "metrics", "jobs", "store"),  # errors, paths, distributed
    ("data", "models"),  # data sets and models: assets, hub, paths
    ("tuners",),  # the fine-tuning methods' registry, one module each (errors; torch when run)
    ("specs", "prefix_cache"),  # run specs (data); the shared-prefix cache (models)
    # templates; scoring a model; classic models; the rows a run uses (data, specs)
    ("prompts", "reproduce", "scoring", "baselines", "rows"),
    ("training",),  # fine-tuning methods, the Trainer, the estimate before a run
    ("forgetting", "recommend"),  # forgetting measures and replay; the book recommender
    ("experiments",),  # run(spec) for every run kind
    ("results", "run_card", "supervisor"),  # reading runs back; running them in child processes
    ("export",),  # a run with its card
    ("cli",),
    ("__main__",),
    ("ui",),  # the Streamlit pages' code: may import everything
)

# Upward imports that are still there, each as (importing file, imported module), so that any
# other upward import fails. recommend's tuned_answerer scores with a stored fine-tuning run's
# scorer. Removing one: delete its line
# (test_known_upward_imports_still_exist says when).
KNOWN_UPWARD = {
    ("workbench/recommend/rank.py", "workbench.experiments.finetune"),
}

LAYER_OF = {unit: index for index, layer in enumerate(LAYERS) for unit in layer}


def package_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def imported_modules(path: Path) -> tuple[tuple[str, int], ...]:
    """(module, line) for each module an import statement anywhere in the file names: `import a.b`
    gives a.b, `from a import b` gives a.b (b may be a module) when a is this package's root,
    a otherwise; relative imports are resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module == "workbench":
                found += [(f"workbench.{alias.name}", node.lineno) for alias in node.names]
            else:
                found.append((module, node.lineno))
    return tuple(found)


def unit_of_file(path: Path) -> str:
    first = path.relative_to(PACKAGE).parts[0]
    return first.removesuffix(".py")


def unit_of_module(module: str) -> str | None:
    """The unit of workbench a module belongs to; None outside the package."""
    parts = module.split(".")
    if parts[0] != "workbench":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def unit_imports() -> list[tuple[str, int, str, str, str]]:
    """(file, line, module, its unit, the importing unit) for every import of another unit."""
    edges = []
    for path in package_files():
        own = unit_of_file(path)
        for module, line in imported_modules(path):
            unit = unit_of_module(module)
            if unit is not None and unit != own:
                edges.append((relative(path), line, module, unit, own))
    return edges


def imports_streamlit(path: Path) -> list[int]:
    return [line for module, line in imported_modules(path)
            if module == "streamlit" or module.startswith("streamlit.")]


def test_only_the_ui_imports_streamlit():
    outside_ui = [path for path in package_files() if unit_of_file(path) != "ui"]
    offenders = [f"{relative(path)}:{line}"
                 for path in outside_ui for line in imports_streamlit(path)]
    assert offenders == [], f"streamlit imported outside workbench/ui/: {offenders}"


def test_the_check_sees_the_ui_and_the_pages_import_streamlit():
    """The scan above finds streamlit where it is used, so its empty answer means something."""
    entry_points = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
    assert len(entry_points) > 1
    assert all(imports_streamlit(path) for path in entry_points), entry_points
    assert imports_streamlit(PACKAGE / "ui" / "frame.py")


def test_every_unit_of_the_package_has_one_layer():
    listed = [unit for layer in LAYERS for unit in layer]
    assert len(listed) == len(set(listed)), "a unit in two layers"
    present = {unit_of_file(path) for path in package_files()}
    assert present == set(listed), (
        f"not in LAYERS: {sorted(present - set(listed))}; "
        f"in LAYERS but gone: {sorted(set(listed) - present)}")


def test_units_import_downwards_only():
    upward = [
        f"{file}:{line} imports {module} ({own}, layer {LAYER_OF[own]} -> {unit}, layer "
        f"{LAYER_OF[unit]})"
        for file, line, module, unit, own in unit_imports()
        if LAYER_OF[unit] > LAYER_OF[own] and (file, module) not in KNOWN_UPWARD
    ]
    assert upward == [], "imports of a higher layer:\n" + "\n".join(upward)


def test_known_upward_imports_still_exist():
    present = {(file, module) for file, _, module, unit, own in unit_imports()
               if LAYER_OF[unit] > LAYER_OF[own]}
    stale = KNOWN_UPWARD - present
    assert not stale, f"no longer imported upwards, drop from KNOWN_UPWARD: {sorted(stale)}"


def test_units_import_each_other_without_cycles():
    """Within a layer too (the known upward imports left out)."""
    graph: dict[str, set[str]] = {}
    for file, _, module, unit, own in unit_imports():
        if (file, module) not in KNOWN_UPWARD:
            graph.setdefault(own, set()).add(unit)
    done: set[str] = set()

    def cycle_from(unit: str, path: list[str]) -> list[str] | None:
        if unit in path:
            return path[path.index(unit):] + [unit]
        if unit in done:
            return None
        for imported in sorted(graph.get(unit, ())):
            found = cycle_from(imported, path + [unit])
            if found:
                return found
        done.add(unit)
        return None

    for unit in sorted(graph):
        cycle = cycle_from(unit, [])
        assert cycle is None, "import cycle: " + " -> ".join(cycle)
