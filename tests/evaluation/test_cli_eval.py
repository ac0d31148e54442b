"""`interviewer eval` end to end: a temp dataset, a registered fake grader, the real offline grader, bad input."""

from __future__ import annotations

import json
import sys

import pytest

from interviewer.cli import main

from .conftest import TableGrader, record, write_jsonl

RECS = ["strong_no_hire", "no_hire", "hire", "strong_hire"]


def run_cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["interviewer", "eval", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    captured = capsys.readouterr()
    return exit_info.value.code or 0, captured.out, captured.err


@pytest.fixture
def dataset(tmp_path):
    rows = [record(f"r{i}", 1 + i % 4, 1 + (i // 2) % 4, 1 + (i * 3) % 4, RECS[i % 4]) for i in range(16)]
    return rows, write_jsonl(tmp_path / "set.jsonl", [rows[0], "not json", *rows[1:]])


@pytest.fixture
def registered(monkeypatch, dataset):
    """A fake grader behind the registry seam: it predicts gold, except one step low on platform_thinking."""
    rows, _ = dataset
    table = {r["id"]: {**r["gold"], "platform_thinking": max(1, r["gold"]["platform_thinking"] - 1)} for r in rows}
    graders: dict[str, TableGrader] = {}

    def load_grader(setting, samples=1):
        grader = graders.setdefault(setting, TableGrader(setting, table))
        grader.samples = samples
        return grader

    monkeypatch.setattr("interviewer.evaluation.suite.load_grader", load_grader)
    return graders


def test_eval_writes_the_report_and_prints_the_summary(monkeypatch, capsys, tmp_path, dataset, registered, cache_path):
    rows, path = dataset
    code, out, err = run_cli(monkeypatch, capsys, "--dataset", str(path), "--grader", "fake-a", "--out", str(tmp_path / "r"))
    assert code == 0, err
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["grader"] == "fake-a" and report["n"] == len(rows)
    assert report["skipped"] == [{"line": 2, "reason": report["skipped"][0]["reason"]}]
    assert report["dimensions"]["technical_empathy"]["qwk"] == 1.0
    assert report["dimensions"]["platform_thinking"]["bias"] < 0
    assert (tmp_path / "r" / "report.md").is_file() and (tmp_path / "r" / "confusion_recommendation.png").is_file()
    assert "baseline:keyword" in out and "1 malformed line skipped" in out


def test_a_second_run_costs_nothing(monkeypatch, capsys, tmp_path, dataset, registered, cache_path):
    rows, path = dataset
    args = ("--dataset", str(path), "--grader", "fake-a", "--out", str(tmp_path / "r"))
    run_cli(monkeypatch, capsys, *args)
    code, out, _ = run_cli(monkeypatch, capsys, *args)
    assert code == 0
    assert len(registered["fake-a"].calls) == len(rows)
    assert f"({len(rows)} cached)" in out
    run_cli(monkeypatch, capsys, *args, "--no-cache")
    assert len(registered["fake-a"].calls) == 2 * len(rows)


def test_compare_adds_each_grader_to_the_report(monkeypatch, capsys, tmp_path, dataset, registered, cache_path):
    _, path = dataset
    code, out, err = run_cli(monkeypatch, capsys, "--dataset", str(path), "--grader", "fake-a",
                             "--compare", "llm:fake-b", "--compare", "fake-c", "--out", str(tmp_path / "r"))
    assert code == 0, err
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert sorted(report["compare"]) == ["fake-c", "llm:fake-b"]
    assert report["compare"]["fake-c"]["paired_difference"]["platform_thinking"]["qwk"]["diff"] == 0.0
    assert "llm:fake-b" in out


def test_no_dataset_means_the_shipped_test_split(monkeypatch, capsys, tmp_path, dataset, registered, cache_path):
    _, path = dataset
    monkeypatch.setattr("interviewer.evaluation.suite.shipped_dataset", lambda name: path if name == "test" else tmp_path / "none")
    code, _, err = run_cli(monkeypatch, capsys, "--grader", "fake-a", "--out", str(tmp_path / "r"))
    assert code == 0, err
    assert json.loads((tmp_path / "r" / "report.json").read_text())["dataset"] == str(path)


def test_the_real_offline_grader_runs_through_the_cli(monkeypatch, capsys, tmp_path, dataset, cache_path):
    rows, path = dataset
    code, _, err = run_cli(monkeypatch, capsys, "--dataset", str(path), "--grader", "rubric", "--out", str(tmp_path / "r"))
    assert code == 0, err
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["grader"] == "rubric" and len(report["items"]) == len(rows)
    assert all(1 <= item["pred"]["telecom_depth"] <= 4 for item in report["items"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dataset", "/no/such/file.jsonl"], "does not exist or is not a file: pass --dataset"),
        (["--grader", "nonsense"], "Unknown grader 'nonsense'"),
    ],
)
def test_bad_input_is_one_sentence_and_no_traceback(monkeypatch, capsys, tmp_path, dataset, cache_path, args, message):
    _, path = dataset
    full = ["--dataset", str(path), "--out", str(tmp_path / "r"), *args]
    code, out, err = run_cli(monkeypatch, capsys, *full)
    assert code == 2
    assert message in " ".join(err.split()) and "Traceback" not in err + out
    assert len(err.strip().splitlines()) <= 2  # one sentence (rich may wrap it)


def test_a_missing_second_labels_file_fails_before_any_grading(monkeypatch, capsys, tmp_path, dataset, registered, cache_path):
    _, path = dataset
    code, _, err = run_cli(monkeypatch, capsys, "--dataset", str(path), "--grader", "fake-a",
                           "--second-labels", str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "r"))
    assert code == 2
    assert "does not exist or is not a file: pass --second-labels" in " ".join(err.split())
    assert not registered  # no grader was even built


def test_the_shipped_test_split_evaluates_cleanly_with_the_offline_grader(monkeypatch, capsys, tmp_path, cache_path):
    from interviewer.evaluation.dataset import load_dataset, shipped_dataset

    test_split = shipped_dataset("test")
    if not test_split.is_file():
        pytest.skip("the test split has not been written yet")
    code, out, err = run_cli(monkeypatch, capsys, "--grader", "rubric", "--out", str(tmp_path / "r"))
    assert code == 0, err
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["dataset"] == str(test_split) and report["skipped"] == []
    assert report["n"] == len(load_dataset(test_split).items) >= 40
    assert report["baselines"]["majority"]["source"].startswith("train split")
    assert report["hard_cases"]["n"] > 0 and "rubric" in report["hard_cases"]["lift_over_keyword"]


def test_samples_go_to_llm_graders_only_and_are_part_of_the_cache_key(monkeypatch, capsys, tmp_path, dataset, registered, cache_path):
    rows, path = dataset
    args = ["--dataset", str(path), "--grader", "fake-a", "--compare", "llm:fake-b", "--out", str(tmp_path / "r")]
    code, _, err = run_cli(monkeypatch, capsys, *args, "--samples", "3")
    assert code == 0, err
    assert registered["fake-a"].samples == 1 and registered["llm:fake-b"].samples == 3
    assert json.loads((tmp_path / "r" / "report.json").read_text())["samples"] == {"fake-a": 1, "llm:fake-b": 3}
    run_cli(monkeypatch, capsys, *args, "--samples", "5")
    assert len(registered["llm:fake-b"].calls) == 2 * len(rows)  # other samples, other grades
    assert len(registered["fake-a"].calls) == len(rows)  # unchanged grader, served from the cache
