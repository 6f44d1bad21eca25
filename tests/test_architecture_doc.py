"""docs/architecture.md names every package under app/, so the map cannot go stale."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_app_package_is_on_the_map() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    packages = sorted(p.parent.name for p in (ROOT / "app").glob("*/__init__.py"))
    assert packages, "no packages found under app/"
    assert [p for p in packages if f"`{p}`" not in text and f"`{p}/`" not in text] == []
