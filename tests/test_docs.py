"""The documentation names only what exists: every `kontor …` command that
README.md and docs/ show is a management command Django knows, every
KONTOR_* setting is read from the environment by the code (or by the
scripts), and every file or folder of the repository they point to is there.

The truth is read from the code each time: a command or setting that a new
feature adds is known here the day it exists."""

import ast
import re
from functools import cache
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Where a repository path in the docs may start; other words with a slash are
# URLs (/api/v1/…), runtime state (var/…) or examples.
REPOSITORY_TOP = ("kontor/", "tests/", "docs/", "scripts/")
ROOT_FILES = {"Makefile", "README.md", "pyproject.toml", "requirements.lock"}
PLACEHOLDER = re.compile(r"[<>*…{}$]")


def code_of(text: str) -> list[str]:
    """The fenced code blocks and the inline code spans of a Markdown text."""
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    prose = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return fenced + re.findall(r"`([^`\n]+)`", prose)


def commands_named(text: str) -> set[str]:
    names = set()
    for code in code_of(text):
        names |= set(re.findall(r"(?:^|[\s(/])kontor\s+([a-z][a-z0-9_]*)", code, re.MULTILINE))
    return names


def settings_named(text: str) -> set[str]:
    return set(re.findall(r"\bKONTOR_[A-Z0-9_]*[A-Z0-9]\b", text))


def paths_named(doc: Path) -> set[str]:
    """Repository paths in code spans, and the targets of relative links
    (as paths from the repository's root)."""
    text = doc.read_text()
    paths = set()
    for code in code_of(text):
        for word in code.split():
            word = word.strip("`'\",;:()[]")
            if PLACEHOLDER.search(word):
                continue
            if word.startswith(REPOSITORY_TOP) or word in ROOT_FILES:
                paths.add(word)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        target = target.split("#")[0]
        if not target or re.match(r"^[a-z]+:", target) or target.startswith("/"):
            continue
        paths.add((doc.parent / target).resolve().relative_to(ROOT).as_posix())
    return paths


def _reads_environment(function: ast.expr) -> bool:
    name = ast.unparse(function)
    return "environ" in name or "env" in name.rsplit(".", 1)[-1].lower()


def _text(node: ast.expr) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""


@cache
def settings_read() -> frozenset[str]:
    """KONTOR_* names the code reads from the environment (os.environ,
    os.getenv, or a helper with "env" in its name, such as settings'
    _env_bool), and those the scripts and the Makefile read."""
    names: set[str] = set()
    for path in (ROOT / "kontor").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call) and node.args and _reads_environment(node.func):
                names.add(_text(node.args[0]))
            elif isinstance(node, ast.Subscript) and "environ" in ast.unparse(node.value):
                names.add(_text(node.slice))
    for path in [*(ROOT / "scripts").glob("*.sh"), ROOT / "Makefile"]:
        names |= set(re.findall(r"\$\{?(KONTOR_[A-Z0-9_]+)", path.read_text()))
    return frozenset(name for name in names if name.startswith("KONTOR_"))


def test_the_collectors_find_what_the_readme_names():
    """The checks below look at something: the README's own examples."""
    readme = (ROOT / "README.md").read_text()
    assert {"start", "serve", "createtoken", "backup", "restore"} <= commands_named(readme)
    assert {"KONTOR_SECRET_KEY", "KONTOR_API_RATE_LIMIT"} <= settings_named(readme)
    assert "docs/performance.md" in paths_named(ROOT / "README.md")
    assert {"KONTOR_SECRET_KEY", "KONTOR_TEST_POSTGRES_URL"} <= settings_read()


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.relative_to(ROOT).as_posix())
def test_every_kontor_command_the_docs_name_exists(doc):
    known = set(get_commands())
    assert sorted(commands_named(doc.read_text()) - known) == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.relative_to(ROOT).as_posix())
def test_every_setting_the_docs_name_is_read_by_the_code(doc):
    assert sorted(settings_named(doc.read_text()) - settings_read()) == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.relative_to(ROOT).as_posix())
def test_every_repository_path_the_docs_name_exists(doc):
    missing = [path for path in sorted(paths_named(doc)) if not (ROOT / path).exists()]
    assert missing == []
