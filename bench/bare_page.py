"""The yardstick of bench/http_pages.py: a bare FastAPI + Jinja2 page, no database.

Served by the same uvicorn with the same options as `dlcards serve` (one worker, access log at
level info), so the ratio app page / bare page measures what the app itself adds.
Usage: python bench/bare_page.py PORT
"""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from jinja2 import DictLoader, Environment

TEMPLATE = Environment(loader=DictLoader({"page.html": (
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>{{ title }}</title></head>"
    "<body><h1>{{ title }}</h1><ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}</ul>"
    "</body></html>"
)}), autoescape=True).get_template("page.html")  # fmt: skip

app = FastAPI()


@app.get("/", response_class=HTMLResponse)
def page() -> str:
    return TEMPLATE.render(title="bare", items=[f"item {i}" for i in range(20)])


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="info")
