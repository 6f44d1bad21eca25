"""The one Jinja environment, and the helper that renders a full page or one htmx block."""

from __future__ import annotations

from typing import Any, cast

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2_fragments.fastapi import Jinja2Blocks

from app.content.schema import LEVELS
from app.paths import TEMPLATES_DIR


def make_templates() -> Jinja2Blocks:
    templates = Jinja2Blocks(directory=str(TEMPLATES_DIR))
    templates.env.globals["levels"] = LEVELS
    templates.env.trim_blocks = True
    templates.env.lstrip_blocks = True
    return templates


def is_htmx(request: Request) -> bool:
    """True for an htmx request that wants a fragment.

    htmx restoring history after a cache miss also sends HX-Request, but needs the whole page.
    """
    headers = request.headers
    return headers.get("HX-Request") == "true" and "HX-History-Restore-Request" not in headers


def render(
    request: Request,
    template_name: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render the whole page, or only ``block`` when htmx asked for a fragment."""
    templates: Jinja2Blocks = request.app.state.templates
    block_name = block if block and is_htmx(request) else None
    # Typed as Response; a page (_TemplateResponse) and a block are both HTMLResponses.
    response = cast(
        HTMLResponse,
        templates.TemplateResponse(
            request,
            template_name,
            context or {},
            status_code=status_code,
            headers=headers,
            block_name=block_name,
        ),
    )
    # Pages and fragments share a URL; caches must keep them apart.
    response.headers["Vary"] = "HX-Request"
    return response
