"""Object detection post-processing: IoU, non-maximum suppression and COCO's AP@0.5, one class.

IoU and NMS follow torchvision.ops.box_iou / nms (boxes [x1, y1, x2, y2], a box is suppressed
when its IoU with a kept, higher-scoring box is > the threshold). AP follows pycocotools'
COCOeval for one image and one class: detections in score order (at most maxDets = 100) are
matched greedily to the unmatched ground-truth box of highest IoU ≥ 0.5, precision is made
monotone from the right and read at the 101 recall thresholds 0, 0.01, …, 1.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from app.charts.boxes import BoxGroup, boxes_svg
from app.charts.grids import heat_table
from app.charts.lines import Series, line_plot
from app.charts.scale import fmt
from app.charts.svg import PAIR_WIDTH
from app.demos.registry import Demo, DemoParams, Prediction

MAX_BOXES = 200
MAX_GROUND_TRUTH = 100
MAX_DETS = 100  # COCO's maxDets for AP
MATCH_IOU = 0.5  # AP@0.5
RECALL_THRESHOLDS = np.linspace(0, 1, 101)
SHOWN_IOU = 20  # rows and columns of the IoU table on the page; the JSON keeps all
COMPARED_NMS = (0.3, 0.5, 0.7, 1.0)  # NMS thresholds compared side by side

Coordinate = Annotated[float, Field(ge=-1e4, le=1e4)]
Box = Annotated[list[Coordinate], Field(min_length=4, max_length=4)]

# A scene of three objects: each is found twice or more, plus false positives.
DEFAULT_GROUND_TRUTH: list[list[float]] = [[10, 10, 40, 50], [55, 20, 90, 60], [30, 65, 70, 95]]
DEFAULT_BOXES: list[list[float]] = [
    [12, 12, 42, 50],
    [8, 14, 38, 52],
    [56, 22, 88, 58],
    [60, 25, 95, 62],
    [32, 66, 68, 92],
    [70, 70, 95, 95],
    [20, 28, 50, 60],
    [36, 60, 75, 90],
    [5, 70, 20, 90],
]
DEFAULT_SCORES = [0.95, 0.8, 0.9, 0.6, 0.7, 0.5, 0.85, 0.3, 0.2]


def _proper(boxes: list[list[float]] | None) -> list[list[float]] | None:
    for i, (x1, y1, x2, y2) in enumerate(boxes or []):
        if not (x2 > x1 and y2 > y1):
            raise ValueError(f"box {i} needs x2 > x1 and y2 > y1, got {[x1, y1, x2, y2]}")
    return boxes


class DetectionParams(DemoParams):
    boxes: list[Box] = Field(
        DEFAULT_BOXES,
        max_length=MAX_BOXES,
        description=f"Detections [x1, y1, x2, y2], one per row (≤ {MAX_BOXES})",
    )
    scores: list[Annotated[float, Field(ge=0, le=1)]] = Field(
        DEFAULT_SCORES,
        max_length=MAX_BOXES,
        validate_default=True,
        description="Confidence of each detection, in [0, 1]",
    )
    iou_threshold: float = Field(
        0.5,
        ge=0,
        le=1,
        description="NMS: suppress a box whose IoU with a kept, higher-scoring box is above this",
        json_schema_extra={"slider": [0, 1, 0.05]},
    )
    score_threshold: float = Field(
        0, ge=0, le=1, description="Detections scoring below this are dropped before NMS"
    )
    ground_truth: list[Box] | None = Field(
        DEFAULT_GROUND_TRUTH,
        max_length=MAX_GROUND_TRUTH,
        description=f"Ground-truth boxes of the one class (≤ {MAX_GROUND_TRUTH}); none: no AP",
    )

    @field_validator("boxes", "ground_truth")
    @classmethod
    def _proper_boxes(cls, boxes: list[list[float]] | None) -> list[list[float]] | None:
        return _proper(boxes)

    @field_validator("scores")
    @classmethod
    def _one_score_per_box(cls, scores: list[float], info: ValidationInfo) -> list[float]:
        boxes = info.data.get("boxes")
        if boxes is not None and len(scores) != len(boxes):
            raise ValueError(f"scores has {len(scores)} values but boxes has {len(boxes)} rows")
        return scores


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box of a with every box of b, as torchvision.ops.box_iou."""
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    return inter / (area_a[:, None] + area_b[None, :] - inter)


def nms(iou: np.ndarray, order: np.ndarray, threshold: float) -> tuple[list[int], dict[int, int]]:
    """Kept indices in score order, and which kept box suppressed each other one."""
    alive = np.ones(order.size, dtype=bool)
    kept: list[int] = []
    by: dict[int, int] = {}
    for pos, i in enumerate(order.tolist()):
        if not alive[pos]:
            continue
        kept.append(i)
        hit = np.nonzero(alive & (np.arange(order.size) > pos) & (iou[i, order] > threshold))[0]
        alive[hit] = False
        by.update(dict.fromkeys(order[hit].tolist(), i))
    return kept, by


def average_precision(
    dets: list[int], iou_gt: np.ndarray, n_gt: int
) -> tuple[float | None, list[dict[str, Any]], np.ndarray]:
    """COCO AP at IoU 0.5 of detections already in score order; see the module docstring."""
    free = np.ones(n_gt, dtype=bool)
    rows: list[dict[str, Any]] = []
    for d in dets:
        # COCOeval's loop: skip matched boxes, keep the last ground truth of highest IoU
        overlap = np.where(free, iou_gt[d], -1.0)[::-1]
        last = n_gt - 1 - int(np.argmax(overlap)) if n_gt else -1
        match = last if n_gt and overlap.max() >= min(MATCH_IOU, 1 - 1e-10) else -1
        if match >= 0:
            free[match] = False
        rows.append({"index": d, "match": match if match >= 0 else None, "tp": match >= 0})
    if n_gt == 0:
        return None, rows, np.zeros(0)
    if not rows:
        return 0.0, rows, np.zeros(RECALL_THRESHOLDS.size)
    tp = np.cumsum([r["tp"] for r in rows], dtype=float)
    fp = np.cumsum([not r["tp"] for r in rows], dtype=float)
    recall = tp / n_gt
    precision = tp / (tp + fp)
    for r, p, q in zip(rows, precision.tolist(), recall.tolist(), strict=True):
        r["precision"], r["recall"] = p, q
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    at = np.searchsorted(recall, RECALL_THRESHOLDS, side="left")
    sampled = np.where(at < len(rows), envelope[np.minimum(at, len(rows) - 1)], 0.0)
    return float(sampled.mean()), rows, sampled


def evaluate(params: DetectionParams, threshold: float) -> dict[str, Any]:
    boxes = np.array(params.boxes, dtype=float).reshape(-1, 4)
    scores = np.array(params.scores, dtype=float)
    iou = box_iou(boxes, boxes)
    candidates = np.nonzero(scores >= params.score_threshold)[0]
    order = candidates[np.argsort(-scores[candidates], kind="stable")]  # ties: lower index
    kept, by = nms(iou, order, threshold)
    gt = np.array(params.ground_truth or [], dtype=float).reshape(-1, 4)
    iou_gt = box_iou(boxes, gt)
    ap, rows, sampled = average_precision(kept[:MAX_DETS], iou_gt, len(gt))
    return {
        "iou": iou,
        "kept": kept,
        "suppressed_by": by,
        "ap50": ap,
        "matches": rows,
        "interpolated": sampled,
    }


def compute(params: DetectionParams) -> dict[str, Any]:
    main = evaluate(params, params.iou_threshold)
    scores = params.scores
    return {
        "iou": main["iou"].tolist(),
        "kept": main["kept"],
        "ap50": main["ap50"],
        "suppressed_by": {str(k): v for k, v in sorted(main["suppressed_by"].items())},
        "dropped_by_score": [i for i, s in enumerate(scores) if s < params.score_threshold],
        "matches": main["matches"],
        "interpolated_precision": main["interpolated"].tolist(),
        "ap50_by_nms_threshold": [
            {"iou_threshold": t, "kept": len(e["kept"]), "ap50": e["ap50"]}
            for t in COMPARED_NMS
            for e in [evaluate(params, t)]
        ],
    }


def view(params: DetectionParams, result: dict[str, Any]) -> dict[str, Any]:
    """Boxes (ground truth, kept, suppressed), the IoU table, the precision–recall curve."""
    boxes = params.boxes
    kept = result["kept"]
    suppressed = [int(k) for k in result["suppressed_by"]]
    tp = {m["index"]: m["tp"] for m in result["matches"]}
    gt = params.ground_truth or []
    groups = [
        BoxGroup("ground truth", gt, "series-3", True, [f"g{g}" for g in range(len(gt))]),
        BoxGroup(
            "kept",
            [boxes[i] for i in kept],
            "series-1",
            False,
            [
                f"#{i} {params.scores[i]:.2f}" + ("" if i not in tp else " ✓" if tp[i] else " ✗")
                for i in kept
            ],
        ),
        BoxGroup("suppressed", [boxes[i] for i in suppressed], "series-2", True),
    ]
    picture = boxes_svg(
        groups,
        title="Detections after NMS against the ground truth",
        desc=f"{len(kept)} kept boxes, {len(suppressed)} suppressed, {len(gt)} ground-truth "
        "boxes; y grows downward as in an image; ✓ marks a true positive at IoU ≥ 0.5",
        width=PAIR_WIDTH,
    )
    pr_svg = ""
    if result["ap50"] is not None and result["matches"]:
        recall = [0.0] + [m["recall"] for m in result["matches"]]
        precision = [1.0] + [m["precision"] for m in result["matches"]]
        pr_svg = line_plot(
            [
                Series(recall, precision, "precision", kind="both"),
                Series(
                    RECALL_THRESHOLDS,
                    result["interpolated_precision"],
                    "interpolated (101 points)",
                    dashed=True,
                ),
            ],
            title="Precision against recall",
            desc=f"Precision and recall after each kept detection in score order; AP@0.5 = "
            f"{result['ap50']:.4f}, the mean of the interpolated curve at 101 recall values",
            x_label="recall",
            y_label="precision",
            x_range=(0, 1),
            y_range=(0, 1.05),
            width=PAIR_WIDTH,
        )
    n = min(len(boxes), SHOWN_IOU)
    iou = np.array(result["iou"]).reshape(len(boxes), len(boxes))[:n, :n]
    order = kept + suppressed + result["dropped_by_score"]
    rows = []
    matches = {m["index"]: m for m in result["matches"]}
    for i in sorted(order, key=lambda i: (-params.scores[i], i)):
        m = matches.get(i)
        status = (
            "kept"
            if i in kept
            else f"suppressed by #{result['suppressed_by'][str(i)]}"
            if str(i) in result["suppressed_by"]
            else "below score threshold"
        )
        rows.append(
            {
                "index": i,
                "score": fmt(params.scores[i]),
                "status": status,
                "kept": i in kept,
                "match": ""
                if m is None
                else ("g" + str(m["match"]) if m["tp"] else "false positive"),
                "precision": "" if m is None or "precision" not in m else fmt(m["precision"]),
                "recall": "" if m is None or "recall" not in m else fmt(m["recall"]),
            }
        )
    return {
        "boxes_svg": picture,
        "pr_svg": pr_svg,
        "iou": heat_table(iou) if n else [],
        "iou_cut": len(boxes) > SHOWN_IOU,
        "rows": rows,
        "ap50": "—" if result["ap50"] is None else f"{result['ap50']:.4f}",
        "compare": [
            {
                "threshold": fmt(c["iou_threshold"]),
                "kept": c["kept"],
                "ap50": "—" if c["ap50"] is None else f"{c['ap50']:.4f}",
                "current": c["iou_threshold"] == params.iou_threshold,
            }
            for c in result["ap50_by_nms_threshold"]
        ],
    }


DEMO = Demo(
    slug="detection",
    title="IoU, non-maximum suppression and AP@0.5",
    summary="Which boxes NMS keeps, how they match the ground truth, and COCO's average "
    "precision at IoU 0.5.",
    params=DetectionParams,
    compute=compute,
    view=view,
    explain=(
        "A detector proposes many overlapping boxes per object. Intersection over union "
        "(IoU, area of overlap / area of union) measures how much two boxes agree. "
        "Non-maximum suppression visits the boxes from the highest score down, keeps a box, "
        "and suppresses every remaining box whose IoU with it exceeds the threshold "
        "(torchvision's `nms`). A low threshold also removes boxes of neighbouring objects; "
        "a high one leaves duplicates, and each duplicate is a false positive, since a "
        "ground-truth box can be matched only once. COCO's AP@0.5 walks the kept detections "
        "in score order, matching each to the unmatched ground-truth box it overlaps most "
        "(IoU ≥ 0.5), makes precision monotone from the right and averages it at 101 recall "
        "values: the area under the stepped precision–recall curve."
    ),
    examples={
        "maximum": {
            "boxes": [
                [float(i % 20) * 10, float(i // 20) * 10, i % 20 * 10 + 14.0, i // 20 * 10 + 14.0]
                for i in range(MAX_BOXES)
            ],
            "scores": [round(1 - i / MAX_BOXES, 4) for i in range(MAX_BOXES)],
            "ground_truth": [
                [float(i % 10) * 20, float(i // 10) * 20, i % 10 * 20 + 12.0, i // 10 * 20 + 12.0]
                for i in range(MAX_GROUND_TRUTH)
            ],
            "iou_threshold": 0.7,
        },
        "no-nms": {"iou_threshold": 1.0},
        "aggressive-nms": {"iou_threshold": 0.1},
        "score-threshold": {"score_threshold": 0.55},
        "crowd": {
            "boxes": [[10, 10, 50, 50], [30, 10, 70, 50], [20, 10, 60, 50]],
            "scores": [0.9, 0.85, 0.6],
            "ground_truth": [[10, 10, 50, 50], [30, 10, 70, 50]],
            "iou_threshold": 0.3,
        },
    },
    predict=Prediction(
        question="Two people stand side by side, their boxes overlapping with IoU 1/3. The "
        "detector finds both. What happens to AP@0.5 when the NMS threshold drops to 0.3?",
        preset="crowd",
        answer="It falls from 1 to about 0.5: NMS keeps the higher-scoring box and suppresses "
        "the other person's box, since their IoU (1/3) exceeds 0.3. Recall can no longer "
        "reach 1. Raise the threshold to 0.5 and both are kept; the third box (a duplicate, "
        "IoU 0.6 with each) is then suppressed, and AP is 1.",
    ),
)
