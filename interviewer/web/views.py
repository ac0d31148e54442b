"""Page data built from library objects: transcript lines with the grader's evidence marked, score bars.

Everything here returns plain text pieces; the templates escape them (autoescape), so a candidate's
words are shown as text whatever they contain.
"""

from __future__ import annotations

from pydantic import BaseModel

from ..catalog import rubrics
from ..debrief import verdict, what_a_4_sounds_like
from ..grading.scorecard import DIMENSIONS, LEVEL_LABELS, Scorecard
from ..store import StoredTurn


class Segment(BaseModel):
    text: str
    dimensions: list[str] = []  # the dimensions this text is evidence for; empty for plain text


class TranscriptLine(BaseModel):
    idx: int
    role: str
    segments: list[Segment]


class ScoreBar(BaseModel):
    dimension: str
    title: str
    score: int
    label: str
    percent: int
    rationale: str
    insufficient_evidence: bool
    spread: float | None
    evidence: list[str]


class DebriefView(BaseModel):
    verdict: str
    recommendation: str
    summary: str
    bars: list[ScoreBar]
    strengths: list[str]
    concerns: list[str]
    next_steps: list[str]
    model_answer: tuple[str, str, str] | None
    grader: str
    rubric_version: str
    notes: list[str]


def _evidence_spans(text: str, quotes: dict[str, list[str]]) -> list[tuple[int, int, list[str]]]:
    """(start, end, dimensions) for every place a quote occurs in ``text``, overlaps merged."""
    spans: list[tuple[int, int, str]] = []
    for dimension, dimension_quotes in quotes.items():
        for quote in dimension_quotes:
            start = text.find(quote) if quote else -1
            while start >= 0:
                spans.append((start, start + len(quote), dimension))
                start = text.find(quote, start + 1)
    spans.sort()
    merged: list[tuple[int, int, list[str]]] = []
    for start, end, dimension in spans:
        if merged and start < merged[-1][1]:
            last_start, last_end, dims = merged[-1]
            merged[-1] = (last_start, max(last_end, end), dims if dimension in dims else [*dims, dimension])
        else:
            merged.append((start, end, [dimension]))
    return merged


def highlight(text: str, quotes: dict[str, list[str]]) -> list[Segment]:
    """``text`` cut into plain and evidence segments; verified quotes are the candidate's exact words."""
    segments: list[Segment] = []
    position = 0
    for start, end, dimensions in _evidence_spans(text, quotes):
        if start > position:
            segments.append(Segment(text=text[position:start]))
        segments.append(Segment(text=text[start:end], dimensions=dimensions))
        position = end
    if position < len(text) or not segments:
        segments.append(Segment(text=text[position:]))
    return segments


def transcript_lines(turns: list[StoredTurn], scorecard: Scorecard | None = None) -> list[TranscriptLine]:
    quotes = {d: scorecard.dimensions[d].evidence for d in DIMENSIONS} if scorecard else {}
    return [
        TranscriptLine(
            idx=turn.idx, role=turn.role,
            segments=highlight(turn.content, quotes) if turn.role == "candidate" else [Segment(text=turn.content)],
        )
        for turn in turns
    ]


def debrief_view(scorecard: Scorecard) -> DebriefView:
    catalog = rubrics()
    bars = [
        ScoreBar(
            dimension=d, title=catalog[d].title, score=item.score, label=LEVEL_LABELS[item.score], percent=item.score * 25,
            rationale=item.rationale, insufficient_evidence=item.insufficient_evidence, spread=item.spread, evidence=item.evidence,
        )
        for d in DIMENSIONS
        for item in [scorecard.dimensions[d]]
    ]
    return DebriefView(
        verdict=verdict(scorecard.recommendation), recommendation=scorecard.recommendation, summary=scorecard.summary,
        bars=bars, strengths=scorecard.strengths, concerns=scorecard.concerns, next_steps=scorecard.next_steps,
        model_answer=what_a_4_sounds_like(scorecard), grader=scorecard.grader, rubric_version=scorecard.rubric_version,
        notes=scorecard.notes,
    )
