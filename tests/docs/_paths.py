"""Where the documentation lives, for the documentation tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
MKDOCS_YML = ROOT / "mkdocs.yml"
# Drafts of guides for features not merged yet: excluded from the site and from these tests.
PENDING = DOCS / "guides" / "pending"
EXAMPLES = ROOT / "examples"


def built_pages() -> list[Path]:
    """Every Markdown page the site is built from (the drafts in PENDING are not)."""
    return sorted(
        page for page in DOCS.rglob("*.md") if PENDING not in page.parents and page != PENDING
    )
