"""Reading labeled datasets: any file in the format; malformed lines are reported by line number and skipped."""

from __future__ import annotations

import json

import pytest

from interviewer.errors import DataError
from interviewer.evaluation.dataset import load_dataset, load_second_labels

from .conftest import record, write_jsonl


def test_valid_lines_are_read_with_their_gold_labels(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [record("a", 1, 2, 3, "no_hire"), record("b", 4, 4, 3, "strong_hire")])
    dataset = load_dataset(path)
    assert dataset.ids == ["a", "b"]
    assert dataset.items[1].gold.as_dict() == {
        "technical_empathy": 4, "platform_thinking": 4, "telecom_depth": 3, "recommendation": "strong_hire"
    }
    assert dataset.skipped == []


def test_each_kind_of_malformed_line_is_skipped_with_its_line_number_and_the_rest_is_read(tmp_path):
    no_candidate = record("c", 2, 2, 2, "no_hire")
    no_candidate["turns"] = [{"role": "interviewer", "content": "Hello?"}]
    missing_gold_field = record("d", 2, 2, 2, "no_hire")
    del missing_gold_field["gold"]["platform_thinking"]
    bad_role = record("f", 2, 2, 2, "no_hire")
    bad_role["turns"][1]["role"] = "grader"
    path = write_jsonl(tmp_path / "d.jsonl", [
        record("a", 1, 2, 3, "no_hire"),                 # 1 ok
        "{not json",                                     # 2
        record("b", 2, 2, 5, "no_hire"),                 # 3 score outside 1-4
        record("e", 2, 2, 2, "maybe"),                   # 4 unknown recommendation
        no_candidate,                                    # 5
        record("a", 3, 3, 3, "hire"),                    # 6 duplicate id
        missing_gold_field,                              # 7
        "[1, 2]",                                        # 8 not an object
        bad_role,                                        # 9
        "",                                              # 10 blank: ignored, not an error
        record("g", 3, 3, 3, "hire"),                    # 11 ok
    ])
    dataset = load_dataset(path)
    assert dataset.ids == ["a", "g"]
    reasons = {s.line: s.reason for s in dataset.skipped}
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert "not valid JSON" in reasons[2]
    assert "gold.telecom_depth must be an integer 1-4" in reasons[3]
    assert "gold.recommendation must be one of" in reasons[4]
    assert reasons[5] == "no candidate turn"
    assert reasons[6] == "duplicate id 'a'"
    assert reasons[7] == "missing field 'gold.platform_thinking'"
    assert "JSON object" in reasons[8]
    assert reasons[9].startswith("turns.1.role")


def test_unknown_personas_and_rounds_are_allowed_and_counted(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [
        record("a", 1, 2, 3, "no_hire", persona="cfo"),
        record("b", 1, 2, 3, "no_hire", persona="cfo", round="lunch"),
        record("c", 1, 2, 3, "no_hire"),
    ])
    dataset = load_dataset(path)
    assert len(dataset.items) == 3
    assert dataset.unknown_values == {"persona": {"cfo": 2}, "round": {"lunch": 1}}


def test_hard_case_tags_come_from_tags_when_present_else_from_the_notes_prefix(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [
        record("tagged", 2, 2, 2, "no_hire", tags=["hard", "buzzword_stuffing"], notes="[hard:ignored] x"),
        record("noted", 2, 2, 2, "no_hire", notes="[hard:fluent_shallow, grader_injection] long but empty"),
        record("profile", 3, 3, 3, "hire", tags=["exceptional"]),
        record("plain", 3, 3, 3, "hire", notes="solid throughout"),
    ])
    items = {item.id: item for item in load_dataset(path).items}
    assert items["tagged"].hard_tags == ["buzzword_stuffing"]
    assert items["noted"].hard_tags == ["fluent_shallow", "grader_injection"]
    assert not items["profile"].is_hard and items["profile"].hard_tags == []
    assert not items["plain"].is_hard


def test_the_transcript_a_grader_sees_carries_no_labels(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [record("a", 1, 2, 3, "no_hire", notes="gold is 1/2/3", tags=["hard"])])
    seen = load_dataset(path).items[0].transcript().model_dump()
    assert "gold" not in seen and "notes" not in seen and "tags" not in seen
    assert "gold is" not in json.dumps(seen)


def test_a_missing_file_is_one_clear_sentence(tmp_path):
    with pytest.raises(DataError, match=r"does not exist or is not a file: pass --dataset"):
        load_dataset(tmp_path / "nope.jsonl")


def test_a_file_with_no_valid_line_is_one_clear_sentence(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", ["{oops", record("b", 9, 2, 2, "no_hire")])
    with pytest.raises(DataError, match=r"no valid labeled transcripts \(2 malformed lines; line 1: not valid JSON"):
        load_dataset(path)
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(DataError, match="no valid labeled transcripts"):
        load_dataset(tmp_path / "empty.jsonl")


def test_second_labels_are_read_by_id_and_malformed_lines_reported(tmp_path):
    path = write_jsonl(tmp_path / "second.jsonl", [
        {"id": "a", "gold": {"technical_empathy": 2, "platform_thinking": 2, "telecom_depth": 3, "recommendation": "no_hire"},
         "reasons": {"technical_empathy": "names webhooks only"}},
        {"id": "b", "gold": {"technical_empathy": 0, "platform_thinking": 2, "telecom_depth": 3, "recommendation": "no_hire"}},
    ])
    second = load_second_labels(path)
    assert list(second.gold) == ["a"] and second.gold["a"].telecom_depth == 3
    assert [(s.line, s.reason.split(" must")[0]) for s in second.skipped] == [(2, "gold.technical_empathy")]
