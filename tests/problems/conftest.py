"""Problem cards in the test database, built from the real generators."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from app.models import Card
from tests.factories import add_topic, card_row

SPECS = {
    "compute-conv-output-size": {
        "generator": "conv-output-size",
        "question": "A {n}×{n} input, a {k}×{k} kernel, stride {s}, padding {p}: output side?",
        "ranges": {"n": [7, 28]},
    },
    "compute-softmax-temperature": {
        "generator": "softmax-temperature",
        "question": "softmax of $z = {z}$ at $T = {t}$?",
        "ranges": {},
    },
}


@pytest.fixture
def add_problem(session: Session) -> Callable[[str], Card]:
    """Insert one of SPECS as a live problem card (topic ``cnn``)."""

    def add(card_id: str) -> Card:
        add_topic(session, "cnn", title="CNN")
        card = card_row(
            card_id,
            "cnn",
            question=f"Practice: {card_id}",
            answer_md="How to work it out.",
            answer_html="<p>How to work it out.</p>",
            level="beginner",
            key_points=["the formula", "the arithmetic", "the units"],
            position=0,
            problem=SPECS[card_id],
        )
        session.add(card)
        session.commit()
        return card

    return add
