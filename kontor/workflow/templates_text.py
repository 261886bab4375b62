"""Email and notification text with placeholders (``{{ contact.first_name }}``),
rendered by Django's template language in a sandbox: plain text (no
autoescaping), filters only (no tags: no includes, no loading), over plain
data (the records as the rule's owner may read them), never model objects."""

from typing import Any

from django.template import Context, Engine, TemplateSyntaxError

_ENGINE = Engine(
    dirs=[],
    app_dirs=False,
    autoescape=False,
    libraries={},
    builtins=["django.template.defaultfilters"],
    string_if_invalid="",
    loaders=[],
)


def check(text: str) -> str | None:
    """The syntax error of a template, if it has one."""
    try:
        _ENGINE.from_string(text)
    except TemplateSyntaxError as error:
        return str(error)
    return None


def pick(text: Any, language: str) -> str:
    """A template in the wanted language (the other one if it lacks it)."""
    if isinstance(text, str):
        return text
    return text.get(language) or next(iter(text.values()))


def render(text: str, data: dict[str, Any]) -> str:
    return _ENGINE.from_string(text).render(Context(data, autoescape=False))
