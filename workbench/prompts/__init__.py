"""Prompts: rows as text (serializers, sandboxed Jinja), verbalizers, few-shot examples and
instruction / chat wrappers.

    from workbench.prompts import PromptBuilder, builtin_templates, validate_template
    builder = PromptBuilder(default_template("california-housing"), info, tokenizer, train)
    builder.prompt(row), builder.answer_words
"""

from workbench.prompts.builder import PromptBuilder
from workbench.prompts.builtin import builtin_templates, default_template
from workbench.prompts.errors import ChatTemplateError, TemplateError
from workbench.prompts.fewshot import select_shots
from workbench.prompts.serializers import SERIALIZERS, register_serializer, serialize_row
from workbench.prompts.storage import (
    load_template, save_template, template_from_yaml, template_to_yaml,
)
from workbench.prompts.validation import TemplateProblem, validate_template
from workbench.prompts.wrappers import ALPACA_TEMPLATE

__all__ = [
    "ALPACA_TEMPLATE", "ChatTemplateError", "PromptBuilder", "SERIALIZERS", "TemplateError",
    "TemplateProblem", "builtin_templates", "default_template", "load_template",
    "register_serializer", "save_template", "select_shots", "serialize_row",
    "template_from_yaml", "template_to_yaml", "validate_template",
]
