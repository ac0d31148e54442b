"""One eval run: a dataset, a grader (and graders to compare), the baselines, the human ceiling -> report dict.

The dict follows shared/spec/eval-report.md; report.py writes it out. Every grader, baseline and paired
difference is measured on the same bootstrap resamples of transcripts.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from .. import catalog
from ..errors import BackendError
from ..grading import Grader, Scorecard
from ..grading.registry import llm_model_spec
from .baselines import KEYWORD_THRESHOLDS, KeywordGrader, majority_baseline
from .cache import GradeCache, package_version
from .dataset import Dataset, LabeledTranscript, SecondLabels, load_dataset, load_second_labels, shipped_dataset
from .metrics import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    GraderMetrics,
    Labels,
    bootstrap_indices,
    evaluate,
    paired_differences,
    slice_metrics,
)
from .runner import DEFAULT_CONCURRENCY, grade_all, load_grader

SECOND_LABELS_FILE = "second_labels.jsonl"
# Below MIN_SLICE_N a slice shows its size only; a correlation (QWK) on fewer than MIN_SLICE_N_QWK says nothing.
MIN_SLICE_N, MIN_SLICE_N_QWK = 3, 8
KEYWORD, MAJORITY = "keyword", "majority"


def labels_of(card: Scorecard) -> Labels:
    return {**card.scores(), "recommendation": card.recommendation}


def slice_groups(items: Sequence[LabeledTranscript]) -> dict[str, dict[str, list[int]]]:
    """Transcript positions per slice value: persona, round, hard vs not, and each hard-case tag."""
    groups: dict[str, dict[str, list[int]]] = {key: defaultdict(list) for key in ("persona", "round", "hard", "hard_tag")}
    for index, item in enumerate(items):
        groups["persona"][item.persona or "(none)"].append(index)
        groups["round"][item.round or "(none)"].append(index)
        groups["hard"]["hard" if item.is_hard else "not_hard"].append(index)
        for tag in item.hard_tags:
            groups["hard_tag"][tag].append(index)
    return {key: dict(sorted(values.items())) for key, values in groups.items()}


def slice_tables(items: Sequence[LabeledTranscript], predictions: dict[str, list[Labels]]) -> dict[str, Any]:
    gold = [item.gold.as_dict() for item in items]
    tables: dict[str, Any] = {}
    for key, values in slice_groups(items).items():
        tables[key] = {
            value: {
                name: slice_metrics([gold[i] for i in positions], [pred[i] for i in positions], MIN_SLICE_N, MIN_SLICE_N_QWK)
                for name, pred in predictions.items()
            }
            for value, positions in values.items()
        }
    return tables


def hard_cases(
    items: Sequence[LabeledTranscript], gold: list[Labels], predictions: dict[str, list[Labels]], resamples: int, seed: int
) -> dict[str, Any]:
    """Every grader on the hard cases alone, and each real grader's lift over the keyword baseline there."""
    positions = [i for i, item in enumerate(items) if item.is_hard]
    if not positions:
        return {"n": 0, "note": "no transcript is tagged as a hard case"}
    indices = bootstrap_indices(len(positions), resamples, seed)
    subset_gold = [gold[i] for i in positions]
    results = {name: evaluate(subset_gold, [pred[i] for i in positions], indices) for name, pred in predictions.items()}
    return {
        "n": len(positions),
        "graders": {name: result.as_report() for name, result in results.items()},
        "lift_over_keyword": {
            name: paired_differences(results[KEYWORD], result)
            for name, result in results.items() if name not in (KEYWORD, MAJORITY)
        },
    }


def human_agreement(
    dataset: Dataset, second: SecondLabels, grader_labels: list[Labels], resamples: int, seed: int
) -> dict[str, Any]:
    """First labels vs independent second labels on the shared ids: the ceiling a grader is compared with."""
    positions = [i for i, item in enumerate(dataset.items) if item.id in second.gold]
    result: dict[str, Any] = {
        "file": second.path,
        "n": len(positions),
        "skipped": [s.model_dump() for s in second.skipped],
    }
    if not positions:
        result["note"] = "no transcript id of the dataset is in the second-labels file"
        return result
    first = [dataset.items[i].gold.as_dict() for i in positions]
    indices = bootstrap_indices(len(positions), resamples, seed)
    humans = evaluate(first, [second.gold[dataset.items[i].id].as_dict() for i in positions], indices)
    grader = evaluate(first, [grader_labels[i] for i in positions], indices)
    result.update(humans.as_report())
    result["grader_on_same_items"] = {**grader.as_report(), "minus_human": paired_differences(humans, grader)}
    return result


SMALL_N = 30  # below this, bootstrap intervals are wide and QWK swings with a single transcript


def warnings_for(report: dict[str, Any], majority_source: str) -> list[str]:
    """What a reader must know before trusting the figures."""
    warnings = []
    if report["n"] < SMALL_N:
        warnings.append(f"Only {report['n']} transcripts: the intervals are wide and QWK is unstable; use {SMALL_N} or more.")
    if "train split" not in majority_source:
        warnings.append("No train split was found, so the majority baseline was fitted on the evaluated data itself.")
    for field, counts in report["unknown_values"].items():
        warnings.append(f"{sum(counts.values())} transcripts have a {field} the catalog does not know ({', '.join(counts)}).")
    overlap = report["train_overlap"]["n"]
    if overlap:
        warnings.append(
            f"{overlap} of {report['n']} transcripts are in the train split: a grader fitted on it has seen them, so its "
            f"figures here are optimistic; evaluate on the test split for an honest number."
        )
    failed_ids = {failure["id"] for failure in report["grading_failures"]}
    if failed_ids:
        graders = sorted({failure["grader"] for failure in report["grading_failures"]})
        warnings.append(
            f"{len(failed_ids)} transcripts could not be graded by {', '.join(graders)} and were left out of every "
            f"grader's figures (see grading_failures)."
        )
    human = report.get("human_agreement")
    if human is not None and human["n"] < SMALL_N:
        warnings.append(f"The human ceiling rests on {human['n']} doubly labeled transcripts only.")
    return warnings


def run_eval(
    dataset_path: Path | None,
    grader_setting: str,
    compare: Sequence[str] = (),
    *,
    second_labels: Path | None = None,
    cache: GradeCache | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    console: Console | None = None,
    grader_factory: Callable[..., Grader] | None = None,
    samples: int = 1,
) -> dict[str, Any]:
    """Grade the dataset with every grader, measure them all, and return the report dict."""
    started = time.perf_counter()
    dataset_path = dataset_path or shipped_dataset("test")
    dataset = load_dataset(dataset_path)
    second_path = second_labels or (dataset_path.parent / SECOND_LABELS_FILE)
    second = load_second_labels(second_path) if second_labels is not None or second_path.is_file() else None
    factory = grader_factory or load_grader

    def samples_for(setting: str) -> int:  # self-consistency applies to llm: graders; the offline one is deterministic
        return samples if llm_model_spec(setting) is not None else 1
    rubric_version = catalog.rubric_version()
    transcripts = [item.transcript() for item in dataset.items]
    gold = [item.gold.as_dict() for item in dataset.items]

    settings = list(dict.fromkeys([grader_setting, *compare]))
    # a bad setting fails here, before any grading
    graders = {s: factory(s, samples=samples_for(s)) if samples_for(s) > 1 else factory(s) for s in settings}
    cards: dict[str, list[Scorecard | None]] = {}
    failures: list[dict[str, Any]] = []
    for setting in settings:
        grades = grade_all(
            graders[setting], transcripts, setting=setting, rubric_version=rubric_version,
            samples=samples_for(setting), cache=cache, concurrency=concurrency, console=console,
        )
        cards[setting] = grades.cards
        failures.extend(grades.failures)
    graded = time.perf_counter()

    # Every grader is measured on the same transcripts, or paired differences would compare different items.
    kept = [i for i in range(len(transcripts)) if all(cards[s][i] is not None for s in settings)]
    if not kept:
        raise BackendError(f"No transcript could be graded by every grader (first failure: {failures[0]['reason']}).")
    dataset = dataset.model_copy(update={"items": [dataset.items[i] for i in kept]})
    transcripts = [transcripts[i] for i in kept]
    gold = [gold[i] for i in kept]
    predictions: dict[str, list[Labels]] = {s: [labels_of(cards[s][i]) for i in kept] for s in settings}  # type: ignore[arg-type]

    train_path = shipped_dataset("train")
    train = load_dataset(train_path) if train_path.is_file() else None
    majority = majority_baseline(dataset.items, train)
    keyword = KeywordGrader()
    predictions[KEYWORD] = [labels_of(keyword.grade(t)) for t in transcripts]
    predictions[MAJORITY] = [labels_of(majority.grade(t)) for t in transcripts]

    indices = bootstrap_indices(len(gold), resamples, seed)
    results: dict[str, GraderMetrics] = {name: evaluate(gold, pred, indices) for name, pred in predictions.items()}
    primary = results[grader_setting]

    report: dict[str, Any] = {
        "dataset": str(dataset_path),
        "grader": grader_setting,
        "n": len(dataset.items),
        "skipped": [s.model_dump() for s in dataset.skipped],
        "grading_failures": failures,
        **primary.as_report(),
        "baselines": {
            MAJORITY: {**results[MAJORITY].as_report(), "source": majority.source, "labels": majority.labels},
            KEYWORD: {**results[KEYWORD].as_report(), "thresholds": list(KEYWORD_THRESHOLDS)},
        },
        "lift": {name: paired_differences(results[name], primary) for name in (MAJORITY, KEYWORD)},
        "slices": slice_tables(dataset.items, predictions),
        "hard_cases": hard_cases(dataset.items, gold, predictions, resamples, seed),
        "unknown_values": dataset.unknown_values,
        "train_overlap": {"train_split": str(train_path), "n": len(seen_in_training(dataset.items, train))},
        "bootstrap": {"resamples": resamples, "seed": seed, "unit": "transcript"},
        "samples": {s: samples_for(s) for s in settings},
        "rubric_version": rubric_version,
        "package_version": package_version(),
        "items": [
            {
                "id": item.id, "persona": item.persona, "round": item.round, "hard_tags": item.hard_tags,
                "gold": gold[i], "pred": predictions[grader_setting][i],
                "others": {name: pred[i] for name, pred in predictions.items() if name != grader_setting},
            }
            for i, item in enumerate(dataset.items)
        ],
    }
    if len(settings) > 1:
        report["compare"] = {
            setting: {
                **results[setting].as_report(),
                "paired_difference": paired_differences(primary, results[setting]),
            }
            for setting in settings[1:]
        }
    if second is not None:
        report["human_agreement"] = human_agreement(dataset, second, predictions[grader_setting], resamples, seed)
    report["warnings"] = warnings_for(report, majority.source)
    report["timing"] = {
        "grading_seconds": graded - started,
        "total_seconds": time.perf_counter() - started,
        "cache_hits": cache.hits if cache else 0,
        "cache_misses": cache.misses if cache else 0,
    }
    return report


def seen_in_training(items: Sequence[LabeledTranscript], train: Dataset | None) -> list[str]:
    """Ids of evaluated transcripts that are also in the train split (same id and same turns)."""
    if train is None:
        return []
    fitted = {(item.id, json.dumps([t.model_dump() for t in item.turns])) for item in train.items}
    return [item.id for item in items if (item.id, json.dumps([t.model_dump() for t in item.turns])) in fitted]
