"""Baselines: the majority class (from the train split when it ships) and the naive keyword counter."""

from __future__ import annotations

from interviewer.evaluation.baselines import (
    KEYWORD_THRESHOLDS,
    KeywordGrader,
    MajorityGrader,
    majority_baseline,
    rubric_vocabulary,
)
from interviewer.evaluation.dataset import Gold, load_dataset
from interviewer.grading.scorecard import DIMENSIONS, recommendation_allowed
from interviewer.transcript import Transcript

from .conftest import record, write_jsonl


def gold(te, pt, td, rec):
    return Gold(technical_empathy=te, platform_thinking=pt, telecom_depth=td, recommendation=rec)


def answer(text: str) -> Transcript:
    return Transcript(turns=[{"role": "interviewer", "content": "Design it."}, {"role": "candidate", "content": text}])


def test_majority_predicts_the_most_frequent_label_whatever_it_reads():
    grader = MajorityGrader([gold(2, 3, 1, "no_hire"), gold(2, 4, 1, "no_hire"), gold(3, 3, 2, "hire")], source="test")
    card = grader.grade(answer("anything at all"))
    assert card.scores() == {"technical_empathy": 2, "platform_thinking": 3, "telecom_depth": 1}
    assert card.recommendation == "no_hire"


def test_majority_breaks_ties_towards_the_lower_label_so_it_is_deterministic():
    grader = MajorityGrader([gold(2, 3, 1, "hire"), gold(3, 2, 4, "no_hire")], source="test")
    assert grader.labels == {"technical_empathy": 2, "platform_thinking": 2, "telecom_depth": 1, "recommendation": "no_hire"}


def test_majority_fits_on_the_train_split_when_it_exists_and_says_which(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [record(f"t{i}", 4, 4, 4, "strong_hire") for i in range(3)])
    evaluated = load_dataset(write_jsonl(tmp_path / "test.jsonl", [record("e", 1, 1, 1, "strong_no_hire")])).items
    from_train = majority_baseline(evaluated, load_dataset(train))
    assert from_train.labels["telecom_depth"] == 4 and "train split" in from_train.source
    fallback = majority_baseline(evaluated, None)
    assert fallback.labels["telecom_depth"] == 1 and "evaluated data" in fallback.source


def test_keyword_vocabulary_comes_from_the_rubrics_and_is_distinct_per_dimension():
    vocabulary = rubric_vocabulary()
    assert "idempotency" in vocabulary["technical_empathy"]
    assert "versioning" in vocabulary["platform_thinking"]
    assert "carriers" in vocabulary["telecom_depth"]
    for dimension in DIMENSIONS:
        others = set().union(*(set(vocabulary[o]) for o in DIMENSIONS if o != dimension))
        assert not set(vocabulary[dimension]) & others


def test_keyword_grader_rewards_buzzwords_over_a_plain_mechanism_which_is_why_it_is_the_naive_baseline():
    stuffed = answer(
        "Carriers, carrier routing, deliverability, segments, segmentation, encoding, UCS-2, GSM-7, A2P, "
        "toll-free, registration, consent, opt-in, opt-out, TCPA, GDPR, fraud, pumping, jitter, latency, codecs, "
        "SIP, WebRTC, RCS, WhatsApp, channel, channels, fallback, delivery, receipts."
    )
    plain = answer("If the text has one emoji it costs three messages instead of one, so we warn before sending.")
    grader = KeywordGrader()
    assert grader.keyword_counts(stuffed)["telecom_depth"] >= KEYWORD_THRESHOLDS[-1]
    assert grader.grade(stuffed).scores()["telecom_depth"] == 4
    assert grader.grade(plain).scores()["telecom_depth"] == 1


def test_keyword_recommendation_obeys_the_scoring_rule():
    card = KeywordGrader().grade(answer("Idempotency keys, webhooks signed, retries with backoff, sandbox, logs, docs, SDKs."))
    assert recommendation_allowed(card.scores(), card.recommendation)
