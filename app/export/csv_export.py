"""The question bank as CSV: one row per card, key points and tags in one cell each."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from app.models import Card

COLUMNS = ("id", "topic", "level", "question", "answer", "key_points", "tags", "references")


def cards_csv(cards: Sequence[Card]) -> str:
    """CSV text (RFC 4180, header row); list cells are joined with newlines, tags with spaces."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for c in cards:
        writer.writerow(
            [
                c.id,
                c.topic_id,
                c.level,
                c.question,
                c.answer_md,
                "\n".join(c.key_points),
                " ".join(c.tags),
                "\n".join(c.references),
            ]
        )
    return out.getvalue()
