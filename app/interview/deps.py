"""The mock interview's own request dependency: where its questions are drawn from."""

from __future__ import annotations

import random
from typing import Annotated

from fastapi import Depends


async def get_rng() -> random.Random:
    """Where interview questions are drawn from; tests override it with a seeded one."""
    return random.Random()


RngDep = Annotated[random.Random, Depends(get_rng)]
