"""Axis titles never overlap tick labels, at the larger text sizes a phone draws (charts.css).

Text boxes are estimated as a browser draws them: 0.6 em per character, 0.8 em above the
baseline and 0.2 em below; a rotated y-axis title swaps width and height.
"""

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from app.charts.bars import bar_chart, stacked_bars
from app.charts.heat import heatmap
from app.charts.lines import Series, line_plot

SVG = "{http://www.w3.org/2000/svg}"
PHONE_FONT = {"tick": 18.0, "axis-label": 19.0}  # the max-width: 600px rules of charts.css

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def text_boxes(svg: str, css: str) -> list[Box]:
    boxes = []
    for t in ET.fromstring(svg).iter(f"{SVG}text"):
        if t.get("class") != css:
            continue
        size = PHONE_FONT[css]
        x, y, width = float(t.get("x")), float(t.get("y")), 0.6 * size * len(t.text or "")
        start = {"start": x, "middle": x - width / 2, "end": x - width}[t.get("text-anchor")]
        if "rotate(-90" in (t.get("transform") or ""):  # reads upward, centred on y
            boxes.append((x - 0.8 * size, y - width / 2, x + 0.2 * size, y + width / 2))
        else:
            boxes.append((start, y - 0.8 * size, start + width, y + 0.2 * size))
    return boxes


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def view_box(svg: str) -> Box:
    x, y, w, h = (float(v) for v in ET.fromstring(svg).get("viewBox").split())
    return x, y, x + w, y + h


def assert_titles_clear(svg: str) -> None:
    ticks, titles = text_boxes(svg, "tick"), text_boxes(svg, "axis-label")
    assert titles, "the chart has axis titles"
    for title in titles:
        for tick in ticks:
            assert not overlaps(title, tick), (title, tick)
    x0, y0, x1, y1 = view_box(svg)
    for box in titles + [b for b in ticks if b[1] > y0 + 30]:  # the axes' own texts
        assert x0 - 0.5 <= box[0] and box[2] <= x1 + 0.5 and box[3] <= y1 + 0.5, box


LONG = np.array([0.0011, 0.0012, 0.0014, 0.0019])  # ticks like 1.1e-3: six characters


@pytest.mark.parametrize(
    "svg",
    [
        line_plot(
            [Series([0, 1, 2, 3], LONG, "tiny")],
            title="t",
            desc="d",
            x_label="step",
            y_label="loss",
        ),
        line_plot(
            [Series([0, 10_000, 20_000], [-25_000, 12_500, 99_000])],
            title="t",
            desc="d",
            x_label="tokens",
            y_label="value",
            width=460,
        ),
        line_plot(
            [Series([1, 2, 3], [1e-6, 1e-3, 1.0])],
            title="t",
            desc="d",
            x_label="x",
            y_label="y",
            log_y=True,
        ),
        bar_chart(["a", "b"], [123_456.0, 98_765.0], title="t", desc="d", y_label="bytes"),
        heatmap(
            np.ones((5, 5)),
            np.linspace(-0.0015, 0.0015, 5),
            np.linspace(-1000, 1000, 5),
            title="t",
            desc="d",
            x_label="weight",
            y_label="bias",
        ),
    ],
    ids=["line-small-numbers", "line-large-numbers", "log", "bars", "heatmap"],
)
def test_axis_titles_clear_the_tick_labels(svg):
    assert_titles_clear(svg)


def test_margin_grows_with_the_widest_tick_label():
    short = line_plot([Series([0, 1], [0, 1])], title="t", desc="d", y_label="y")
    wide = line_plot([Series([0, 1], [0, 0.0015])], title="t", desc="d", y_label="y")

    def left(svg: str) -> float:
        return float(ET.fromstring(svg).find(f".//{SVG}rect[@class='frame']").get("x"))

    assert left(wide) > left(short) + 30  # "1.5e-3" against "1": five characters more


def test_stacked_bars_stack_and_name_their_series():
    svg = stacked_bars(
        ["01-01", "01-02"],
        {"learn": [2, 0], "review": [3, 4]},
        {"learn": "series-1", "review": "series-3"},
        title="Answers",
        desc="d",
    )
    root = ET.fromstring(svg)
    bars = [r for r in root.iter(f"{SVG}rect") if "bar" in (r.get("class") or "").split()]
    heights = {r.find(f"{SVG}title").text: float(r.get("height")) for r in bars}
    assert set(heights) == {"01-01: 2 learn", "01-01: 3 review", "01-02: 4 review"}
    # one scale: 3 answers are 1.5 times as tall as 2
    assert heights["01-01: 3 review"] == pytest.approx(1.5 * heights["01-01: 2 learn"], abs=0.2)
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "legend-label"]
    assert labels == ["learn", "review"]
