"""The FastAPI app: `create_app(settings, model=None)`.

A thin front end over the library, like the CLI. Errors become one sentence, as a page for the browser
and as ``{"error": ...}`` under /api; never a stack trace.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from langchain_core.language_models.chat_models import BaseChatModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from .. import __version__
from ..config import Settings
from ..errors import InterviewerError
from ..interview.session import AnswerTooLong
from ..models import BACKEND_ERRORS, USER_ERRORS, user_message
from . import api, pages
from .context import SessionBusy, SessionNotFound, WebContext
from .guards import BodySizeLimit, SecurityHeaders

HERE = Path(__file__).parent
log = logging.getLogger(__name__)

NOT_FOUND = "No session has this id: check the link, or start a new round."
BUSY = "The interviewer is still answering: wait for the reply to finish, then send again."
UNEXPECTED = "Something went wrong on the server: reload the page (everything said so far is saved)."
REQUEST_OVERHEAD_BYTES = 16 * 1024


def _status_of(exc: Exception) -> int:
    if isinstance(exc, SessionNotFound):
        return 404
    if isinstance(exc, (SessionBusy, api.SessionEnded)):
        return 409
    if isinstance(exc, AnswerTooLong):
        return 413
    if isinstance(exc, BACKEND_ERRORS):  # BackendError is an InterviewerError, but the fault is upstream, not the request's
        return 502
    if isinstance(exc, InterviewerError):
        return 400
    return 500


def _message_of(exc: Exception) -> str:
    if isinstance(exc, SessionNotFound):
        return NOT_FOUND
    if isinstance(exc, SessionBusy):
        return BUSY
    if isinstance(exc, StarletteHTTPException):
        return str(exc.detail) if exc.status_code != 404 else "There is no such page: start from the home page."
    return user_message(exc) or UNEXPECTED


def _validation_message(exc: RequestValidationError) -> str:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path"))
    return f"The request is invalid{f' at {where}' if where else ''} ({first.get('msg', 'bad value')}): check the values sent."


def create_app(settings: Settings | None = None, model: BaseChatModel | None = None, *, allowed_hosts: list[str] | None = None) -> FastAPI:
    """The web app over ``settings`` (default: the environment); ``model`` replaces the configured chat model (tests).

    ``allowed_hosts`` guards a loopback server against DNS rebinding: requests naming another Host are refused.
    """
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="Twilio PM mock interviewer", version=__version__,
        description="Practise Twilio PM interview rounds in the browser; the JSON API the pages use.",
        openapi_url="/api/openapi.json", docs_url=None, redoc_url=None,  # the docs UIs load scripts from a CDN; this app is offline
    )
    app.state.context = WebContext(settings, model)
    environment = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    app.state.templates = Jinja2Templates(env=environment)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)

    def error(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=status)
        title = {404: "Not found", 409: "Please wait", 413: "Too large"}.get(status, "Something went wrong" if status >= 500 else "Cannot do that")
        return app.state.templates.TemplateResponse(
            request, "error.html",
            {"title": title, "message": message, "model_label": app.state.context.model_label, "grader": settings.grader},
            status_code=status,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error(request, exc.status_code, _message_of(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        return error(request, 422, _validation_message(exc))

    @app.exception_handler(Exception)
    async def any_error(request: Request, exc: Exception) -> Response:
        status = _status_of(exc)
        if status == 500:
            log.error("request %s %s failed", request.method, request.url.path, exc_info=exc)
        return error(request, status, _message_of(exc))

    for kind in (SessionNotFound, SessionBusy, *USER_ERRORS):
        app.add_exception_handler(kind, any_error)  # handled here, not by the server-error fallback, so they are not re-raised

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_answer_chars * 6 + REQUEST_OVERHEAD_BYTES)
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)
    app.add_middleware(SecurityHeaders)
    return app
