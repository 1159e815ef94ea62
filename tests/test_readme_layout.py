"""README.md's Layout section matches the tree: every path it names exists, and it names every
package of workbench/ and every top-level module of workbench/.

The section is one code block of entries, a path and its description:

    workbench/          the backend (...)
      data/             data-set registry, ...; kept.py: the tables
                        you keep (tables.py: ...)

Two more spaces of indentation put an entry inside the folder entry above it; a line indented to
the description column goes on the description above. In a description, a path followed by a
colon (`kept.py:`, `accelerate/:`) names one more: inside the entry when the entry is a folder,
beside it when it is a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "workbench"

ENTRY = re.compile(r"^(?P<indent> *)(?P<path>\S+)(?:(?P<gap> {2,})(?P<description>.*))?$")
MENTION = re.compile(r"(?<![\w./-])((?:[\w.-]+/)*[\w.-]+(?:\.py|/)):")


@dataclass
class Entry:
    path: str  # relative to the repository root; a folder ends with "/"
    description: str
    mentions: list[str]  # the paths its description names, relative to the repository root


def layout_block(readme: str) -> list[str]:
    section = readme.split("\n## Layout\n", 1)
    assert len(section) == 2, "README.md has no '## Layout' section"
    body = section[1].split("\n## ", 1)[0]
    block = re.search(r"^```[^\n]*\n(.*?)^```", body, re.S | re.M)
    assert block, "the Layout section has no code block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def parse_layout(lines: list[str]) -> list[Entry]:
    entries: list[Entry] = []
    parents: list[str] = []  # the folder entries enclosing the current indentation
    column = None  # where descriptions start
    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        if column is not None and indent >= column:  # the description above goes on
            entries[-1].description += " " + line.strip()
            continue
        match = ENTRY.match(line)
        assert match, f"not an entry: {line!r}"
        assert indent % 2 == 0 and indent // 2 <= len(parents), f"odd indentation: {line!r}"
        if match["gap"] is not None and column is None:
            column = indent + len(match["path"]) + len(match["gap"])
        del parents[indent // 2:]
        path = "".join(parents) + match["path"]
        entries.append(Entry(path, match["description"] or "", []))
        if path.endswith("/"):
            parents.append(match["path"])
    for entry in entries:
        base = entry.path if entry.path.endswith("/") else entry.path.rpartition("/")[0] + "/"
        base = "" if base == "/" else base
        entry.mentions = [base + name for name in MENTION.findall(entry.description)]
    return entries


def layout() -> list[Entry]:
    return parse_layout(layout_block((ROOT / "README.md").read_text(encoding="utf-8")))


def named_paths() -> set[str]:
    return {path for entry in layout() for path in [entry.path, *entry.mentions]}


def exists(path: str) -> bool:
    return (ROOT / path).is_dir() if path.endswith("/") else (ROOT / path).is_file()


def test_the_parser_reads_entries_continuations_and_mentions():
    entries = parse_layout([
        "app.py              home page",
        "workbench/          the backend",
        "  data/             loaders; kept.py: the tables",
        "                    you keep (tables.py: roles)",
        "  scoring.py        scores;  metrics.py: metrics + CIs",
        "assets/             specs/: example specs",
    ])
    assert [entry.path for entry in entries] == [
        "app.py", "workbench/", "workbench/data/", "workbench/scoring.py", "assets/"]
    assert entries[2].description == "loaders; kept.py: the tables you keep (tables.py: roles)"
    assert entries[2].mentions == ["workbench/data/kept.py", "workbench/data/tables.py"]
    assert entries[3].mentions == ["workbench/metrics.py"]
    assert entries[4].mentions == ["assets/specs/"]


def test_every_path_the_layout_names_exists():
    missing = sorted(path for path in named_paths() if not exists(path))
    assert missing == [], f"README.md's Layout names paths that are not there: {missing}"


def test_every_entry_says_what_it_is():
    assert [entry.path for entry in layout() if not entry.description.strip()] == []


def test_the_layout_names_every_package_of_workbench():
    packages = {init.parent.relative_to(ROOT).as_posix() + "/"
                for init in PACKAGE.rglob("__init__.py")}
    assert "workbench/recommend/" in packages  # the walk sees the packages
    unnamed = sorted(packages - named_paths())
    assert unnamed == [], f"README.md's Layout leaves out these packages: {unnamed}"


def test_the_layout_names_every_top_level_module_of_workbench():
    modules = {path.relative_to(ROOT).as_posix() for path in PACKAGE.glob("*.py")
               if path.name != "__init__.py"}
    unnamed = sorted(modules - named_paths())
    assert unnamed == [], f"README.md's Layout leaves out these modules of workbench/: {unnamed}"
