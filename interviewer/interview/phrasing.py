"""Build the model request for one interviewer line.

Order matters for speed: the system prompt (persona, rules, round) comes first and never changes within
a session, then the conversation, then the task, so llama.cpp can reuse its cached prompt prefix.
The candidate's words only ever appear inside <candidate_answer> blocks, marked as data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict

from ..catalog import Persona, Round, prompt_data, prompt_text
from ..errors import ConfigError
from .context import HistoryTurn, fit
from .policy import Decision

REPLY_TOKENS = {"reword": 64, "bridge": 40, "answer": 72}
_TAG = re.compile(r"<\s*/?\s*candidate_answer\s*>", re.IGNORECASE)


class TurnTemplates(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reword: str
    bridge: str
    answer: str


@lru_cache(maxsize=1)
def templates() -> TurnTemplates:
    return prompt_data("interviewer_turns.yaml", TurnTemplates)


def system_prompt(persona: Persona, round_: Round) -> str:
    return prompt_text("interviewer_system.md").format(
        name=persona.name,
        title=persona.title,
        team=persona.team,
        summary=persona.summary,
        style=persona.style,
        cares_about="; ".join(c[:1].lower() + c[1:] for c in persona.cares_about),
        round_title=round_.title_in_sentence,
        round_goal=round_.goal,
    ).strip()


def task_text(decision: Decision, persona: Persona) -> str:
    template = getattr(templates(), decision.wording)
    return template.format(name=persona.name, team=persona.team, intent=decision.line)


def as_data(answer: str) -> str:
    """The candidate's text as a delimited data block; a forged closing tag cannot end the block early."""
    return f"<candidate_answer>\n{_TAG.sub('[tag removed]', answer)}\n</candidate_answer>"


class Request(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    messages: list[BaseMessage]
    instructions: str   # the non-candidate text of the request, for the guard's echo check
    max_tokens: int
    prompt_tokens: int


def build_request(
    *,
    persona: Persona,
    round_: Round,
    decision: Decision,
    history: list[HistoryTurn],
    answer: str,
    count: Callable[[str], int],
    window: int,
) -> Request:
    """Messages for the model: system, (summary), recent turns, then the latest answer and the task."""
    system = system_prompt(persona, round_)
    task = task_text(decision, persona)
    max_tokens = REPLY_TOKENS[decision.wording]
    try:
        fitted = fit(fixed=system + "\n" + task, history=history, answer=answer, count=count, window=window, reserve=max_tokens)
    except ValueError as exc:
        raise ConfigError(
            f"The model's context window ({window} tokens) is too small for the interviewer's prompt: raise INTERVIEWER_LOCAL_CONTEXT or use a larger model."
        ) from exc
    messages: list[BaseMessage] = [SystemMessage(system)]
    if fitted.summary:
        messages.append(HumanMessage(fitted.summary))
    for turn in fitted.recent:
        messages.append(AIMessage(turn.content) if turn.role == "interviewer" else HumanMessage(as_data(turn.content)))
    last = f"{as_data(fitted.answer)}\n\n{task}" if fitted.answer else task
    messages.append(HumanMessage(last))
    instructions = f"{system}\n{task.replace(decision.line, '')}"
    return Request(messages=messages, instructions=instructions, max_tokens=max_tokens, prompt_tokens=fitted.tokens)
