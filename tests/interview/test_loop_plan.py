"""The question plan: persona-relevant, covering, varied across sessions, reproducible by seed."""

from __future__ import annotations

from interviewer import catalog
from interviewer.interview.plan import build_plan


def test_the_plan_orders_every_question_once_and_leads_with_the_personas_own():
    persona, round_ = catalog.persona("verify-hm"), catalog.round_("product_design")
    plan = build_plan(persona, round_, seed=3)
    assert sorted(plan.question_ids) == sorted(q.id for q in round_.questions)
    first = next(q for q in round_.questions if q.id == plan.question_ids[0])
    assert "verify-hm" in first.personas
    assert plan.max_main_questions == round_.max_main_questions and plan.minutes == round_.minutes


def test_every_main_question_is_the_personas_own_when_the_bank_has_enough():
    for persona in catalog.personas().values():
        for round_ in catalog.rounds().values():
            own = {q.id for q in round_.questions if persona.id in q.personas}
            plan = build_plan(persona, round_, seed=0)
            asked = plan.question_ids[: plan.max_main_questions]
            assert len(own) < plan.max_main_questions or set(asked) <= own, (persona.id, round_.id, asked)


def test_the_main_questions_reach_every_dimension_when_the_bank_allows():
    for persona in catalog.personas().values():
        for round_ in catalog.rounds().values():
            plan = build_plan(persona, round_, seed=0)
            by_id = {q.id: q for q in round_.questions}
            asked = plan.question_ids[: plan.max_main_questions]
            covered = {d for qid in asked for d in by_id[qid].dimensions}
            assert len(covered) >= min(3, plan.max_main_questions + 1), (persona.id, round_.id, asked)


def test_a_seed_reproduces_a_plan_and_questions_seen_before_go_last():
    persona, round_ = catalog.persona("messaging-hm"), catalog.round_("strategy")
    assert build_plan(persona, round_, seed=7) == build_plan(persona, round_, seed=7)
    first = build_plan(persona, round_, seed=7)
    seen = frozenset(first.question_ids[: first.max_main_questions])
    second = build_plan(persona, round_, seen=seen, seed=7)
    assert not seen & set(second.question_ids[: second.max_main_questions])
