"""The HTML pages: start, interview, debrief, history (server-rendered; the interview page streams with static/interview.js)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .. import catalog
from ..errors import DataError
from ..grading.scorecard import DIMENSIONS
from ..interview.session import COMMANDS, status_line
from ..progress import history, save_chart
from .context import context
from .views import debrief_view, transcript_lines

router = APIRouter(include_in_schema=False)


def render(request: Request, template: str, status_code: int = 200, **values) -> HTMLResponse:
    ctx = context(request)
    return request.app.state.templates.TemplateResponse(
        request, template, {"model_label": ctx.model_label, "grader": ctx.settings.grader, **values}, status_code=status_code
    )


@router.get("/", response_class=HTMLResponse)
def start_page(request: Request) -> HTMLResponse:
    ctx = context(request)
    return render(
        request, "start.html", personas=list(catalog.personas().values()), rounds=list(catalog.rounds().values()),
        recent=ctx.store.list_sessions(limit=5),
    )


@router.post("/sessions")
def start_session(request: Request, persona: str = Form(..., max_length=100), round: str = Form(..., max_length=100)) -> RedirectResponse:
    session = context(request).start(persona, round)
    return RedirectResponse(f"/sessions/{session.id}", status_code=303)


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def interview_page(request: Request, session_id: str) -> HTMLResponse:
    ctx = context(request)
    session = ctx.resume(session_id)
    owed = session.reply_owed  # the page fetches the owed reply from /opening
    if not session.done and not owed:
        session.warm_up()  # as the CLI's resume does through opening(): the model reads its prompt while the candidate types
    return render(
        request, "interview.html", session=session, lines=transcript_lines(session.turns), needs_opening=owed,
        status=status_line(None if session.done else session.remaining()), commands=COMMANDS, max_answer_chars=ctx.settings.max_answer_chars,
    )


@router.get("/sessions/{session_id}/debrief", response_class=HTMLResponse)
def debrief_page(request: Request, session_id: str) -> HTMLResponse:
    ctx = context(request)
    info = ctx.session_info(session_id)
    card = ctx.debrief(info.id)
    return render(
        request, "debrief.html", info=info, persona=catalog.persona(info.persona), round=catalog.round_(info.round),
        view=debrief_view(card), lines=transcript_lines(ctx.store.turns(info.id), card),
    )


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request) -> HTMLResponse:
    ctx = context(request)
    graded = history(ctx.store)
    titles = {d: catalog.rubrics()[d].title for d in DIMENSIONS}
    return render(request, "history.html", sessions=ctx.store.list_sessions(limit=200), graded=graded, titles=titles)


@router.get("/history/progress.png")
def progress_chart(request: Request) -> Response:
    rows = history(context(request).store)
    if not rows:
        raise DataError("No graded sessions yet: finish a round and open its debrief first.")
    with tempfile.TemporaryDirectory() as folder:
        path = save_chart(rows, Path(folder) / "progress.png")
        return Response(path.read_bytes(), media_type="image/png")
