"""Workload vs desired retention: the numbers are fsrs-rs's simulator's, with the user's
parameters, limits and bank size; the settings page shows them as charts and a table."""

from __future__ import annotations

import fsrs_rs_python
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.study import preferences
from app.study.workload import NO_TIME_LIMIT, RETENTIONS, SEED
from tests.study.conftest import add_cards

CUSTOM = [0.3, 1.1, 2.8, 9.0, 6.5, 0.8, 3.0, 0.01, 1.8, 0.17, 0.8, 1.5, 0.06, 0.26,
          1.6, 0.6, 1.9, 0.5, 0.09, 0.07, 0.2]  # fmt: skip


def direct(parameters: list[float], retention: float, deck: int, days: int) -> object:
    config = fsrs_rs_python.default_simulator_config()
    config.deck_size, config.learn_span = deck, days
    config.learn_limit, config.review_limit = 7, 200
    config.max_cost_perday, config.max_ivl = NO_TIME_LIMIT, 36500.0
    config.learning_step_count, config.relearning_step_count = 2, 1
    return fsrs_rs_python.simulate(parameters, retention, config, SEED)


def test_workload_is_the_simulator_with_the_users_parameters(
    study_client: TestClient, db: Session
) -> None:
    add_cards(db, 150, "alpha")
    preferences.save(db, 1, preferences.StudySettings(new_per_day=7))
    preferences.save_parameters(db, 1, CUSTOM)
    db.commit()
    got = study_client.get("/api/settings/workload?days=90").json()
    deck = 150 + 3  # and the fixture bank's three cards
    assert got["deck_size"] == deck and got["new_limit"] == 7 and got["days"] == 90
    assert [p["desired_retention"] for p in got["points"]] == list(RETENTIONS)
    for point in (got["points"][0], got["points"][-1]):
        result = direct(CUSTOM, point["desired_retention"], deck, 90)
        assert point["reviews_per_day"] == pytest.approx(sum(result.review_cnt_per_day) / 90)
        assert point["memorized"] == pytest.approx(result.memorized_cnt_per_day[-1])
    low, high = got["points"][0], got["points"][-1]
    assert high["reviews_per_day"] > low["reviews_per_day"]
    assert study_client.get("/api/settings/workload?days=7").status_code == 422


def test_settings_page_shows_the_chart_and_table(study_client: TestClient) -> None:
    page = study_client.get("/settings?workload_days=30").text
    assert 'id="workload"' in page and page.count("<svg") >= 2
    assert "Memorized after 30 days" in page and '<th scope="row">0.97</th>' in page
