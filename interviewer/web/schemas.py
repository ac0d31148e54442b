"""The JSON shapes of the web API (they are also its OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from ..interview.session import Remaining
from ..store import SessionInfo


class ErrorOut(BaseModel):
    error: str = Field(description="one sentence: what is wrong and how to fix it")


class PersonaOut(BaseModel):
    id: str
    name: str
    title: str
    team: str
    summary: str
    hardest_dimension: str


class RoundOut(BaseModel):
    id: str
    title: str
    summary: str
    minutes: int
    max_main_questions: int


class CatalogOut(BaseModel):
    model: str = Field(description="the configured interviewer model setting")
    model_label: str
    grader: str
    max_answer_chars: int
    personas: list[PersonaOut]
    rounds: list[RoundOut]


class StartIn(BaseModel):
    persona: str = Field(max_length=100)
    round: str = Field(max_length=100)


class AnswerIn(BaseModel):
    text: str = Field(description="the candidate's answer; may span several lines")


class CommandIn(BaseModel):
    name: Literal["/repeat", "/skip", "/end"]


class SessionOut(BaseModel):
    id: str
    persona: str
    round: str
    status: Literal["active", "ended"]
    interviewer_model: str
    grader: str
    created_at: datetime
    updated_at: datetime
    turn_count: int
    url: str
    debrief_url: str

    @classmethod
    def of(cls, info: SessionInfo) -> "SessionOut":
        return cls(
            **info.model_dump(include={"id", "persona", "round", "status", "interviewer_model", "grader", "created_at", "updated_at", "turn_count"}),
            url=f"/sessions/{info.id}", debrief_url=f"/sessions/{info.id}/debrief",
        )


class TurnOut(BaseModel):
    idx: int
    role: Literal["interviewer", "candidate"]
    content: str
    created_at: datetime
    phase: str


class SessionDetail(SessionOut):
    turns: list[TurnOut]
    remaining: Remaining | None = Field(None, description="what is left of the round; null once it has ended")


class ProgressPoint(BaseModel):
    session: SessionOut
    scores: dict[str, int]
    recommendation: str
