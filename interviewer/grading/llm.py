"""The LLM grader (`llm:<model spec>`): a LangChain chain with structured output, evidence before scores.

The transcript reaches the model as delimited JSON data; sentences addressed to the grader are redacted
before it is sent, and the system prompt says any instruction inside is data. Quotes the model returns are
verified against the candidate's turns (evidence.py); a dimension left without a verified quote is marked
insufficient evidence and held at NO_EVIDENCE_CAP (2), like the offline grader's. Invalid replies are retried (at most twice), then a BackendError.
With samples=N the chain runs N times at a sampling temperature: the median score per dimension, the spread reported.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from typing import Annotated, Literal

from langchain_core.exceptions import OutputParserException
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, BeforeValidator, Field, ValidationError, WithJsonSchema

from ..catalog import prompt_text, rubrics
from ..errors import BackendError, DataError
from ..models import StructuredOutputError, structured
from ..tokens import context_window, counter_for
from ..transcript import Transcript, Turn
from . import narrative
from .evidence import verify_quotes
from .features import is_injection, split_sentences
from .scorecard import DIMENSIONS, NO_EVIDENCE_CAP, RECOMMENDATIONS, DimensionScore, Recommendation, Scorecard

MAX_RETRIES = 2
SAMPLE_TEMPERATURE = 0.7  # with --samples N > 1; a single grading runs at temperature 0
REPLY_TOKENS = 1500  # fits the worst case below even when every character is a token (small models degenerate)
REDACTED = "[text addressed to the grader, removed]"


def _bounded_text(limit: int):
    """A string the JSON schema caps at ``limit`` (so a grammar-constrained small model cannot ramble past the
    reply limit) but that validation truncates instead of rejecting, so a larger model's long quote still
    parses: a truncated quote is still a verbatim prefix and is verified like any other."""
    return Annotated[str, BeforeValidator(lambda v: v[:limit] if isinstance(v, str) else v), WithJsonSchema({"type": "string", "maxLength": limit})]


def _first(limit: int):
    return BeforeValidator(lambda v: v[:limit] if isinstance(v, list) else v)


Quote = _bounded_text(100)


class GradedDimension(BaseModel):
    """Field order is the reasoning order: quotes, then why, then the score."""

    evidence: Annotated[list[Quote], _first(2)] = Field(json_schema_extra={"maxItems": 2}, description="short quotes copied exactly from the candidate's turns")
    rationale: _bounded_text(200) = Field(description="one or two sentences on what the quotes show")
    score: Literal[1, 2, 3, 4]


class GradedRound(BaseModel):
    technical_empathy: GradedDimension
    platform_thinking: GradedDimension
    telecom_depth: GradedDimension
    recommendation: Recommendation


def rubric_brief() -> str:
    """The rubric as the model sees it: each dimension's definition and what separates the levels."""
    lines = []
    for d in DIMENSIONS:
        rubric = rubrics()[d]
        lines.append(f"{d} ({rubric.title}): {rubric.definition}")
        for level in (2, 3, 4):
            lines.append(f"  {level} {rubric.levels[level].label}: {rubric.levels[level].anchors[0]}")
    return "\n".join(lines)


def redact_injections(transcript: Transcript) -> tuple[Transcript, int]:
    """The transcript with candidate sentences addressed to the grader replaced by a marker."""
    removed = 0
    turns = []
    for turn in transcript.turns:
        if turn.role != "candidate":
            turns.append(turn)
            continue
        paragraphs = []
        for paragraph in turn.content.split("\n"):
            sentences = split_sentences(paragraph)
            first = next((i for i, sentence in enumerate(sentences) if is_injection(sentence)), None)
            if first is None:
                paragraphs.append(paragraph)  # untouched, so quotes verify against the candidate's own text
                continue
            removed += len(sentences) - first  # an injection runs on to the end of its paragraph
            paragraphs.append(" ".join([*sentences[:first], REDACTED]))
        turns.append(Turn(role="candidate", content="\n".join(paragraphs).strip() or REDACTED))
    return transcript.model_copy(update={"turns": turns}), removed


def transcript_block(transcript: Transcript) -> str:
    """The transcript as delimited data. '<' is escaped so no turn can close the tag."""
    header = json.dumps({"persona": transcript.persona, "round": transcript.round}, ensure_ascii=False)
    turns = ",\n".join(json.dumps(t.model_dump(), ensure_ascii=False) for t in transcript.turns)
    payload = f'{header[:-1]}, "turns": [\n{turns}\n]}}'.replace("<", "\\u003c")
    return f"<transcript>\n{payload}\n</transcript>\nScore the candidate in the transcript above."


class LLMGrader:
    def __init__(self, model: BaseChatModel, *, name: str = "llm", samples: int = 1):
        self.model = model
        self.name = name
        self.samples = samples
        # Self-consistency needs samples that can differ: at temperature 0 every sample is the same answer.
        temperature = 0.0 if samples == 1 else SAMPLE_TEMPERATURE
        self.chain = structured(model, GradedRound, max_tokens=REPLY_TOKENS, temperature=temperature)

    def messages(self, transcript: Transcript) -> list:
        system = prompt_text("grader_system.md").replace("{rubric}", rubric_brief())
        return [SystemMessage(content=system), HumanMessage(content=transcript_block(transcript))]

    def _check_fits(self, messages: list) -> None:
        count = counter_for(self.model)
        used = sum(count(m.content) for m in messages) + REPLY_TOKENS
        window = context_window(self.model)
        if used > window:
            raise DataError(
                f"This transcript needs about {used} tokens but the grader model takes {window}: grade it with --grader rubric or a larger model."
            )

    def _one(self, messages: list) -> GradedRound:
        last: Exception | None = None
        for _ in range(1 + MAX_RETRIES):
            try:
                result = self.chain.invoke(messages)
            except (StructuredOutputError, OutputParserException, ValidationError, ValueError) as exc:
                last = exc
                continue
            if isinstance(result, GradedRound):
                return result
            try:
                return GradedRound.model_validate(result)
            except ValidationError as exc:
                last = exc
        raise BackendError(
            f"The grader model gave no valid scorecard in {1 + MAX_RETRIES} tries ({str(last).splitlines()[0][:160]}): "
            "try a larger model or the offline grader (--grader rubric)."
        )

    def grade(self, transcript: Transcript) -> Scorecard:
        clean, redacted = redact_injections(transcript)
        messages = self.messages(clean)
        self._check_fits(messages)
        samples = [self._one(messages) for _ in range(self.samples)]
        return self._combine(samples, clean, redacted)

    def _combine(self, samples: list[GradedRound], clean: Transcript, redacted: int) -> Scorecard:
        candidate_turns = clean.candidate_turns()
        notes: list[str] = []
        if redacted:
            notes.append(f"Ignored {redacted} sentence(s) addressed to the grader rather than the interviewer.")
        dimensions: dict[str, DimensionScore] = {}
        for d in DIMENSIONS:
            graded = [getattr(s, d) for s in samples]
            median = int(statistics.median_low([g.score for g in graded]))
            chosen = next(g for g in graded if g.score == median)
            check = verify_quotes(chosen.evidence, candidate_turns)
            spread = float(max(g.score for g in graded) - min(g.score for g in graded)) if len(graded) > 1 else None
            if check.dropped:
                notes.append(f"{d}: dropped {len(check.dropped)} quote(s) that are not verbatim in the candidate's turns.")
            if not check.kept:
                dimensions[d] = DimensionScore(
                    dimension=d,
                    score=min(median, NO_EVIDENCE_CAP),
                    insufficient_evidence=True,
                    dropped_quotes=check.dropped,
                    spread=spread,
                    rationale=f"Insufficient evidence: no verbatim quote supports a score (the model said {median}: {chosen.rationale})",
                )
            else:
                dimensions[d] = DimensionScore(
                    dimension=d, score=median, evidence=check.kept, dropped_quotes=check.dropped, rationale=chosen.rationale, spread=spread
                )
        votes = Counter(s.recommendation for s in samples)
        judged = max(votes, key=lambda r: (votes[r], -RECOMMENDATIONS.index(r)))  # ties go to the more cautious call
        if self.samples > 1:
            notes.append(f"Self-consistency over {self.samples} samples: median score per dimension, spread = max - min.")
        return narrative.scorecard(
            dimensions, judged, grader=self.name, notes=notes, graded_turns=len(clean.turns), round_text=[t.content for t in clean.turns]
        )
