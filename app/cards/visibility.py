"""Which cards a user sees: bank cards and their own, never another user's own cards.

A bank card the user forked is hidden from them (the fork stands in for it, with its
history); everyone else still sees it.
"""

from __future__ import annotations

from sqlalchemy import String, and_, cast, exists, literal, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from app.models import Card


def visible_to(user_id: int) -> ColumnElement[bool]:
    """SQL condition on ``Card``: not retired, the bank's or the user's, not forked away."""
    fork = aliased(Card)
    forked = exists(
        select(fork.id).where(
            fork.owner_id == user_id,
            fork.retired.is_(False),
            # aliases is a JSON list of kebab-case ids: the quoted id matches one exactly.
            cast(fork.aliases, String).like(literal('%"') + Card.id + literal('"%')),
        )
    )
    mine_or_bank = or_(Card.owner_id.is_(None), Card.owner_id == user_id)
    return and_(Card.retired.is_(False), mine_or_bank, or_(Card.owner_id.isnot(None), ~forked))
