"""Every third-party module the package imports is declared in pyproject.toml.

A module that only arrives as another library's dependency works on a developer's machine and
breaks a fresh install the day that library stops pulling it in.
"""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Installed by the operating system, used only by the optional PDF preview tool.
SYSTEM_MODULES = {"uno", "com"}


def _imported_top_modules(folder: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], path)
    return found


def _declared_distributions() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs.extend(extra)
    return {re.split(r"[<>=!~\[ ;]", spec, maxsplit=1)[0].lower().replace("_", "-") for spec in specs}


def test_every_imported_library_is_declared() -> None:
    local = {"compiler", "tests", "bench", "tools", "generate", "vocab", "budget_export"}
    distributions = packages_distributions()
    declared = _declared_distributions()
    missing = []
    for folder in ("compiler", "bench", "tools", "tests"):
        for module, path in _imported_top_modules(ROOT / folder).items():
            if module in local or module in sys.stdlib_module_names or module in SYSTEM_MODULES:
                continue
            owners = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
            if not owners & declared:
                missing.append(f"{module} ({path.relative_to(ROOT)}; distribution {sorted(owners)})")
    assert not missing, "imported but not declared in pyproject.toml: " + ", ".join(missing)
