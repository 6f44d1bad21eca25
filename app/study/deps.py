"""The study feature's own request dependency: the topic/level/tag filter of a queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from app.study.queue import Filters


def get_filters(
    topic: Annotated[str | None, Query(max_length=64)] = None,
    level: Annotated[str | None, Query(max_length=20)] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
) -> Filters:
    return Filters(topic=topic or None, level=level or None, tag=tag or None)


FiltersDep = Annotated[Filters, Depends(get_filters)]
