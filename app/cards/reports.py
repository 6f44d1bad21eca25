"""'Report a problem' on a card: stored, listed on /reports and by ``dlcards content reports``."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cards.models import CardReport
from app.db import write
from app.models import Card

MAX_COMMENT_CHARS = 2000


class Reason(StrEnum):
    WRONG = "wrong"
    UNCLEAR = "unclear"
    OUTDATED = "outdated"
    TYPO = "typo"


def add_report(
    session: Session, user_id: int, card_id: str, reason: Reason, comment: str, now: datetime
) -> int:
    with write(session, user_id):
        report = CardReport(
            user_id=user_id, card_id=card_id, reason=reason.value, comment=comment.strip(),
            created_at=now,
        )  # fmt: skip
        session.add(report)
    return report.id


def list_reports(session: Session, user_id: int | None = None) -> list[tuple[CardReport, Card]]:
    """Reports, newest first, with their card; one user's only when ``user_id`` is given."""
    query = select(CardReport, Card).join(Card, Card.id == CardReport.card_id)
    if user_id is not None:
        query = query.where(CardReport.user_id == user_id)
    rows = session.execute(query.order_by(CardReport.created_at.desc(), CardReport.id.desc()))
    return [(report, card) for report, card in rows]


def report_line(report: CardReport, card: Card) -> str:
    """``path: card-id: reason: comment``, the line a bank's maintainers act on."""
    comment = " ".join(report.comment.split())
    return f"{card.source_path}: {card.id}: {report.reason}: {comment}"
