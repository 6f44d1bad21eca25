"""The app factory: ``create_app(settings)`` builds a FastAPI app; nothing happens at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

import app.tables  # noqa: F401  (every table is mapped before the first session)
from app.accounts.middleware import RequireSignIn
from app.accounts.routes import router as accounts_router
from app.cards.notes import install as install_note_global
from app.cards.own import sync_all_users
from app.config import Settings
from app.content.fingerprint import bank_fingerprint, remember_load, unchanged_since_last_load
from app.content.sync import load_content
from app.db import make_engine, make_sessionmaker, migrate, setup_lock
from app.deps import close_form_after
from app.errors import DomainError
from app.openapi import ERROR_RESPONSES, use_one_error_shape
from app.paths import STATIC_DIR
from app.security import SameOriginMiddleware
from app.static_files import FingerprintedStatic
from app.study.optimize import RefitTrigger
from app.web import make_templates, render

logger = logging.getLogger("dlcards")


def prepare_database(settings: Settings, engine: Engine) -> None:
    """Upgrade the schema to head, then sync the question bank (refusing an invalid bank)."""
    with setup_lock(engine):
        migrate(settings, engine)
        if settings.load_content_on_start:
            with make_sessionmaker(engine)() as session:
                fingerprint = bank_fingerprint(settings)
                if unchanged_since_last_load(session, fingerprint):
                    logger.info("content: unchanged since the last start, not read again")
                    return
                report = load_content(session, settings.content_dir)
                sync_all_users(session, settings)
                remember_load(session, fingerprint)
            logger.info("content: %s", report)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = make_engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        prepare_database(settings, engine)
        yield
        engine.dispose()

    app = FastAPI(
        title="dlcards",
        summary="Deep-learning interview flashcards with spaced repetition and live demos.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        responses=ERROR_RESPONSES,
        dependencies=[Depends(close_form_after)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.refit = RefitTrigger(settings.auto_optimize_every)
    app.state.templates = make_templates()
    install_note_global(app.state.templates)

    if settings.multi_user:
        # Innermost, so its redirects and 401s still get the security headers.
        app.add_middleware(RequireSignIn)
    app.add_middleware(SameOriginMiddleware)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)
    # Outermost: pages and assets go compressed to a browser that asks (a card page's assets
    # are 112 KiB gzipped, about 440 KiB raw; bench/page_weight.py).
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)
    static = FingerprintedStatic(STATIC_DIR)
    app.state.templates.env.globals["static"] = static.url
    app.mount("/static", static, name="static")
    _include_routers(app)
    if settings.multi_user:
        app.include_router(accounts_router)
    _add_error_pages(app)
    use_one_error_shape(app)
    return app


def _include_routers(app: FastAPI) -> None:
    from app.cards.own_routes import router as own_cards_router
    from app.cards.routes import router as cards_router
    from app.demos.routes import router as demos_router
    from app.export.routes import router as export_router
    from app.interview.routes import router as interview_router
    from app.leeches.routes import router as leeches_router
    from app.plans.routes import router as plans_router
    from app.problems.routes import router as problems_router
    from app.study.routes import router as study_router
    from app.study.typed_routes import router as typed_router

    app.include_router(own_cards_router)  # before cards_router: /cards/new is not a card id
    app.include_router(cards_router)
    app.include_router(study_router)
    app.include_router(typed_router)
    app.include_router(interview_router)
    app.include_router(plans_router)
    app.include_router(problems_router)
    app.include_router(leeches_router)
    app.include_router(demos_router)
    app.include_router(export_router)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """Swagger UI served from vendored files (no CDN)."""
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="dlcards API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", "text/html"
    )


def _error_response(
    request: Request, status: int, detail: object, headers: Mapping[str, str] | None = None
) -> Response:
    if _wants_html(request) and status in (404, 405, 409):
        return render(
            request, "error.html", {"status": status, "detail": detail}, status_code=status
        )
    return JSONResponse({"detail": detail}, status, headers=headers)


def _add_error_pages(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error_response(request, exc.status_code, exc.detail, exc.headers)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if exc.field is not None:  # in FastAPI's shape, naming the field, as a bad body is
            detail = [{"loc": ["body", exc.field], "msg": exc.message, "type": "value_error"}]
            return JSONResponse({"detail": detail}, exc.status_code)
        return _error_response(request, exc.status_code, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        if _wants_html(request) and request.method == "GET":
            detail = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in errors)
            return render(request, "error.html", {"status": 422, "detail": detail}, status_code=422)
        return JSONResponse({"detail": errors}, 422)
