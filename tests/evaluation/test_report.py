"""A whole eval run: the report dict matches shared/spec/eval-report.md and is written as JSON, Markdown and PNGs."""

from __future__ import annotations

import json

import pytest
from sklearn.metrics import cohen_kappa_score

from interviewer.evaluation.report import REQUIRED_KEYS, missing_keys, print_summary, write_report
from interviewer.evaluation.suite import run_eval

from .conftest import TableGrader, record, write_jsonl

RECS = ["strong_no_hire", "no_hire", "hire", "strong_hire"]


def dataset_rows(n: int = 24) -> list[dict]:
    rows = []
    for i in range(n):
        te, pt, td = 1 + i % 4, 1 + (i // 2) % 4, 1 + (i // 3) % 4
        tags = ["hard", "buzzword_stuffing"] if i % 3 == 0 else []
        rows.append(record(f"r{i}", te, pt, td, RECS[i % 4], persona=["messaging-hm", "verify-hm"][i % 2], tags=tags))
    return rows


def shifted(rows: list[dict], every: int) -> dict[str, dict]:
    """Predictions equal to gold except one step up on telecom_depth for every `every`-th transcript."""
    table = {}
    for i, row in enumerate(rows):
        labels = dict(row["gold"])
        if i % every == 0:
            labels["telecom_depth"] = min(4, labels["telecom_depth"] + 1)
        table[row["id"]] = labels
    return table


@pytest.fixture
def small_eval(tmp_path):
    rows = dataset_rows()
    (tmp_path / "data").mkdir()
    path = write_jsonl(tmp_path / "data" / "set.jsonl", [*rows, "{broken"])
    graders = {"rubric": TableGrader("rubric", shifted(rows, 2)), "llm:fake": TableGrader("llm:fake", shifted(rows, 5))}
    return rows, path, graders


def test_the_report_has_every_required_key_of_the_spec_and_the_right_numbers(small_eval):
    rows, path, graders = small_eval
    report = run_eval(path, "rubric", grader_factory=graders.__getitem__, resamples=1000)
    assert missing_keys(report) == []
    assert report["n"] == len(rows)
    assert report["skipped"] == [{"line": len(rows) + 1, "reason": report["skipped"][0]["reason"]}]
    gold = [r["gold"]["telecom_depth"] for r in rows]
    pred = [shifted(rows, 2)[r["id"]]["telecom_depth"] for r in rows]
    assert report["dimensions"]["telecom_depth"]["qwk"] == pytest.approx(cohen_kappa_score(gold, pred, weights="quadratic"))
    assert report["dimensions"]["technical_empathy"]["exact"] == 1.0
    assert report["dimensions"]["telecom_depth"]["bias"] > 0  # the grader is one step too generous at times
    assert report["recommendation"]["accuracy"] == 1.0
    assert set(report["baselines"]) >= {"majority", "keyword"}
    assert report["items"][0]["id"] == "r0" and report["items"][0]["pred"]["telecom_depth"] == min(4, rows[0]["gold"]["telecom_depth"] + 1)


def test_compare_puts_each_grader_side_by_side_with_paired_differences(small_eval):
    _, path, graders = small_eval
    report = run_eval(path, "rubric", ["llm:fake"], grader_factory=graders.__getitem__)
    compared = report["compare"]["llm:fake"]
    assert missing_keys(report) == []
    diff = compared["paired_difference"]["telecom_depth"]["exact"]
    assert diff["diff"] == pytest.approx(compared["dimensions"]["telecom_depth"]["exact"] - report["dimensions"]["telecom_depth"]["exact"])
    assert diff["diff"] > 0 and diff["ci95"][0] <= diff["diff"] <= diff["ci95"][1]


def test_slices_cover_persona_round_and_hard_case_tags_for_every_grader(small_eval):
    rows, path, graders = small_eval
    slices = run_eval(path, "rubric", grader_factory=graders.__getitem__)["slices"]
    assert set(slices) == {"persona", "round", "hard", "hard_tag"}
    assert slices["persona"]["verify-hm"]["rubric"]["n"] == len(rows) // 2
    assert slices["hard_tag"]["buzzword_stuffing"]["keyword"]["n"] == len([r for r in rows if r["tags"]])
    assert slices["hard"]["hard"]["rubric"]["technical_empathy"]["exact"] == 1.0


def test_second_labels_beside_the_dataset_give_the_human_ceiling(small_eval):
    rows, path, graders = small_eval
    second, disagreements = [], 0
    for i, row in enumerate(rows[:12]):
        labels = dict(row["gold"])
        if i % 3 == 0:
            labels["platform_thinking"] = max(1, labels["platform_thinking"] - 1)
            disagreements += labels["platform_thinking"] != row["gold"]["platform_thinking"]
        second.append({"id": row["id"], "gold": labels})
    assert disagreements > 0
    write_jsonl(path.parent / "second_labels.jsonl", [*second, {"id": "zz"}])
    human = run_eval(path, "rubric", grader_factory=graders.__getitem__)["human_agreement"]
    assert human["n"] == 12
    assert human["skipped"][0]["line"] == 13
    assert human["dimensions"]["technical_empathy"]["qwk"] == 1.0
    assert human["dimensions"]["platform_thinking"]["exact"] == pytest.approx(1 - disagreements / 12)
    assert "minus_human" in human["grader_on_same_items"]


def test_written_report_files_json_markdown_and_confusion_pngs(small_eval, tmp_path):
    _, path, graders = small_eval
    report = run_eval(path, "rubric", ["llm:fake"], grader_factory=graders.__getitem__)
    written = write_report(report, tmp_path / "out")
    names = sorted(p.name for p in written)
    assert "report.json" in names and "report.md" in names
    assert {"confusion_telecom_depth.png", "confusion_recommendation.png", "confusion_llm_fake_recommendation.png"} <= set(names)
    assert all((tmp_path / "out" / n).read_bytes()[:4] == b"\x89PNG" for n in names if n.endswith(".png"))
    saved = json.loads((tmp_path / "out" / "report.json").read_text())
    assert all(key in saved for key in REQUIRED_KEYS) and missing_keys(saved) == []
    markdown = (tmp_path / "out" / "report.md").read_text()
    for heading in ("## telecom_depth", "## Recommendation", "## Lift of `rubric` over the baselines", "## Paired differences",
                    "## Hard cases", "### by hard_tag", "baseline:keyword"):
        assert heading in markdown


def test_missing_keys_names_what_a_report_lacks():
    assert missing_keys({"dataset": "x"})[:2] == ["grader", "n"]


def test_the_terminal_summary_shows_grader_baselines_and_skips(small_eval):
    from rich.console import Console

    _, path, graders = small_eval
    report = run_eval(path, "rubric", grader_factory=graders.__getitem__)
    console = Console(record=True, width=160)
    print_summary(report, console)
    text = console.export_text()
    assert "baseline:keyword" in text and "baseline:majority" in text and "1 malformed line skipped" in text


def test_untrusted_dataset_text_cannot_break_the_markdown_tables(tmp_path):
    rows = [record(f"r{i}", 1 + i % 4, 2, 3, RECS[i % 4], persona="evil | persona\n# Heading") for i in range(6)]
    path = write_jsonl(tmp_path / "set.jsonl", [*rows, "{broken | line"])
    graders = {"rubric": TableGrader("rubric", {r["id"]: r["gold"] for r in rows})}
    report = run_eval(path, "rubric", grader_factory=graders.__getitem__)
    from interviewer.evaluation.report import markdown

    text = markdown(report)
    assert "evil \\| persona # Heading" in text
    assert "\n# Heading" not in text


def test_small_samples_and_unknown_values_are_called_out(tmp_path):
    rows = [record(f"r{i}", 1 + i % 4, 2, 3, RECS[i % 4], round="lunch") for i in range(6)]
    path = write_jsonl(tmp_path / "set.jsonl", rows)
    graders = {"rubric": TableGrader("rubric", {r["id"]: r["gold"] for r in rows})}
    warnings = run_eval(path, "rubric", grader_factory=graders.__getitem__)["warnings"]
    assert any("Only 6 transcripts" in w for w in warnings)
    assert any("6 transcripts have a round the catalog does not know (lunch)" in w for w in warnings)


def test_untrusted_dataset_text_is_not_rich_markup_in_the_terminal(tmp_path):
    from rich.console import Console

    rows = [record(f"r{i}", 1 + i % 4, 2, 3, RECS[i % 4], persona="[bold red]boss[/]") for i in range(6)]
    path = write_jsonl(tmp_path / "set.jsonl", rows)
    graders = {"rubric": TableGrader("rubric", {r["id"]: r["gold"] for r in rows})}
    console = Console(record=True, width=200)
    print_summary(run_eval(path, "rubric", grader_factory=graders.__getitem__), console)
    assert "[bold red]boss[/]" in console.export_text()


def test_a_transcript_one_grader_cannot_grade_is_left_out_for_every_grader_and_reported(small_eval):
    from interviewer.errors import BackendError

    rows, path, graders = small_eval

    class Stumbles(TableGrader):
        def grade(self, transcript):
            if transcript.id == "r5":
                raise BackendError("The grader model gave no valid scorecard in 3 tries: try a larger model.")
            return super().grade(transcript)

    graders["llm:fake"] = Stumbles("llm:fake", shifted(rows, 5))
    report = run_eval(path, "rubric", ["llm:fake"], grader_factory=graders.__getitem__)
    assert report["n"] == len(rows) - 1
    assert "r5" not in [item["id"] for item in report["items"]]
    assert report["grading_failures"] == [{"id": "r5", "grader": "llm:fake", "reason": report["grading_failures"][0]["reason"]}]
    assert any("1 transcripts could not be graded by llm:fake" in w for w in report["warnings"])
    assert report["slices"]["hard"]["hard"]["rubric"]["n"] + report["slices"]["hard"]["not_hard"]["rubric"]["n"] == len(rows) - 1


def test_evaluating_transcripts_from_the_train_split_is_flagged_as_optimistic(tmp_path, monkeypatch):
    rows = [record(f"r{i}", 1 + i % 4, 1 + (i // 2) % 4, 2, RECS[i % 4]) for i in range(8)]
    train = write_jsonl(tmp_path / "train.jsonl", rows[:5])
    monkeypatch.setattr("interviewer.evaluation.suite.shipped_dataset", lambda name: train)
    # r3 is in train, but this r3 is a different transcript: a colliding id alone is not flagged
    collision = {**rows[3], "turns": [{"role": "candidate", "content": "something else entirely"}]}
    path = write_jsonl(tmp_path / "set.jsonl", [*rows[:3], *rows[6:], collision])
    graders = {"rubric": TableGrader("rubric", {r["id"]: r["gold"] for r in rows})}
    report = run_eval(path, "rubric", grader_factory=graders.__getitem__)
    assert report["train_overlap"]["n"] == 3
    assert any("3 of 6 transcripts are in the train split" in w for w in report["warnings"])
    assert report["baselines"]["majority"]["source"] == "train split (train.jsonl)"
