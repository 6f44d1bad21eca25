"""NumPy broadcasting, rule by rule, with the exact error NumPy raises when the shapes clash."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, field_validator

from app.demos.registry import Demo, DemoParams, Prediction

MAX_DIMS = 6
MAX_SIDE = 64
SCALAR_WORDS = {"()", "[]", "scalar"}

Shape = Annotated[
    list[Annotated[int, Field(ge=1, le=MAX_SIDE)]],
    Field(max_length=MAX_DIMS, description=f"≤ {MAX_DIMS} dimensions, each 1 to {MAX_SIDE}"),
]


class BroadcastingParams(DemoParams):
    a_shape: Shape = Field([4, 3], description="Shape of a, e.g. 4, 3; () for a scalar")
    b_shape: Shape = Field([3, 2], description="Shape of b, e.g. 3, 2; () for a scalar")
    op: Literal["elementwise", "matmul"] = Field(
        "elementwise", description="a * b (elementwise) or a @ b (matmul)"
    )

    @field_validator("a_shape", "b_shape", mode="before")
    @classmethod
    def _scalar(cls, value: Any) -> Any:
        """A form cannot send an empty list: "()" (or "[]", "scalar") stands for a 0-d shape."""
        text = value if isinstance(value, str) else None
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
            text = value[0]
        return [] if text is not None and text.strip() in SCALAR_WORDS else value


def broadcast_steps(
    a: tuple[int, ...], b: tuple[int, ...], skipped: int = 0
) -> tuple[list[dict[str, Any]], bool]:
    """Right-align the shapes, then compare each pair of sizes from the last axis backwards.

    ``skipped`` trailing axes (matmul's matrix axes) come after these, for the axis numbers.
    """
    steps = []
    ok = True
    for axis in range(-1, -max(len(a), len(b)) - 1, -1):
        x = a[axis] if -axis <= len(a) else None
        y = b[axis] if -axis <= len(b) else None
        if x is None or y is None:
            size = y if x is None else x
            missing = "a" if x is None else "b"
            note = f"{missing} has no axis here: it counts as 1 and stretches to {size}"
        elif x == y:
            size, note = x, f"equal sizes {x}: kept"
        elif 1 in (x, y):
            size = y if x == 1 else x
            note = f"{'a' if x == 1 else 'b'} has size 1: it stretches to {size}"
        else:
            size, ok = None, False
            note = f"{x} ≠ {y} and neither is 1: cannot broadcast"
        steps.append({"axis": axis - skipped, "a": x, "b": y, "result": size, "note": note})
    return steps, ok


def matmul_rule(
    a: tuple[int, ...], b: tuple[int, ...]
) -> tuple[list[str], list[dict[str, Any]], tuple[int, ...] | None]:
    """np.matmul: promote 1-D operands, match the inner sizes, broadcast the batch axes."""
    notes = []
    if not a or not b:
        notes.append("matmul does not take scalars (0-d arrays): use * instead")
        return notes, [], None
    a2, b2 = a, b
    if len(a) == 1:
        a2 = (1, *a)
        notes.append(f"a is 1-D: treated as a row {a2}, the added axis is dropped afterwards")
    if len(b) == 1:
        b2 = (*b, 1)
        notes.append(f"b is 1-D: treated as a column {b2}, the added axis is dropped afterwards")
    n, k = a2[-2:]
    k2, m = b2[-2:]
    inner = k == k2
    notes.append(
        f"core: ({n}, {k}) @ ({k2}, {m}) → "
        + (f"({n}, {m})" if inner else f"inner sizes {k} ≠ {k2}: cannot multiply")
    )
    batch_steps, batch_ok = broadcast_steps(a2[:-2], b2[:-2], skipped=2)
    if batch_steps:
        notes.append("batch axes (all but the last two) broadcast like elementwise operands")
    if not (inner and batch_ok):
        return notes, batch_steps, None
    core = (() if len(a) == 1 else (n,)) + (() if len(b) == 1 else (m,))
    return notes, batch_steps, np.broadcast_shapes(a2[:-2], b2[:-2]) + core


def numpy_error(a: tuple[int, ...], b: tuple[int, ...], op: str) -> str:
    """The message NumPy raises for these shapes; the arrays are 8-byte zero-stride views."""
    x, y = np.broadcast_to(np.zeros(()), a), np.broadcast_to(np.zeros(()), b)
    try:
        _ = x @ y if op == "matmul" else x * y
    except ValueError as error:
        return str(error)
    raise AssertionError(f"NumPy accepted {a} {op} {b}, which the rule rejected")


def compute(params: BroadcastingParams) -> dict[str, Any]:
    a, b = tuple(params.a_shape), tuple(params.b_shape)
    symbol = "@" if params.op == "matmul" else "*"
    if params.op == "matmul":
        notes, steps, shape = matmul_rule(a, b)
    else:
        steps, ok = broadcast_steps(a, b)
        notes = [f"right-align {a} and {b}; missing leading axes count as 1"]
        shape = np.broadcast_shapes(a, b) if ok else None
    return {
        "expression": f"np.empty({a}) {symbol} np.empty({b})",
        "notes": notes,
        "steps": steps,
        "ok": shape is not None,
        "result_shape": None if shape is None else list(shape),
        "error": None if shape is not None else numpy_error(a, b, params.op),
    }


def view(params: BroadcastingParams, result: dict[str, Any]) -> dict[str, Any]:
    """The two shapes right-aligned in columns, one column per compared axis."""
    steps = list(reversed(result["steps"]))

    def size(value: int | None) -> str:
        return "·" if value is None else str(value)

    return {
        "axes": [s["axis"] for s in steps],
        "aligned": [
            {"name": "a", "sizes": [size(s["a"]) for s in steps]},
            {"name": "b", "sizes": [size(s["b"]) for s in steps]},
            {"name": "result", "sizes": [size(s["result"]) if s["result"] else "✗" for s in steps]},
        ],
        "a": str(tuple(params.a_shape)),
        "b": str(tuple(params.b_shape)),
        "result": None if result["result_shape"] is None else str(tuple(result["result_shape"])),
    }


DEMO = Demo(
    slug="broadcasting",
    title="NumPy broadcasting",
    summary="Two shapes and an operation: the result shape, or the exact error NumPy raises.",
    params=BroadcastingParams,
    compute=compute,
    view=view,
    explain=(
        "Broadcasting lines the two shapes up on the right and compares sizes axis by axis: "
        "equal sizes are kept, a size of 1 (or a missing axis) stretches to match the other, and "
        "anything else is an error. Nothing is copied: the stretched axis is read again and "
        "again. `*` applies this rule to every axis, so (4, 3) * (3, 2) fails, while `@` "
        "multiplies the last two axes as matrices, (4, 3) @ (3, 2) → (4, 2), and broadcasts "
        "only the batch axes in front. A classic bug: (n,) − (n, 1) silently gives an (n, n) "
        "matrix instead of an error."
    ),
    examples={
        "maximum": {"a_shape": [MAX_SIDE] * MAX_DIMS, "b_shape": [MAX_SIDE] * MAX_DIMS},
        "matmul": {"op": "matmul"},
        "column-minus-row": {"a_shape": [5], "b_shape": [5, 1]},
        "batched-matmul": {"a_shape": [8, 1, 4, 3], "b_shape": [5, 3, 2], "op": "matmul"},
    },
    predict=Prediction(
        question=(
            "Combine a shape (5,) array with a shape (5, 1) array elementwise: error, shape (5,), "
            "or something else?"
        ),
        preset="column-minus-row",
        answer=(
            "Something else: the result has shape (5, 5). Right-aligned, (5,) becomes (1, 5) and "
            "each size-1 axis stretches to match the other, so a row and a column broadcast to a "
            "full table — a classic silent bug when you meant a per-element difference."
        ),
    ),
)
