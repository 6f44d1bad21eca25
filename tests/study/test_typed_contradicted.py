"""The checklist says when an answer contradicts a key point, and the grade follows."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import card_row

CARD = "dropout-direction"
POINTS = [
    "the rate is the probability of dropping a unit",
    "a higher drop probability means stronger regularization",
    "too high a rate underfits",
]
CONFUSIONS = [[], ["a higher dropout rate keeps more units active, so less regularization"], []]
# Right words, wrong meaning: a confident misconception in the card's vocabulary.
WRONG = (
    "The rate is the probability of dropping a unit. A higher dropout rate keeps more units "
    "active, so less regularization. Too high a rate underfits."
)


def _add_card(session: Session) -> None:
    session.add(
        card_row(
            CARD,
            "basics",
            question="Does a higher dropout rate mean more or less regularization?",
            answer_md="The drop probability: higher means stronger regularization.",
            answer_html="<p>The drop probability: higher means stronger regularization.</p>",
            level="beginner",
            tags=[],
            key_points=POINTS,
            key_point_confusions=CONFUSIONS,
            synonyms=[],
            demos=[],
            content_hash="x",
            position=200,
        )
    )
    session.commit()


def test_page_shows_the_contradicted_point_and_caps_the_grade_at_hard(
    study_client: TestClient, session: Session
) -> None:
    _add_card(session)
    page = study_client.post("/study/typed/check", data={"card_id": CARD, "answer": WRONG})
    assert page.status_code == 200
    html = page.text
    assert "Your answer contradicts 1 key point(s)" in html
    assert 'class="missed status-contradicted" data-contradicted' in html
    assert "✗ contradicted: says a known confusion" in html
    assert 'name="mark" value="1" checked' in html and 'name="mark" value="3" checked' in html
    # 2 of 3 covered is Hard anyway; the user ticking the point lifts the cap to Good
    assert 'name="rating" value="2" data-key="2" checked' in html
    ticked = study_client.post(
        "/study/typed/check",
        data={"card_id": CARD, "answer": WRONG, "mark": ["1", "2", "3"], "recheck": "1"},
    )
    assert 'name="rating" value="3" data-key="3" checked' in ticked.text


def test_api_reports_status_reason_and_too_short(
    study_client: TestClient, session: Session
) -> None:
    _add_card(session)
    body = study_client.post("/api/typed/check", json={"card_id": CARD, "answer": WRONG}).json()
    assert [p["status"] for p in body["points"]] == ["covered", "contradicted", "covered"]
    assert CONFUSIONS[1][0] in body["points"][1]["reason"]
    assert (body["covered"], body["contradicted"], body["too_short"]) == (2, 1, False)
    assert body["suggested_rating"] == 2
    short = study_client.post("/api/typed/check", json={"card_id": CARD, "answer": "dropout"})
    assert short.json()["too_short"] is True
    assert short.json()["suggested_rating"] == 1


def test_a_too_short_answer_says_so_on_the_page(study_client: TestClient, session: Session) -> None:
    _add_card(session)
    page = study_client.post("/study/typed/check", data={"card_id": CARD, "answer": "rate"})
    assert "This answer is too short to judge" in page.text
    assert "data-checklist data-too-short" in page.text
    assert 'name="rating" value="1" data-key="1" checked' in page.text
