"""Agreement metrics: hand-computed small cases, the vectorised bootstrap against sklearn/scipy, honest nulls."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import cohen_kappa_score, f1_score

from interviewer.evaluation.metrics import (
    bootstrap_indices,
    evaluate,
    ordinal_point,
    ordinal_samples,
    paired_differences,
    percentile_ci,
    recommendation_point,
    recommendation_samples,
    slice_metrics,
)
from interviewer.grading.scorecard import RECOMMENDATIONS


def labels(te, pt, td, rec):
    return {"technical_empathy": te, "platform_thinking": pt, "telecom_depth": td, "recommendation": rec}


def test_exact_adjacent_mae_and_bias_on_a_hand_computed_case():
    gold = np.array([1, 2, 3, 4])
    pred = np.array([1, 3, 1, 4])  # differences 0, +1, -2, 0
    point = ordinal_point(gold, pred)
    assert point["exact"] == 0.5
    assert point["adjacent"] == 0.75
    assert point["mae"] == 0.75
    assert point["bias"] == pytest.approx(-0.25)  # grader − gold: the grader is harsher on average


def test_qwk_matches_a_hand_computed_value_and_sklearn():
    # one step off on one of four: observed weighted disagreement 1/4 ... QWK = 1 - sum(w*O)/sum(w*E)
    gold = np.array([1, 2, 3, 4])
    pred = np.array([1, 2, 3, 3])
    observed = 1 / 4
    row, col = np.array([1, 1, 1, 1]) / 4, np.array([1, 1, 2, 0]) / 4
    weights = (np.arange(4)[:, None] - np.arange(4)[None, :]) ** 2
    expected = (weights * np.outer(row, col)).sum()
    assert ordinal_point(gold, pred)["qwk"] == pytest.approx(1 - observed / expected)
    assert ordinal_point(gold, pred)["qwk"] == pytest.approx(cohen_kappa_score(gold, pred, weights="quadratic"))


def test_perfect_agreement_is_one_on_every_correlation():
    gold = np.array([1, 2, 3, 4, 2])
    point = ordinal_point(gold, gold.copy())
    assert point["qwk"] == 1.0 and point["spearman"] == pytest.approx(1.0) and point["exact"] == 1.0


def test_undefined_statistics_are_null_not_made_up():
    constant_gold = np.array([2, 2, 2, 2])
    point = ordinal_point(constant_gold, np.array([1, 2, 3, 4]))
    assert point["spearman"] is None  # Spearman with constant input is undefined
    both_constant = ordinal_point(constant_gold, np.array([2, 2, 2, 2]))
    assert both_constant["qwk"] is None and both_constant["spearman"] is None
    assert both_constant["exact"] == 1.0  # exact agreement stays perfectly defined
    assert ordinal_point(np.array([3]), np.array([3]))["spearman"] is None


def test_vectorised_bootstrap_equals_sklearn_and_scipy_on_every_resample():
    rng = np.random.default_rng(7)
    gold = rng.integers(1, 5, 30)
    pred = np.clip(gold + rng.integers(-1, 2, 30), 1, 4)
    indices = bootstrap_indices(30, resamples=50, seed=3)
    samples = ordinal_samples(gold, pred, indices)
    for b, rows in enumerate(indices):
        g, p = gold[rows], pred[rows]
        assert samples["qwk"][b] == pytest.approx(cohen_kappa_score(g, p, weights="quadratic", labels=[1, 2, 3, 4]))
        assert samples["spearman"][b] == pytest.approx(spearmanr(g, p).statistic)
        assert samples["mae"][b] == pytest.approx(np.mean(np.abs(p - g)))
        assert samples["bias"][b] == pytest.approx(np.mean(p - g))


def test_vectorised_recommendation_metrics_equal_sklearn_on_every_resample():
    rng = np.random.default_rng(11)
    gold = rng.integers(0, 4, 25)
    pred = np.where(rng.random(25) < 0.6, gold, rng.integers(0, 4, 25))
    indices = bootstrap_indices(25, resamples=50, seed=5)
    samples = recommendation_samples(gold, pred, indices)
    for b, rows in enumerate(indices):
        g, p = gold[rows], pred[rows]
        assert samples["accuracy"][b] == pytest.approx(np.mean(g == p))
        assert samples["macro_f1"][b] == pytest.approx(f1_score(g, p, average="macro", zero_division=0))


def test_recommendation_confusion_uses_the_fixed_label_order():
    gold = ["hire", "hire", "no_hire", "strong_hire"]
    pred = ["hire", "no_hire", "no_hire", "hire"]
    point = recommendation_point(gold, pred)
    assert point["labels"] == list(RECOMMENDATIONS)
    assert point["confusion"] == [[0, 0, 0, 0], [0, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 0]]
    assert point["accuracy"] == 0.5
    assert point["macro_f1"] == pytest.approx(f1_score(gold, pred, average="macro", zero_division=0))


def _graded(n=40, seed=1, noise=0.3):
    rng = np.random.default_rng(seed)
    gold, pred = [], []
    for _ in range(n):
        scores = rng.integers(1, 5, 3)
        noisy = np.clip(scores + np.where(rng.random(3) < noise, rng.choice([-1, 1], 3), 0), 1, 4)
        rec = RECOMMENDATIONS[int(round(scores.mean())) - 1]
        pred_rec = RECOMMENDATIONS[int(round(noisy.mean())) - 1]
        gold.append(labels(*map(int, scores), rec))
        pred.append(labels(*map(int, noisy), pred_rec))
    return gold, pred


def test_ci_contains_the_point_estimate_and_is_deterministic_with_the_seed():
    gold, pred = _graded()
    first = evaluate(gold, pred, bootstrap_indices(len(gold), 1000, seed=42))
    again = evaluate(gold, pred, bootstrap_indices(len(gold), 1000, seed=42))
    other = evaluate(gold, pred, bootstrap_indices(len(gold), 1000, seed=43))
    for dimension, entry in first.dimensions.items():
        for metric in ("exact", "adjacent", "mae", "bias", "spearman", "qwk"):
            low, high = entry["ci95"][metric]
            assert low <= entry[metric] <= high, (dimension, metric)
            assert again.dimensions[dimension]["ci95"][metric] == [low, high]
    assert first.recommendation["ci95"]["accuracy"][0] <= first.recommendation["accuracy"] <= first.recommendation["ci95"]["accuracy"][1]
    assert other.dimensions["telecom_depth"]["ci95"]["qwk"] != first.dimensions["telecom_depth"]["ci95"]["qwk"]


def test_ci_is_null_when_the_statistic_is_undefined_on_most_resamples():
    samples = np.array([np.nan] * 8 + [0.5, 0.6])
    assert percentile_ci(samples, 0.55) is None
    assert percentile_ci(np.array([0.1, 0.2]), None) is None


def test_paired_difference_of_a_grader_with_itself_is_exactly_zero():
    gold, pred = _graded()
    indices = bootstrap_indices(len(gold), 1000, seed=1)
    a, b = evaluate(gold, pred, indices), evaluate(gold, pred, indices)
    diff = paired_differences(a, b)
    assert diff["platform_thinking"]["qwk"] == {"diff": 0.0, "ci95": [0.0, 0.0]}
    assert diff["recommendation"]["accuracy"]["diff"] == 0.0


def test_paired_difference_favours_the_better_grader_with_a_ci_that_excludes_zero():
    gold, noisy = _graded(n=60, noise=0.6)
    better = [dict(g) for g in gold]  # a perfect grader
    indices = bootstrap_indices(len(gold), 1000, seed=1)
    diff = paired_differences(evaluate(gold, noisy, indices), evaluate(gold, better, indices))
    qwk = diff["technical_empathy"]["qwk"]
    assert qwk["diff"] > 0 and qwk["ci95"][0] > 0
    assert diff["technical_empathy"]["mae"]["diff"] < 0


def test_slices_below_the_minimum_show_their_size_only_and_qwk_needs_more():
    gold, pred = _graded(n=2)
    tiny = slice_metrics(gold, pred, min_n=3, min_n_qwk=8)
    assert tiny["n"] == 2 and tiny["telecom_depth"] == {"qwk": None, "exact": None, "mae": None}
    assert tiny["recommendation_accuracy"] is None
    gold, pred = _graded(n=5)
    small = slice_metrics(gold, pred, min_n=3, min_n_qwk=8)
    assert small["telecom_depth"]["qwk"] is None
    assert small["telecom_depth"]["exact"] == np.mean([g["telecom_depth"] == p["telecom_depth"] for g, p in zip(gold, pred)])
    gold, pred = _graded(n=10)
    big = slice_metrics(gold, pred, min_n=3, min_n_qwk=8)
    assert big["telecom_depth"]["qwk"] == pytest.approx(
        cohen_kappa_score([g["telecom_depth"] for g in gold], [p["telecom_depth"] for p in pred], weights="quadratic", labels=[1, 2, 3, 4])
    )
