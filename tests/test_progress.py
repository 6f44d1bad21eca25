"""Long commands report progress: a line per tenth of the work when not in a terminal."""

from __future__ import annotations

import io

from app.progress import Progress


def test_plain_progress_writes_a_line_per_tenth() -> None:
    out = io.StringIO()
    progress = Progress("replaying cards", 20, stream=out)
    for _ in range(20):
        progress.advance()
    progress.close()
    assert out.getvalue().splitlines() == [f"replaying cards: {n}/20" for n in range(2, 21, 2)]


def test_small_totals_and_big_steps_do_not_repeat_lines() -> None:
    out = io.StringIO()
    progress = Progress("copying", 3, stream=out)
    progress.advance(3)
    assert out.getvalue().splitlines() == ["copying: 3/3"]
    empty = Progress("nothing", 0, stream=out)
    empty.advance()
    assert out.getvalue().splitlines() == ["copying: 3/3"]


def test_forms_that_start_long_work_say_so(client) -> None:
    assert 'data-busy="Importing' in client.get("/export").text
    assert 'data-busy="Optimizing' in client.get("/settings").text
