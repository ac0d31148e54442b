"""Agreement metrics between a grader and gold labels, with bootstrap confidence intervals.

Point estimates come straight from scikit-learn and scipy. The bootstrap re-computes the same statistics on
1,000+ resamples of transcripts at once with numpy (a Python loop over sklearn calls would take seconds per
grader); tests/evaluation/test_metrics.py checks the vectorised forms against sklearn and scipy resample by
resample. A statistic that is undefined for the data is None, never a made-up number.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import ConstantInputWarning, pearsonr, rankdata, spearmanr
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix, f1_score

from ..grading.scorecard import DIMENSIONS, RECOMMENDATIONS

LEVELS = (1, 2, 3, 4)
ORDINAL_METRICS = ("exact", "adjacent", "mae", "bias", "spearman", "qwk")
RECOMMENDATION_METRICS = ("accuracy", "macro_f1")
DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 20261126
# A CI needs most resamples to define the statistic; otherwise the interval would describe a biased subset.
MIN_DEFINED_FRACTION = 0.5

Labels = dict[str, Any]  # {"technical_empathy": 3, ..., "recommendation": "hire"}


def bootstrap_indices(n: int, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> np.ndarray:
    """(resamples, n) transcript indices drawn with replacement; the same seed gives the same resamples."""
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def _defined(value: float) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def _quietly(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantInputWarning)
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        return function(*args, **kwargs)


# --- point estimates (sklearn / scipy) ----------------------------------------------------------------


def ordinal_point(gold: np.ndarray, pred: np.ndarray) -> dict[str, float | None]:
    diff = pred - gold
    return {
        "exact": float(np.mean(diff == 0)),
        "adjacent": float(np.mean(np.abs(diff) <= 1)),
        "mae": float(np.mean(np.abs(diff))),
        "bias": float(np.mean(diff)),
        "spearman": _defined(_quietly(spearmanr, gold, pred).statistic) if len(gold) > 1 else None,
        "qwk": _defined(_quietly(cohen_kappa_score, gold, pred, weights="quadratic", labels=list(LEVELS))),
    }


def recommendation_point(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    return {
        "accuracy": float(accuracy_score(gold, pred)),
        "macro_f1": float(_quietly(f1_score, gold, pred, average="macro", zero_division=0)),
        "labels": list(RECOMMENDATIONS),
        "confusion": confusion_matrix(gold, pred, labels=list(RECOMMENDATIONS)).tolist(),
    }


# --- the same statistics on every resample at once (numpy) ---------------------------------------------


def _batch_confusion(gold_codes: np.ndarray, pred_codes: np.ndarray, k: int) -> np.ndarray:
    """(B, k, k) confusion matrices of B resamples; codes are 0..k-1 with shape (B, n)."""
    rows = np.arange(gold_codes.shape[0])[:, None] * k * k
    flat = np.bincount((rows + gold_codes * k + pred_codes).ravel(), minlength=gold_codes.shape[0] * k * k)
    return flat.reshape(-1, k, k).astype(float)


def _batch_qwk(confusion: np.ndarray) -> np.ndarray:
    """Quadratic weighted kappa per resample, as sklearn's cohen_kappa_score computes it."""
    k = confusion.shape[1]
    weights = (np.arange(k)[:, None] - np.arange(k)[None, :]) ** 2
    total = confusion.sum(axis=(1, 2))
    expected = np.einsum("bi,bj->bij", confusion.sum(axis=2), confusion.sum(axis=1)) / total[:, None, None]
    observed_disagreement = (weights * confusion).sum(axis=(1, 2))
    expected_disagreement = (weights * expected).sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected_disagreement > 0, 1 - observed_disagreement / expected_disagreement, np.nan)


def _batch_macro_f1(confusion: np.ndarray) -> np.ndarray:
    """Macro-F1 per resample over the labels present in gold or prediction, as sklearn's default does."""
    tp = np.diagonal(confusion, axis1=1, axis2=2)
    gold_count, pred_count = confusion.sum(axis=2), confusion.sum(axis=1)
    present = (gold_count + pred_count) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(present, 2 * tp / (gold_count + pred_count), 0.0)
    return f1.sum(axis=1) / present.sum(axis=1)


def ordinal_samples(gold: np.ndarray, pred: np.ndarray, indices: np.ndarray) -> dict[str, np.ndarray]:
    g, p = gold[indices], pred[indices]
    diff = p - g
    if g.shape[1] > 1:
        spearman = _quietly(pearsonr, rankdata(g, axis=1), rankdata(p, axis=1), axis=1).statistic
    else:
        spearman = np.full(g.shape[0], np.nan)
    return {
        "exact": np.mean(diff == 0, axis=1),
        "adjacent": np.mean(np.abs(diff) <= 1, axis=1),
        "mae": np.mean(np.abs(diff), axis=1),
        "bias": np.mean(diff, axis=1),
        "spearman": np.asarray(spearman, dtype=float),
        "qwk": _batch_qwk(_batch_confusion(g - 1, p - 1, len(LEVELS))),
    }


def recommendation_samples(gold_codes: np.ndarray, pred_codes: np.ndarray, indices: np.ndarray) -> dict[str, np.ndarray]:
    confusion = _batch_confusion(gold_codes[indices], pred_codes[indices], len(RECOMMENDATIONS))
    return {
        "accuracy": np.trace(confusion, axis1=1, axis2=2) / indices.shape[1],
        "macro_f1": _batch_macro_f1(confusion),
    }


def percentile_ci(samples: np.ndarray, point: float | None) -> list[float] | None:
    """The 95% percentile interval of the defined resamples; None when the statistic is mostly undefined."""
    finite = samples[np.isfinite(samples)]
    if point is None or len(samples) == 0 or len(finite) < MIN_DEFINED_FRACTION * len(samples):
        return None
    low, high = np.percentile(finite, [2.5, 97.5])
    return [float(low), float(high)]


# --- one grader's result on one set of transcripts -----------------------------------------------------


@dataclass
class GraderMetrics:
    """Point estimates, 95% CIs and the raw bootstrap samples (kept for paired differences)."""

    dimensions: dict[str, dict[str, Any]]
    recommendation: dict[str, Any]
    samples: dict[tuple[str, str], np.ndarray] = field(repr=False)

    def as_report(self) -> dict[str, Any]:
        return {"dimensions": self.dimensions, "recommendation": self.recommendation}


def score_arrays(labels: Sequence[Labels]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    scores = {d: np.array([int(row[d]) for row in labels]) for d in DIMENSIONS}
    recommendation_codes = np.array([RECOMMENDATIONS.index(row["recommendation"]) for row in labels])
    return scores, recommendation_codes


def evaluate(gold: Sequence[Labels], pred: Sequence[Labels], indices: np.ndarray) -> GraderMetrics:
    """Every metric of one grader against gold; `indices` are the shared bootstrap resamples."""
    if len(gold) != len(pred) or indices.shape[1] != len(gold):
        raise ValueError("gold, predictions and bootstrap indices must cover the same transcripts")
    gold_scores, gold_recs = score_arrays(gold)
    pred_scores, pred_recs = score_arrays(pred)
    samples: dict[tuple[str, str], np.ndarray] = {}
    dimensions: dict[str, dict[str, Any]] = {}
    for dimension in DIMENSIONS:
        point = ordinal_point(gold_scores[dimension], pred_scores[dimension])
        boot = ordinal_samples(gold_scores[dimension], pred_scores[dimension], indices)
        samples.update({(dimension, name): values for name, values in boot.items()})
        dimensions[dimension] = {**point, "ci95": {name: percentile_ci(boot[name], point[name]) for name in ORDINAL_METRICS}}
    rec_point = recommendation_point([r["recommendation"] for r in gold], [r["recommendation"] for r in pred])
    rec_boot = recommendation_samples(gold_recs, pred_recs, indices)
    samples.update({("recommendation", name): values for name, values in rec_boot.items()})
    rec_point["ci95"] = {name: percentile_ci(rec_boot[name], rec_point[name]) for name in RECOMMENDATION_METRICS}
    return GraderMetrics(dimensions=dimensions, recommendation=rec_point, samples=samples)


def paired_differences(primary: GraderMetrics, other: GraderMetrics) -> dict[str, dict[str, Any]]:
    """other − primary for every metric, with a CI from the same resamples (so item difficulty cancels out)."""
    targets = {d: (primary.dimensions[d], other.dimensions[d], ORDINAL_METRICS) for d in DIMENSIONS}
    targets["recommendation"] = (primary.recommendation, other.recommendation, RECOMMENDATION_METRICS)
    result: dict[str, dict[str, Any]] = {}
    for target, (base, compared, names) in targets.items():
        entry: dict[str, Any] = {}
        for name in names:
            defined = base[name] is not None and compared[name] is not None
            point = compared[name] - base[name] if defined else None
            diff = other.samples[(target, name)] - primary.samples[(target, name)]
            entry[name] = {"diff": point, "ci95": percentile_ci(diff, point)}
        result[target] = entry
    return result


def slice_metrics(gold: Sequence[Labels], pred: Sequence[Labels], min_n: int, min_n_qwk: int) -> dict[str, Any]:
    """Exact, MAE and QWK per dimension and recommendation accuracy on a slice, with its size.

    Below min_n transcripts every figure is None; QWK, a correlation, needs min_n_qwk.
    """
    n = len(gold)
    result: dict[str, Any] = {"n": n}
    gold_scores, _ = score_arrays(gold) if n else ({}, None)
    pred_scores, _ = score_arrays(pred) if n else ({}, None)
    for dimension in DIMENSIONS:
        point = ordinal_point(gold_scores[dimension], pred_scores[dimension]) if n >= min_n else {}
        result[dimension] = {
            "qwk": point.get("qwk") if n >= min_n_qwk else None,
            "exact": point.get("exact"),
            "mae": point.get("mae"),
        }
    result["recommendation_accuracy"] = (
        float(accuracy_score([r["recommendation"] for r in gold], [r["recommendation"] for r in pred])) if n >= min_n else None
    )
    return result
