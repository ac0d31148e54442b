"""The policy: probe the thinnest dimension within the budget, then move on, then wrap up."""

from __future__ import annotations

from interviewer import catalog
from interviewer.interview.plan import Phase, build_plan
from interviewer.interview.policy import LoopState, Policy, TurnRecord, evidence
from interviewer.interview.text import content_words

THIN = "I think it would be good for people."
TELECOM = "Carriers route it; we track delivery receipts, respect opt-out and 10DLC registration, with WhatsApp fallback."
ALL_DIMENSIONS = (
    "Developers get clear error codes, retries with idempotency keys and signed webhooks; "
    "it is a composable primitive with versioning for many customers at scale; "
    "carriers route it, delivery receipts, opt-out and 10DLC."
)


def make_policy(persona="messaging-hm", round_id="product_design"):
    persona, round_ = catalog.persona(persona), catalog.round_(round_id)
    return Policy(persona, round_, build_plan(persona, round_, seed=1))


def say(state: LoopState, decision) -> None:
    state.record(TurnRecord(role="interviewer", content=decision.intent, decision=decision.model_dump(mode="json")))


def answer(state: LoopState, text: str) -> None:
    state.record(TurnRecord(role="candidate", content=text))


def test_evidence_counts_distinct_cues_per_dimension():
    counts = evidence([TELECOM])
    assert counts["telecom_depth"] >= 4
    assert counts["technical_empathy"] == 0 and counts["platform_thinking"] == 0
    assert evidence([TELECOM, TELECOM]) == counts  # the same cue twice is still one cue


def test_a_thin_answer_is_probed_on_the_dimension_with_least_evidence():
    policy, state = make_policy(), LoopState()
    say(state, policy.opening(state))
    answer(state, TELECOM)
    decision = policy.after_answer(state)
    assert decision.action == "probe" and decision.phase == Phase.PROBE
    assert decision.dimension in ("technical_empathy", "platform_thinking")
    assert decision.evidence[decision.dimension] == 0 and "least evidence" in decision.reason
    assert decision.line in policy.probe_bank(decision.dimension)


def test_ties_go_to_the_personas_hardest_dimension_with_the_probe_closest_to_the_question():
    policy, state = make_policy("messaging-hm", "technical"), LoopState()
    opening = policy.opening(state)
    say(state, opening)
    answer(state, THIN)
    decision = policy.after_answer(state)
    assert decision.dimension == "telecom_depth"  # all at zero: the question's own tag and the persona's focus decide
    assert content_words(decision.line) & content_words(opening.line)


def test_a_probe_digs_where_the_answers_are_thin_not_into_what_they_just_covered():
    policy, state = make_policy("messaging-hm"), LoopState()
    say(state, policy.opening(state))
    answer(state, THIN)
    bank = policy.probe_bank("telecom_depth")
    untouched = policy.after_answer(state).line
    # the same thin answer, now also saying everything the chosen probe asks about
    state2 = LoopState()
    say(state2, policy.opening(state2))
    answer(state2, THIN + " " + untouched)
    decision = policy.after_answer(state2)
    assert decision.dimension == "telecom_depth" and decision.line in bank
    assert decision.line != untouched
    assert len(content_words(decision.line) & content_words(untouched)) < len(content_words(untouched))


def test_the_personas_signature_probes_lead_its_hardest_dimensions_bank():
    policy = make_policy("messaging-hm")
    signature = list(catalog.persona("messaging-hm").signature_probes)
    assert policy.probe_bank("telecom_depth")[: len(signature)] == signature
    assert not set(signature) & set(policy.probe_bank("platform_thinking"))


def test_an_answer_with_enough_evidence_everywhere_moves_to_the_next_question():
    policy, state = make_policy(), LoopState()
    say(state, policy.opening(state))
    answer(state, ALL_DIMENSIONS)
    decision = policy.after_answer(state)
    assert decision.action == "ask" and decision.question_id == policy.plan.question_ids[1]
    assert decision.reason == "the answer gave enough evidence to move on"


def test_probes_per_question_are_capped_then_the_next_question_comes():
    policy, state = make_policy(), LoopState()
    say(state, policy.opening(state))
    for _ in range(policy.plan.max_probes_per_question):
        answer(state, THIN)
        decision = policy.after_answer(state)
        assert decision.action == "probe"
        say(state, decision)
    answer(state, THIN)
    decision = policy.after_answer(state)
    assert decision.action == "ask" and decision.reason == "this question's follow-ups are used up"


def test_a_whole_round_walks_the_phases_in_order_and_never_repeats_a_line():
    policy, state = make_policy(), LoopState()
    first = policy.opening(state)
    say(state, first)
    phases = [first.phase]
    while not state.done:
        answer(state, THIN)
        decision = policy.after_answer(state)
        assert decision.intent not in state.interviewer_lines
        say(state, decision)
        phases.append(decision.phase)
    assert set(phases[1:-4]) <= {Phase.MAIN, Phase.PROBE}
    # the invitation, one answer and "what else?", then the second answer and the close
    assert phases[0] == Phase.OPENING and phases[-4:] == [Phase.WRAP_UP, Phase.CANDIDATE_QUESTIONS, Phase.CANDIDATE_QUESTIONS, Phase.CLOSE]
    assert len(state.asked_question_ids) == policy.plan.max_main_questions
    assert len(set(state.asked_question_ids)) == len(state.asked_question_ids)
    assert len(set(state.used_probes)) == len(state.used_probes)


def test_the_time_budget_ends_the_main_part():
    policy, state = make_policy(), LoopState()
    say(state, policy.opening(state))
    answer(state, THIN)
    state.minutes_elapsed = policy.plan.minutes + 1
    decision = policy.after_answer(state)
    assert decision.action == "wrap_up" and "budget" in decision.reason


def test_skip_and_end_move_forward_in_curated_words():
    policy, state = make_policy(), LoopState()
    say(state, policy.opening(state))
    skipped = policy.skip(state)
    assert skipped.action == "ask" and skipped.question_id == policy.plan.question_ids[1] and skipped.wording == "curated"
    say(state, skipped)
    ended = policy.end(state)
    closing = catalog.persona("messaging-hm").closing
    assert ended.phase == Phase.CLOSE and ended.line and closing.endswith(ended.line)
    assert "time" not in ended.intent.lower()  # an early end does not claim the time ran out


def test_a_probe_that_asks_an_earlier_line_again_in_other_words_is_not_chosen():
    policy, state = make_policy("messaging-hm"), LoopState()
    say(state, policy.opening(state))
    signature = "How would the developer know whether the text actually reached the handset?"
    near_duplicate = "How would a developer know whether what they sent actually worked?"
    assert signature in policy.probe_bank("telecom_depth") and near_duplicate in policy.probe_bank("technical_empathy")
    state.interviewer_lines.append(signature)
    assert near_duplicate not in policy._fresh_probes(state, "technical_empathy")
    assert policy._fresh_probes(state, "technical_empathy")  # the other probes of the dimension remain


def test_a_probe_the_question_bank_rules_out_is_never_asked_in_a_round_with_that_question():
    persona, round_ = catalog.persona("messaging-hm"), catalog.round_("technical")
    burst, bill = "tech-06", "tech-02"  # "one customer's burst slows everyone" and "the bill doubled"
    ruled_out = {p for q in round_.questions if q.id in (burst, bill) for p in q.rules_out_probes}
    assert "How do you keep one customer's problem from becoming everyone's problem?" in ruled_out  # tech-06 in other words
    assert "How would message encoding or length change the outcome?" in ruled_out  # the answer to the bill question
    for order in ([burst, bill, "tech-01"], ["tech-01", bill, burst]):  # asked already, or still to come
        plan = build_plan(persona, round_, seed=1).model_copy(update={"question_ids": order})
        policy, state = Policy(persona, round_, plan), LoopState()
        say(state, policy.opening(state))
        while not state.done:
            answer(state, THIN)
            say(state, policy.after_answer(state))
        assert state.used_probes and not ruled_out & set(state.used_probes)


def test_every_round_and_persona_keeps_probes_to_choose_from_after_the_rules():
    for persona in catalog.personas().values():
        for round_ in catalog.rounds().values():
            for seed in range(8):
                policy = Policy(persona, round_, build_plan(persona, round_, seed=seed))
                state = LoopState(asked_question_ids=policy.plan.question_ids[: policy.plan.max_main_questions])
                for d in ("technical_empathy", "platform_thinking", "telecom_depth"):
                    assert len(policy._fresh_probes(state, d)) >= policy.plan.max_probes_per_question, (persona.id, round_.id, d, seed)


def test_the_probe_closest_to_the_question_is_passed_over_when_it_would_ask_the_question_again():
    policy, state = make_policy("messaging-hm", "product_design"), LoopState()
    opening = policy.opening(state)
    say(state, opening)
    answer(state, THIN)
    repeat = "What happens when the channel you picked fails for a particular recipient?"  # pd-01 asks exactly that
    assert opening.question_id == "pd-01" and repeat in policy.probe_bank(policy.after_answer(state).dimension or "")
    assert policy.after_answer(state).line != repeat


def test_the_opening_names_the_round_as_it_reads_mid_sentence():
    assert "API design round" in make_policy("platform-dx-hm", "api_design").opening(LoopState()).lead
    assert "product design" in make_policy("platform-dx-hm", "product_design").opening(LoopState()).lead
