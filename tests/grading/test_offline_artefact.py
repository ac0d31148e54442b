"""The shipped offline model is exactly what the fit script builds from the training split."""

import importlib.util
import json

import pytest

from interviewer.errors import DataError
from interviewer.grading.offline import ARTEFACT_PATH, load_model
from interviewer.paths import data_dir


def _fit_script():
    path = data_dir("evals").parent / "evals" / "fit_offline_grader.py"
    spec = importlib.util.spec_from_file_location("fit_offline_grader", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _shipped_model() -> dict:
    return json.loads(ARTEFACT_PATH.read_text(encoding="utf-8"))


def _assert_refused(tmp_path, model: dict) -> None:
    """The model, written as an artefact file, fails to load with the sentence that says how to rebuild it."""
    broken = tmp_path / "offline_model.json"
    broken.write_text(json.dumps(model), encoding="utf-8")
    with pytest.raises(DataError, match="rebuild it with"):
        load_model.__wrapped__(broken)


def test_the_shipped_model_is_reproducible_from_the_training_split_only():
    fit = _fit_script()
    train = data_dir("evals") / "datasets" / "train.jsonl"
    rows = fit.load_rows([train])
    test_ids = {json.loads(line)["id"] for line in (data_dir("evals") / "datasets" / "test.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()}
    assert test_ids.isdisjoint(r["id"] for r in rows)
    shipped = _shipped_model()
    assert shipped["trained_on"] == "evals/datasets/train.jsonl"
    refit = json.loads(json.dumps(fit.fit(rows)))  # as written to disk: tuples become lists
    assert refit["dimensions"] == shipped["dimensions"]
    assert refit["recommendation"] == shipped["recommendation"]
    assert load_model().n_train == len(rows)


def test_a_model_whose_recommendation_expects_other_inputs_is_refused_with_a_clear_error(tmp_path):
    model = _shipped_model()
    model["recommendation"]["coef"] = [row + [0.0] for row in model["recommendation"]["coef"]]  # an older artefact's width
    _assert_refused(tmp_path, model)


def test_a_model_with_a_zero_scale_is_refused_instead_of_dividing_by_it(tmp_path):
    model = _shipped_model()
    model["recommendation"]["scale"][0] = 0.0
    _assert_refused(tmp_path, model)


def test_a_model_without_the_recommendation_table_is_refused_with_a_clear_error(tmp_path):
    model = _shipped_model()
    del model["recommendation"]["table"]["4,12"]  # an artefact from before the table, or a hand-edited one
    _assert_refused(tmp_path, model)


def test_the_recommendation_table_is_what_the_training_labels_give_each_minimum_and_sum():
    table = load_model().recommendation.table
    assert max(range(4), key=lambda r: table["1,3"][r]) == 0  # 1/1/1: strong no hire
    assert max(range(4), key=lambda r: table["2,9"][r]) == 2  # e.g. 2/3/4: hire
    assert max(range(4), key=lambda r: table["4,12"][r]) == 3  # 4/4/4: strong hire
    assert all(abs(sum(row) - 1) < 1e-4 and min(row) > 0 for row in table.values())  # smoothed: nothing impossible


@pytest.mark.parametrize("row", [[0.0, 0.0, 0.0, 0.0], [5.0, 5.0, 5.0, 5.0], [float("nan")] * 4, [0.0, 0.0, 0.0, 1.0]])
def test_a_recommendation_table_row_that_is_no_distribution_is_refused(tmp_path, row):
    """A zero or NaN would turn every round's inputs into -inf or NaN and every recommendation into the first class."""
    model = _shipped_model()
    model["recommendation"]["table"]["2,9"] = row
    _assert_refused(tmp_path, model)
