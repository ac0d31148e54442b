"""The output guard: model-written interviewer text is shown only if it passes every check here.

The embedded model is tiny and drifts; the guard is what keeps the interviewer in character. Each check
names its reason, so a rejected line can be stored with why the curated wording was used instead.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from ..catalog import prompt_data
from .text import content_words, ngrams, overlap, shares_ngram, split_sentences


class GuardRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_chars: int = Field(gt=0)
    max_sentences: int = Field(gt=0)
    echo_ngram: int = Field(ge=3)
    repeat_ngram: int = Field(ge=2)
    repeat_count: int = Field(ge=2)
    same_question_overlap: float = Field(gt=0, le=1)
    same_statement_overlap: float = Field(gt=0, le=1)
    intent_overlap: float = Field(ge=0, le=1)
    max_sentence_words: int = Field(gt=0)
    grounded_words: int = Field(ge=0)
    breaks_character: list[str]
    speaks_for_candidate: list[str]
    coaches_or_grades: list[str]
    leaks_plan: list[str]
    off_script: list[str]


@lru_cache(maxsize=1)
def rules() -> GuardRules:
    return prompt_data("output_guard.yaml", GuardRules)


class GuardContext(BaseModel):
    """What the line is checked against."""

    intent: str = ""                                   # the curated wording the line must keep the sense of
    needs_question: bool = True
    candidate_answer: str = ""
    prompt: str = ""                                   # the instructions the model was given
    asked: list[str] = Field(default_factory=list)     # interviewer lines already said in this session
    unasked: list[str] = Field(default_factory=list)   # planned questions and probes not yet said
    grounding: str = ""                                # what a model-written statement must be about; "" checks nothing


class Verdict(BaseModel):
    ok: bool
    reason: str = ""


OK = Verdict(ok=True)
# a statement taking fewer words than this from its question (and not from the answer) is no question said twice
QUESTION_ECHO_MIN_WORDS = 3


def _matches(patterns: list[str], text: str) -> bool:
    return any(re.search(p, text, re.IGNORECASE | re.MULTILINE) for p in patterns)


def check_partial(text: str, context: GuardContext) -> Verdict:
    """Checks that hold for any prefix of a line: used on each streamed sentence before it is shown."""
    r = rules()
    stripped = text.strip()
    if not stripped or not re.search(r"[A-Za-z]", stripped):
        return Verdict(ok=False, reason="empty")
    if len(stripped) > r.max_chars:
        return Verdict(ok=False, reason="too long")
    if len(split_sentences(stripped)) > r.max_sentences:
        return Verdict(ok=False, reason="too many sentences")
    counts = Counter(ngrams(stripped, r.repeat_ngram))
    if counts and counts.most_common(1)[0][1] >= r.repeat_count:
        return Verdict(ok=False, reason="repeats itself")
    sentences = [s.lower() for s in split_sentences(stripped)]
    if len(sentences) != len(set(sentences)):
        return Verdict(ok=False, reason="repeats itself")
    if _matches(r.speaks_for_candidate, stripped):
        return Verdict(ok=False, reason="speaks for the candidate")
    if _matches(r.breaks_character, stripped):
        return Verdict(ok=False, reason="breaks character")
    if _matches(r.coaches_or_grades, stripped):
        return Verdict(ok=False, reason="coaches or grades")
    if _matches(r.leaks_plan, stripped):
        return Verdict(ok=False, reason="leaks the plan")
    if _matches(r.off_script, stripped):
        return Verdict(ok=False, reason="goes off script")
    for sentence in split_sentences(stripped):
        if len(sentence.split()) > r.max_sentence_words:
            return Verdict(ok=False, reason="rambles")
        ungrounded = len(content_words(sentence) & content_words(context.grounding)) < r.grounded_words
        if context.grounding and not sentence.endswith("?") and ungrounded:
            return Verdict(ok=False, reason="not about what the candidate said")
    if shares_ngram(stripped, context.candidate_answer, r.echo_ngram):
        return Verdict(ok=False, reason="echoes the candidate")
    if shares_ngram(stripped, context.prompt, r.echo_ngram):
        return Verdict(ok=False, reason="echoes the prompt")
    if any(shares_ngram(stripped, future, r.echo_ngram) for future in context.unasked if future != context.intent):
        return Verdict(ok=False, reason="leaks the plan")
    # a statement saying again what the interviewer said before, at length or in a short sentence of the same words;
    # questions have their own, looser test (check_question)
    earlier_sentences = [content_words(s) for line in context.asked for s in split_sentences(line)]
    question = " ".join(s for s in split_sentences(context.intent) if s.endswith("?"))  # a curated scenario sentence is no repeat
    for sentence in split_sentences(stripped):
        if sentence.endswith("?"):
            continue
        mine = content_words(sentence)
        same_words = bool(mine) and any(len(mine & e) >= r.same_statement_overlap * len(mine | e) for e in earlier_sentences)
        if same_words or any(shares_ngram(sentence, earlier, r.echo_ngram) for earlier in context.asked):
            return Verdict(ok=False, reason="repeats an earlier line")
        # a lead-in made of the question's own words says it twice ("I'd test it without touching real customers. What
        # would a developer need to test this without touching real customers?"); one in words the answer used too
        # ("The idempotency key handles retries.") is a reaction
        shared = mine & content_words(question)
        only_from_question = shared - content_words(context.candidate_answer)
        if len(only_from_question) >= QUESTION_ECHO_MIN_WORDS and len(shared) >= r.same_question_overlap * len(mine):
            return Verdict(ok=False, reason="says its question twice")
    if re.search(r"\?[\"')\]]*\s*[A-Za-z0-9]", stripped):
        return Verdict(ok=False, reason="answers its own question")
    return OK


def check_question(sentence: str, context: GuardContext, line: str | None = None) -> Verdict:
    """A model-written question must keep the intended sense (judged on its whole ``line``) and must not
    ask an earlier question again."""
    r = rules()
    if context.intent and overlap(context.intent, line or sentence) < r.intent_overlap:
        return Verdict(ok=False, reason="drifts from the intended question")
    for earlier in context.asked:
        if content_words(sentence) and overlap(sentence, earlier) >= r.same_question_overlap:
            return Verdict(ok=False, reason="repeats an earlier question")
    return OK


def check_line(text: str, context: GuardContext) -> Verdict:
    """The whole-line verdict: every partial check, plus the question rules."""
    verdict = check_partial(text, context)
    if not verdict.ok:
        return verdict
    questions = [s for s in split_sentences(text) if s.endswith("?")]
    if context.needs_question and not questions:
        return Verdict(ok=False, reason="has no question")
    for question in questions:
        verdict = check_question(question, context, line=text)
        if not verdict.ok:
            return verdict
    return OK
