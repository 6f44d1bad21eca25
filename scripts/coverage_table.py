"""Assemble content/SOURCE-COVERAGE.md from docs/coverage-parts/*.md, in source-page order.

Each part is a table `| first words of a source passage | card ids |` written by whoever
covered those passages; a passage named in several parts gets the union of their cards.
Usage: python scripts/coverage_table.py  (exit 1 if a passage is not found in the source)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seed"
PARTS = ROOT / "docs" / "coverage-parts"
TABLE = ROOT / "content" / "SOURCE-COVERAGE.md"
CARD_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
HEADER = """# Source coverage

Every answer passage of the source page (a KnowledgeHut list of deep-learning interview
questions, kept in `../shared/seed/`), by its first words in the order of the page, and the
card(s) that cover it. The cards are written anew and correct the page where it is wrong;
`tests/content/test_bank.py` checks that every card named here exists.

| # | source passage (first words) | card(s) |
|---|---|---|
"""


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def part_rows(part: Path) -> list[tuple[str, list[str]]]:
    rows = []
    for line in part.read_text("utf-8").splitlines():
        if not line.startswith("| ") or "---" in line or "card-id" in line:
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows.append((normalise(cells[0]).strip("`"), CARD_ID.findall(cells[-1])))
    return rows


def main() -> int:
    source = normalise(" ".join(p.read_text("utf-8") for p in sorted(SEED.glob("*.txt"))))
    passages: dict[str, list[str]] = {}
    for part in sorted(PARTS.glob("*.md")):
        for passage, card_ids in part_rows(part):
            cards = passages.setdefault(passage, [])
            cards.extend(c for c in card_ids if c not in cards)
    missing = [p for p in passages if p not in source]
    ordered = sorted(passages.items(), key=lambda item: source.find(item[0]))
    lines = [
        f"| {n} | {passage.replace('|', '/')} | {', '.join(f'`{c}`' for c in cards)} |"
        for n, (passage, cards) in enumerate(ordered, 1)
    ]
    TABLE.write_text(HEADER + "\n".join(lines) + "\n", "utf-8")
    sys.stdout.write(f"{len(ordered)} passages written to {TABLE.relative_to(ROOT)}\n")
    for passage in missing:
        sys.stderr.write(f"not found in the source: {passage}\n")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
