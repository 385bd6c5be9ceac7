"""The package's imports keep DESIGN.md's one-direction flow: read with ``ast``, never run.

DESIGN.md and docs/architecture.md: each stage is a module of pure functions from values to
values; only ``fetch`` (the network) and ``store`` (the database) touch the outside world;
they are handed to ``pipeline``, the one place that orders the stages; the CLI and the web
app are thin front ends. So, here:

* the **IO edges** are ``midweek.fetch`` and ``midweek.store`` (with its schema and
  migrations);
* the **front ends** are ``midweek.cli``, ``midweek.__main__`` and ``midweek.web``;
* the **orchestration** is ``midweek.pipeline``, with ``midweek.demo`` and
  ``midweek.sourcing`` (which also order stages today: issue 14 item 3),
  ``midweek.distributed`` (the Dask runner of ingest) and ``midweek.workspace`` (which
  turns the settings into the objects the others are handed);
* every **other** module is a stage, or a value module the stages share (``models``,
  ``errors``, ``settings``, ``allowlist``, ``languages``, ``translations``); a new module
  is a stage unless it is named above.

Two rules, each with today's violations listed as a known, shrinking list (each entry names
the issue that removes it), so that a NEW violation fails and a fixed one must be struck off:

1. no stage imports an IO edge, a front end or the orchestration;
2. no import cycle, anywhere in the package.

And three with no known violations: the command-line libraries (Typer, click, Rich) are
imported by the ``midweek.cli`` package alone, so no command lives inside a stage or
``web``; a database or network library is imported by the IO edges alone, and by three
IO edges named inside other modules (``NAMED_IO_EDGES``: the vector cache, the LLM client,
the Dask runner's host gate); and each part imports only what its layer may, by the table
of docs/architecture.md ("What each part may import"), which the test reads.

Every import counts: at module level, inside a function (a deferred import that dodges a
cycle at run time is still a cycle of the design) and under ``TYPE_CHECKING`` (a stage whose
signatures name ``Store`` is tied to storage). Imports built from strings
(``importlib.import_module``) are not seen; the package has none.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "midweek"

IO_EDGES = ("midweek.fetch", "midweek.store")
FRONT_ENDS = ("midweek.cli", "midweek.__main__", "midweek.web")
ORCHESTRATION = (
    "midweek.pipeline",
    "midweek.demo",
    "midweek.sourcing",
    "midweek.distributed",
    # builds the fetcher, store, embedder and site from the settings (issue 14 item 3)
    "midweek.workspace",
)
NOT_STAGES = IO_EDGES + FRONT_ENDS + ORCHESTRATION

# rule 1, today: (stage module, the area it must not import) -> what removes the import
KNOWN_STAGE_IMPORTS: dict[tuple[str, str], str] = {}

# rule 2, today: the imports that lie on a cycle (both ends in one strongly connected
# component of the graph) -> what removes them (none left: issue 14 item 2 moved every
# command into the cli/ package, which the stages and the web app never import)
KNOWN_CYCLE_IMPORTS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True, slots=True)
class Import:
    """One import of a package module by another, where it is written."""

    importer: str
    imported: str
    path: Path
    line: int

    def where(self) -> str:
        """``file:line: importer -> imported``, for a failure message."""
        return f"{self.path.relative_to(SRC)}:{self.line}: {self.importer} -> {self.imported}"


def package_modules(root: Path = SRC / PACKAGE) -> dict[str, Path]:
    """Every module of the package by its dotted name (a package by its ``__init__``)."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _owner(name: str, modules: Mapping[str, Path]) -> str | None:
    """The package module that ``name`` (a module, or a name inside one) resolves to."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def read_imports(modules: Mapping[str, Path]) -> list[Import]:
    """Every import of one package module by another, at any depth of each file."""
    found = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(tree):
            targets: list[str]
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: climb from this module's package
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, *([node.module] if node.module else [])])
                # `from pkg import sub` imports the submodule when there is one
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            else:
                continue
            for target in targets:
                owner = _owner(target, modules) if target.split(".")[0] == PACKAGE else None
                if owner is not None and owner != module:
                    found.append(Import(module, owner, path, node.lineno))
    return list(dict.fromkeys(found))  # one per line: `from a import b, c` names a once


def area_of(module: str, areas: Iterable[str]) -> str | None:
    """The first of ``areas`` that is ``module`` or a package above it."""
    return next((a for a in areas if module == a or module.startswith(a + ".")), None)


def stage_violations(imports: Iterable[Import]) -> dict[tuple[str, str], list[Import]]:
    """Imports of an IO edge, a front end or the orchestration by a stage, by (stage, area)."""
    out: dict[tuple[str, str], list[Import]] = {}
    for imp in imports:
        area = area_of(imp.imported, NOT_STAGES)
        if area is not None and area_of(imp.importer, NOT_STAGES) is None:
            out.setdefault((imp.importer, area), []).append(imp)
    return out


def strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[set[str]]:
    """The strongly connected components of ``graph`` (Tarjan's algorithm).

    Written here rather than taken from networkx or scipy: twenty lines, and the test
    then needs nothing the package does not already depend on.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    counter = itertools.count()

    def visit(node: str) -> None:
        index[node] = low[node] = next(counter)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def cycle_imports(imports: Iterable[Import]) -> dict[tuple[str, str], list[Import]]:
    """The imports that lie on a cycle: both ends in one strongly connected component."""
    imports = list(imports)
    graph: dict[str, set[str]] = {}
    for imp in imports:
        graph.setdefault(imp.importer, set()).add(imp.imported)
    component = {
        member: i for i, members in enumerate(strongly_connected(graph)) for member in members
    }
    out: dict[tuple[str, str], list[Import]] = {}
    for imp in imports:
        if component[imp.importer] == component.get(imp.imported):
            out.setdefault((imp.importer, imp.imported), []).append(imp)
    return out


def _compare(
    found: Mapping[tuple[str, str], Sequence[Import | LibraryImport]],
    known: Mapping[tuple[str, str], str],
    what: str,
) -> list[str]:
    """Failure lines: new violations (with file and line), and known ones now gone."""
    lines = [
        f"NEW {what}: {imp.where()}"
        for key in sorted(set(found) - set(known))
        for imp in found[key]
    ]
    lines += [
        f"FIXED (strike it from the known list): {a} -> {b} ({known[(a, b)]})"
        for a, b in sorted(set(known) - set(found))
    ]
    return lines


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    """The package's imports of its own modules, read from src/."""
    return read_imports(package_modules())


def test_the_import_graph_is_read(imports: list[Import]) -> None:
    # the guard of the rules below: a reader that found nothing would find no violation
    modules = package_modules()
    assert len(modules) > 60 and {"midweek.cli", "midweek.store", "midweek.pipeline"} <= set(
        modules
    )
    edges = {(imp.importer, imp.imported) for imp in imports}
    assert len(edges) > 150, len(edges)
    assert ("midweek.pipeline", "midweek.store") in edges  # `from midweek.store import ...`
    assert ("midweek.store", "midweek.store.db") in edges  # `from midweek.store.db import`
    assert ("midweek.cli.ingest", "midweek.pipeline") in edges  # imported inside a function
    assert ("midweek.web.security", "midweek.settings") in edges  # under TYPE_CHECKING
    assert ("midweek.text.translit", "midweek.text.lang") in edges  # relative or deferred


def test_the_checks_see_a_cycle_and_a_stage_importing_the_store() -> None:
    # the rules' own guard, on a made-up graph: a three-module cycle and a stage on storage
    made_up = [
        Import("midweek.rank", "midweek.summarize", SRC, 1),
        Import("midweek.summarize", "midweek.compose", SRC, 2),
        Import("midweek.compose", "midweek.rank", SRC, 3),
        Import("midweek.compose", "midweek.models", SRC, 4),
        Import("midweek.rank", "midweek.store.db", SRC, 5),
        Import("midweek.pipeline", "midweek.store", SRC, 6),
    ]
    assert set(cycle_imports(made_up)) == {
        ("midweek.rank", "midweek.summarize"),
        ("midweek.summarize", "midweek.compose"),
        ("midweek.compose", "midweek.rank"),
    }
    assert set(stage_violations(made_up)) == {("midweek.rank", "midweek.store")}


def test_no_stage_imports_storage_network_front_ends_or_orchestration(
    imports: list[Import],
) -> None:
    problems = _compare(
        stage_violations(imports), KNOWN_STAGE_IMPORTS, "stage import of an IO edge/front end"
    )
    assert problems == [], "\n".join(problems)


def test_no_import_cycles(imports: list[Import]) -> None:
    problems = _compare(cycle_imports(imports), KNOWN_CYCLE_IMPORTS, "import on a cycle")
    assert problems == [], "\n".join(problems)


# The command-line libraries: only the cli/ package may import them (issue 14 item 2).
COMMAND_LINE_LIBRARIES = ("typer", "click", "rich")


@dataclass(frozen=True, slots=True)
class LibraryImport:
    """One absolute import of a name from outside the package, where it is written."""

    module: str
    name: str
    path: Path
    line: int

    def where(self) -> str:
        """``file:line: module -> name``, for a failure message."""
        return f"{self.path.relative_to(SRC)}:{self.line}: {self.module} -> {self.name}"


def library_imports(modules: Mapping[str, Path]) -> list[LibraryImport]:
    """Every absolute import of a module outside the package, at any depth of each file."""
    found = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str]
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            found += [
                LibraryImport(module, name, path, node.lineno)
                for name in names
                if name.split(".")[0] != PACKAGE
            ]
    return found


def _is_library(name: str, libraries: Iterable[str]) -> str | None:
    """The one of ``libraries`` that ``name`` is or lies inside (``urllib.request.urlopen``)."""
    return next((lib for lib in libraries if name == lib or name.startswith(lib + ".")), None)


def command_line_imports(modules: Mapping[str, Path], allowed: Iterable[str]) -> list[str]:
    """``file:line: module -> library`` for each import of a command-line library by a
    module outside ``allowed`` (dotted names, each with the modules below it)."""
    allowed = tuple(allowed)
    return [
        imp.where()
        for imp in library_imports(modules)
        if area_of(imp.module, allowed) is None
        and _is_library(imp.name, COMMAND_LINE_LIBRARIES) is not None
    ]


def test_commands_live_only_in_the_cli_package() -> None:
    modules = package_modules()
    # the guard: with nothing allowed, the reader finds the cli/ package's own imports
    seen = command_line_imports(modules, allowed=())
    assert any(": midweek.cli.site -> typer" in line for line in seen), seen
    problems = command_line_imports(modules, allowed=("midweek.cli",))
    assert problems == [], "\n".join(problems)


# The libraries that reach the outside world: a database, the network, a socket. Only the
# IO edges (``store``, ``fetch``) import them, and the three named IO edges below, which
# live inside another module (docs/architecture.md, "IO edges"; issue 14 item 4). The web
# framework (FastAPI, uvicorn) is the web front end's, not listed here.
OUTSIDE_WORLD_LIBRARIES = (
    "sqlalchemy",
    "alembic",
    "psycopg",
    "sqlite3",
    "httpx",
    "requests",
    "urllib3",
    "urllib.request",
    "http.client",
    "socket",
    "ssl",
)

# (module, library) -> the IO edge it holds. An entry a module no longer needs fails as
# FIXED (strike it off); a new library in a named module, or a new module, fails as NEW.
NAMED_IO_EDGES: dict[tuple[str, str], str] = {
    ("midweek.embed", "sqlite3"): (
        "the vector cache: EmbeddingCache, an SQLite file of vectors by content hash"
    ),
    ("midweek.llm.client", "httpx"): (
        "the LLM client: OpenAICompatibleClient, HTTP to the configured chat server"
    ),
    ("midweek.distributed", "sqlalchemy"): (
        "PgHostGate: the per-host delay shared by Dask workers, a row in PostgreSQL"
    ),
}


def outside_world_imports(
    imports: Iterable[LibraryImport],
) -> dict[tuple[str, str], list[LibraryImport]]:
    """Imports of a database or network library outside the IO edges, by (module, library)."""
    out: dict[tuple[str, str], list[LibraryImport]] = {}
    for imp in imports:
        library = _is_library(imp.name, OUTSIDE_WORLD_LIBRARIES)
        if library is not None and area_of(imp.module, IO_EDGES) is None:
            out.setdefault((imp.module, library), []).append(imp)
    return out


def test_only_the_io_edges_reach_a_database_or_the_network() -> None:
    found = library_imports(package_modules())
    # the guard: the reader sees the IO edges' own imports (a reader finding nothing fails)
    names = {(imp.module, imp.name) for imp in found}
    assert {("midweek.fetch", "httpx"), ("midweek.store.db", "sqlalchemy")} <= names, names
    assert ("midweek.fetch", "socket") in names
    made_up = [
        LibraryImport("midweek.rank", "sqlalchemy.engine", SRC, 1),
        LibraryImport("midweek.store.db", "sqlalchemy", SRC, 2),
        LibraryImport("midweek.rank", "urllib.parse", SRC, 3),  # pure: not the network
        LibraryImport("midweek.web.api", "urllib.request", SRC, 4),
    ]
    assert set(outside_world_imports(made_up)) == {
        ("midweek.rank", "sqlalchemy"),
        ("midweek.web.api", "urllib.request"),
    }
    problems = _compare(
        outside_world_imports(found),
        NAMED_IO_EDGES,
        "database or network library outside the IO edges",
    )
    assert problems == [], "\n".join(problems)


# Rule 5: the layers. docs/architecture.md's table "What each part may import" names every
# part of the package (a folder or a module), the layer it belongs to and what a layer may
# import; the test reads the rules from that table, so the document and the check are one.
ARCHITECTURE = SRC.parent / "docs" / "architecture.md"
LAYERS_HEADING = "## What each part may import"

# (importer's part, imported part) -> why a part imports past its layer's rule
LAYER_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("midweek.workspace", "midweek.web"): (
        "workspace.site_app builds the site's app from the settings (issue 14 item 3)"
    ),
}


@dataclass(frozen=True, slots=True)
class Layer:
    """One row of the layers table: its parts and what they may import."""

    name: str
    parts: tuple[str, ...]
    may_import: tuple[str, ...]  # layer names and parts


def _part(token: str) -> str:
    """A table's spelling of a part (`text/`, `models`, `midweek`) as a dotted name."""
    token = token.strip("`").rstrip("/").removesuffix(".py")
    return PACKAGE if token == PACKAGE else f"{PACKAGE}.{token}"


def read_layers(text: str) -> list[Layer]:
    """The rows of the table under :data:`LAYERS_HEADING`."""
    section = text.split(LAYERS_HEADING, 1)[1].split("\n## ", 1)[0]
    layers = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not line.startswith("|") or set(cells[0]) <= {"-", " "}:
            continue
        if cells[0] == "layer":  # the header
            continue
        parts = tuple(_part(t) for t in cells[1].split("`")[1::2])
        allowed = tuple(
            _part(item) if item.startswith("`") else item
            for item in (i.strip() for i in cells[2].split(","))
            if item
        )
        layers.append(Layer(cells[0], parts, allowed))
    return layers


def part_of(module: str, parts: Iterable[str]) -> str | None:
    """The longest of ``parts`` that is ``module`` or a package above it (the package's root
    only as itself)."""
    found = [p for p in parts if module == p or (p != PACKAGE and module.startswith(p + "."))]
    return max(found, key=len, default=None)


def layer_violations(
    imports: Iterable[Import], layers: Sequence[Layer]
) -> dict[tuple[str, str], list[Import]]:
    """Imports between two parts that the importer's layer does not allow, by part pair."""
    by_name = {layer.name: layer for layer in layers}
    layer_of = {part: layer for layer in layers for part in layer.parts}
    out: dict[tuple[str, str], list[Import]] = {}
    for imp in imports:
        source, target = part_of(imp.importer, layer_of), part_of(imp.imported, layer_of)
        if source is None or target is None or source == target:
            continue
        allowed: set[str] = set()
        for item in layer_of[source].may_import:
            allowed.update(by_name[item].parts if item in by_name else (item,))
        if target not in allowed:
            out.setdefault((source, target), []).append(imp)
    return out


@pytest.fixture(scope="module")
def layers() -> list[Layer]:
    """The layers table of docs/architecture.md."""
    return read_layers(ARCHITECTURE.read_text(encoding="utf-8"))


def test_the_layers_table_is_read_and_places_every_module(layers: list[Layer]) -> None:
    names = [layer.name for layer in layers]
    assert len(names) >= 6 and len(set(names)) == len(names), names
    for layer in layers:  # what a layer may import is a layer or a named part
        assert layer.parts, layer
        unknown = [i for i in layer.may_import if i not in names and not i.startswith(PACKAGE)]
        assert unknown == [], (layer.name, unknown)
    parts = [part for layer in layers for part in layer.parts]
    assert len(set(parts)) == len(parts), parts
    modules = package_modules()
    assert set(parts) <= set(modules), set(parts) - set(modules)
    unplaced = sorted(m for m in modules if part_of(m, parts) is None)
    assert unplaced == [], f"place these in docs/architecture.md's layers table: {unplaced}"
    # the table and the areas of rules 1-3 agree
    layer_of = {part: layer.name for layer in layers for part in layer.parts}
    for group in (IO_EDGES, ORCHESTRATION):
        assert {part_of(m, parts) for m in group} == set(group), group
        assert len({layer_of[m] for m in group}) == 1, group


def test_the_layer_check_sees_an_import_past_its_layer() -> None:
    made_up = [
        Layer("values", (f"{PACKAGE}.models",), ("values",)),
        Layer("text", (f"{PACKAGE}.text",), ("values",)),
        Layer("stages", (f"{PACKAGE}.rank",), ("values", "text")),
    ]
    imports = [
        Import("midweek.text.lang", "midweek.models", SRC, 1),  # allowed
        Import("midweek.text.lang", "midweek.text.clean", SRC, 2),  # within one part
        Import("midweek.models", "midweek.text.clean", SRC, 3),  # a value on text: no
        Import("midweek.text.clean", "midweek.rank", SRC, 4),  # text on a stage: no
    ]
    assert set(layer_violations(imports, made_up)) == {
        ("midweek.models", "midweek.text"),
        ("midweek.text", "midweek.rank"),
    }


def test_each_part_imports_only_what_its_layer_may(
    imports: list[Import], layers: list[Layer]
) -> None:
    problems = _compare(
        layer_violations(imports, layers), LAYER_EXCEPTIONS, "import past its layer"
    )
    assert problems == [], "\n".join(problems)
