"""A key point may be a string or {text, confusions}; content check validates both forms."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from app.content.parse import read_bank
from app.content.sync import load_content
from app.models import Card

MIXED = """---
id: dropout-direction
question: Does a higher dropout rate mean more or less regularization?
topic: basics
level: beginner
tags: [test]
key_points:
  - the rate is the probability of dropping a unit
  - text: a higher drop probability means stronger regularization
    confusions:
      - a higher dropout rate keeps more units active, so less regularization
  - too high a rate underfits
---
{body}
"""


def test_strings_and_mappings_mix_and_are_stored_aligned(
    session: Session, bank: Path, write_card
) -> None:
    body = "word " * 40
    write_card("dropout-direction", raw=MIXED.format(body=body))
    parsed = next(c for c in read_bank(bank).cards if c.front.id == "dropout-direction")
    assert parsed.front.key_points == [
        "the rate is the probability of dropping a unit",
        "a higher drop probability means stronger regularization",
        "too high a rate underfits",
    ]
    assert [p.confusions for p in parsed.front.key_points] == [
        (),
        ("a higher dropout rate keeps more units active, so less regularization",),
        (),
    ]
    load_content(session, bank)
    card = session.get(Card, "dropout-direction")
    assert card is not None
    assert card.key_points[1] == "a higher drop probability means stronger regularization"
    assert card.key_point_confusions == [
        [],
        ["a higher dropout rate keeps more units active, so less regularization"],
        [],
    ]


def test_a_mapping_needs_text_and_confusions_and_nothing_else(bank: Path, write_card) -> None:
    raw = MIXED.format(body="word " * 40).replace("    confusions:\n", "    confusion:\n")
    path = write_card("dropout-direction", raw=raw)
    assert [str(p) for p in read_bank(bank).problems] == [
        f"{path}:9: key_points.1.confusions: Field required",
        f"{path}:9: key_points.1.confusion: unknown field",
    ]


def test_empty_confusions_are_refused(bank: Path, write_card) -> None:
    raw = MIXED.format(body="word " * 40).replace(
        "    confusions:\n      - a higher dropout rate keeps more units active, so less "
        "regularization\n",
        "    confusions: []\n",
    )
    path = write_card("dropout-direction", raw=raw)
    assert [str(p) for p in read_bank(bank).problems] == [
        f"{path}:9: key_points.1.confusions: List should have at least 1 item after validation, "
        "not 0"
    ]
