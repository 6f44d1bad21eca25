"""No dead ends and no silent grades: why the day is done, learning more new cards today, the
order of new cards, the study picker, the "Recorded" notice, and study pages never cached."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import LOCAL_USER_ID, ReviewState
from app.study import queue, reviews
from app.study.models import NewCardAllowance
from app.study.reviews import new_review_token
from app.study.scope import Filters
from tests.clock import Clock
from tests.factories import card_row
from tests.study.conftest import make_ctx

HX = {"HX-Request": "true"}


def _grade_next(client: TestClient, rating: int = 4, **params: str) -> str:
    shown = client.get("/api/study/next", params=params).json()
    assert shown["card"] is not None
    body = {"card_id": shown["card"]["id"], "rating": rating, "review_token": shown["review_token"]}
    assert client.post("/api/reviews", json=body).status_code == 200
    return shown["card"]["id"]


def test_done_says_why_and_learn_more_raises_todays_limit(
    study_client: TestClient, session: Session, clock: Clock
) -> None:
    assert study_client.put("/api/settings", json={"new_per_day": 1}).status_code == 200
    _grade_next(study_client)  # Easy: the one new card of the day, graduated at once
    page = study_client.get("/study")
    assert "Done for today" in page.text
    assert "Today&#39;s 1 new card is used; 2 more new cards wait." in page.text
    assert 'action="/study/more-new"' in page.text and "Cram all cards" in page.text
    done = study_client.get("/api/study/next").json()
    assert done["reasons"][0].startswith("Today's 1 new card is used")
    assert (done["new_done_today"], done["new_limit_today"], done["new_waiting"]) == (1, 1, 2)

    answer = study_client.post(
        "/study/more-new", data={"count": "5", "applies_to": "all"}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/study"
    row = session.scalars(select(NewCardAllowance)).one()
    assert (row.user_id, row.day, row.topic_id, row.extra) == (
        LOCAL_USER_ID,
        clock.now.date(),
        "",
        5,
    )
    assert study_client.get("/api/study/next").json()["counts"]["new"] == 2
    _grade_next(study_client)
    # The next study day starts from the setting again.
    clock.advance(days=1)
    assert study_client.get("/api/study/next").json()["counts"]["new"] == 1


def test_learn_more_for_one_topic_counts_only_there(study_client: TestClient) -> None:
    study_client.put("/api/settings", json={"new_per_day": 0})
    answer = study_client.post(
        "/study/more-new",
        data={"count": "1", "applies_to": "topic", "topic": "maths"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/study?topic=maths"
    assert study_client.get("/api/study/next", params={"topic": "maths"}).json()["card"]
    assert study_client.get("/api/study/next").json()["card"] is None


def test_learn_more_refuses_bad_counts_and_topics(
    study_client: TestClient, session: Session
) -> None:
    for data in ({"count": "0"}, {"count": "501"}, {"count": "ten"}):
        assert study_client.post("/study/more-new", data=data).status_code == 422
    missing = {"count": "3", "applies_to": "topic", "topic": "nope"}
    assert study_client.post("/study/more-new", data=missing).status_code == 404
    assert session.scalars(select(NewCardAllowance)).all() == []


def test_typed_study_offers_the_same_choices(study_client: TestClient) -> None:
    study_client.put("/api/settings", json={"new_per_day": 0})
    page = study_client.get("/study/typed")
    assert "Today&#39;s 0 new cards are used" in page.text
    assert 'name="next" value="typed"' in page.text and "Study ahead" in page.text
    answer = study_client.post(
        "/study/more-new", data={"count": "5", "next": "typed"}, follow_redirects=False
    )
    assert answer.headers["location"] == "/study/typed"
    assert "Check my answer" in study_client.get("/study/typed").text


def test_study_pages_are_never_cached_and_show_a_picker(study_client: TestClient) -> None:
    page = study_client.get("/study")
    assert page.headers["cache-control"] == "no-store"
    assert '<select id="pick-topic" name="topic">' in page.text
    assert '<option value="maths">Maths</option>' in page.text
    assert '<option value="neuron">' in page.text  # tags
    fragment = study_client.get("/study", headers=HX)
    assert fragment.headers["cache-control"] == "no-store" and "pick-topic" not in fragment.text


def test_grade_shows_recorded_with_undo(study_client: TestClient) -> None:
    shown = study_client.get("/api/study/next").json()
    data = {"card_id": shown["card"]["id"], "rating": "3", "review_token": shown["review_token"]}
    fragment = study_client.post("/study/review", data=data, headers=HX).text
    assert 'Recorded: <strong class="grade-good">Good</strong>' in fragment
    assert 'hx-post="/study/undo"' in fragment.split("data-toast")[1].split("</div>")[0]


def test_answer_side_has_follow_ups_references_and_neutral_demo_labels(
    study_client: TestClient,
) -> None:
    html = study_client.get("/study").text
    question_side, answer_side = (
        html.split('<section class="answer"')[1].split('<div class="study-actions">')[::-1][0],
        html.split('<div class="study-actions">')[0],
    )
    assert "ReLU up close" not in question_side and "▶ Open the demo" in question_side
    assert "ReLU up close" in answer_side
    assert '<details class="follow-ups">' in answer_side
    assert "Why is the nonlinearity needed?" in answer_side
    assert "Goodfellow, Bengio, Courville" in answer_side
    assert "from=%2Fstudy" in question_side


def _order(session: Session, order: str, n: int, now) -> list[str]:
    ctx = make_ctx(new_card_order=order)
    seen: list[str] = []
    for _ in range(n):
        nxt = queue.next_card(session, ctx, Filters(), now, skip=seen)
        assert nxt is not None and nxt.queue == "new"
        seen.append(nxt.card.id)
    return seen


def test_new_card_orders(session: Session, cards, clock: Clock) -> None:
    a = cards(3, "aaa")
    b = cards(2, "bbb")
    everything = sorted(a + b)
    bank = _order(session, "bank", 5, clock.now)
    # add_cards gives both topics position 0 and cards positions 0..n: bank order by position
    assert bank[:2] == sorted([a[0], b[0]])
    assert _order(session, "topic", 5, clock.now) == [a[0], b[0], a[1], b[1], a[2]]
    shuffled = _order(session, "random", 5, clock.now)
    assert sorted(shuffled) == everything
    assert _order(session, "random", 5, clock.now) == shuffled  # the same all day
    days = {tuple(_order(session, "random", 5, clock.now + timedelta(days=d))) for d in range(6)}
    assert len(days) > 1


def test_weakest_topic_first(session: Session, cards, clock: Clock) -> None:
    a = cards(2, "aaa")
    b = cards(2, "bbb")
    ctx = make_ctx(new_card_order="weakest")
    assert _order(session, "weakest", 1, clock.now) == [a[0]]  # a tie: bank order
    # Learn a card of topic aaa (Easy): aaa is now half recalled, bbb not at all.
    reviews.grade(session, ctx, a[0], 4, clock.now, review_token=new_review_token())
    assert session.get(ReviewState, (LOCAL_USER_ID, a[0])).reps == 1
    recall = queue._topic_recall(session, ctx, clock.now)
    assert recall == {"aaa": 0.5, "bbb": 0.0}
    assert _order(session, "weakest", 1, clock.now) == [b[0]]


def test_settings_choose_the_order_and_speak_plainly(study_client: TestClient) -> None:
    page = study_client.get("/settings").text
    assert '<option value="weakest">Weakest topic first' in page
    assert "0.95 means about 2.5× the reviews a day of 0.90" in page
    form = {
        "desired_retention": "0.99",
        "new_per_day": "15",
        "reviews_per_day": "100",
        "learning_steps_minutes": "1m 10m",
        "relearning_steps_minutes": "10m",
        "maximum_interval_days": "365",
        "day_starts_at_hour": "4",
        "timezone": "",
        "new_card_order": "topic",
    }
    bad = study_client.post("/settings", data=form)
    assert bad.status_code == 422 and "at most 0.97" in bad.text
    study_client.post("/settings", data={**form, "desired_retention": "0.9"})
    assert study_client.get("/api/settings").json()["new_card_order"] == "topic"
    wrong = study_client.put("/api/settings", json={"new_card_order": "alphabetical"})
    assert wrong.status_code == 422 and "new_card_order" in wrong.json()["detail"]


def test_the_picker_offers_only_tags_of_cards_the_user_sees(
    study_client: TestClient, session: Session
) -> None:
    """Another user's own card is private, its tags too (the picker once listed every card's)."""
    from app.models import User

    session.add(User(id=2, name="other"))
    session.flush()
    for owner, tag in ((2, "someone-elses-tag"), (LOCAL_USER_ID, "my-own-tag")):
        session.add(card_row(f"u{owner}-card", "maths", question="Q?", tags=[tag], owner_id=owner))
    session.commit()
    page = study_client.get("/study").text
    assert '<option value="my-own-tag">' in page and '<option value="neuron">' in page
    assert "someone-elses-tag" not in page
