"""Every problem template: the demo's function and the worked steps agree over many draws,
the draws are sound, and one fixed seed gives the value computed by hand."""

from __future__ import annotations

import math

import pytest

from app.demos.links import demo_href
from app.demos.registry import get_demo
from app.problems import parse
from app.problems.core import Answer
from app.problems.registry import GENERATORS, placeholders, review_seed

SEEDS = range(200)
NAMES = sorted(GENERATORS)


def _agree(answer: Answer, worked: object) -> bool:
    """The demo's answer and the hand-worked one are the same number(s), to rounding."""
    value = answer.value
    if answer.kind in ("number", "bytes"):
        return math.isclose(value, worked, rel_tol=1e-9, abs_tol=1e-12)
    if answer.kind == "numbers":
        return all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
                   for a, b in zip(value, worked, strict=True))  # fmt: skip
    return value == worked


def _flat(value: object) -> list[float]:
    if isinstance(value, tuple):
        return [float(v) for v in value]
    return [float(value)] if isinstance(value, int | float) else []


def test_at_least_forty_templates_over_the_topics() -> None:
    assert len(GENERATORS) >= 40
    assert len({g.topic for g in GENERATORS.values()}) >= 15


@pytest.mark.parametrize("name", NAMES)
def test_demo_function_and_worked_steps_agree_over_200_draws(name: str) -> None:
    generator = GENERATORS[name]
    values = set()
    for seed in SEEDS:
        drawn = generator.draw(seed)
        assert _agree(drawn.answer, drawn.worked), (seed, drawn.params, drawn.answer, drawn.worked)
        assert drawn.steps and "**" in drawn.steps[-1], "the last step states the answer in bold"
        assert set(drawn.shown) == placeholders(name), "every draw fills the same placeholders"
        for x in _flat(drawn.answer.value):
            assert math.isfinite(x) and abs(x) < 1e16, (seed, x)
        if drawn.answer.kind == "integer":
            assert drawn.answer.value > 0, (seed, drawn.params)
        values.add(repr(drawn.answer.value))
    assert len(values) >= 5, f"only {len(values)} different answers in {len(SEEDS)} draws"


@pytest.mark.parametrize("name", NAMES)
def test_draws_are_pure_functions_of_the_seed(name: str) -> None:
    first, again = GENERATORS[name].draw(123), GENERATORS[name].draw(123)
    assert first.params == again.params and first.answer == again.answer


@pytest.mark.parametrize("name", NAMES)
def test_the_expected_answer_typed_back_is_correct_and_a_wrong_one_is_not(name: str) -> None:
    for seed in range(40):
        answer = GENERATORS[name].draw(seed).answer
        assert parse.check(answer, parse.expected_text(answer)).correct, (seed, answer)
        wrong = _wrong(answer)
        assert not parse.check(answer, wrong).correct, (seed, answer, wrong)


def _wrong(answer: Answer) -> str:
    v = answer.value
    if answer.kind == "integer":
        return str(v + 1)

    def off(x: float) -> str:  # just outside the tolerance
        return repr(x + max(0.1 * abs(x), 2 * answer.abs_tol))

    if answer.kind in ("number", "bytes"):
        return off(v)
    if answer.kind == "numbers":
        return ", ".join(off(x) for x in v)
    if answer.kind == "shape":
        return "(9, 9, 9, 9)" if v is not None else "(1,)"
    missing = [c for c in answer.choices if c not in v]
    return ", ".join(sorted(v)[1:] or missing[:1]) if len(v) > 1 else ", ".join([*v, *missing[:1]])


@pytest.mark.parametrize("name", NAMES)
def test_demo_presets_are_accepted_and_run(name: str) -> None:
    for seed in range(12):
        drawn = GENERATORS[name].draw(seed)
        if drawn.demo is None:
            continue
        slug, params = drawn.demo
        demo = get_demo(slug)
        assert demo is not None, slug
        demo.compute(demo.params.model_validate(params))
        assert demo_href(slug, params).startswith(f"/demos/{slug}")


def test_review_seeds_are_stable_per_attempt_and_bounded() -> None:
    assert review_seed(1, "compute-conv-output-size", 0) == review_seed(
        1, "compute-conv-output-size", 0
    )
    seeds = {review_seed(1, "compute-conv-output-size", n) for n in range(50)}
    assert len(seeds) == 50 and all(0 <= s < 2**32 for s in seeds)


# Seed 7 of every template, its answer worked by hand from the drawn numbers.
GOLDEN: dict[str, object] = {
    "conv-output-size": (27 + 2 * 3 - 5) // 3 + 1,  # n=27 k=5 s=3 p=3 → 10
    "pool-output-size": (107 - 3) // 2 + 1,  # 53
    "conv-stem-output": ((384 + 4 - 5) // 2 + 1 + 2 - 3) // 2 + 1,  # 192 → 96
    "conv-layer-params": 7 * 7 * 64 * 256,  # no bias: 802,816
    "separable-conv-params": 25 * 128 + 128 * 256,  # 35,968
    "receptive-field-stack": 1 + 4 * 4 + 1 + 4 * 2 + 2 + 4 * 4,  # pools after conv4, conv5: 44
    "box-iou": (58 - 38) * (47 - 31) / (31 * 37 + 35 * 16 - 20 * 16),  # 320/1387
    "softmax-temperature": (0.0528, 0.2365, 0.6429, 0.0678),  # z/2 = (-1.5, 0, 1, -1.25)
    "sigmoid-derivative": (0.97340, 0.02589),  # σ(3.6)
    "activation-value": math.tanh(0.8),
    "bce-from-logit": (math.log(1 + math.exp(-3.6)), 1 / (1 + math.exp(-3.6)) - 1),
    "softmax-cross-entropy": 2.35527,  # log Σ e^z = 3.35527, minus z₁ = 1
    "momentum-steps": 3 - 0.01 * 0.5 - 0.01 * (0.8 * 0.5 + 0.8),  # 2.983
    "adam-steps": 2.98014,  # first step −0.01 exactly, second −0.009861
    "warmup-cosine-lr": 3e-5 + (3e-3 - 3e-5) * (1 + math.cos(math.pi * 5582 / 9800)) / 2,
    "wsd-lr": 3e-3 * (1 - (9551 - 8000 + 1) / 2000),  # 0.000672
    "step-decay-lr": 0.05 * 0.5**2,  # ⌊54/20⌋ = 2
    "iterations-per-epoch": 739,  # ⌈94546/128⌉ = ⌈738.6⌉
    "mlp-params": 100 * 512 + 512 + 512 * 32 + 32 + 32 * 100 + 100,  # 71,428
    "batchnorm-output": 2 * (5 - 3.5) / math.sqrt(1.625 + 1e-5) - 0.5,  # 1.85339
    "init-std": 1 / 32,  # Xavier, n = 1024: √(2/2048)
    "dropout-scaling": (2.7 / 0.75, 2.7 * 0.75),  # (3.6, 2.025)
    "precision-recall-f1": (190 / 253, 190 / 259, 0.7421875),  # F1 = 380/512
    "lstm-params": 4 * (256 * 300 + 256 * 256 + 2 * 256),  # 571,392
    "attention-weights": (0.61999, 0.07432, 0.30570),  # scores (4, 1, 3)/√2
    "attention-params": 4 * 4096**2,
    "broadcast-shape": (3, 4, 5),
    "matmul-shape": (10, 8, 7),
    "transformer-params": 12 * 80 * 8192**2 + 128256 * 8192,  # 6.5475e10
    "forward-flops": 2 * 175e9 * 4096,  # 1.4336e15
    "gqa-cache-saving": 2 * 28 * 128 * 32768 * 2 * (28 - 4),  # 10.5 GiB
    "rope-angle": 1000 * 10000 ** (-10 / 128),  # 486.97
    "kv-cache-bytes": 2 * 28 * 4 * 128 * 8192 * 16 * 2,  # 7 GiB
    "speculative-expected-tokens": (1 - 0.95**7) / 0.05,  # 6.0333
    "decode-tokens-per-second": 3350e9 / 70e9,  # 47.86
    "zero-memory-per-gpu": 70e9 * (2 + 2 / 64 + 12 / 64),  # 1.553e11
    "pipeline-bubble": 15 / 47,
    "chinchilla-optimum": (1.1682e11, 1.4267e13),
    "training-days": 6 * 70e9 * 2e12 / (2048 * 989e12 * 0.4) / 86400,  # 12.0
    "lora-params": 80 * 4 * 16 * (8192 + 8192),  # 83,886,080
    "int8-quantization": (1.78 / 127, 79 * 1.78 / 127),  # 1.11/s = 79.2 → q = 79
    "weight-memory": 405e9,
    "top-p-kept": frozenset({"2", "1", "4"}),  # 0.3 + 0.25 + 0.2 ≥ 0.6
    "top-k-renormalized": 0.3 / 0.55,
    "min-p-kept": frozenset({"4"}),  # threshold 0.5 · 0.5 = 0.25: only 0.5 stays
    "dpo-loss": math.log1p(math.exp(-0.2 * ((-38.5 + 29) - (-27 + 36.5)))),  # margin −3.8
    "grpo-advantage": -0.28197,  # (0.5 − 0.625)/0.4432
    "perplexity": math.exp(3.85),
    "bits-per-byte": 3.85 * 2000 / 8400 / math.log(2),
    "bpe-merges": 3,  # newest → new, est, </w>
    "tfidf-weight": 7 / 500 * math.log10(1e6 / 500),  # 0.014 · 3.301
    "cosine-similarity": 24 / (math.sqrt(24) * math.sqrt(26)),  # a·b = 16 + 2 + 6,
}


def test_every_template_has_a_golden_value() -> None:
    assert set(GOLDEN) == set(GENERATORS)


@pytest.mark.parametrize("name", NAMES)
def test_golden_value_for_seed_7(name: str) -> None:
    answer = GENERATORS[name].draw(7).answer
    golden = GOLDEN[name]
    if isinstance(golden, tuple) and answer.kind == "numbers":
        assert all(math.isclose(a, g, rel_tol=1e-3) for a, g in zip(answer.value, golden,
                                                                      strict=True))  # fmt: skip
    elif isinstance(golden, float):
        assert math.isclose(answer.value, golden, rel_tol=1e-4), (answer.value, golden)
    else:
        assert answer.value == golden
