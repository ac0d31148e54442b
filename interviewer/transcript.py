"""A transcript of one round: the unit the store exports, the grader scores and datasets label."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["interviewer", "candidate"]


class Turn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Role
    content: str


class Transcript(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    persona: str | None = None
    round: str | None = None
    turns: list[Turn] = Field(min_length=1)

    def candidate_turns(self) -> list[str]:
        return [turn.content for turn in self.turns if turn.role == "candidate"]

    def exchanges(self) -> list[tuple[str, str]]:
        """(question, answer) pairs: each candidate turn with the interviewer turn before it."""
        pairs: list[tuple[str, str]] = []
        question = ""
        for turn in self.turns:
            if turn.role == "interviewer":
                question = turn.content
            else:
                pairs.append((question, turn.content))
        return pairs
