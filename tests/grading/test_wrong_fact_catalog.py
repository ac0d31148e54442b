"""Each wrong fact in wrong_fact_examples.yaml catches its claims and leaves correct, negated, contrasted, questioned or reported
sentences on the same topic alone."""

import re
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from interviewer.catalog import WrongFact
from interviewer.grading.features import cues, wrong_facts_in

EXAMPLES = yaml.safe_load((Path(__file__).parent / "wrong_fact_examples.yaml").read_text(encoding="utf-8"))
CLAIMS = [(fact_id, sentence) for fact_id, entry in EXAMPLES.items() for sentence in entry["claims"]]
NOT_CLAIMS = [(fact_id, sentence) for fact_id, entry in EXAMPLES.items() for sentence in entry["not_claims"]]


def test_every_example_names_a_fact_of_the_catalog_under_its_dimension():
    catalog = {(d, fact.id) for d, facts in cues().wrong_facts.items() for fact in facts}
    assert {(entry["dimension"], fact_id) for fact_id, entry in EXAMPLES.items()} <= catalog


def _misconception(fact_id: str) -> str:
    return next(fact.key for facts in cues().wrong_facts.values() for fact in facts if fact.id == fact_id)


@pytest.mark.parametrize("fact_id, sentence", CLAIMS)
def test_a_confident_misconception_is_caught(fact_id, sentence):
    assert _misconception(fact_id) in {fact.key for _, fact in wrong_facts_in(sentence)}


def test_a_misconception_stated_once_counts_once_however_many_of_its_phrasings_match():
    sentence = "Twilio guarantees exactly-once delivery for webhooks, so each event arrives exactly once."
    matching = [fact.id for facts in cues().wrong_facts.values() for fact in facts if fact.matches(sentence)]
    assert len(matching) >= 2, matching  # the premise: several entries describe this one misconception
    assert [fact.key for _, fact in wrong_facts_in(sentence)] == ["exactly-once"]


def test_entries_sharing_a_misconception_belong_to_one_dimension():
    dimension_of: dict[str, set[str]] = {}
    for d, facts in cues().wrong_facts.items():
        for fact in facts:
            dimension_of.setdefault(fact.key, set()).add(d)
    assert {key: ds for key, ds in dimension_of.items() if len(ds) > 1} == {}


@pytest.mark.parametrize("fact_id, sentence", NOT_CLAIMS)
def test_a_correct_negated_or_reported_statement_is_no_wrong_fact(fact_id, sentence):
    assert wrong_facts_in(sentence) == []


def test_a_wrong_facts_quick_word_test_never_hides_a_match_of_its_pattern():
    """`requires` only saves time: on every example sentence, whatever the full pattern finds, the word test lets through."""
    sentences = [sentence for _, sentence in CLAIMS + NOT_CLAIMS]
    for facts in cues().wrong_facts.values():
        for fact in (f for f in facts if f.requires):
            for sentence in sentences:
                if re.search(fact.pattern, sentence, re.IGNORECASE):
                    assert re.search(fact.requires, sentence, re.IGNORECASE), (fact.id, sentence)


def _fact(**fields) -> WrongFact:
    return WrongFact(id="sky-green", claim="The sky is green.", correction="It is blue.", **fields)


def test_an_unless_word_anywhere_in_the_sentence_turns_a_claim_into_a_denial():
    fact = _fact(pattern=r"\bsky is green\b", unless=["not", r"myths?"])
    assert fact.matches("Everyone knows the sky is green at noon.")
    assert not fact.matches("The sky is green, or so the myth goes.")
    assert not fact.matches("It is NOT true that the sky is green.")
    assert fact.matches("Nothing proves otherwise: the sky is green.")  # whole words only: 'Nothing' holds no 'not'


def test_an_unless_word_that_is_no_regular_expression_is_rejected_when_the_data_loads():
    with pytest.raises(ValidationError, match="unless"):
        _fact(pattern="sky", unless=["(unclosed"])
    with pytest.raises(ValidationError, match="unless"):  # a group split over two words compiles only when joined
        _fact(pattern="sky", unless=["green (at", "noon)"])


@pytest.mark.parametrize("shared", ["denials", "contradictions"])
def test_the_shared_word_lists_open_every_wrong_fact_that_reuses_them(shared):
    """cues.yaml defines each shared word list once; entries reuse it through a YAML alias, never a drifting copy."""
    text = (Path(__file__).parents[2] / "rubrics" / "offline" / "cues.yaml").read_text(encoding="utf-8")
    words = yaml.safe_load(text)[shared]
    reusing = [fact for facts in cues().wrong_facts.values() for fact in facts if words in fact.unless]
    assert len(reusing) == text.count(f"unless: [*{shared}")
    assert all(fact.unless[0] == words for fact in reusing)
