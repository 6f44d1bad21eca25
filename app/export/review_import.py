"""Review history that comes with imported cards (Anki's revlog) → the user's review log.

The answers are checked against the scheduler first (the same ``review`` the replay calls, so
the kind of each answer is the one dlcards would have logged), then appended to
``review_logs`` and the user's states rebuilt from the log by ``app.study.rebuild``: the
FSRS state of an imported card is exactly what ``dlcards study rebuild --check`` replays.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from app.config import Settings
from app.db import write
from app.export.card_import import ImportedReview, ImportRefused
from app.models import ReviewLog
from app.study.preferences import user_context
from app.study.rebuild import rebuild_user
from app.study.scheduler import NEW_CARD, SCHEDULING_ERRORS, review

EARLIEST = datetime(2006, 1, 1, tzinfo=UTC)  # Anki's first release: older dates are corrupt
MAX_DURATION_MS = 60 * 60 * 1000


def check_reviews(
    session: Session,
    settings: Settings,
    user_id: int,
    reviews: dict[str, list[ImportedReview]],
    now: datetime,
) -> dict[str, list[tuple[ImportedReview, str]]]:
    """Each card's answers in time order with the kind each one is, or ImportRefused."""
    ctx = user_context(session, user_id, settings.timezone)
    problems: list[str] = []
    checked: dict[str, list[tuple[ImportedReview, str]]] = {}
    for card_id, answers in reviews.items():
        state = NEW_CARD
        rows: list[tuple[ImportedReview, str]] = []
        for answer in sorted(answers, key=lambda a: a.at):
            if not EARLIEST <= answer.at <= now + timedelta(days=1):
                problems.append(
                    f"{answer.source}: a review dated {answer.at:%Y-%m-%d} is out of range"
                )
                break
            try:
                outcome = review(ctx.config, state, answer.rating, answer.at, ctx.fuzz_key(card_id))
            except SCHEDULING_ERRORS as error:
                problems.append(f"{answer.source}: the review history cannot be replayed ({error})")
                break
            rows.append((answer, outcome.kind))
            state = outcome.after
        checked[card_id] = rows
    if problems:
        raise ImportRefused(problems[:20])
    return checked


def write_reviews(
    session: Session,
    settings: Settings,
    user_id: int,
    checked: dict[str, list[tuple[ImportedReview, str]]],
    now: datetime,
) -> int:
    """Append the answers to the log and rebuild the user's states from it, in one transaction."""
    if not any(checked.values()):
        return 0
    with write(session, user_id):
        for card_id, rows in checked.items():
            for answer, kind in rows:
                session.add(
                    ReviewLog(
                        user_id=user_id, card_id=card_id, rating=answer.rating,
                        reviewed_at=answer.at, kind=kind, review_token=answer.token,
                        duration_ms=min(max(answer.duration_ms, 0), MAX_DURATION_MS),
                    )
                )  # fmt: skip
        session.flush()
        ctx = user_context(session, user_id, settings.timezone)
        report = rebuild_user(session, ctx, now=now, commit=False)
        if report.broken:
            raise ImportRefused([f"{card}: {reason}" for _, card, reason in report.broken][:20])
    return sum(len(rows) for rows in checked.values())
