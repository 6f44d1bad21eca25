"""Demo diagrams on a touch screen: a tap shows what a hover-only tooltip would have."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.demos.backprop import DEMO, BackpropParams, compute, edge_detail
from app.demos.links import demo_href
from tests.browser.test_study_flow import _open

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, base_url: str) -> Iterator[object]:
    yield from _open(
        browser, base_url, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )


def test_tapping_a_backprop_edge_or_node_shows_its_numbers(phone) -> None:
    preset = DEMO.examples["dead-relu-unit"]
    result = compute(BackpropParams(**preset))
    phone.goto(demo_href("backprop", preset))
    detail = phone.locator(".demo-detail")
    assert detail.inner_text() == ""
    edge = phone.locator("svg.plot-network g.edge").nth(2)  # W1[1,0]: into the dead unit
    box = edge.bounding_box()
    assert box is not None  # a finger a few pixels off the thin line still hits its wide band
    phone.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + 3)
    assert detail.inner_text() == edge_detail(result, "W1", 1, 0)
    assert "∂L/∂w = 0," in detail.inner_text()
    assert "selected" in (edge.get_attribute("class") or "")
    phone.locator("svg.plot-network g.node").nth(3).tap()  # h2
    assert detail.inner_text() == "h2: z -1.25 → 0, δ 0 = ∂L/∂z"
    assert "selected" not in (edge.get_attribute("class") or "")
    assert phone.locator(".demo-legend li").count() == 5
