"""The import direction between the three packages (see shared/DESIGN.md)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
API_ONLY = {"litestar", "sqlalchemy", "advanced_alchemy", "asyncpg", "aiosqlite", "openai", "alembic", "jinja2"}


def _imports(package: str) -> Iterator[tuple[Path, str]]:
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, node.module


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def test_packages_exist() -> None:
    for package in ("api", "judge_worker", "sandbox"):
        assert (ROOT / package / "__init__.py").is_file()


# The console entry point starts either side's process, importing each lazily; it is no part of the API's code.
ENTRY_POINT = ROOT / "api" / "cli.py"


# Besides the contract, the API shares the queue's wake tokens (judge_worker/wake.py: who enqueues pushes one,
# api-tasks waits for them as judges do), shipped in the API image beside contracts.py.
SHARED = {"judge_worker.contracts", "judge_worker.wake"}


def test_api_imports_only_the_contract_from_the_judge_worker() -> None:
    bad = [
        f"{path.relative_to(ROOT)}: {module}"
        for path, module in _imports("api")
        if _top(module) == "judge_worker" and module not in SHARED and path != ENTRY_POINT
    ]
    bad += [f"{path.relative_to(ROOT)}: {module}" for path, module in _imports("api") if _top(module) == "sandbox"]
    assert bad == []


def test_the_shared_modules_import_nothing_else_of_the_judge_worker() -> None:
    """The API image ships only these two files of judge_worker."""
    for module in SHARED:
        path = ROOT / (module.replace(".", "/") + ".py")
        mine = [name for p, name in _imports("judge_worker") if p == path and _top(name) == "judge_worker"]
        assert set(mine) <= SHARED, (path, mine)


@pytest.mark.parametrize("package", ["judge_worker", "sandbox"])
def test_judge_side_never_imports_the_api_side(package: str) -> None:
    bad = [
        f"{path.relative_to(ROOT)}: {module}"
        for path, module in _imports(package)
        if _top(module) == "api" or _top(module) in API_ONLY
    ]
    assert bad == []


def test_sandbox_knows_nothing_of_judging_or_storage() -> None:
    forbidden = {"judge_worker", "api", "redis", "arq", "httpx"} | API_ONLY
    bad = [f"{path.relative_to(ROOT)}: {module}" for path, module in _imports("sandbox") if _top(module) in forbidden]
    assert bad == []


def test_contract_depends_on_msgspec_and_the_standard_library_only() -> None:
    import sys

    tree = ast.parse((ROOT / "judge_worker" / "contracts.py").read_text())
    modules = {_top(a.name) for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names} | {
        _top(n.module) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
    }
    assert modules - set(sys.stdlib_module_names) - {"__future__"} == {"msgspec"}
