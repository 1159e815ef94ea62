"""Templates as YAML files: what the page downloads and uploads, and what specs can point to.

    save_template(template, "my-template.yaml")
    template = load_template("my-template.yaml")    # TemplateError with a plain message

Multi-line text (Jinja templates, instructions) is written as YAML block text, so the file reads
like the template. Loading uses YAML 1.2 booleans (workbench.specs.read_yaml): class names and
answer words such as yes / no stay strings. A file may also be a whole run spec: its `template`
section is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from workbench.prompts.errors import TemplateError
from workbench.specs import TemplateSpec, read_yaml


class _BlockTextDumper(yaml.SafeDumper):
    pass


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # PyYAML falls back to quoting by itself when block style cannot hold the text.
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_BlockTextDumper.add_representer(str, _represent_text)


def template_to_yaml(template: TemplateSpec) -> str:
    return yaml.dump(
        template.model_dump(mode="json"), Dumper=_BlockTextDumper, sort_keys=False,
        allow_unicode=True,
    )


def template_from_yaml(text: str, source: str = "This template") -> TemplateSpec:
    try:
        data = read_yaml(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or error
        raise TemplateError(f"{source} is not valid YAML{where}: {problem}") from None
    return template_from_dict(_template_section(data, source), source)


def _template_section(data: Any, source: str) -> dict:
    is_run_spec = isinstance(data, dict) and "serializer" not in data
    if is_run_spec and isinstance(data.get("template"), dict):
        return data["template"]
    if not isinstance(data, dict):
        raise TemplateError(
            f"{source} should be a mapping of template fields (serializer, question, ...)."
        )
    return data


def template_from_dict(data: dict, source: str = "This template") -> TemplateSpec:
    try:
        return TemplateSpec.model_validate(data)
    except ValidationError as error:
        raise TemplateError(f"{source} is not a valid template:\n{_problems(error)}") from None


def _problems(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "template"
        lines.append(f"- {where}: {item['msg'].removeprefix('Value error, ')}")
    return "\n".join(lines)


def save_template(template: TemplateSpec, path: str | Path) -> Path:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template_to_yaml(template), encoding="utf-8")
    except OSError as error:
        raise TemplateError(f"Cannot write the template to {path}: {error.strerror}") from None
    return path


def load_template(path: str | Path) -> TemplateSpec:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise TemplateError(f"Cannot read the template file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise TemplateError(f"{path} is not a UTF-8 text file.") from None
    return template_from_yaml(text, source=str(path))
