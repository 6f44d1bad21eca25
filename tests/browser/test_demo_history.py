"""Two Backs after a slider drag: the drag is one history entry, so the first Back restores the
demo as it was before the drag and the second leaves the demo for the page that opened it."""

from __future__ import annotations

from app.demos.links import demo_href
from app.demos.recurrent_cells import DEMOS

LSTM = DEMOS[0]


def test_two_backs_after_a_drag(page) -> None:
    page.goto("/demos")
    preset = demo_href("lstm-cell", LSTM.examples["memory-kept"])
    page.click('a[href="/demos/lstm-cell"]')
    page.click(f'a[href="{preset}"]')
    page.wait_for_url(f"**{preset}")
    opened = page.url
    before = page.inner_text(".forget-text strong")
    assert page.input_value("#f-forget_bias") in ("6", "6.0")
    entries = page.evaluate("history.length")

    # A real drag: press on the slider's thumb, move right in steps, release.
    slider = page.locator('input.slider[data-sync="f-forget_bias"]')
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    assert box is not None
    y, start = box["y"] + box["height"] / 2, box["x"] + box["width"] * 0.8  # 6 of −10..10
    page.mouse.move(start, y)
    page.mouse.down()
    for step in range(1, 6):
        page.mouse.move(start - step * box["width"] * 0.14, y, steps=3)
        page.wait_for_timeout(80)
    page.mouse.up()
    page.wait_for_function("() => /forget_bias=-/.test(location.search)")
    page.wait_for_load_state("networkidle")
    dragged = page.input_value("#f-forget_bias")
    assert float(dragged) < 0
    assert page.inner_text(".forget-text strong") != before
    assert page.evaluate("history.length") == entries + 1  # the whole drag: one entry

    page.go_back()  # the drag undone as a whole, not one value of it
    page.wait_for_function("url => location.href === url", arg=opened)
    page.wait_for_selector(".forget-text strong")
    assert page.input_value("#f-forget_bias") in ("6", "6.0")
    assert page.inner_text(".forget-text strong") == before

    page.go_back()  # out of the preset, to the demo page the preset link was on
    page.wait_for_url("**/demos/lstm-cell")
    assert page.input_value("#f-forget_bias") in ("0", "0.0")
    assert "forget_bias" not in page.url
