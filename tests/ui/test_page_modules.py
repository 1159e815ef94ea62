"""One naming rule for the pages: pages/<n>_<Name>.py, numbered in the navigation order of
workbench.ui.pages_index.PAGES, each a thin file that calls show_page() of its page module,
workbench/ui/<name>_page.py. Read from the source; nothing is run."""

from __future__ import annotations

import ast
from pathlib import Path

from workbench.ui.pages_index import PAGES

ROOT = Path(__file__).resolve().parents[2]
PAGE_FILES = [entry.path for entry in PAGES if entry.path.startswith("pages/")]


def _show_page_imports(path: Path) -> list[str]:
    """The modules a file imports show_page from."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            for alias in node.names if alias.name == "show_page"]


def test_page_files_are_numbered_in_navigation_order():
    numbers = [int(Path(path).name.split("_", 1)[0]) for path in PAGE_FILES]
    assert numbers == list(range(1, len(PAGE_FILES) + 1)), PAGE_FILES
    on_disk = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "pages").glob("*.py"))
    assert on_disk == sorted(PAGE_FILES)


def test_every_page_calls_show_page_of_its_page_module():
    for path in PAGE_FILES:
        modules = _show_page_imports(ROOT / path)
        assert len(modules) == 1, f"{path} imports show_page from {modules}"
        assert modules[0].startswith("workbench.ui.") and modules[0].endswith("_page"), modules
        assert "show_page()" in (ROOT / path).read_text(encoding="utf-8")


def test_every_page_module_defines_show_page():
    modules = sorted((ROOT / "workbench" / "ui").glob("*_page.py"))
    assert len(modules) == len(PAGE_FILES)
    for module in modules:
        tree = ast.parse(module.read_text(encoding="utf-8"))
        assert any(isinstance(node, ast.FunctionDef) and node.name == "show_page"
                   for node in tree.body), f"{module.name} has no show_page()"
