"""docs/demo-catalogue.md lists every registered demo with every parameter it accepts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.demos.registry import all_demos

CATALOGUE = Path(__file__).resolve().parents[2] / "docs" / "demo-catalogue.md"
ROW = re.compile(r"^\|\s*`([a-z0-9-]+)`\s*\|(.*)\|\s*$", re.MULTILINE)


def catalogue_rows() -> dict[str, str]:
    return {slug: text for slug, text in ROW.findall(CATALOGUE.read_text("utf-8"))}


@pytest.mark.parametrize("slug", sorted(all_demos()))
def test_catalogue_names_the_demo_and_its_parameters(slug: str) -> None:
    rows = catalogue_rows()
    assert slug in rows, f"docs/demo-catalogue.md has no row for `{slug}`"
    row = rows[slug]
    if row.strip().startswith("same as"):  # e.g. gru-cell: "same as `lstm-cell` without `c`"
        row = rows[re.search(r"`([a-z0-9-]+)`", row).group(1)]
    missing = [name for name in all_demos()[slug].params.model_fields if f"`{name}`" not in row]
    assert missing == [], f"{slug}: parameters missing from the catalogue: {missing}"
