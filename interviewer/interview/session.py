"""One running interview: answers in, the interviewer's words out (streamed), every turn stored at once.

Library only, no terminal code: the CLI and the web front end both drive an ``InterviewSession``.
What the user sees is exactly what is stored: model text is shown sentence by sentence, each sentence
only after the guard has passed it; when the model fails, the curated wording completes the line.
"""

from __future__ import annotations

import queue
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime, timezone

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import SystemMessage
from pydantic import BaseModel, ValidationError

from .. import catalog
from ..catalog import Persona, Round
from ..config import DEFAULT_MAX_ANSWER_CHARS, Settings
from ..errors import DataError
from ..models import BACKEND_ERRORS, LlamaCppChat, describe_backend_error, limited
from ..store import SessionInfo, SessionStore, StoredTurn
from ..tokens import context_window, counter_for
from .context import HistoryTurn
from .guard import GuardContext, Verdict, check_partial, check_question
from .phrasing import REPLY_TOKENS, build_request, system_prompt
from .plan import Phase, RoundPlan, build_plan
from .policy import Decision, LoopState, Policy, TurnRecord
from .text import complete_sentence_end

COMMANDS = {
    "/help": "show how to answer and the commands",
    "/repeat": "show the interviewer's last line again",
    "/skip": "skip this question and move to the next one",
    "/end": "end the round now (it is saved; you can get a debrief)",
}
# Model text past any of these is the model writing the candidate's part, never the interviewer's.
STOP_SEQUENCES = ["\n\n", "Candidate:", "candidate:", "<candidate_answer>", "\nYou:", "Answer:"]
# How many statements the model may write for each kind of line; a reworded probe then ends with its question.
MAX_MODEL_STATEMENTS = {"reword": 1, "bridge": 1, "answer": 2}
# Low temperature keeps a tiny model close to the curated wording; a strong model still rephrases well.
INTERVIEWER_TEMPERATURE = 0.3
# A new session's plan avoids questions asked in this many of the user's latest sessions of the same round.
PREVIOUS_SESSIONS_CONSIDERED = 20
# Seconds the candidate may wait for the model's first sentence before the curated wording is used.
MODEL_PATIENCE_S = 4.0
_END_OF_REPLY = object()


class AnswerTooLong(DataError):
    """The answer is over the size limit (INTERVIEWER_MAX_ANSWER_CHARS)."""


def check_answer_length(text: str, max_chars: int) -> None:
    """The one size check on an answer, for every front end: an AnswerTooLong over ``max_chars``."""
    if len(text) > max_chars:
        raise AnswerTooLong(
            f"Your answer is {len(text)} characters, over the limit of {max_chars}: shorten it, or raise INTERVIEWER_MAX_ANSWER_CHARS."
        )


def _in_process(model: BaseChatModel) -> bool:
    return isinstance(model, LlamaCppChat)


class _TooSlow(Exception):
    """The model produced no complete sentence within the patience budget."""


class Remaining(BaseModel):
    phase: Phase | None
    main_questions_left: int
    probes_left: int
    minutes_left: int
    done: bool


def status_line(remaining: Remaining | None) -> str:
    """Where the round stands, in the words every front end shows; empty once it is over."""
    if remaining is None or remaining.done:
        return ""
    if remaining.phase in (Phase.WRAP_UP, Phase.CANDIDATE_QUESTIONS):
        where = "wrapping up"
    else:
        where = f"{remaining.main_questions_left} more main question(s) · {remaining.probes_left} follow-up(s) left on this one"
    return f"{where} · about {remaining.minutes_left} min left"


def _pieces(text: str) -> Iterator[str]:
    """Curated text streamed word by word, like model text."""
    yield from re.findall(r"\S+\s*", text)


def _minutes_between(earlier: datetime, later: datetime) -> float:
    return max(0.0, (later - earlier).total_seconds() / 60.0)


def _records(turns: list[StoredTurn]) -> list[TurnRecord]:
    records = []
    for i, turn in enumerate(turns):
        gap = _minutes_between(turns[i - 1].created_at, turn.created_at) if i else 0.0
        records.append(TurnRecord(role=turn.role, content=turn.content, decision=turn.decision, elapsed_minutes=gap))
    return records


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class InterviewSession:
    def __init__(
        self,
        store: SessionStore,
        info: SessionInfo,
        persona: Persona,
        round_: Round,
        plan: RoundPlan,
        model: BaseChatModel,
        *,
        max_answer_chars: int = DEFAULT_MAX_ANSWER_CHARS,
        clock: Callable[[], datetime] = _utcnow,
    ):
        self.store = store
        self.info = info
        self.persona = persona
        self.round = round_
        self.plan = plan
        self.model = model
        self.max_answer_chars = max_answer_chars
        self.clock = clock
        self.policy = Policy(persona, round_, plan)
        self.count_tokens = counter_for(model)
        self.context_window = context_window(model)
        self.notices: list[str] = []  # things the user should know, e.g. the model failed and curated wording was used
        self.last_decision: Decision | None = None
        self._model_usable = True
        self.model_patience_s = MODEL_PATIENCE_S
        self._turns = store.turns(info.id)
        self._state = LoopState.from_turns(_records(self._turns))

    # --- starting and resuming ------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        store: SessionStore,
        settings: Settings,
        persona: str | Persona,
        round_: str | Round,
        model: BaseChatModel,
        *,
        seed: int | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> "InterviewSession":
        persona = catalog.persona(persona) if isinstance(persona, str) else persona
        round_ = catalog.round_(round_) if isinstance(round_, str) else round_
        plan = build_plan(persona, round_, seen=cls._seen_questions(store, round_.id), seed=seed)
        model_settings = {
            "spec": settings.interviewer_model,
            "context_window": context_window(model),
            "reply_tokens": REPLY_TOKENS,
            "temperature": getattr(model, "temperature", None),
        }
        info = store.create_session(
            persona.id, round_.id, settings.interviewer_model, settings.grader,
            plan=plan.model_dump(), model_settings=model_settings,
        )
        return cls(store, info, persona, round_, plan, model, max_answer_chars=settings.max_answer_chars, clock=clock)

    @classmethod
    def resume(
        cls,
        store: SessionStore,
        session_id: str,
        model: BaseChatModel,
        *,
        settings: Settings | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> "InterviewSession":
        info = store.get_session(session_id)
        persona, round_ = catalog.persona(info.persona), catalog.round_(info.round)
        try:
            plan = RoundPlan.model_validate(info.plan)
        except ValidationError:  # a store from before plans were saved: rebuild one that is stable for this id
            plan = build_plan(persona, round_, seed=zlib.crc32(info.id.encode()))
        max_chars = settings.max_answer_chars if settings else DEFAULT_MAX_ANSWER_CHARS
        session = cls(store, info, persona, round_, plan, model, max_answer_chars=max_chars, clock=clock)
        if session.done and info.status != "ended":
            store.end_session(info.id)
        return session

    @staticmethod
    def _seen_questions(store: SessionStore, round_id: str) -> frozenset[str]:
        seen: set[str] = set()
        for info in store.list_sessions(limit=PREVIOUS_SESSIONS_CONSIDERED):
            if info.round == round_id:
                seen.update(t.decision.get("question_id") or "" for t in store.turns(info.id) if t.decision)
        return frozenset(seen - {""})

    # --- what the front ends read ---------------------------------------------------------------

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def done(self) -> bool:
        return self._state.done

    @property
    def turns(self) -> list[StoredTurn]:
        return list(self._turns)

    @property
    def reply_owed(self) -> bool:
        """The interviewer speaks next: a new session, or one whose last stored turn is an answer (the process died before the reply)."""
        return not self.done and (not self._turns or self._state.last_role == "candidate")

    @property
    def last_interviewer_line(self) -> str | None:
        return self._state.interviewer_lines[-1] if self._state.interviewer_lines else None

    def _state_now(self) -> LoopState:
        """The state with the time since the last turn counted (capped like every pause)."""
        state = self._state.model_copy(deep=True)
        if self._turns:
            state.record_pause(_minutes_between(self._turns[-1].created_at, self.clock()))
        return state

    def remaining(self) -> Remaining:
        state = self._state_now()
        return Remaining(
            phase=state.phase,
            main_questions_left=self.policy.main_questions_left(state),
            probes_left=self.policy.probes_left(state),
            minutes_left=int(self.policy.minutes_left(state)),
            done=state.done,
        )

    # --- the conversation -------------------------------------------------------------------------

    def opening(self) -> Iterator[str]:
        """What the interviewer says when the conversation (re)opens.

        A new session: the greeting and the first question. A resumed one whose last stored turn is an
        answer (the process died before the reply): the reply. Otherwise the last line again (not stored).
        """
        self._ensure_open()
        if not self._turns:
            yield from self._say(self.policy.opening(self._state_now()), answer="")
        elif self.reply_owed:
            yield from self._say(self.policy.after_answer(self._state_now()), answer=self._state.answers[-1])
        else:
            yield from _pieces(self.last_interviewer_line or "")
        self.warm_up()

    def warm_up(self) -> None:
        """Let an in-process model read the system prompt while the candidate is still typing.

        llama.cpp keeps the evaluated prefix, so the first reply then only evaluates the new turns;
        this takes the cold first-reply delay (seconds on a small CPU) off the user's wait.
        """
        if not _in_process(self.model) or not self._model_usable:
            return
        # The weights load here, in the caller's thread, before anything else is printed: llama-cpp-python silences a
        # load by pointing sys.stdout and the process's stdout and stderr at /dev/null for its duration, so a load in
        # the background swallowed whatever the front end printed meanwhile (a fast scripted round lost its ending).
        try:
            self.model.llama
        except Exception:  # a model that cannot load says so, in one sentence, when the first reply asks for it
            return

        def run() -> None:
            try:  # LlamaCppChat serialises calls itself, so a reply simply waits (within its patience) for this
                limited(self.model, max_tokens=1).invoke([SystemMessage(system_prompt(self.persona, self.round))])
            except Exception:  # a failed warm-up only means the first reply is not faster
                pass

        threading.Thread(target=run, name="interviewer-warm-up", daemon=True).start()

    def answer(self, text: str) -> Iterator[str]:
        """Store the candidate's answer at once, decide the next move, stream the reply, store it.

        A refused answer (empty, too long, the round over) raises here, before anything is streamed.
        """
        self._ensure_open()
        text = (text or "").strip()
        if not text:
            raise DataError("Your answer is empty: type your answer, then press Enter on an empty line to send it (or use /skip).")
        check_answer_length(text, self.max_answer_chars)
        return self._reply_to(text)

    def _reply_to(self, text: str) -> Iterator[str]:
        phase = self._state.phase or Phase.OPENING
        self._append("candidate", text, phase=phase.value)
        yield from self._say(self.policy.after_answer(self._state_now()), answer=text)

    def command(self, name: str) -> Iterator[str]:
        """/repeat, /skip or /end (``/help`` is the front end's to show, from ``COMMANDS``).

        An unknown command, or any command once the round is over, raises here, before anything is streamed.
        """
        name = name.strip().lower()
        self._ensure_open()
        if name == "/repeat":
            return _pieces(self.last_interviewer_line or "")
        if name == "/skip":
            return self._say(self.policy.skip(self._state_now()), answer="")
        if name == "/end":
            return self._say(self.policy.end(self._state_now()), answer="")
        raise DataError(f"Unknown command '{name}': use one of {', '.join(COMMANDS)}.")

    def _ensure_open(self) -> None:
        if self.done:
            raise DataError(f"Session {self.id} has ended: get its debrief, or start a new round with `interviewer chat`.")

    # --- storing ----------------------------------------------------------------------------------

    def _count(self, text: str) -> int | None:
        try:
            return self.count_tokens(text)
        except Exception:  # a tokenizer that cannot load must not cost the user a turn
            return None

    def _append(self, role: str, content: str, *, phase: str, decision: Decision | None = None) -> None:
        tokens = self._count(content)
        self.store.append_turn(self.id, role, content, phase=phase, decision=decision, tokens=tokens)  # type: ignore[arg-type]
        previous = self._turns[-1].created_at if self._turns else None
        now = datetime.now(timezone.utc)
        turn = StoredTurn(
            session_id=self.id, idx=len(self._turns), role=role, content=content, created_at=now, tokens=tokens,
            phase=phase, decision=decision.model_dump(mode="json") if decision else None,
        )
        self._turns.append(turn)
        gap = _minutes_between(previous, now) if previous else 0.0
        self._state.record(TurnRecord(role=role, content=content, decision=turn.decision, elapsed_minutes=gap))

    # --- speaking -----------------------------------------------------------------------------------

    def _say(self, decision: Decision, *, answer: str) -> Iterator[str]:
        """Stream the line for ``decision``; once it is complete, store it with the decision."""
        shown: list[str] = []
        for piece in self._compose(decision, answer):
            shown.append(piece)
            yield piece
        text = "".join(shown).strip()
        self.last_decision = decision
        self._append("interviewer", text, phase=decision.phase.value, decision=decision)
        if decision.phase == Phase.CLOSE:
            self.store.end_session(self.id)

    def _guard_context(self, decision: Decision, answer: str, instructions: str) -> GuardContext:
        return GuardContext(
            intent=decision.line,
            needs_question=decision.wording == "reword",
            candidate_answer=answer,
            prompt=instructions,
            asked=list(self._state.interviewer_lines),
            unasked=[u for u in self.policy.unasked_lines(self._state) if u != decision.line],
            grounding=answer if decision.wording != "answer" else " ".join([answer, self.persona.team, self.persona.summary, *self.persona.cares_about]),
        )

    def _history(self) -> list[HistoryTurn]:
        """Every stored turn but the latest answer, which the request carries next to the task."""
        turns = self._turns[:-1] if self._turns and self._turns[-1].role == "candidate" else self._turns
        return [HistoryTurn(role=t.role, content=t.content, tokens=t.tokens) for t in turns]

    def _model_sentences(self, messages, max_tokens: int) -> Iterator[str]:
        """The model's reply, one complete sentence at a time; gives up when a sentence does not come in time.

        The model streams from a worker thread so that the patience budget covers everything before the
        first sentence: waiting for a busy in-process model (a warm-up, a grading), evaluating the prompt,
        and decoding. A synchronous loop could only check the clock once a token had arrived. Each later
        sentence gets the same budget, so a backend that stalls mid-reply costs seconds, not the request timeout.
        """
        runnable = limited(self.model, max_tokens=max_tokens, temperature=INTERVIEWER_TEMPERATURE, stop=STOP_SEQUENCES)
        pieces: queue.Queue[object] = queue.Queue()
        abandoned = threading.Event()

        def produce() -> None:
            try:
                stream = runnable.stream(messages)
                try:
                    for chunk in stream:
                        if abandoned.is_set():
                            break
                        pieces.put(chunk.text)
                finally:
                    stream.close()  # stops the model generating what will never be shown
            except BaseException as exc:  # handed to the reader, which raises it in the caller's thread
                pieces.put(exc)
            finally:
                pieces.put(_END_OF_REPLY)

        deadline = time.monotonic() + self.model_patience_s
        threading.Thread(target=produce, name="interviewer-reply", daemon=True).start()
        buffer = ""
        try:
            while True:
                try:
                    item = pieces.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    raise _TooSlow from None
                if item is _END_OF_REPLY:
                    break
                if isinstance(item, ValueError) and "no generation chunks" in str(item).lower():
                    break  # langchain's word for an empty reply
                if isinstance(item, BaseException):
                    raise item
                buffer += str(item)
                while (end := complete_sentence_end(buffer)) > 0:
                    yield buffer[:end].strip()
                    buffer = buffer[end:]
                    deadline = time.monotonic() + self.model_patience_s
            if buffer.strip():
                yield buffer.strip()
        finally:
            abandoned.set()

    def _compose(self, decision: Decision, answer: str) -> Iterator[str]:
        """The model's sentences that pass the guard, completed (or replaced) by the curated wording."""
        if decision.wording == "curated" or not self._model_usable:
            decision.source = "curated"
            yield from _pieces(decision.intent)
            return
        request = build_request(
            persona=self.persona, round_=self.round, decision=decision, history=self._history(), answer=answer,
            count=self._count_or_estimate, window=self.context_window,
        )
        context = self._guard_context(decision, answer, request.instructions)
        accepted: list[str] = []
        asked_question = False
        rejected: str | None = None
        sentences = self._model_sentences(request.messages, request.max_tokens)
        try:
            for sentence in sentences:
                is_question = sentence.endswith("?")
                if not is_question and len(accepted) >= MAX_MODEL_STATEMENTS[decision.wording]:
                    if decision.wording == "reword":
                        rejected = "says too much before its question"
                    break
                line = " ".join(accepted + [sentence])
                verdict = check_partial(line, context)
                if verdict.ok and is_question:
                    if decision.wording == "reword":
                        verdict = check_question(sentence, context)  # the question itself must carry the intent
                    else:
                        verdict = Verdict(ok=False, reason="asks a question where none is wanted")
                if not verdict.ok:
                    rejected = verdict.reason
                    break
                yield (" " if accepted else "") + sentence
                accepted.append(sentence)
                if is_question:
                    asked_question = True
                    break
        except _TooSlow:
            rejected = "too slow"
        except BACKEND_ERRORS as exc:
            self._model_usable = False  # one failure is enough: the rest of the round uses curated wording, without waiting
            self.notices.append(f"{describe_backend_error(exc)} The interviewer continues with its prepared wording.")
            rejected = "the model backend failed"
        finally:
            sentences.close()
        if decision.wording == "reword" and asked_question:
            decision.source = "model"
        elif accepted:
            decision.source = "mixed"
            if decision.wording == "reword":
                rejected = rejected or "has no question"
            yield " "
            yield from _pieces(decision.line)
        else:
            decision.source = "curated"
            rejected = rejected or "empty"
            yield from _pieces(decision.intent)
        decision.rejected = rejected

    def _count_or_estimate(self, text: str) -> int:
        counted = self._count(text)
        return counted if counted is not None else len(text) // 3 + 1
