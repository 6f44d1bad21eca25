"""Notes travel in the progress backup: exported, validated strictly, restored."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cards.models import CardNote
from app.cards.notes import get_note, set_note
from app.export.progress import ImportRefused, export_progress, import_progress
from app.models import LOCAL_USER_ID

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_notes_round_trip_through_the_backup(
    loaded: Session, other_database: Callable[[], Session]
) -> None:
    set_note(loaded, LOCAL_USER_ID, "softmax-shift", "Subtract the **max** first.", T0)
    backup = export_progress(loaded, LOCAL_USER_ID, T0)
    assert backup["notes"] == [
        {
            "card_id": "softmax-shift",
            "note": "Subtract the **max** first.",
            "updated_at": "2026-03-02T09:00:00Z",
        }
    ]
    target = other_database()
    import_progress(target, LOCAL_USER_ID, backup, T0)
    assert get_note(target, LOCAL_USER_ID, "softmax-shift") == "Subtract the **max** first."


@pytest.mark.parametrize(
    ("notes", "message"),
    [
        ([{"card_id": "softmax-shift", "note": 3, "updated_at": "2026-03-02T09:00:00Z"}], "note"),
        ([{"card_id": "softmax-shift", "note": "", "updated_at": "2026-03-02T09:00:00Z"}], "note"),
        ([{"card_id": "no-such-card", "note": "x", "updated_at": "2026-03-02T09:00:00Z"}], "card"),
        ([{"card_id": "softmax-shift", "note": "x", "updated_at": "2026-03-02"}], "updated_at"),
        ([{"card_id": "softmax-shift", "note": "x", "updated_at": "2026-03-02T09:00:00Z"}] * 2,
         "two notes"),
        ([{"card_id": "softmax-shift", "note": "x", "updated_at": "2026-03-02T09:00:00Z",
           "extra": 1}], "extra"),
    ],
)  # fmt: skip
def test_bad_notes_are_refused_and_nothing_changes(
    loaded: Session, other_database: Callable[[], Session], notes: list, message: str
) -> None:
    backup = copy.deepcopy(export_progress(loaded, LOCAL_USER_ID, T0))
    backup["notes"] = notes
    target = other_database()
    with pytest.raises(ImportRefused) as refused:
        import_progress(target, LOCAL_USER_ID, backup, T0)
    assert message in str(refused.value).lower()
    assert target.scalars(select(CardNote)).all() == []
