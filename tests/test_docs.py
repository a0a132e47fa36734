"""README's rule table and the rules page (shape_engine/rules.md, package data) are the rules
as the engine defines them."""

from __future__ import annotations

import ast
from pathlib import Path

from shape_engine.docs import RULES_PAGE, readme_table, rules_page

ROOT = Path(__file__).parents[1]


def test_readme_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("<!-- rules-table")
    start = readme.index("\n", start) + 1
    end = readme.index("<!-- end rules-table -->")
    assert readme[start:end].strip() == readme_table(), (
        "README's rule table is stale: run `python -m shape_engine.docs` and paste it")


def test_rules_page_is_current() -> None:
    assert RULES_PAGE == ROOT / "shape_engine" / "rules.md"
    assert RULES_PAGE.read_text().strip() == rules_page().strip(), (
        "shape_engine/rules.md is stale: run "
        "`python -m shape_engine.docs --full > shape_engine/rules.md`")


def test_the_rules_page_is_package_data() -> None:
    """Installed without the repository, the language server's links still lead to it."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    package_data = pyproject[pyproject.index("[tool.setuptools.package-data]"):]
    assert 'shape_engine = ["rules.md"]' in package_data.split("\n[")[0]


def test_every_dataclass_of_the_engine_and_server_says_what_it_is() -> None:
    """A docstring is also what keeps start-up short: for a dataclass without one, Python
    computes the signature to write one at import time (CLI and server start-up pay it)."""
    undocumented = []
    for path in sorted([*(ROOT / "shape_engine").rglob("*.py"), *(ROOT / "server").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.ClassDef) and ast.get_docstring(node) is None
                    and any("dataclass" in ast.unparse(d) for d in node.decorator_list)):
                undocumented.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not undocumented
