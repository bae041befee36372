"""The shape of the bookings app: a domain and two audiences that never import each other."""

import ast
from pathlib import Path

import pytest

import bookings

ROOT = Path(bookings.__file__).parent
AUDIENCES = ("public", "frontdesk")


def _imported(path: Path) -> set[str]:
    """Return every module name the module at `path` (inside bookings/) imports."""
    package = ".".join(("bookings", *path.relative_to(ROOT).parent.parts))
    return _names(path.read_text(), package)


def _names(source: str, package: str) -> set[str]:
    """Return every module name `source`, a module of `package`, imports."""
    tree = ast.parse(source)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            # `from bookings import public` imports the package itself.
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _reaches(names: set[str], package: str) -> set[str]:
    return {name for name in names if name == package or name.startswith(f"{package}.")}


def test_the_audiences_hold_modules():
    for audience in AUDIENCES:
        assert len(_modules(ROOT / audience)) > 3, audience


@pytest.mark.parametrize(("audience", "other"), [AUDIENCES, AUDIENCES[::-1]])
def test_an_audience_never_imports_the_other(audience, other):
    offenders = {
        str(path.relative_to(ROOT)): _reaches(_imported(path), f"bookings.{other}")
        for path in _modules(ROOT / audience)
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_domain_imports_no_audience():
    domain = [
        path
        for path in _modules(ROOT)
        if path.relative_to(ROOT).parts[0] not in AUDIENCES
        and path.relative_to(ROOT).parts[0] != "migrations"
    ]
    offenders = {
        str(path.relative_to(ROOT)): set().union(
            *(_reaches(_imported(path), f"bookings.{audience}") for audience in AUDIENCES)
        )
        for path in domain
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_import_check_sees_every_way_of_crossing():
    source = (
        "import bookings.frontdesk.grid\n"
        "from bookings.frontdesk.forms import version_of\n"
        "from bookings import frontdesk\n"
        "from ..frontdesk import queries\n"
    )
    names = _names(source, "bookings.public")
    assert _reaches(names, "bookings.frontdesk") == {
        "bookings.frontdesk.grid",
        "bookings.frontdesk.forms",
        "bookings.frontdesk.forms.version_of",
        "bookings.frontdesk",
        "bookings.frontdesk.queries",
    }
    assert (
        _reaches(
            _names("from bookings import booking, queries\n", "bookings.public"),
            "bookings.frontdesk",
        )
        == set()
    )


def _top_level_edges() -> dict[str, set[str]]:
    """Return, per bookings domain module, the bookings modules it imports at load time."""
    modules = {
        ".".join(("bookings", *path.relative_to(ROOT).with_suffix("").parts)): path
        for path in _modules(ROOT)
        if path.relative_to(ROOT).parts[0] not in (*AUDIENCES, "migrations", "management")
    }
    edges = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        tree = ast.parse(path.read_text())
        # Only statements run on import: a deferred import inside a function is no cycle.
        top = ast.Module(body=[n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)])
        imported = _names(ast.unparse(top), package)
        edges[name] = {other for other in modules if other != name and other in imported} - {
            "bookings",
            "bookings.models",
        }
    return edges


def test_the_domain_modules_import_each_other_without_a_cycle():
    edges = _top_level_edges()
    assert edges["bookings.outbox"] >= {"bookings.emails"}  # the check sees real edges
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join((*path, module))
        if module in done:
            return
        for other in sorted(edges.get(module, ())):
            visit(other, (*path, module))
        done.add(module)

    for module in sorted(edges):
        visit(module, ())
