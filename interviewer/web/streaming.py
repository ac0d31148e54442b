"""One turn of the interview as server-sent events.

The session speaks in a worker thread that owns the turn from start to end: it stores every turn even
when the browser goes away mid-reply, and it releases the session's turn lock when done. The HTTP
response only relays what the worker put on a queue. Events:

  piece   data: a JSON string, the next words of the interviewer's line (append them as text)
  done    data: {"done", "remaining", "status", "notices"}: the turn is complete and stored
  error   data: {"message"}: one sentence saying what went wrong and what to do
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from ..interview.session import InterviewSession, status_line
from ..models import user_message

log = logging.getLogger(__name__)

UNEXPECTED = "The interviewer failed unexpectedly: reload the page to continue the session (everything said so far is saved)."

Speak = Callable[[InterviewSession], Iterator[str]]


def sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def turn_events(session: InterviewSession, speak: Speak, lock: threading.Lock) -> Iterator[str]:
    """Start the turn now and return the SSE text to relay; ``lock`` is released when the turn ends."""
    events: queue.Queue[str | None] = queue.Queue()

    def work() -> None:
        try:
            for piece in speak(session):
                events.put(sse("piece", piece))
            notices = list(session.notices)
            session.notices.clear()
            remaining = session.remaining()
            events.put(sse("done", {
                "done": session.done, "remaining": remaining.model_dump(mode="json"), "status": status_line(remaining), "notices": notices,
            }))
        except Exception as exc:  # the worker is the boundary: everything becomes one sentence in the page
            message = user_message(exc)
            if message is None:
                log.exception("interview turn failed in session %s", session.id)
            events.put(sse("error", {"message": message or UNEXPECTED}))
        finally:
            lock.release()
            events.put(None)

    threading.Thread(target=work, name=f"turn-{session.id[:6]}", daemon=True).start()

    def relay() -> Iterator[str]:
        while (event := events.get()) is not None:
            yield event

    return relay()
