"""lr-schedule: every schedule against values computed by hand from PyTorch's definitions."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.lr_schedule import DEMO, LRScheduleParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject


def lr(**values):
    return compute(LRScheduleParams(function="none", compare="", **values))["lr"]


def test_constant():
    assert lr(schedule="constant", base_lr=0.1, steps=4, warmup_steps=0) == [0.1] * 4


def test_step_lr():
    # StepLR(step_size=2, gamma=0.5): 1, 1, 0.5, 0.5, 0.25
    got = lr(schedule="step", base_lr=1, steps=5, step_size=2, gamma=0.5, warmup_steps=0)
    assert got == pytest.approx([1, 1, 0.5, 0.5, 0.25])


def test_warmup_cosine():
    # W = 2: 1/2, 2/2; then CosineAnnealingLR(T_max = 4): (1 + cos(πe/4)) / 2 for e = 0..3
    got = lr(schedule="warmup-cosine", base_lr=1, min_lr=0, steps=6, warmup_steps=2)
    assert got == pytest.approx([0.5, 1.0, 1.0, 0.8535533906, 0.5, 0.1464466094])
    # with eta_min 0.2: 0.2 + 0.8 × (1 + cos(π/4)) / 2 = 0.882842712
    got = lr(schedule="warmup-cosine", base_lr=1, min_lr=0.2, steps=6, warmup_steps=2)
    assert got[3] == pytest.approx(0.8828427125)


def test_one_cycle_defaults_by_hand_ten_steps():
    # OneCycleLR(max_lr=1, total_steps=10): initial 1/25 = 0.04, min 0.04/1e4 = 4e-6;
    # phase 1 ends at step 0.3·10 − 1 = 2, phase 2 at 9; cos annealing
    # end + (start − end)/2 · (cos(π·pct) + 1).
    got = lr(schedule="one-cycle", base_lr=1, steps=10, warmup_steps=0)
    assert got[0] == pytest.approx(0.04)
    assert got[1] == pytest.approx(0.52)  # pct 1/2: 1 + (0.04 − 1)/2 · 1
    assert got[2] == pytest.approx(1.0)
    # pct 1/7 of phase 2: 4e-6 + (1 − 4e-6)/2 · (cos(π/7) + 1) = 0.950484...
    assert got[3] == pytest.approx(4e-6 + (1 - 4e-6) / 2 * (math.cos(math.pi / 7) + 1))
    assert got[3] == pytest.approx(0.9504846, rel=1e-6)
    assert got[9] == pytest.approx(4e-6)
    assert lr(schedule="one-cycle", base_lr=1, steps=10, warmup_steps=0, min_lr=0.5) == got


def test_one_cycle_hundred_steps():
    # phase 1 ends at step 29 (the peak), phase 2 at 99; base 0.1: initial 0.004, final 4e-7
    got = lr(schedule="one-cycle", base_lr=0.1, steps=100, warmup_steps=0)
    assert got[29] == pytest.approx(0.1)
    assert got[0] == pytest.approx(0.004)
    assert got[99] == pytest.approx(4e-7)
    # step 64 is half-way through phase 2 (35/70): the midpoint (0.1 + 4e-7) / 2
    assert got[64] == pytest.approx(0.0500002)
    assert max(got) == got[29]


def test_inverse_sqrt():
    # W = 4: (t+1)/4 up to 1, then √(4/(t+1)): √0.8, √(2/3), √(4/7), √0.5
    got = lr(schedule="inverse-sqrt", base_lr=1, steps=8, warmup_steps=4)
    expected = [0.25, 0.5, 0.75, 1.0, 0.894427191, 0.8164965809, 0.7559289460, 0.7071067812]
    assert got == pytest.approx(expected)


def test_warmup_stable_decay():
    # D = ⌊0.3·10 + 0.5⌋ = 3: warm-up 0.5, 1; hold; then 1 − 0.9·k/3 for k = 1, 2, 3
    got = lr(schedule="wsd", base_lr=1, min_lr=0.1, steps=10, warmup_steps=2, decay_fraction=0.3)
    assert got == pytest.approx([0.5, 1, 1, 1, 1, 1, 1, 0.7, 0.4, 0.1])
    # 0.25 · 10 + 0.5 = 3.0 → D = 3; 0.24 · 10 + 0.5 = 2.9 → D = 2
    got = lr(schedule="wsd", base_lr=1, min_lr=0, steps=10, warmup_steps=0, decay_fraction=0.24)
    assert got[-3:] == pytest.approx([1, 0.5, 0])


def test_expected_loss_of_constant_sgd_reaches_its_noise_floor():
    # bowl h = (1, 10), η = 0.1, σ = 2: stationary E[loss] = Σ ησ²/(2(2 − ηh)) = 0.4/3.8 + 0.4/2
    result = compute(LRScheduleParams(schedule="constant", base_lr=0.1, steps=2000, compare=""))
    assert result["loss"][-1] == pytest.approx(0.4 / 3.8 + 0.2)
    assert result["loss"][0] == pytest.approx(0.5 * (16 + 10 * 4))  # start (−4, 2)
    # one step without noise: x → −4 · 0.9, y → 2 · 0 (η·h = 1)
    quiet = compute(LRScheduleParams(schedule="constant", base_lr=0.1, steps=1, noise=0,
                                     warmup_steps=0, compare=""))  # fmt: skip
    assert quiet["loss"][1] == pytest.approx(0.5 * 3.6**2)


def test_decaying_the_rate_beats_a_constant_one_under_noise():
    result = compute(LRScheduleParams())
    assert result["loss"][-1] < 0.2 * result["compare_loss"][-1]


def test_a_rate_past_two_over_the_curvature_diverges():
    result = compute(LRScheduleParams(schedule="constant", base_lr=0.21, compare=""))
    assert len(result["loss"]) < 201


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"steps": 10, "warmup_steps": 11}, "warmup_steps", "more than steps = 10"),
        ({"steps": 10}, "warmup_steps", "warmup_steps = 20 is more than steps = 10"),
        ({"schedule": "inverse-sqrt", "warmup_steps": 0}, "warmup_steps", "at least 1"),
        ({"schedule": "wsd", "steps": 10, "warmup_steps": 8, "decay_fraction": 0.3},
         "decay_fraction", "exceed steps = 10"),
        ({"base_lr": 0}, "base_lr", "greater than 0"),
        ({"steps": 20_001}, "steps", "less than or equal to 20000"),
        ({"schedule": "cyclic"}, "schedule", "Input should be"),
    ],
)  # fmt: skip
def test_bad_inputs_name_the_parameter(params, field, words):
    with pytest.raises(ValidationError) as error:
        LRScheduleParams(**params)
    messages = [(e["loc"][0], e["msg"]) for e in error.value.errors()]
    assert any(loc == field and words in msg for loc, msg in messages), messages


def test_api_422_names_the_field(client):
    r = client.post("/api/demos/lr-schedule", json={"steps": 5, "warmup_steps": 6})
    assert r.status_code == 422
    assert any(e["loc"][:2] == ["body", "warmup_steps"] for e in r.json()["detail"])
    ok = client.post("/api/demos/lr-schedule", json={"schedule": "constant", "steps": 3})
    assert ok.status_code == 200 and ok.json()["lr"] == [0.1, 0.1, 0.1]


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["constant", "step", "warmup-cosine", "one-cycle", "inverse-sqrt", "wsd"]),
    st.integers(1, 300),
    st.integers(0, 300),
    st.floats(0, 1),
    st.floats(1e-6, 10),
)
def test_random_inputs_are_rejected_or_give_finite_results(schedule, steps, warm, frac, base):
    run_or_reject(
        DEMO,
        {"schedule": schedule, "steps": steps, "warmup_steps": warm, "decay_fraction": frac,
         "base_lr": base, "compare": "wsd"},
    )  # fmt: skip


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)


def test_a_schedule_without_warm_up_ignores_warmup_steps():
    assert len(lr(schedule="step", steps=10)) == 10  # the default warmup_steps (20) is unused
