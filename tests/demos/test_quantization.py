"""quantization: integer scales and zero points by hand, float grids at known values."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.quantization import DEMO, QuantizationParams, compute, errors
from tests.demos._finite import assert_pages_render, run_or_reject


def run(x, **values):
    return compute(QuantizationParams(x=x, **values))


def test_symmetric_int8_per_tensor_scale_is_max_abs_over_127():
    # max |x| = 2.54: scale 0.02; -1 → -50, 0.5 → 25, 2.54 → 127, all exact
    result = run([[-1, 0.5, 2.54]])
    assert result["scale"] == pytest.approx([0.02])
    assert result["zero_point"] == [0]
    assert result["dequantized"][0] == pytest.approx([-1, 0.5, 2.54])
    assert result["sqnr_db"] is None or result["sqnr_db"] > 290  # exact up to float rounding


def test_round_half_to_even():
    # scale 127/127 = 1: 2.5 → 2, 3.5 → 4, -0.5 → 0
    result = run([[2.5, 3.5, -0.5, 127]])
    assert result["dequantized"][0] == [2, 4, 0, 127]


def test_symmetric_int4_and_its_error_by_hand():
    # scale 1/7; 0.3 · 7 = 2.1 → 2 → 2/7; error 0.3 − 2/7 = 1/70
    result = run([[1, 0.3]], format="int4")
    assert result["scale"] == pytest.approx([1 / 7])
    assert result["dequantized"][0] == pytest.approx([1, 2 / 7])
    err = 0.3 - 2 / 7
    assert result["mse"] == pytest.approx(err**2 / 2)
    assert result["sqnr_db"] == pytest.approx(10 * math.log10((1 + 0.09) / err**2))


def test_asymmetric_range_includes_zero_and_has_a_zero_point():
    # lo = -1, hi = 3: scale 4/255, zero point round(63.75) = 64; -1 → round(-63.75) + 64 = 0,
    # dequantized (0 − 64) · 4/255 = -1.00392; 3 → 191.25 → 191 + 64 = 255 → 191 · 4/255
    result = run([[-1, 3]], symmetric=False)
    scale = 4 / 255
    assert result["scale"] == pytest.approx([scale]) and result["zero_point"] == [64]
    assert result["dequantized"][0] == pytest.approx([-64 * scale, 191 * scale])
    # all positive: lo = min(min x, 0) = 0, zero point 0, scale 4/255
    positive = run([[1, 2, 4]], symmetric=False)
    assert positive["zero_point"] == [0] and positive["scale"] == pytest.approx([4 / 255])


def test_a_block_of_zeros_gets_scale_one():
    result = run([[0, 0], [1, -2]], granularity="channel")
    assert result["scale"] == pytest.approx([1, 2 / 127])
    assert run([[0, 0]], symmetric=False)["scale"] == [1]
    assert run([[0, 0]])["sqnr_db"] is None


def test_per_channel_and_per_group_scales():
    x = [[1, 2, 3, 4], [-8, 0, 0, 1]]
    assert run(x, granularity="channel")["scale"] == pytest.approx([4 / 127, 8 / 127])
    groups = run(x, granularity="group", group_size=2)["scale"]
    assert groups == pytest.approx([2 / 127, 4 / 127, 8 / 127, 1 / 127])


def test_outliers_ruin_the_per_tensor_scale():
    by = {
        (c["format"], c["granularity"]): c["sqnr_db"]
        for c in compute(QuantizationParams())["comparison"]
    }
    assert by[("int8", "tensor")] < by[("int8", "channel")] < by[("int8", "group")]
    assert by[("int4", "tensor")] < 10 < by[("int4", "group")]


def test_float16_known_values():
    # fp16(0.1) = 0x2E66 = 0.0999755859375; 70000 clamps to the largest finite, 65504
    result = run([[0.1, 70000, -1e5, 1]], format="fp16")
    assert result["dequantized"][0] == [0.0999755859375, 65504, -65504, 1]
    assert result["scale"] == [1.0] and result["zero_point"] == [0]


def test_bfloat16_rounds_the_top_16_bits_to_nearest_even():
    # 0.1 = 0x3DCCCCCD in float32: the dropped half 0xCCCD > 0x8000, round up to 0x3DCD
    # = 0.10009765625; 1 + 2^-8 is a tie between 1 and 1 + 2^-7: even → 1;
    # 1 + 3·2^-8 is a tie between 1 + 2^-7 (odd) and 1 + 2^-6 (even) → 1.015625
    # 1e6 = 1.1110100|001001… × 2^19: the dropped bits are below half → 1.90625 · 2^19 = 999424
    result = run([[0.1, 1 + 2**-8, 1 + 3 * 2**-8, 1e6]], format="bf16")
    assert result["dequantized"][0] == [0.10009765625, 1.0, 1.015625, 999424.0]


def test_fp8_e4m3_known_values():
    # 0.1 = 1.6 · 2^-4, step 2^-7: 12.8 steps → 13 → 0.1015625. Max 448; 500 clamps.
    # 432 is the midpoint of 416 (mantissa 101) and 448 (110): even → 448.
    # Subnormals step 2^-9: 2^-10 ties 0 and 2^-9 → 0; 3·2^-10 ties 2^-9 and 2^-8 → 2^-8.
    x = [[0.1, 448, 500, -1000, 432, 2**-10, 3 * 2**-10, 2**-9]]
    result = run(x, format="fp8-e4m3")
    assert result["dequantized"][0] == [0.1015625, 448, 448, -448, 448, 0, 2**-8, 2**-9]


def test_fp8_e5m2_known_values():
    # 0.1: step 2^-6 = 0.015625, 6.4 steps → 6 → 0.09375. Max 57344; subnormal step 2^-16.
    x = [[0.1, 57344, 1e6, 2**-16, 2**-17, 3 * 2**-17, 2**-14]]
    result = run(x, format="fp8-e5m2")
    assert result["dequantized"][0] == [0.09375, 57344, 57344, 2**-16, 0, 2**-15, 2**-14]


def test_e4m3_grid_has_the_format_s_spacing_between_powers_of_two():
    # between 1 and 2 the step is 2^-3: 1.0625 (a tie between 1 and 1.125) → 1 (even)
    values = [1.0625, 1.1, 1.1875, 17.0, 18.0]
    got = run([values], format="fp8-e4m3")["dequantized"][0]
    # 17 ties 16 and 18 (step 2 at 16): even mantissa → 16; 1.1875 ties 1.125 (odd), 1.25 → 1.25
    assert got == [1.0, 1.125, 1.25, 16.0, 18.0]


def test_a_vector_keeps_its_shape():
    # scale 1/127: -0.5 is -63.5 steps, a tie → -64 (even) → -64/127
    result = run([1.0, -0.5], format="int8")
    assert result["dequantized"] == pytest.approx([1.0, -64 / 127])
    assert len(result["scale"]) == 1


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"x": [[1, 2, 3]], "granularity": "group", "group_size": 2}, "group_size",
         "does not divide the rows of x (3)"),
        ({"cols": 30, "granularity": "group", "group_size": 8}, "group_size", "cols (30)"),
        ({"cols": 30, "granularity": "group"}, "group_size", "group_size = 8 does not divide"),
        ({"x": [[1, 2], [3]]}, "x", "rectangular"),
        ({"format": "int2"}, "format", "Input should be"),
        ({"rows": 65}, "rows", "less than or equal to 64"),
    ],
)  # fmt: skip
def test_bad_inputs_name_the_parameter(params, field, words):
    with pytest.raises(ValidationError) as error:
        QuantizationParams(**params)
    messages = [(e["loc"][0], e["msg"]) for e in error.value.errors()]
    assert any(loc == field and words in msg for loc, msg in messages), messages


def test_group_size_matters_only_for_groups():
    assert QuantizationParams(cols=30, group_size=8).granularity == "tensor"


def test_api_422_names_the_field(client):
    r = client.post("/api/demos/quantization",
                    json={"x": [[1, 2, 3]], "granularity": "group", "group_size": 2})  # fmt: skip
    assert r.status_code == 422
    assert any(e["loc"][:2] == ["body", "group_size"] for e in r.json()["detail"])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.floats(-1e6, 1e6), min_size=4, max_size=4), min_size=1, max_size=3),
    st.sampled_from(["int8", "int4", "fp16", "bf16", "fp8-e4m3", "fp8-e5m2"]),
    st.booleans(),
    st.sampled_from(["tensor", "channel", "group"]),
    st.sampled_from([1, 2, 3, 4]),
)
def test_random_inputs_are_rejected_or_give_finite_results(x, name, symmetric, granularity, g):
    params = {"x": x, "format": name, "symmetric": symmetric, "granularity": granularity,
              "group_size": g}  # fmt: skip
    run_or_reject(DEMO, params)


@settings(max_examples=60, deadline=None)
@given(st.floats(-448, 448), st.sampled_from(["fp8-e4m3", "fp8-e5m2", "fp16"]))
def test_float_casts_land_on_the_nearest_grid_value(v, name):
    got = run([[v]], format=name)["dequantized"][0][0]
    v32 = float(np.float32(v))
    if name == "fp16":
        assert got == float(np.float16(v32))
        return
    mantissa, bias = (3, 7) if name == "fp8-e4m3" else (2, 15)
    e = max(math.frexp(abs(v32))[1] - 1, 1 - bias) if v32 else 1 - bias
    step = 2.0 ** (e - mantissa)
    assert abs(got - v32) <= step / 2 and (got / step) == round(got / step)


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)


def test_sqnr_stays_finite_when_the_error_is_subnormal():
    # Σx² = 1 and Σ(x − x̂)² = (1e-160)² = 1e-320 (subnormal): 10·(log10 1 − log10 1e-320) ≈ 3200 dB,
    # where the ratio 1 / 1e-320 overflows to infinity.
    _, sqnr = errors(np.array([[1.0, 1e-160]]), np.array([[1.0, 0.0]]))
    assert sqnr == pytest.approx(3200.0, rel=1e-6)
