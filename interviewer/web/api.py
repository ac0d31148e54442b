"""The JSON and server-sent-event endpoints under /api (listed in /api/openapi.json)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from .. import catalog
from ..errors import DataError
from ..grading.scorecard import DIMENSIONS, Scorecard
from ..interview.session import InterviewSession, check_answer_length
from ..progress import history
from .context import WebContext, context
from .schemas import (
    AnswerIn, CatalogOut, CommandIn, ErrorOut, PersonaOut, ProgressPoint, RoundOut, SessionDetail, SessionOut, StartIn, TurnOut,
)
from .streaming import Speak, turn_events

ERRORS = {
    400: {"model": ErrorOut, "description": "bad input, in one sentence"},
    404: {"model": ErrorOut, "description": "no session has this id"},
}
STREAM = {
    200: {"content": {"text/event-stream": {}}, "description": "events: piece (JSON string), done, error"},
    409: {"model": ErrorOut, "description": "the interviewer is still answering, or the round has ended"},
    413: {"model": ErrorOut, "description": "the answer is over the size limit"},
    **ERRORS,
}

router = APIRouter(prefix="/api", tags=["api"])


class SessionEnded(DataError):
    """The round is over: nothing more can be said in it."""


def _stream(ctx: WebContext, session_id: str, speak: Speak) -> StreamingResponse:
    info = ctx.session_info(session_id)
    lock = ctx.claim_turn(info.id)  # before reading the session, so the state read is the one this turn continues
    try:
        session = ctx.resume(info.id)
        if session.done:
            raise SessionEnded(f"Session {session.id} has ended: open its debrief, or start a new round.")
        events = turn_events(session, speak, lock)
    except BaseException:
        lock.release()
        raise
    return StreamingResponse(events, media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})


def session_detail(ctx: WebContext, session_id: str) -> SessionDetail:
    session: InterviewSession = ctx.resume(session_id)
    info = ctx.session_info(session.id)
    turns = [TurnOut(**t.model_dump(include={"idx", "role", "content", "created_at", "phase"})) for t in session.turns]
    return SessionDetail(**SessionOut.of(info).model_dump(), turns=turns, remaining=None if session.done else session.remaining())


@router.get("/catalog", response_model=CatalogOut)
def get_catalog(request: Request) -> CatalogOut:
    """The personas and rounds you can practise, and the configured model."""
    ctx = context(request)
    return CatalogOut(
        model=ctx.settings.interviewer_model, model_label=ctx.model_label, grader=ctx.settings.grader,
        max_answer_chars=ctx.settings.max_answer_chars,
        personas=[PersonaOut(**p.model_dump(include=set(PersonaOut.model_fields))) for p in catalog.personas().values()],
        rounds=[RoundOut(**r.model_dump(include=set(RoundOut.model_fields))) for r in catalog.rounds().values()],
    )


@router.get("/sessions", response_model=list[SessionOut])
def list_sessions(request: Request, limit: int = 50) -> list[SessionOut]:
    """Past sessions, newest first."""
    return [SessionOut.of(info) for info in context(request).store.list_sessions(limit=max(1, min(limit, 500)))]


@router.post("/sessions", response_model=SessionOut, status_code=201, responses=ERRORS)
def start_session(request: Request, body: StartIn) -> SessionOut:
    """Start a round; the interviewer's first words come from /opening."""
    ctx = context(request)
    session = ctx.start(body.persona, body.round)
    return SessionOut.of(ctx.session_info(session.id))


@router.get("/sessions/{session_id}", response_model=SessionDetail, responses=ERRORS)
def get_session(request: Request, session_id: str) -> SessionDetail:
    """A session with every stored turn and what is left of the round."""
    return session_detail(context(request), session_id)


@router.get("/sessions/{session_id}/opening", responses=STREAM, response_class=StreamingResponse)
def opening(request: Request, session_id: str) -> StreamingResponse:
    """The interviewer's opening (a new session) or the reply still owed (a session whose last turn is an answer)."""
    return _stream(context(request), session_id, lambda session: session.opening())


@router.post("/sessions/{session_id}/answers", responses=STREAM, response_class=StreamingResponse)
def answer(request: Request, session_id: str, body: AnswerIn) -> StreamingResponse:
    """Store the answer at once, then stream the interviewer's reply (stored when complete)."""
    ctx = context(request)
    text = body.text.strip()
    if not text:
        raise DataError("Your answer is empty: type your answer, then send it (or skip the question).")
    check_answer_length(text, ctx.settings.max_answer_chars)  # before the turn starts, so the refusal is an HTTP 413
    return _stream(ctx, session_id, lambda session: session.answer(text))


@router.post("/sessions/{session_id}/commands", responses=STREAM, response_class=StreamingResponse)
def command(request: Request, session_id: str, body: CommandIn) -> StreamingResponse:
    """/repeat the last line (not stored again), /skip the question, or /end the round."""
    return _stream(context(request), session_id, lambda session: session.command(body.name))


@router.post("/sessions/{session_id}/debrief", response_model=Scorecard, responses={**ERRORS, 502: {"model": ErrorOut}})
def debrief(request: Request, session_id: str, regrade: bool = False) -> Scorecard:
    """The session's scorecard from the configured grader: the stored one, or graded now and stored."""
    return context(request).debrief(session_id, regrade=regrade)


@router.get("/progress", response_model=list[ProgressPoint])
def progress(request: Request) -> list[ProgressPoint]:
    """Each graded session's latest scores, oldest first."""
    return [
        ProgressPoint(session=SessionOut.of(info), scores={d: card.dimensions[d].score for d in DIMENSIONS}, recommendation=card.recommendation)
        for info, card in history(context(request).store)
    ]
