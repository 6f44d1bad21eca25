"""Every table of the app in one metadata: the core tables and each feature's own.

Import this module wherever the whole schema matters (Alembic's ``env.py``, the schema
test, the database copy, the app factory and the CLI): a feature's table is known to
SQLAlchemy only once its module is imported. A new table module is added here.
"""

from __future__ import annotations

# Imported for their side effect: each module's classes join Base.metadata.
import app.accounts.models  # noqa: F401
import app.cards.models  # noqa: F401
import app.interview.models  # noqa: F401
import app.models  # noqa: F401
import app.plans.models  # noqa: F401
import app.study.fit_log  # noqa: F401
import app.study.models  # noqa: F401
from app.orm import Base

metadata = Base.metadata
