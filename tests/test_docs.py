"""README's rule table and docs/rules.md are the rules as the engine defines them."""

from __future__ import annotations

from pathlib import Path

from shape_engine.docs import readme_table, rules_page

ROOT = Path(__file__).parents[1]


def test_readme_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("<!-- rules-table")
    start = readme.index("\n", start) + 1
    end = readme.index("<!-- end rules-table -->")
    assert readme[start:end].strip() == readme_table(), (
        "README's rule table is stale: run `python -m shape_engine.docs` and paste it")


def test_rules_page_is_current() -> None:
    assert (ROOT / "docs" / "rules.md").read_text().strip() == rules_page().strip(), (
        "docs/rules.md is stale: run `python -m shape_engine.docs --full > docs/rules.md`")
