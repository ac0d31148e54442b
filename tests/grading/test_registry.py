"""Grader settings name graders the same way everywhere."""

import pytest

from interviewer.errors import ConfigError
from interviewer.grading.llm import LLMGrader
from interviewer.grading.offline import OfflineGrader
from interviewer.grading.registry import load_grader


def test_rubric_is_the_offline_grader_and_the_default(settings):
    assert isinstance(load_grader("rubric", settings=settings), OfflineGrader)
    assert load_grader(None, settings=settings).name == "rubric"


def test_llm_setting_builds_an_llm_grader_named_by_its_setting(settings):
    grader = load_grader("llm:fake", samples=3, settings=settings)
    assert isinstance(grader, LLMGrader)
    assert grader.name == "llm:fake"
    assert grader.samples == 3


@pytest.mark.parametrize("setting", ["keyword", "llm:", "llm:nonsense:x", "gpt-4"])
def test_unknown_settings_are_one_sentence_config_errors(setting, settings):
    with pytest.raises(ConfigError) as error:
        load_grader(setting, settings=settings)
    assert "\n" not in str(error.value)


def test_samples_must_be_sensible(settings):
    with pytest.raises(ConfigError):
        load_grader("llm:fake", samples=0, settings=settings)
    with pytest.raises(ConfigError):
        load_grader("rubric", samples=3, settings=settings)
