"""What every request of the web app shares: settings, the session store, the chat models, per-session turn locks.

The web front end drives the same library objects as the CLI (InterviewSession, SessionStore,
session_debrief); this module only adds what a server needs on top: exact-id lookup (a session is
reachable only by its full, unguessable id) and one turn at a time per session.
"""

from __future__ import annotations

import threading

from langchain_core.language_models.chat_models import BaseChatModel
from starlette.requests import Request

from ..config import Settings
from ..debrief import session_debrief
from ..errors import DataError
from ..grading.scorecard import Scorecard
from ..interview.session import InterviewSession
from ..models import build_chat_model, parse_spec
from ..store import SessionInfo, SessionStore


class SessionNotFound(LookupError):
    """No session has exactly this id (prefixes, which the CLI accepts, are not enough on the web)."""


class SessionBusy(RuntimeError):
    """The interviewer is still speaking in this session; a second turn must wait."""


class WebContext:
    def __init__(self, settings: Settings, model: BaseChatModel | None = None):
        self.settings = settings
        self.store = SessionStore(settings.store_path)
        # Built now, so a bad INTERVIEWER_MODEL stops `interviewer serve` with one sentence instead of failing per page.
        self._models: dict[str, BaseChatModel] = {settings.interviewer_model: model or build_chat_model(settings.interviewer_model, settings)}
        self._models_lock = threading.Lock()
        self._turn_locks: dict[str, threading.Lock] = {}
        self._turn_locks_guard = threading.Lock()

    @property
    def model_label(self) -> str:
        return parse_spec(self.settings.interviewer_model).label

    def model_for(self, spec: str) -> BaseChatModel:
        """The chat model a session was started with (a CLI session may name another spec than the server's)."""
        with self._models_lock:
            if spec not in self._models:
                self._models[spec] = build_chat_model(spec, self.settings)
            return self._models[spec]

    # --- sessions --------------------------------------------------------------------------------

    def session_info(self, session_id: str) -> SessionInfo:
        try:
            info = self.store.get_session(session_id)
        except DataError as exc:  # an unknown id or an ambiguous prefix: both are simply "not found" here
            raise SessionNotFound(session_id) from exc
        if info.id != session_id:
            raise SessionNotFound(session_id)
        return info

    def start(self, persona: str, round_: str) -> InterviewSession:
        return InterviewSession.start(self.store, self.settings, persona, round_, self.model_for(self.settings.interviewer_model))

    def resume(self, session_id: str) -> InterviewSession:
        info = self.session_info(session_id)
        return InterviewSession.resume(self.store, info.id, self.model_for(info.interviewer_model), settings=self.settings)

    def debrief(self, session_id: str, *, regrade: bool = False) -> Scorecard:
        info = self.session_info(session_id)
        return session_debrief(self.store, info.id, regrade=regrade, settings=self.settings)

    # --- one turn at a time ----------------------------------------------------------------------

    def claim_turn(self, session_id: str) -> threading.Lock:
        """The session's turn lock, acquired; released by whoever finishes the turn (possibly another thread)."""
        with self._turn_locks_guard:
            lock = self._turn_locks.setdefault(session_id, threading.Lock())
        if not lock.acquire(blocking=False):
            raise SessionBusy(session_id)
        return lock


def context(request: Request) -> WebContext:
    """The app's shared context, from any request (pages and API alike)."""
    return request.app.state.context
