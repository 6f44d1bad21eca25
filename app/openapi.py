"""What /openapi.json says beyond FastAPI's defaults: one error shape, and the bodies of forms.

Routes that read ``request.form()`` themselves (to show every field's error at once, or to read
repeated and dynamic fields) would otherwise appear to take no body at all.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel


class ValidationIssue(BaseModel):
    """One refused input: where it is (``["body", "rating"]``), what is wrong, and its kind."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every error answer: a sentence, or for refused input the list of issues."""

    detail: str | list[ValidationIssue] | list[str]


_MEANINGS = {
    400: "Malformed request (a body that is not JSON, a foreign Host header)",
    401: "Not signed in (multi-user mode)",
    403: "Cross-site write refused",
    404: "No such card, topic, demo or interview",
    409: "The request conflicts with the current state (retired or suspended card, used token)",
    413: "Body too large",
    422: "Invalid input: the issues name each field",
    429: "Too many attempts: try again later",
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text} for status, text in _MEANINGS.items()
}


ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorOut"}


def use_one_error_shape(app: FastAPI) -> None:
    """Every error answer is ErrorOut as JSON; pages also answer with an HTML error page.

    FastAPI would label a page route's errors with the page's media type only.
    """
    make_schema = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = make_schema()
        for operations in schema["paths"].values():
            for operation in operations.values():
                ok = operation["responses"].get("200", {}).get("content", {})
                for status in map(str, _MEANINGS):
                    answer = operation["responses"].get(status)
                    if answer is None:
                        continue
                    answer["content"] = {"application/json": {"schema": ERROR_SCHEMA}}
                    if "text/html" in ok:
                        page = {"schema": {"type": "string", "description": "the error page"}}
                        answer["content"]["text/html"] = page
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's way to extend the schema


def form_body(
    properties: dict[str, dict[str, Any]],
    required: tuple[str, ...] = (),
    *,
    media_type: str = "application/x-www-form-urlencoded",
) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads its form itself."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {
        "requestBody": {
            "required": bool(required),
            "content": {media_type: {"schema": schema}},
        }
    }


def text_field(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}
