"""detection: IoU and NMS by hand (torchvision's rules), COCO's 101-point AP on small scenes."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.detection import DEMO, DetectionParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject

G = [[0, 0, 10, 10], [20, 0, 30, 10]]


def test_iou_by_hand():
    # [0,0,10,10] vs [1,0,11,10]: overlap 9·10 = 90, union 100 + 100 − 90 = 110
    r = compute(
        DetectionParams(
            boxes=[[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]],
            scores=[0.9, 0.8, 0.7],
            ground_truth=None,
        )
    )
    assert r["iou"][0][1] == pytest.approx(90 / 110)
    assert r["iou"][1][0] == pytest.approx(90 / 110)
    assert r["iou"][0][0] == 1 and r["iou"][0][2] == 0


@pytest.mark.parametrize(("threshold", "kept"), [(0.5, [0, 2]), (0.9, [0, 1, 2])])
def test_nms_suppresses_above_the_threshold(threshold, kept):
    r = compute(
        DetectionParams(
            boxes=[[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]],
            scores=[0.9, 0.8, 0.7],
            iou_threshold=threshold,
        )
    )
    assert r["kept"] == kept


def test_nms_keeps_a_box_whose_iou_equals_the_threshold():
    # [0,0,3,1] vs [1,0,4,1]: overlap 2, union 4 -> IoU exactly 0.5, not > 0.5
    boxes = [[0, 0, 3, 1], [1, 0, 4, 1]]
    assert compute(DetectionParams(boxes=boxes, scores=[0.6, 0.9]))["kept"] == [1, 0]
    assert compute(DetectionParams(boxes=boxes, scores=[0.6, 0.9], iou_threshold=0.49))["kept"] == [
        1
    ]


def test_a_suppressed_box_does_not_suppress_others():
    # 0 suppresses 1 (IoU 0.6); 1 would suppress 2 (IoU 0.6) but is gone; 0 and 2 overlap 1/3
    boxes = [[10, 10, 50, 50], [20, 10, 60, 50], [30, 10, 70, 50]]
    r = compute(DetectionParams(boxes=boxes, scores=[0.9, 0.8, 0.7], iou_threshold=0.5))
    assert r["kept"] == [0, 2]
    assert r["suppressed_by"] == {"1": 0}


def test_score_threshold_drops_before_nms():
    boxes = [[0, 0, 10, 10], [1, 0, 11, 10]]
    r = compute(DetectionParams(boxes=boxes, scores=[0.3, 0.8], score_threshold=0.5))
    assert r["kept"] == [1] and r["dropped_by_score"] == [0]


def test_ap_by_hand_tp_fp_tp():
    # score order: TP (g0), FP, TP (g1); recall 0.5, 0.5, 1; precision 1, 1/2, 2/3.
    # Monotone from the right: 1, 2/3, 2/3. Recall thresholds 0..0.50 (51 of them) read 1,
    # 0.51..1.00 (50) read 2/3: AP = (51 + 50·2/3) / 101 = 0.834983...
    boxes = [[0, 0, 10, 10], [50, 50, 60, 60], [20, 0, 30, 10]]
    r = compute(DetectionParams(boxes=boxes, scores=[0.9, 0.8, 0.7], ground_truth=G))
    assert r["ap50"] == pytest.approx((51 + 50 * 2 / 3) / 101)
    assert r["ap50"] == pytest.approx(0.8349835, abs=1e-7)


def test_ap_counts_an_unsuppressed_duplicate_as_a_false_positive():
    # the duplicate of g0 (IoU 0.82) is kept with NMS at 0.9, and g0 is already matched:
    # TP, FP, TP as above
    boxes = [[0, 0, 10, 10], [1, 0, 11, 10], [20, 0, 30, 10]]
    r = compute(
        DetectionParams(boxes=boxes, scores=[0.9, 0.8, 0.7], ground_truth=G, iou_threshold=0.9)
    )
    assert [m["tp"] for m in r["matches"]] == [True, False, True]
    assert r["ap50"] == pytest.approx((51 + 50 * 2 / 3) / 101)
    suppressed = compute(DetectionParams(boxes=boxes, scores=[0.9, 0.8, 0.7], ground_truth=G))
    assert suppressed["ap50"] == pytest.approx(1.0)


def test_ap_with_a_missed_object_and_without_ground_truth():
    # one TP out of two objects: recall reaches only 0.5 -> 51 of 101 thresholds read 1
    r = compute(DetectionParams(boxes=[[0, 0, 10, 10]], scores=[0.9], ground_truth=G))
    assert r["ap50"] == pytest.approx(51 / 101)
    assert (
        compute(DetectionParams(boxes=[[0, 0, 10, 10]], scores=[0.9], ground_truth=None))["ap50"]
        is None
    )
    assert compute(DetectionParams(boxes=[], scores=[], ground_truth=G))["ap50"] == 0


def test_iou_exactly_half_matches():
    # det [0,0,10,10] vs gt [0,0,20,10]: IoU 100/200 = 0.5 counts (IoU ≥ 0.5)
    r = compute(
        DetectionParams(boxes=[[0, 0, 10, 10]], scores=[0.9], ground_truth=[[0, 0, 20, 10]])
    )
    assert r["ap50"] == pytest.approx(1.0)


def test_default_scene():
    # order 0 (TP), 2 (TP), 6 (FP), 4 (TP), 5, 8 (FP): envelope 1 up to recall 2/3, then 0.75
    r = compute(DetectionParams())
    assert r["kept"] == [0, 2, 6, 4, 5, 8]
    assert r["ap50"] == pytest.approx((67 + 34 * 0.75) / 101)


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"boxes": [[0, 0, 0, 1]], "scores": [1]}, "boxes", "box 0 needs x2 > x1"),
        (
            {"boxes": [[0, 0, 1, 1]], "scores": [1, 0.5]},
            "scores",
            "scores has 2 values but boxes has 1",
        ),
        ({"boxes": [[0, 0, 1]], "scores": [1]}, "boxes", "at least 4"),
        ({"iou_threshold": 1.5}, "iou_threshold", "less than or equal to 1"),
    ],
)
def test_bad_inputs_name_the_parameter(params, field, words):
    with pytest.raises(ValidationError) as error:
        DetectionParams(**params)
    messages = [(e["loc"][0], e["msg"]) for e in error.value.errors()]
    assert any(loc == field and words in msg for loc, msg in messages), messages


def test_api_422_names_the_field(client):
    r = client.post("/api/demos/detection", json={"boxes": [[0, 0, 1, 1]], "scores": [0.5, 0.4]})
    assert r.status_code == 422
    assert any(e["loc"][:2] == ["body", "scores"] for e in r.json()["detail"])


BOX = st.tuples(st.floats(-100, 100), st.floats(-100, 100), st.floats(0, 50), st.floats(0, 50))


@settings(max_examples=40, deadline=None)
@given(st.lists(BOX, max_size=12), st.lists(BOX, max_size=6), st.floats(0, 1), st.data())
def test_random_inputs_are_rejected_or_give_finite_results(dets, gts, threshold, data):
    boxes = [[x, y, x + w, y + h] for x, y, w, h in dets]
    scores = data.draw(st.lists(st.floats(0, 1), min_size=len(boxes), max_size=len(boxes)))
    run_or_reject(
        DEMO,
        {
            "boxes": boxes,
            "scores": scores,
            "iou_threshold": threshold,
            "ground_truth": [[x, y, x + w, y + h] for x, y, w, h in gts],
        },
    )


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
