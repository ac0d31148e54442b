"""The shipped offline model is exactly what the fit script builds from the training split."""

import importlib.util
import json

import numpy as np
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


def test_the_shipped_model_is_reproducible_from_the_training_split_only():
    fit = _fit_script()
    train = data_dir("evals") / "datasets" / "train.jsonl"
    rows = fit.load_rows([train])
    test_ids = {json.loads(line)["id"] for line in (data_dir("evals") / "datasets" / "test.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()}
    assert test_ids.isdisjoint(r["id"] for r in rows)
    shipped = json.loads(ARTEFACT_PATH.read_text(encoding="utf-8"))
    assert shipped["trained_on"] == "evals/datasets/train.jsonl"
    refit = json.loads(json.dumps(fit.fit(rows)))  # as written to disk: tuples become lists
    assert refit["dimensions"] == shipped["dimensions"]
    assert refit["recommendation"] == shipped["recommendation"]
    assert refit["verdicts"] == shipped["verdicts"]
    assert load_model().n_train == len(rows)


def test_a_model_whose_recommendation_expects_other_inputs_is_refused_with_a_clear_error(tmp_path):
    model = json.loads(ARTEFACT_PATH.read_text(encoding="utf-8"))
    model["recommendation"]["coef"] = [row + [0.0] for row in model["recommendation"]["coef"]]  # an older artefact's width
    stale = tmp_path / "offline_model.json"
    stale.write_text(json.dumps(model), encoding="utf-8")
    with pytest.raises(DataError, match="rebuild it with"):
        load_model.__wrapped__(stale)


def test_a_model_with_a_zero_scale_is_refused_instead_of_dividing_by_it(tmp_path):
    model = json.loads(ARTEFACT_PATH.read_text(encoding="utf-8"))
    model["recommendation"]["scale"][0] = 0.0
    broken = tmp_path / "offline_model.json"
    broken.write_text(json.dumps(model), encoding="utf-8")
    with pytest.raises(DataError, match="rebuild it with"):
        load_model.__wrapped__(broken)


def test_a_verdict_table_that_breaks_the_rule_of_scoring_md_is_refused(tmp_path):
    model = json.loads(ARTEFACT_PATH.read_text(encoding="utf-8"))
    model["verdicts"]["1,3,4"] = "hire"  # a 1 rules out hire
    broken = tmp_path / "offline_model.json"
    broken.write_text(json.dumps(model), encoding="utf-8")
    with pytest.raises(DataError, match="rebuild it with"):
        load_model.__wrapped__(broken)


def test_the_verdicts_are_what_the_labels_say_and_a_set_of_levels_nobody_labelled_takes_its_nearest_neighbours():
    fit = _fit_script()
    y = {"technical_empathy": [1, 1, 2, 3, 4], "platform_thinking": [1, 2, 2, 3, 4], "telecom_depth": [1, 2, 3, 4, 4]}
    rec = [0, 1, 1, 3, 3]  # the last two: 3,3,4 and 4,4,4 labelled strong_hire
    verdicts = fit.fit_verdicts({d: np.array(v) for d, v in y.items()}, np.array(rec))
    assert len(verdicts) == 20
    assert verdicts["1,1,1"] == "strong_no_hire" and verdicts["1,2,2"] == "no_hire" and verdicts["4,4,4"] == "strong_hire"
    assert verdicts["3,3,4"] == "hire"  # strong_hire needs two 4s: the rule wins over the label
    assert verdicts["1,1,2"] == "strong_no_hire"  # nearest labelled sets 1,1,1 and 1,2,2: the lower verdict
