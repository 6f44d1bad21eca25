"""The chart library (app.charts): nice ticks, accessible markup, no NaN or inf in the SVG."""

import re
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from app.charts.bars import bar_chart
from app.charts.heat import heat_levels, heatmap
from app.charts.lines import Line, Mark, Region, Series, line_plot
from app.charts.scale import fmt, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def frame_box(svg: str) -> tuple[float, float, float, float]:
    """left, right, top, bottom of the plot area (its frame rectangle)."""
    rect = parse(svg).find(f".//{SVG}rect[@class='frame']")
    x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
    return x, x + w, y, y + h


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def assert_accessible(svg: str, title: str) -> None:
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("viewBox", "").startswith("0 0 ")
    assert root.find(f"{SVG}title").text == title
    assert root.find(f"{SVG}desc").text
    labelled = root.get("aria-labelledby").split()
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    assert set(labelled) <= ids


def assert_finite_geometry(svg: str) -> None:
    lowered = svg.lower()
    assert "nan" not in lowered and "inf" not in lowered
    for path in re.findall(r' d="([^"]*)"', svg):
        for number in NUMBER.findall(path):
            assert abs(float(number)) < 1e5


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0, 100, [0, 20, 40, 60, 80, 100]),
        (0.13, 0.87, [0.2, 0.4, 0.6, 0.8]),
        (-1, 1, [-1, -0.5, 0, 0.5, 1]),
    ],
)
def test_nice_ticks_are_round_numbers(lo, hi, expected):
    assert nice_ticks(lo, hi) == pytest.approx(expected)


def test_nice_ticks_with_more_ticks_asked():
    assert nice_ticks(-6, 6, 7) == [-6, -4, -2, 0, 2, 4, 6]


def test_nice_ticks_of_an_empty_range_still_give_ticks():
    assert len(nice_ticks(3.0, 3.0)) >= 2
    assert len(nice_ticks(0.0, 0.0)) >= 2


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (0.25, "0.25"),
        (-0.0, "0"),
        (1200, "1200"),
        (1e4, "1e4"),
        (12345, "1.2e4"),
        (1e6, "1e6"),
        (2.5e-5, "2.5e-5"),
        (float("nan"), ""),
    ],
)
def test_fmt_is_compact(value, text):
    assert fmt(value) == text


def test_line_plot_is_accessible_and_has_a_path_per_series():
    x = np.linspace(-6, 6, 101)
    svg = line_plot(
        [Series(x, np.tanh(x), "tanh"), Series(x, 1 - np.tanh(x) ** 2, "tanh'", dashed=True)],
        title="tanh and its derivative",
        desc="tanh rises from -1 to 1",
        x_label="x",
        y_label="y",
        vlines=[Line(0.0, "x = 0")],
        hlines=[Line(0.5)],
        regions=[Region(-6, -3, "saturated"), Region(3, 6)],
        marks=[Mark(0.0, 0.0, "f(0) = 0")],
    )
    assert_accessible(svg, "tanh and its derivative")
    assert_finite_geometry(svg)
    root = parse(svg)
    series = [g for g in root.iter(f"{SVG}g") if "series" in (g.get("class") or "").split()]
    assert [g.get("class") for g in series] == ["series series-1", "series series-2"]
    assert 'class="dashed"' in svg
    assert ">saturated<" in svg and ">tanh'<" in svg


def test_text_is_escaped():
    svg = line_plot([Series([0, 1], [0, 1], "<b>&")], title='a "<title>"', desc="x < y & z")
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg
    parse(svg)


def test_non_finite_points_are_dropped_and_far_points_clipped():
    x = np.arange(6, dtype=float)
    y = np.array([1.0, np.nan, 2.0, np.inf, -np.inf, 1e300])
    svg = line_plot([Series(x, y, "wild", kind="both")], title="t", desc="d", y_range=(0, 3))
    assert_finite_geometry(svg)
    # the only drawable segment pieces: 4 -> 5 is non-finite; 2 -> 3 is not drawn (inf)
    assert svg.count("<circle") == 2  # the two finite in-range points


def test_a_segment_leaving_the_plot_is_cut_at_the_frame():
    svg = line_plot([Series([0, 1], [0, 1e12], "up")], title="t", desc="d", y_range=(0, 1))
    d = re.search(r'<path d="([^"]*)"', svg).group(1)
    ys = [float(v) for v in NUMBER.findall(d)[1::2]]
    assert min(ys) >= 11 and max(ys) <= 335


def test_log_scale_drops_non_positive_values_and_labels_decades():
    steps = np.arange(5)
    svg = line_plot(
        [Series(steps, [1e3, 1e1, 0.0, -1.0, 1e-3], "loss")], title="t", desc="d", log_y=True
    )
    assert_finite_geometry(svg)
    assert ">1000<" in svg and ">0.001<" in svg
    d = re.search(r'<path d="([^"]*)"', svg).group(1)
    assert d.count("M") == 1 and d.count("L") == 1  # only 1e3 -> 1e1 has two positive ends


def test_everything_non_finite_still_gives_an_empty_plot():
    svg = line_plot([Series([np.nan], [np.inf], "x")], title="t", desc="d", log_y=True)
    assert_finite_geometry(svg)
    parse(svg)


def test_bar_chart_labels_values_and_highlight():
    svg = bar_chart(["a", "b", "c"], [0.09, 0.2447, 0.6652], title="p", desc="d", highlight=[2])
    assert_accessible(svg, "p")
    root = parse(svg)
    bars = [r for r in root.iter(f"{SVG}rect") if "bar" in (r.get("class") or "")]
    assert [b.get("class") for b in bars] == ["bar", "bar", "bar highlight"]
    heights = [float(b.get("height")) for b in bars]
    assert heights[0] < heights[1] < heights[2]
    assert ">0.6652<" in svg


def test_bar_chart_with_negative_and_non_finite_values():
    svg = bar_chart(["a", "b"], [-1.0, np.nan], title="t", desc="d")
    assert_finite_geometry(svg)
    parse(svg)


def test_heat_levels_span_zero_to_nine():
    levels = heat_levels([[0, 0.5], [1, np.nan]])
    assert levels.tolist() == [[0, 5], [9, 0]]
    assert heat_levels([2, 2]).tolist() == [9, 9]
    assert heat_levels([np.nan]).tolist() == [0]


def test_heatmap_with_contours_and_a_path():
    g = np.linspace(-3, 3, 41)
    xx, yy = np.meshgrid(g, g)
    z = 0.5 * (xx**2 + 10 * yy**2)
    path = Series([-2.5, -1.0, 0.0, 1e200], [2.0, 0.5, 0.0, np.nan], "sgd", kind="both")
    svg = heatmap(z, g, g, title="bowl", desc="contours", paths=[path], marks=[Mark(0, 0, "min")])
    assert_accessible(svg, "bowl")
    assert_finite_geometry(svg)
    assert 'class="contour"' in svg and "heat-0" in svg and "heat-9" in svg
    assert ">min<" in svg


def test_heatmap_contours_of_a_circle_lie_on_the_circle():
    g = np.linspace(-1, 1, 81)
    xx, yy = np.meshgrid(g, g)
    svg = heatmap(np.hypot(xx, yy), g, g, title="r", desc="d", levels=1, width=400, height=400)
    # one level halfway between 0 and max √2 -> radius √2/2 in data units
    d = re.search(r'class="contour" d="([^"]*)"', svg).group(1)
    pts = np.array([float(v) for v in NUMBER.findall(d)]).reshape(-1, 2)
    left, right, top, bottom = frame_box(svg)
    px = (pts[:, 0] - left) / (right - left) * 2 - 1
    py = 1 - (pts[:, 1] - top) / (bottom - top) * 2
    assert np.hypot(px, py) == pytest.approx(np.full(len(px), np.sqrt(2) / 2), abs=0.01)


def test_heatmap_log_shading_handles_huge_ranges():
    g = np.linspace(-2, 2, 50)
    xx, yy = np.meshgrid(g, g)
    z = (1 - xx) ** 2 + 100 * (yy - xx**2) ** 2
    svg = heatmap(z, g, g, title="rosenbrock", desc="d", log=True)
    assert_finite_geometry(svg)


def test_plots_are_fast():
    x = np.linspace(-6, 6, 10001)
    g = np.linspace(-3, 3, 48)
    xx, yy = np.meshgrid(g, g)
    start = time.perf_counter()
    for _ in range(10):
        line_plot(
            [Series(x, np.tanh(x), "f"), Series(x, 1 - np.tanh(x) ** 2, "f'")],
            title="t",
            desc="d",
        )
        heatmap(0.5 * (xx**2 + 10 * yy**2), g, g, title="t", desc="d")
    per_pair = (time.perf_counter() - start) / 10
    assert per_pair < 0.05  # a few ms each in practice; generous for slow CI machines


def test_integer_ticks_skip_half_steps():
    assert nice_ticks(1, 4, 7, integer=True) == [1, 2, 3, 4]
    assert nice_ticks(0, 100, 7, integer=True) == [0, 20, 40, 60, 80, 100]


def test_an_axis_of_whole_numbers_gets_whole_ticks():
    svg = line_plot([Series([1, 2, 3, 4], [0.1, 0.4, 0.2, 0.3], "h")], title="t", desc="d")
    ticks = re.findall(r'class="tick" x="[^"]*" y="[^"]*" text-anchor="middle">([^<]*)<', svg)
    assert ticks == ["1", "2", "3", "4"]


def test_one_decade_on_a_log_axis_gets_1_2_5_ticks():
    svg = line_plot([Series([0, 1], [0.3, 0.9], "s")], title="t", desc="d", log_y=True)
    assert all(f">{label}<" in svg for label in ("0.1", "0.2", "0.5", "1"))


def test_a_scatter_has_a_dot_in_its_legend():
    svg = line_plot([Series([0, 1], [0, 1], "points", kind="markers")], title="t", desc="d")
    legend = re.search(r'<g class="legend">(.*?)</g></g>', svg).group(1)
    assert "<circle" in legend and "<line" not in legend


def test_bar_values_get_headroom_and_are_dropped_when_they_cannot_fit():
    svg = bar_chart(["a", "b"], [2.0, 1.0], title="t", desc="d")
    assert ">2.5<" in svg or ">3<" in svg  # the axis goes past the tallest bar's label
    values = np.linspace(-1, 1, 20)
    labels = [f"{v:.6f}" for v in values]
    names = [str(i) for i in range(20)]
    crowded = bar_chart(names, values, title="t", desc="d", value_labels=labels)
    assert 'class="bar-value"' not in crowded and "<title>0: " in crowded
