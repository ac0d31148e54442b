"""The interview policy: after each answer, code decides the next move; the model only words it.

Evidence is a deterministic count of mechanism and term cues per dimension (prompts/evidence_cues.yaml)
in the candidate's answers. After an answer the policy probes the thinnest dimension while the question
has probes left, otherwise asks the next planned question, otherwise wraps up; the time budget can end
the main part early. A turn that is not an answer (replies.py) is met first: a question restated with what
the interviewer is after, another way in for a candidate who is stuck, no verdict before the debrief.
Every decision is a pydantic model stored with the interviewer turn it produced.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..catalog import Persona, Round, prompt_data
from ..errors import DataError
from ..grading.scorecard import DIMENSIONS, Dimension
from ..patterns import Pattern
from .plan import Phase, RoundPlan
from .replies import Reply, RequestKind, has_no_questions, read_reply
from .text import content_words, overlap, split_sentences

Action = Literal["open", "ask", "probe", "restate", "wrap_up", "invite_questions", "answer_question", "close"]
Wording = Literal["curated", "reword", "bridge", "answer"]

# A probe sharing this much of its content words with a line already said would ask the same thing again.
NEAR_REPEAT_OVERLAP = 0.6
# A pause longer than this (a break, a resume the next day) counts as this many minutes of interview time.
MAX_MINUTES_PER_GAP = 6.0


class EvidenceCues(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enough: int = Field(ge=1)
    cues: dict[Dimension, list[Pattern]]


class CandidateQuestionAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    asks: Pattern  # over the candidate's question
    answer: str


class Lines(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    next_question: str
    skip: str
    end_early: str
    answer_candidate_question: str
    clarify: str
    clarify_focus: dict[Dimension, str]
    no_idea: str
    move_on: str
    no_verdict: str
    no_verdict_brief: str
    max_candidate_questions: int = Field(ge=1)
    anything_else: str
    no_questions: str
    candidate_question_answers: list[CandidateQuestionAnswer]

    @model_validator(mode="after")
    def _complete(self) -> "Lines":
        """Every dimension has a focus, and every line formats with the fields the loop fills in: a mistake in the
        file is one clear error at load, not a KeyError in the middle of an interview."""
        missing = [d for d in DIMENSIONS if d not in self.clarify_focus]
        if missing:
            raise ValueError(f"clarify_focus has no line for {', '.join(missing)}")
        fields = {"name": "", "team": "", "care": "", "focus": ""}
        for text in [self.clarify, self.answer_candidate_question, *(a.answer for a in self.candidate_question_answers)]:
            try:
                text.format(**fields)
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"the line {text!r} uses an unknown placeholder ({exc})") from exc
        return self


@lru_cache(maxsize=1)
def evidence_cues() -> EvidenceCues:
    return prompt_data("evidence_cues.yaml", EvidenceCues)


@lru_cache(maxsize=1)
def lines() -> Lines:
    return prompt_data("interviewer_lines.yaml", Lines)


def evidence(answers: list[str]) -> dict[Dimension, int]:
    """Distinct cues per dimension found in the candidate's answers."""
    text = "\n".join(answers)
    cues = evidence_cues().cues
    return {d: sum(1 for p in cues.get(d, []) if re.search(p, text, re.IGNORECASE)) for d in DIMENSIONS}


class Decision(BaseModel):
    """One move of the interviewer and why it was made; stored with the turn it produced."""

    phase: Phase
    action: Action
    reason: str
    line: str = Field(description="the curated wording of the move: a question from the bank, a probe, the closing")
    lead: str = Field("", description="curated words said before the line (a greeting, a transition, an answer)")
    wording: Wording = Field("curated", description="what the model may write: nothing, the whole probe, a lead-in, an answer")
    question_id: str | None = None
    dimension: Dimension | None = None
    evidence: dict[Dimension, int] = Field(default_factory=dict)
    main_asked: int = 0
    probes_on_question: int = 0
    minutes_elapsed: float = 0.0
    responds_to: RequestKind | None = Field(None, description="the kind of non-answer turn this move meets, if any")
    source: Literal["curated", "model", "mixed"] = "curated"
    rejected: str | None = Field(None, description="why model text was rejected, when it was")

    @property
    def intent(self) -> str:
        return f"{self.lead} {self.line}".strip()


class TurnRecord(BaseModel):
    """The part of a stored turn the policy reads (the store's StoredTurn satisfies it)."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["interviewer", "candidate"]
    content: str
    decision: dict | None = None
    elapsed_minutes: float = 0.0


class LoopState(BaseModel):
    """Where a session stands, rebuilt from its stored turns alone (so resume needs nothing else)."""

    phase: Phase | None = None
    asked_question_ids: list[str] = Field(default_factory=list)
    current_question_id: str | None = None
    probes_on_question: int = 0
    probed_dimensions: list[Dimension] = Field(default_factory=list)
    used_probes: list[str] = Field(default_factory=list)
    answers: list[str] = Field(default_factory=list)
    interviewer_lines: list[str] = Field(default_factory=list)
    last_role: Literal["interviewer", "candidate"] | None = None
    minutes_elapsed: float = 0.0
    # the question or probe the candidate is answering, which a restatement says again
    current_line: str | None = None
    current_dimension: Dimension | None = None
    last_action: Action | None = None
    answers_on_question: int = 0
    last_responds_to: RequestKind | None = None
    questions_answered: int = 0  # the candidate's own questions, at the end

    @property
    def done(self) -> bool:
        return self.phase == Phase.CLOSE

    @classmethod
    def from_turns(cls, turns: list[TurnRecord]) -> "LoopState":
        state = cls()
        for turn in turns:
            state.record(turn)
        return state

    def record_pause(self, minutes: float) -> None:
        self.minutes_elapsed += min(max(minutes, 0.0), MAX_MINUTES_PER_GAP)

    def record(self, turn: TurnRecord) -> None:
        self.last_role = turn.role
        self.record_pause(turn.elapsed_minutes)
        if turn.role == "candidate":
            self.answers.append(turn.content)
            self.answers_on_question += 1
            return
        self.interviewer_lines.append(turn.content)
        decision = Decision.model_validate(turn.decision) if turn.decision else None
        if decision is None:
            return
        self.phase = decision.phase
        self.last_action = decision.action
        self.last_responds_to = decision.responds_to
        if decision.action in ("open", "ask", "probe"):
            self.current_line = decision.line
            self.current_dimension = decision.dimension
        if decision.action in ("open", "ask"):
            self.asked_question_ids.append(decision.question_id or "")
            self.current_question_id = decision.question_id
            self.probes_on_question = 0
            self.probed_dimensions = []
            self.answers_on_question = 0
        elif decision.action == "answer_question":
            self.questions_answered += 1
        elif decision.action == "probe":
            self.probes_on_question += 1
            self.used_probes.append(decision.line)
            if decision.dimension:
                self.probed_dimensions.append(decision.dimension)


class Policy:
    """Decides the next move for one persona, round and plan."""

    def __init__(self, persona: Persona, round_: Round, plan: RoundPlan):
        self.persona = persona
        self.round = round_
        self.plan = plan
        self._questions = {q.id: q for q in round_.questions}
        missing = [qid for qid in plan.question_ids if qid not in self._questions]
        if missing:
            raise DataError(f"The session's plan names questions no longer in the {round_.id} round ({', '.join(missing)}): start a new session.")

    # --- what is left ------------------------------------------------------------------------

    def next_question_id(self, state: LoopState) -> str | None:
        if len(state.asked_question_ids) >= self.plan.max_main_questions:
            return None
        return next((qid for qid in self.plan.question_ids if qid not in state.asked_question_ids), None)

    def main_questions_left(self, state: LoopState) -> int:
        if state.phase in (Phase.WRAP_UP, Phase.CANDIDATE_QUESTIONS, Phase.CLOSE):
            return 0
        unasked = [q for q in self.plan.question_ids if q not in state.asked_question_ids]
        return max(0, min(self.plan.max_main_questions - len(state.asked_question_ids), len(unasked)))

    def probes_left(self, state: LoopState) -> int:
        if state.phase not in (Phase.OPENING, Phase.MAIN, Phase.PROBE):
            return 0
        return max(0, self.plan.max_probes_per_question - state.probes_on_question)

    def minutes_left(self, state: LoopState) -> float:
        return max(0.0, self.plan.minutes - state.minutes_elapsed)

    def probe_bank(self, dimension: Dimension) -> list[str]:
        """The persona's signature probes lead on its hardest dimension, then the round's probes."""
        own = list(self.persona.signature_probes) if dimension == self.persona.hardest_dimension else []
        return own + list(self.round.probes[dimension])

    def unasked_lines(self, state: LoopState) -> list[str]:
        """Planned questions and probes not yet said: what the model must not give away early."""
        questions = [self._questions[q].text for q in self.plan.question_ids if q not in state.asked_question_ids]
        probes = [p for d in DIMENSIONS for p in self.probe_bank(d) if p not in state.used_probes]
        return questions + probes + [self.round.wrap_up, self.round.candidate_questions]

    # --- moves -------------------------------------------------------------------------------

    def _decision(self, state: LoopState, **fields) -> Decision:
        return Decision(
            evidence=evidence(state.answers),
            main_asked=len(state.asked_question_ids) + (1 if fields["action"] in ("open", "ask") else 0),
            probes_on_question=state.probes_on_question + (1 if fields["action"] == "probe" else 0),
            minutes_elapsed=round(state.minutes_elapsed, 2),
            **fields,
        )

    def opening(self, state: LoopState) -> Decision:
        qid = self.plan.question_ids[0]
        greeting = self.persona.opening.format(round_title=self.round.title_in_sentence)
        return self._decision(
            state, phase=Phase.OPENING, action="open", question_id=qid, lead=greeting, line=self._questions[qid].text,
            reason="the round starts with the first planned question",
        )

    # A skip or an early end is said in curated words; otherwise the model may write a short lead-in.
    def _ask(self, state: LoopState, qid: str, reason: str, lead: str = "", wording: Wording = "curated") -> Decision:
        return self._decision(
            state, phase=Phase.MAIN, action="ask", question_id=qid, line=self._questions[qid].text, lead=lead,
            wording=wording, reason=reason,
        )

    def _wrap_up(self, state: LoopState, reason: str, lead: str = "") -> Decision:
        return self._decision(
            state, phase=Phase.WRAP_UP, action="wrap_up", line=self.round.wrap_up, lead=lead,
            wording="curated" if lead else "bridge", reason=reason,
        )

    def _invite(self, state: LoopState, reason: str, lead: str = "") -> Decision:
        return self._decision(
            state, phase=Phase.CANDIDATE_QUESTIONS, action="invite_questions", line=self.round.candidate_questions, lead=lead,
            wording="curated" if lead else "bridge", reason=reason,
        )

    def _close(self, state: LoopState, reason: str, lead: str, wording: Wording = "curated", line: str | None = None) -> Decision:
        line = line or self.persona.closing
        return self._decision(state, phase=Phase.CLOSE, action="close", line=line, lead=lead, wording=wording, reason=reason)

    def _ruled_out(self, state: LoopState) -> set[str]:
        """Probes that repeat or give away a main question this round has asked or is still going to ask.

        Conservative on purpose: a question skipped, or one the time budget will cut, still holds its probes back;
        every persona and round keeps enough probes either way (tested).
        """
        left = max(0, self.plan.max_main_questions - len(state.asked_question_ids))
        upcoming = [q for q in self.plan.question_ids if q not in state.asked_question_ids][:left]
        return {p for qid in [*state.asked_question_ids, *upcoming] if qid in self._questions for p in self._questions[qid].rules_out_probes}

    def _fresh_probes(self, state: LoopState, dimension: Dimension) -> list[str]:
        """Probes not yet asked, nor nearly asked in other words (a signature probe and a round probe can overlap, and
        so can a probe and a main question: the question bank names those pairs)."""
        ruled_out = self._ruled_out(state)
        return [
            p for p in self.probe_bank(dimension)
            if p not in state.used_probes and p not in ruled_out
            and all(overlap(p, said) < NEAR_REPEAT_OVERLAP for said in state.interviewer_lines)
        ]

    def _choose_probe(self, state: LoopState) -> tuple[Dimension, str, str] | None:
        counts = evidence(state.answers)
        enough = evidence_cues().enough
        question = self._questions.get(state.current_question_id or "")
        tagged = question.dimensions if question else []
        thin = [d for d in DIMENSIONS if counts[d] < enough and d not in state.probed_dimensions]
        thin = [d for d in thin if self._fresh_probes(state, d)]
        if not thin:
            return None
        # least evidence first; among equals, what this question is about, then what the persona cares about most
        dimension = min(thin, key=lambda d: (counts[d], d not in tagged, d != self.persona.hardest_dimension, DIMENSIONS.index(d)))
        # on the question's topic, but on a part the answers have not covered yet: dig where the candidate is thin
        topic = content_words(question.text if question else "")
        covered = content_words(" ".join(state.answers))
        unused = self._fresh_probes(state, dimension)
        probe = max(unused, key=lambda p: len(content_words(p) & topic) - len(content_words(p) & covered))  # ties keep bank order
        reason = f"{dimension} has the least evidence so far ({counts[dimension]} of {enough} cues)"
        return dimension, probe, reason

    def after_answer(self, state: LoopState) -> Decision:
        """The move after the candidate's latest answer."""
        if state.phase in (Phase.OPENING, Phase.MAIN, Phase.PROBE):
            if self.minutes_left(state) <= 0:
                return self._wrap_up(state, f"the {self.plan.minutes}-minute budget is used up")
            reply = read_reply(state.answers[-1]) if state.answers else Reply(kind="answer")
            # met once in a row, in curated words (a model's rewording would drop them): asked again, the round moves on
            again = state.last_action == "restate" and state.last_responds_to == reply.kind
            if reply.kind == "asks_verdict" and state.current_line and not again:
                return self._restate(state, "the candidate asked for the answer or a verdict, which waits for the debrief", lines().no_verdict, "asks_verdict")
            if reply.kind == "clarify" and state.current_line:
                if again:
                    return self._move_on(state, "the question was restated and still did not land", lines().move_on, responds_to="clarify")
                return self._restate(state, "the candidate asked what the question means", self._clarification(state), "clarify")
            if reply.kind == "no_idea":
                probe = None if self._stuck_before(state) else self._probe(state, lead=lines().no_idea)
                if probe is None:
                    return self._move_on(state, "the candidate was stuck on this question", lines().move_on, responds_to="no_idea")
                return probe.model_copy(update={"wording": "curated", "responds_to": "no_idea"})
            decision = self._probe(state) or self._next(state)
            if reply.asks_verdict:  # "..., is that right?" or a verdict asked again: declined in curated words, never by the model
                decision = decision.model_copy(
                    update={"lead": f"{lines().no_verdict_brief} {decision.lead}".strip(), "wording": "curated", "responds_to": "asks_verdict"}
                )
            return decision
        if state.phase == Phase.WRAP_UP:
            return self._invite(state, "the wrap-up question was answered")
        if state.phase == Phase.CANDIDATE_QUESTIONS:
            question = state.answers[-1] if state.answers else ""
            if has_no_questions(question):
                return self._close(state, "the candidate had no more questions", lines().no_questions)
            answer = self._answer_for(question)
            if state.questions_answered + 1 < lines().max_candidate_questions:
                return self._decision(
                    state, phase=Phase.CANDIDATE_QUESTIONS, action="answer_question", line=lines().anything_else, lead=answer,
                    wording="answer", reason="the candidate asked a question",
                )
            return self._close(state, "the candidate's questions were answered", answer, wording="answer")
        raise DataError("This session has ended: start a new one with `interviewer chat`.")

    def _answer_for(self, question: str) -> str:
        """The curated answer on the topic the candidate asked about, in the persona's words; a general one otherwise."""
        care = self.persona.cares_about[0]
        fields = {"name": self.persona.name, "team": self.persona.team, "care": care[:1].lower() + care[1:]}
        for known in lines().candidate_question_answers:
            if re.search(known.asks, question, re.IGNORECASE):
                return known.answer.format(**fields)
        return lines().answer_candidate_question.format(**fields)

    def _probe(self, state: LoopState, lead: str = "") -> Decision | None:
        """A follow-up on the thinnest dimension, while this question has follow-ups left and a fresh probe exists."""
        if state.probes_on_question >= self.plan.max_probes_per_question:
            return None
        chosen = self._choose_probe(state)
        if chosen is None:
            return None
        dimension, probe, reason = chosen
        return self._decision(state, phase=Phase.PROBE, action="probe", dimension=dimension, line=probe, lead=lead, wording="reword", reason=reason)

    def _next(self, state: LoopState) -> Decision:
        """The next main question, or the wrap-up when none is left."""
        why = "the answer gave enough evidence to move on" if state.probes_on_question < self.plan.max_probes_per_question else "this question's follow-ups are used up"
        return self._move_on(state, why, lines().next_question, wording="bridge")

    def _move_on(self, state: LoopState, reason: str, lead: str, wording: Wording = "curated", responds_to: RequestKind | None = None) -> Decision:
        next_id = self.next_question_id(state)
        if next_id is not None:
            return self._ask(state, next_id, reason, lead, wording=wording).model_copy(update={"responds_to": responds_to})
        return self._wrap_up(state, "the round's main questions are used up", lead if wording == "curated" else "").model_copy(update={"responds_to": responds_to})

    def _restate(self, state: LoopState, reason: str, lead: str, responds_to: RequestKind) -> Decision:
        """The current question or probe again, after ``lead``, in curated words; it uses up no follow-up."""
        return self._decision(
            state, phase=state.phase or Phase.MAIN, action="restate", question_id=state.current_question_id,
            dimension=state.current_dimension, line=state.current_line or "", lead=lead, reason=reason, responds_to=responds_to,
        )

    def _clarification(self, state: LoopState) -> str:
        """What the interviewer is after: the dimension the probe or the question is about, never how to answer."""
        question = self._questions.get(state.current_question_id or "")
        dimension = state.current_dimension or (question.dimensions[0] if question else self.persona.hardest_dimension)
        return lines().clarify.format(focus=lines().clarify_focus[dimension])

    def _stuck_before(self, state: LoopState) -> bool:
        """Whether the candidate already said they didn't know since this question was asked."""
        earlier = state.answers[len(state.answers) - state.answers_on_question : -1]
        return any(read_reply(a).kind == "no_idea" for a in earlier)

    def skip(self, state: LoopState) -> Decision:
        """/skip: the next main question (or the next phase when none is left); the skipped one still counts."""
        prefix = lines().skip
        if state.phase in (Phase.OPENING, Phase.MAIN, Phase.PROBE):
            next_id = self.next_question_id(state)
            if next_id is not None:
                return self._ask(state, next_id, "the candidate skipped the question", prefix)
            return self._wrap_up(state, "the candidate skipped the last main question", prefix)
        if state.phase == Phase.WRAP_UP:
            return self._invite(state, "the candidate skipped the wrap-up question", prefix)
        if state.phase == Phase.CANDIDATE_QUESTIONS:
            return self._close(state, "the candidate had no questions", prefix)
        raise DataError("This session has ended: start a new one with `interviewer chat`.")

    def end(self, state: LoopState) -> Decision:
        """/end: straight to the close."""
        if state.done:
            raise DataError("This session has ended: start a new one with `interviewer chat`.")
        # a persona's closing opens with "that's our time", which an early end is not: keep only its thanks
        thanks = " ".join(split_sentences(self.persona.closing)[1:]) or self.persona.closing
        return self._close(state, "the candidate ended the round", lines().end_early, line=thanks)
