"""Workload vs desired retention, projected from the user's own collection with `fsrs`.

Checked against fsrs itself (its due dates, its retrievability), against the limits and easy
days, for trends that must hold (more reviews at a higher retention), for the same numbers on
every run, and through the JSON API and the settings page. T0 is Monday 2 March 2026, 10:00
UTC; the study day starts at 04:00.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import fsrs
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.db import write
from app.models import LOCAL_USER_ID, ReviewState
from app.plans import easy_days
from app.study import preferences, workload
from app.study.days import StudyCalendar
from app.study.scheduler import CardState, SchedulerConfig, State, fuzz_unit, retrievability
from app.study.workload import RETENTIONS, Collection, simulate, user_workload
from tests.clock import T0
from tests.factories import add_cards
from tests.study.conftest import make_ctx

UTC_DAYS = StudyCalendar.of("UTC")


@pytest.fixture(autouse=True)
def cold_cache() -> None:
    """Each test simulates afresh (results are cached per input, not per MAX_CARDS)."""
    simulate.cache_clear()


def in_review(stability: float, last_review: datetime, due: datetime) -> CardState:
    return CardState(State.Review, None, stability, 5.0, due, last_review, reps=3, lapses=0)


def store_states(session: Session, states: dict[str, CardState], suspended: bool = False) -> None:
    with write(session, LOCAL_USER_ID):
        for card_id, s in states.items():
            session.add(
                ReviewState(
                    user_id=LOCAL_USER_ID, card_id=card_id, state=int(s.state or 0), step=s.step,
                    stability=s.stability, difficulty=s.difficulty, due=s.due,
                    last_review=s.last_review, reps=s.reps, lapses=s.lapses, suspended=suspended,
                )
            )  # fmt: skip


def mixed_collection(size: int, unstudied: int) -> Collection:
    """Reviewed cards of stability 1-60 days, last answered in the last 20 days."""
    rng = random.Random(3)
    cards = []
    for i in range(size):
        stability, last = rng.uniform(1, 60), T0 - timedelta(days=rng.uniform(0, 20))
        due = last + timedelta(days=max(1, round(stability)))
        cards.append((f"c-{i:03d}", in_review(stability, last, due)))
    return Collection(tuple(cards), unstudied, new_limit=10, review_limit=200)


def test_a_cards_reviews_fall_on_the_days_fsrs_schedules() -> None:
    """One card, stepped by hand with fsrs: each review on the day fsrs made it due, recalled
    when its seeded draw is below fsrs's retrievability then."""
    config = SchedulerConfig(relearning_steps_minutes=())
    state = in_review(8.0, T0 - timedelta(days=3), T0 + timedelta(days=4, hours=5))
    collection = Collection((("one", state),), 0, new_limit=20, review_limit=200)
    got = simulate(config, UTC_DAYS, collection, T0, 90, (0.9,)).points[0]

    scheduler = fsrs.Scheduler(desired_retention=0.9, relearning_steps=(), enable_fuzzing=False)
    card = fsrs.Card(
        card_id=0, state=State.Review, stability=8.0, difficulty=5.0, due=state.due,
        last_review=state.last_review,
    )  # fmt: skip
    expected, k = [0.0] * 90, 0
    while card.due < T0 + timedelta(days=90):
        day = (UTC_DAYS.day_of(card.due) - UTC_DAYS.day_of(T0)).days
        at = max(card.due, T0 + timedelta(days=day))  # that day's study time is 10:00
        recalled = fuzz_unit("recall:one", k) < scheduler.get_card_retrievability(card, at)
        rating = fsrs.Rating.Good if recalled else fsrs.Rating.Again
        card, _ = scheduler.review_card(card, rating, at)
        expected[day], k = 1.0, k + 1
    assert expected.index(1.0) == 4  # due Friday 15:00: reviewed on Friday
    assert list(got.reviews_by_day) == expected and k >= 2
    end = T0 + timedelta(days=90)
    assert got.memorized == pytest.approx(scheduler.get_card_retrievability(card, end))


def test_a_new_card_is_learned_through_its_steps_and_reviewed_when_fsrs_says() -> None:
    """Introduced Monday 10:00 and answered Good at each learning step (1 and 10 minutes)."""
    collection = Collection((), 1, new_limit=5, review_limit=200)
    got = simulate(SchedulerConfig(), UTC_DAYS, collection, T0, 30, (0.9,)).points[0]
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    card, _ = scheduler.review_card(fsrs.Card(card_id=0, due=T0), fsrs.Rating.Good, T0)
    while card.state != State.Review:
        card, _ = scheduler.review_card(card, fsrs.Rating.Good, card.due)
    first = (UTC_DAYS.day_of(card.due) - UTC_DAYS.day_of(T0)).days
    assert first >= 1 and got.reviews_by_day.index(1.0) == first
    assert sum(got.reviews_by_day[:first]) == 0 and got.new_per_day == pytest.approx(1 / 30)


def test_a_learned_collection_has_no_reviews_until_fsrs_makes_it_due(
    study_client: TestClient, session: Session
) -> None:
    ids = add_cards(session, 40, "alpha")
    last = T0 - timedelta(days=2)
    store_states(session, dict.fromkeys(ids, in_review(150.0, last, last + timedelta(days=120))))
    with write(session, LOCAL_USER_ID):
        preferences.save(session, LOCAL_USER_ID, preferences.StudySettings(new_per_day=0))
    got = study_client.get("/api/settings/workload?days=180").json()
    assert got["reviewed_cards"] == 40 and got["simulated_cards"] == 40 and not got["sampled"]
    for point in got["points"]:
        by_day = point["reviews_by_day"]
        assert len(by_day) == 180
        assert by_day.index(40) == 118  # all 40 due on day 118 (T0 - 2 + 120), not before
        assert sum(by_day[:118]) == 0 and point["new_per_day"] == 0


def test_without_study_memorized_is_the_sum_of_fsrs_retrievability(
    study_client: TestClient, session: Session
) -> None:
    """Limits at 0: nothing is answered, so memorized is fsrs's retrievability of each stored
    state at the end, summed (suspended cards left out), at every retention."""
    ids = add_cards(session, 4, "alpha")
    states = {
        ids[0]: in_review(3.0, T0 - timedelta(days=1), T0 + timedelta(days=2)),
        ids[1]: in_review(40.0, T0 - timedelta(days=30), T0 + timedelta(days=10)),
        ids[2]: in_review(0.5, T0 - timedelta(days=9), T0 - timedelta(days=8)),  # overdue
    }
    store_states(session, states)
    store_states(session, {ids[3]: in_review(9.0, T0, T0 + timedelta(days=9))}, suspended=True)
    with write(session, LOCAL_USER_ID):
        settings = preferences.StudySettings(new_per_day=0, reviews_per_day=0)
        preferences.save(session, LOCAL_USER_ID, settings)
    got = study_client.get("/api/settings/workload?days=30").json()
    end = T0 + timedelta(days=30)
    assert got["end"] == end.isoformat().replace("+00:00", "Z")
    expected = sum(retrievability(SchedulerConfig(), s, end) for s in states.values())
    assert 0.5 < expected < 2.5
    assert got["reviewed_cards"] == 3 and got["unstudied_cards"] == 3  # the fixture bank's
    for point in got["points"]:
        assert sum(point["reviews_by_day"]) == 0
        assert point["memorized"] == pytest.approx(expected)


def test_each_day_serves_its_easy_day_share_of_the_limits_less_todays_work() -> None:
    """A backlog of 100 overdue cards, 10 reviews and 8 new cards a day, Saturday at 50 %,
    Sunday off, 4 reviews and 3 new cards already done today (Monday)."""
    overdue = in_review(5.0, T0 - timedelta(days=30), T0 - timedelta(days=25))
    collection = Collection(
        tuple((f"c-{i:03d}", overdue) for i in range(100)), 30, new_limit=8,
        review_limit=10, easy_percents=(100, 100, 100, 100, 100, 50, 0), new_done_today=3,
        reviews_done_today=4,
    )  # fmt: skip
    for point in simulate(SchedulerConfig(), UTC_DAYS, collection, T0, 30).points:
        assert list(point.reviews_by_day[:8]) == [6, 10, 10, 10, 10, 5, 0, 10]
        # New: 5 + 8 + 8 + 8 + 1 = the 30 unstudied cards, by Friday.
        assert point.new_per_day == pytest.approx(30 / 30)


def test_a_higher_desired_retention_costs_more_reviews() -> None:
    result = simulate(SchedulerConfig(), UTC_DAYS, mixed_collection(120, 40), T0, 90)
    assert [p.desired_retention for p in result.points] == list(RETENTIONS)
    reviews = [p.reviews_per_day for p in result.points]
    assert reviews == sorted(reviews) and len(set(reviews)) == len(reviews)
    assert reviews[-1] > 3 * reviews[0]
    assert result.points[-1].memorized > result.points[0].memorized
    assert all(p.new_per_day == pytest.approx(40 / 90) for p in result.points)


def test_the_same_collection_gives_the_same_numbers() -> None:
    collection = mixed_collection(60, 20)
    first = simulate(SchedulerConfig(), UTC_DAYS, collection, T0, 30)
    simulate.cache_clear()
    again = simulate(SchedulerConfig(), UTC_DAYS, mixed_collection(60, 20), T0, 30)
    assert again == first and again is not first


def test_a_large_collection_is_projected_on_a_fixed_sample_scaled_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    collection = mixed_collection(150, 0)
    full = simulate(SchedulerConfig(), UTC_DAYS, collection, T0, 90)
    monkeypatch.setattr(workload, "MAX_CARDS", 50)
    simulate.cache_clear()
    sampled = simulate(SchedulerConfig(), UTC_DAYS, collection, T0, 90)
    assert not full.sampled and sampled.sampled and sampled.fraction == pytest.approx(1 / 3)
    assert (sampled.simulated_cards, sampled.reviewed_cards) == (50, 150)
    for whole, part in zip(full.points, sampled.points, strict=True):
        assert part.reviews_per_day == pytest.approx(whole.reviews_per_day, rel=0.25)
        assert part.memorized == pytest.approx(whole.memorized, rel=0.1)
    simulate.cache_clear()
    assert simulate(SchedulerConfig(), UTC_DAYS, collection, T0, 90) == sampled  # same sample


def test_unstudied_cards_the_limit_lets_in_count_towards_the_sample() -> None:
    """3,000 unstudied cards at 9,999 a day: 1,000 of them are simulated, counted as 3,000.
    At 20 a day only 600 can come in within 30 days: with 300 reviewed, no sample."""
    flood = Collection((), 3000, new_limit=9999, review_limit=99999)
    result = simulate(SchedulerConfig(), UTC_DAYS, flood, T0, 30, (0.9,))
    assert result.fraction == pytest.approx(1 / 3)
    assert result.points[0].new_per_day * 30 == pytest.approx(3000)
    trickle = replace(mixed_collection(300, 3000), new_limit=20)
    assert not simulate(SchedulerConfig(), UTC_DAYS, trickle, T0, 30, (0.9,)).sampled


def test_today_starts_no_earlier_than_the_study_day(session: Session) -> None:
    """In India (UTC+5:30) 22:40 UTC is 04:10 local: the projection starts at the day's
    04:00 (22:30 UTC), not at the hour (22:00 UTC), which is still yesterday there."""
    now = datetime(2026, 3, 2, 22, 40, tzinfo=UTC)
    result = user_workload(session, make_ctx("Asia/Kolkata"), now, 30)
    assert result.start == datetime(2026, 3, 2, 22, 30, tzinfo=UTC)
    assert user_workload(session, make_ctx("UTC"), now, 30).start == now.replace(minute=0)


def _problems(response: object) -> list[list[object]]:
    return [error["loc"] for error in response.json()["detail"]]


def test_days_and_retentions_are_bounded(study_client: TestClient) -> None:
    api = "/api/settings/workload"
    assert _problems(study_client.get(f"{api}?days=0")) == [["query", "days"]]
    assert _problems(study_client.get(f"{api}?days=366")) == [["query", "days"]]
    assert _problems(study_client.get(f"{api}?retention=0.5")) == [["query", "retention", 0]]
    assert _problems(study_client.get(f"{api}?retention=0.9&retention=nan")) == [
        ["query", "retention", 1]
    ]
    eleven = "&".join(f"retention=0.{80 + i}" for i in range(11))
    assert _problems(study_client.get(f"{api}?{eleven}")) == [["query", "retention"]]
    chosen = study_client.get(f"{api}?days=30&retention=0.9&retention=0.8&retention=0.9")
    assert [p["desired_retention"] for p in chosen.json()["points"]] == [0.8, 0.9]
    page = study_client.get("/settings?workload_days=366", headers={"accept": "text/html"})
    assert page.status_code == 422 and "workload_days" in page.text


def test_the_settings_page_shows_the_charts_and_the_apis_numbers(
    study_client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = add_cards(session, 30, "alpha")
    due_tomorrow = in_review(4.0, T0 - timedelta(days=3), T0 + timedelta(days=1))
    store_states(session, dict.fromkeys(ids, due_tomorrow))
    with write(session, LOCAL_USER_ID):
        easy_days.save(session, LOCAL_USER_ID, easy_days.EasyDaysIn(sunday=0))
    api = study_client.get("/api/settings/workload?days=30").json()
    assert api["easy_days"] == [100, 100, 100, 100, 100, 100, 0]
    assert api["reviewed_cards"] == 30 and api["unstudied_cards"] == 3
    page = study_client.get("/settings?workload_days=30").text
    section = page[page.index('id="workload"') :]
    assert section.count("<svg") == 2 and "Memorized after 30 days" in section
    assert "30 reviewed and 3 unstudied cards" in section and "with your easy days" in section
    rows = re.findall(
        r'<tr><th scope="row">([\d.]+)</th><td>([\d.]+)</td><td>([\d.]+)</td><td>(\d+)</td>', page
    )
    assert rows == [
        (f"{p['desired_retention']:.2f}", f"{p['reviews_per_day']:.1f}",
         f"{p['new_per_day']:.1f}", f"{p['memorized']:.0f}")
        for p in api["points"]
    ]  # fmt: skip
    assert len(rows) == len(RETENTIONS) and "were simulated (a fixed sample)" not in section
    monkeypatch.setattr(workload, "MAX_CARDS", 20)  # of 30 reviewed + 3 unstudied cards
    simulate.cache_clear()
    assert study_client.get("/api/settings/workload?days=30").json()["simulated_cards"] == 18
    sampled = study_client.get("/settings?workload_days=30").text
    assert "18 of your 30 reviewed cards were simulated (a fixed sample)" in sampled


def test_openapi_describes_the_workload(study_client: TestClient) -> None:
    spec = study_client.get("/openapi.json").json()
    operation = spec["paths"]["/api/settings/workload"]["get"]
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert (parameters["days"]["minimum"], parameters["days"]["maximum"]) == (1, 365)
    retention = parameters["retention"]["anyOf"][0]
    assert retention["maxItems"] == 10
    assert retention["items"]["minimum"] == 0.7 and retention["items"]["maximum"] == 0.97
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    out = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    assert {"points", "reviewed_cards", "sampled", "easy_days", "method"} <= set(out["properties"])


def test_a_damaged_stored_state_is_left_out_not_a_500(
    study_client: TestClient, session: Session
) -> None:
    """A stability lost to a stored NaN (read back as NULL), as in test_damaged_state."""
    ids = add_cards(session, 2, "alpha")
    store_states(session, {ids[0]: in_review(3.0, T0 - timedelta(days=3), T0 + timedelta(days=1))})
    lost = replace(in_review(3.0, T0 - timedelta(days=3), T0 - timedelta(days=1)), stability=None)
    store_states(session, {ids[1]: lost})
    got = study_client.get("/api/settings/workload?days=30")
    assert got.status_code == 200 and got.json()["reviewed_cards"] == 1
    assert study_client.get("/settings").status_code == 200
