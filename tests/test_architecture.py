"""The shape of ../ARCHITECTURE.md, checked on every run: the floors
(the import-linter contract in pyproject.toml), no import circle between
modules, and generic layers that know no domain, not even by name."""

import re
import sys
from pathlib import Path

import grimp
from django.conf import settings
from importlinter.application.use_cases import lint_imports
from importlinter.configuration import configure

ROOT = Path(__file__).resolve().parents[1]
# Floor 0 and 1: they learn about domains from the registry (kontor.core.records).
GENERIC = {
    "core",
    "access",
    "audit",
    "events",
    "accounts",
    "customfields",
    "api",
    "tasks",
    "sources",
    "exports",
}
# Above the floors, but generic all the same: the warehouse export learns its
# tables from the registry and leaves their rows to the apps that own them.
KNOWS_NO_DOMAIN = GENERIC | {"warehouse"}


def kontor_apps() -> set[str]:
    return {app.split(".")[1] for app in settings.INSTALLED_APPS if app.startswith("kontor.")}


def test_the_floors_hold(capsys):
    configure()
    kept = lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True)
    report = capsys.readouterr().out
    assert kept, f"an import breaks the floors of ARCHITECTURE.md:\n{report}"


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for module in sorted(graph.modules):
            if module not in index:
                visit(module)
    finally:
        sys.setrecursionlimit(limit)
    return found


def test_no_module_imports_itself_in_a_circle():
    # Imports only for type checkers (if TYPE_CHECKING) never run: no circle.
    graph = grimp.build_graph("kontor", cache_dir=None, exclude_type_checking_imports=True)
    cycles = _cycles(graph)
    described = []
    for group in cycles:
        chain = graph.find_shortest_chain(importer=group[0], imported=group[1]) or ()
        back = graph.find_shortest_chain(importer=group[1], imported=group[0]) or ()
        described.append(f"{' -> '.join(chain)} and back: {' -> '.join(back)}")
    assert not cycles, "import circles:\n" + "\n".join(described)


def test_generic_layers_do_not_name_a_domain():
    """Not even as a dotted path or a model label in a string: what a generic
    layer needs of a domain, the domain registers."""
    domains = kontor_apps() - KNOWS_NO_DOMAIN - {"server", "demo", "perf"}
    names = "|".join(sorted(domains))
    pattern = re.compile(rf"kontor\.({names})\b|[\"']({names})\.[A-Z]\w+[\"']")
    found = []
    for app in sorted(KNOWS_NO_DOMAIN):
        for path in sorted((ROOT / "kontor" / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "generic layers naming a domain:\n" + "\n".join(found)
