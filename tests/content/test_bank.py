"""The real question bank under content/: valid, complete, original, and its code runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.content.parse import read_bank
from app.demos.registry import get_demo

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
SEED_DIR = ROOT.parent / "shared" / "seed"
BANK = read_bank(CONTENT)
CARDS = {card.front.id: card for card in BANK.cards}
CODE_BLOCK = re.compile(r"^```python([^\n]*)\n(.*?)^```", re.DOTALL | re.MULTILINE)
CARD_LINK = re.compile(r"\]\(/cards/([a-z0-9-]+)\)")
SHINGLE = 10


def test_bank_has_no_problems() -> None:
    assert [str(p) for p in BANK.problems] == []


def test_bank_size_and_spread() -> None:
    assert len(CARDS) >= 350
    topics = {c.front.topic for c in BANK.cards}
    assert topics == {t.id for t in BANK.topics}, "every topic of topics.yaml has cards"
    levels = {c.front.level for c in BANK.cards}
    assert levels == {"beginner", "intermediate", "advanced"}


@pytest.mark.parametrize("card_id", sorted(CARDS))
def test_card_is_complete(card_id: str) -> None:
    front = CARDS[card_id].front
    assert 3 <= len(front.key_points) <= 6, "3-6 key points"
    assert front.follow_ups, "at least one follow-up question"
    assert front.references, "at least one reference"
    words = len(CARDS[card_id].body.split())
    assert 60 <= words <= 450, f"{words} words"


def test_demo_links_name_registered_demos_with_accepted_params() -> None:
    for card in BANK.cards:
        for link in card.front.demos:
            demo = get_demo(link.demo)
            assert demo is not None, f"{card.front.id}: unknown demo {link.demo!r}"
            demo.params.model_validate(link.params)


def test_about_half_the_cards_link_a_demo() -> None:
    linked = sum(1 for c in BANK.cards if c.front.demos)
    assert linked >= 0.4 * len(CARDS)


def test_internal_card_links_resolve() -> None:
    for card in BANK.cards:
        for target in CARD_LINK.findall(card.body):
            assert target in CARDS, f"{card.front.id} links to missing card {target}"


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _shingles(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


@pytest.mark.skipif(not SEED_DIR.is_dir(), reason="the source page (../shared/seed) is absent")
def test_no_card_copies_ten_words_of_the_source_page() -> None:
    source = set()
    for path in SEED_DIR.glob("*.txt"):
        source |= _shingles(_words(path.read_text("utf-8")))
    for card in BANK.cards:
        text = " ".join(
            [card.front.question, card.body, *card.front.key_points, *card.front.follow_ups]
        )
        copied = _shingles(_words(text)) & source
        assert not copied, f"{card.front.id} copies: {' '.join(sorted(copied)[0])}"


def _python_blocks() -> list[tuple[str, int, str, str]]:
    blocks = []
    for card in BANK.cards:
        for index, match in enumerate(CODE_BLOCK.finditer(card.body)):
            blocks.append((card.front.id, index, match.group(1).strip(), match.group(2)))
    return blocks


@pytest.mark.parametrize(
    ("card_id", "index", "info", "code"),
    _python_blocks(),
    ids=[f"{b[0]}-{b[1]}" for b in _python_blocks()],
)
def test_python_code_in_answers_runs(card_id: str, index: int, info: str, code: str) -> None:
    if "torch" in info.split():
        pytest.skip("PyTorch snippet: shown, not run (no torch in this project)")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"{card_id} block {index}:\n{result.stderr[-1500:]}"


def test_source_coverage_table_names_existing_cards() -> None:
    table = (CONTENT / "SOURCE-COVERAGE.md").read_text("utf-8")
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) >= 55
    for row in rows[1:]:
        for card_id in re.findall(r"`([a-z0-9-]+)`", row.split("|")[-2]):
            assert card_id in CARDS, f"coverage names missing card {card_id}"
