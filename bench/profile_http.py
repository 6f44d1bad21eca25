"""Where a page's time goes on the live server: py-spy samples uvicorn (every thread) under wrk.

Prints the functions with the most samples on top of the stack (self) and anywhere in it
(inclusive), as percentages of all samples, for each path given.
Usage: python bench/profile_http.py [--seconds 8] [--database-url URL] PATH [PATH ...]
(py-spy must be installed: pip install py-spy; run as root or with ptrace allowed).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from serve import server_process


def profile(pid: int, url: str, seconds: int) -> list[tuple[list[str], int]]:
    """Collapsed stacks (outermost frame first) and their sample counts while wrk loads ``url``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stacks.txt"
        spy = subprocess.Popen(
            ["py-spy", "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "250",
             "--format", "raw", "--output", str(out), "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        subprocess.run(
            ["wrk", f"-d{seconds}s", "-c8", "-t2", url], capture_output=True, check=True
        )
        spy.wait(timeout=seconds + 30)
        stacks = []
        for line in out.read_text().splitlines():
            frames, _, count = line.rpartition(" ")
            if count.isdigit():  # a frame's name can hold a line break (SQLAlchemy's wrappers)
                stacks.append((frames.split(";"), int(count)))
        return stacks


def _name(frame: str) -> str:
    """``function (path/to/file.py:line)`` shortened to ``function (package/file.py)``."""
    function, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "lib/python3", "/app/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{function} ({'app/' if '/app/' in where else ''}{path})"


def top(stacks: list[tuple[list[str], int]], n: int) -> tuple[list[str], list[str]]:
    busy = [(frames, c) for frames, c in stacks if not _idle(frames)]
    total = sum(c for _, c in busy) or 1
    own: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    for frames, count in busy:
        own[_name(frames[-1])] += count
        for name in {_name(f) for f in frames}:
            anywhere[name] += count
    fmt = "{:5.1f}%  {}"
    return (
        [fmt.format(100 * c / total, name) for name, c in own.most_common(n)],
        [fmt.format(100 * c / total, name) for name, c in anywhere.most_common(n)],
    )


def _idle(frames: list[str]) -> bool:
    """A thread waiting for work (the event loop's poll, an idle pool thread)."""
    last = frames[-1]
    return any(word in last for word in ("select (selectors", "poll (", "wait (threading"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    for tool in ("py-spy", "wrk"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed")
    with server_process(args.database_url) as (base, process):
        for path in args.paths:
            own, anywhere = top(profile(process.pid, base + path, args.seconds), args.top)
            print(f"\n== {path}: self time (share of busy samples)")
            print("\n".join(own))
            print(f"== {path}: inclusive time")
            print("\n".join(anywhere))


if __name__ == "__main__":
    main()
