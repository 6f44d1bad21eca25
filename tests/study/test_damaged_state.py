"""A stored state that FSRS cannot continue from (written by an older version) is passed
over by the study queue and refused by grading with a 409, never a 500."""

from __future__ import annotations

from datetime import timedelta

from app.models import LOCAL_USER_ID, ReviewState


def test_a_damaged_stored_state_is_passed_over_not_a_500(
    study_client, session, cards, clock
) -> None:
    """A stability lost to a stored NaN (read back as NULL) and a due date near year 9999."""
    ids = cards(3)
    damaged = {"state": 2, "step": None, "difficulty": 5.0, "reps": 3, "lapses": 0}
    session.add(
        ReviewState(
            user_id=LOCAL_USER_ID, card_id=ids[0], stability=float("nan"),
            due=clock.now - timedelta(days=1), last_review=clock.now - timedelta(days=3),
            **damaged,
        )
    )  # fmt: skip
    session.commit()
    for url in ("/study", "/", "/stats"):
        assert study_client.get(url).status_code == 200, url
    page = study_client.get("/study").text
    assert "Passed over 1 card" in page and ids[0] in page
    body = study_client.get("/api/study/next").json()
    assert body["skipped"] == [ids[0]] and body["card"]["id"] != ids[0]
    graded = study_client.post(
        "/api/reviews", json={"card_id": ids[0], "rating": 3, "review_token": "t-damaged"}
    )
    assert graded.status_code == 409 and "cannot be scheduled" in graded.json()["detail"]
