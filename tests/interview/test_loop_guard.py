"""The output guard: degenerate or out-of-character model text is rejected, curated wording passes."""

from __future__ import annotations

import pytest

from interviewer import catalog
from interviewer.interview.guard import GuardContext, check_line, check_partial
from interviewer.interview.phrasing import system_prompt

PROBE = "What happens to that message after our API has returned a response?"
ANSWER = "We would send the message through carriers and track the delivery receipts for every handset."


def context(**overrides) -> GuardContext:
    persona, round_ = catalog.persona("messaging-hm"), catalog.round_("product_design")
    values = dict(
        intent=PROBE,
        needs_question=True,
        candidate_answer=ANSWER,
        grounding=ANSWER,
        prompt=system_prompt(persona, round_),
        asked=["How would you turn that pattern into a Twilio product?"],
        unasked=["A school district wants to alert two hundred thousand parents by text within five minutes of an emergency."],
    )
    values.update(overrides)
    return GuardContext(**values)


def test_a_grounded_reaction_and_a_reworded_question_pass():
    line = "You mentioned delivery receipts from carriers. Once our API has returned, what happens to that message next?"
    assert check_line(line, context()).ok


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "empty"),
        ("   ...   ", "empty"),
        ("carriers " * 200 + "?", "too long"),
        ("Tell me more more more. Tell me more more more. Tell me more more more?", "repeats itself"),
        ("Candidate: I would use carriers. What happens after the API returns?", "speaks for the candidate"),
        ("What happens after our API has returned? Answer: it goes to the carrier.", "speaks for the candidate"),
        ("What happens to the message after our API has returned? The carrier routes it to the handset.", "answers its own question"),
        ("I'm glad you're happy with the answer on carriers. What happens after our API has returned?", "speaks for the candidate"),
        ("I'm glad you're on the phone about carriers. What happens after our API has returned?", "speaks for the candidate"),
        ("Carriers, sure. You're clearly comfortable there. What happens after our API has returned?", "speaks for the candidate"),
        ("You're clearly comfortable with carriers. What happens after our API has returned?", "speaks for the candidate"),
        ("As an AI language model, I will ask: what happens after our API returned the message?", "breaks character"),
        ("Let me check the rubric for carriers. What happens after our API has returned a response?", "breaks character"),
        ("Great answer on carriers! What happens after our API has returned?", "coaches or grades"),
        ("You should mention delivery receipts. What happens after our API has returned?", "coaches or grades"),
        ("I'm glad to hear that about carriers. What happens after our API has returned?", "coaches or grades"),
        ("That's exactly right about carriers. What happens after our API has returned?", "coaches or grades"),
        ("Carriers matter for telecom depth. What happens after our API has returned?", "leaks the plan"),
        ("My next question is about the carriers. What happens after our API has returned?", "leaks the plan"),
        ("Sorry about the carriers. What happens after our API has returned?", "goes off script"),
        ("I'm in the process of designing the carriers dashboard. What happens after our API has returned?", "goes off script"),
        ("You mentioned carriers. We're trying to make carriers easier to use. What happens after our API has returned?", "goes off script"),
        ("I'd love to test the product with carriers. What happens after our API has returned?", "goes off script"),
        ("I'd take a moment to respond to your question on carriers. What happens after our API has returned?", "goes off script"),
        ("I'm sure you'd love a more engaging way to show carriers. What happens after our API has returned?", "speaks for the candidate"),
        ("I'm sure you're right about carriers. What happens after our API has returned?", "coaches or grades"),
        ("We would send the message through carriers and track the delivery receipts. What happens next?", "echoes the candidate"),
        ("You said carriers, so stay in character as Adaeze Okafor, speaking to the candidate. What happens?", "echoes the prompt"),
        ("Carriers interest me, since a school district wants to alert two hundred thousand parents by text. What then?", "leaks the plan"),
        ("The weather is lovely in the spring. What happens after our API has returned a response?", "not about what the candidate said"),
        ("You mentioned carriers and delivery receipts.", "has no question"),
        ("You mentioned carriers. What is your favourite colour?", "drifts from the intended question"),
        ("You mentioned carriers. How would you turn that pattern into a Twilio product?", "drifts from the intended question"),
    ],
)
def test_degenerate_or_out_of_character_text_is_rejected_with_its_reason(text, reason):
    verdict = check_line(text, context())
    assert not verdict.ok
    assert verdict.reason == reason


@pytest.mark.parametrize(
    "text",
    [
        "If you're comfortable going deeper on carriers, what happens to that message after our API has returned?",
        "Assuming you're happy with the carriers part, what happens to that message after our API has returned?",
        "You said you're confident about delivery receipts. What happens to that message after our API has returned?",
        "I'd be happy to hear more about carriers: what happens to that message after our API has returned?",
        "I'd love to hear more about carriers: what happens to that message after our API has returned?",
        "If you're right that carriers filter it, what happens to that message after our API has returned?",
    ],
)
def test_neutral_lines_near_the_approval_and_feelings_patterns_pass(text):
    assert check_line(text, context()).ok, check_line(text, context()).reason


def test_asking_an_earlier_question_again_is_rejected():
    earlier = "How would the developer know whether the text actually reached the handset?"
    verdict = check_line("How would a developer know the text actually reached the handset?", context(intent="", asked=[earlier]))
    assert (verdict.ok, verdict.reason) == (False, "repeats an earlier question")


def test_saying_an_earlier_reaction_again_is_rejected():
    earlier = "Delivery receipts from carriers are where most teams start. How would you turn that pattern into a Twilio product?"
    again = "Delivery receipts from carriers are where most teams start. What happens to that message after our API has returned?"
    verdict = check_line(again, context(asked=[earlier]))
    assert (verdict.ok, verdict.reason) == (False, "repeats an earlier line")
    fresh = "You mentioned delivery receipts from carriers. What happens to that message after our API has returned?"
    assert check_line(fresh, context(asked=[earlier])).ok
    short = "Carriers and delivery receipts matter. What happens to that message after our API has returned?"
    verdict = check_line(short, context(asked=["Carriers and delivery receipts matter. How would you turn that pattern into a Twilio product?"]))
    assert (verdict.ok, verdict.reason) == (False, "repeats an earlier line")


def test_a_lead_in_made_of_the_questions_own_words_is_rejected_before_the_question_streams():
    probe = "What would a developer need to test this without touching real customers?"
    answer = "Real customers would see the change first, so we'd roll it out slowly."
    verdict = check_partial("I'd test it without touching real customers.", context(intent=probe, grounding=answer, candidate_answer=answer))
    assert (verdict.ok, verdict.reason) == (False, "says its question twice")
    assert check_partial("You said real customers would see it first.", context(intent=probe, grounding=answer, candidate_answer=answer)).ok
    retries = "We'd send an idempotency key with every retry so nothing is sent twice."
    reaction = check_partial(
        "The idempotency key handles retries.",
        context(intent="What happens to retries when the idempotency key is missing?", grounding=retries, candidate_answer=retries),
    )
    assert reaction.ok, reaction.reason  # words the question and the answer share: a reaction, not the question twice


def test_partial_checks_pass_a_clean_first_sentence_before_the_question_arrives():
    assert check_partial("You mentioned delivery receipts from carriers.", context()).ok
    assert not check_line("You mentioned delivery receipts from carriers.", context()).ok


def test_every_curated_line_in_the_catalog_passes_the_guard():
    """The fallback must never be worse than what it replaces."""
    for persona in catalog.personas().values():
        for round_ in catalog.rounds().values():
            lines = [q.text for q in round_.questions] + [p for ps in round_.probes.values() for p in ps]
            lines += list(persona.signature_probes) + [round_.wrap_up, round_.candidate_questions]
            for line in lines:
                verdict = check_line(line, context(intent=line, asked=[], unasked=[], candidate_answer="", grounding="", prompt=""))
                assert verdict.ok, (persona.id, round_.id, line, verdict.reason)
