"""Which cards a user sees: bank cards and their own, never another user's own cards.

A bank card the user forked is hidden from them (the fork stands in for it, with its
history); everyone else still sees it.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import String, and_, cast, exists, literal, or_, select
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from app.models import Card

# A Core alias made once: an ORM alias made per query is adapted column by column each time,
# which cost more than the query itself (bench/profile_http.py on a card page).
FORK = Card.__table__.alias("fork")


@lru_cache(maxsize=1024)
def visible_to(user_id: int | BindParameter[int]) -> ColumnElement[bool]:
    """SQL condition on ``Card``: not retired, the bank's or the user's, not forked away.

    Built once per user, or once with the user as a parameter (an expression is immutable):
    building it cost more than running it.
    """
    forked = exists(
        select(FORK.c.id).where(
            FORK.c.owner_id == user_id,
            FORK.c.retired.is_(False),
            # aliases is a JSON list of kebab-case ids: the quoted id matches one exactly.
            cast(FORK.c.aliases, String).like(literal('%"') + Card.id + literal('"%')),
        )
    )
    mine_or_bank = or_(Card.owner_id.is_(None), Card.owner_id == user_id)
    return and_(Card.retired.is_(False), mine_or_bank, or_(Card.owner_id.isnot(None), ~forked))
