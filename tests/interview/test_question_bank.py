"""The question bank's data: what a question rules out must name a real probe, or it would rule out nothing."""

from __future__ import annotations

import shutil

import pytest
import yaml

from interviewer import catalog
from interviewer.errors import DataError


@pytest.fixture
def prompts_copy(tmp_path, monkeypatch):
    shutil.copytree(catalog.data_dir("prompts"), tmp_path / "prompts")
    monkeypatch.setattr(catalog, "data_dir", lambda name: tmp_path / name)
    catalog.rounds.cache_clear(), catalog.personas.cache_clear()
    yield tmp_path / "prompts"
    catalog.rounds.cache_clear(), catalog.personas.cache_clear()


def test_the_shipped_rules_name_probes_word_for_word():
    signature = {p for persona in catalog.personas().values() for p in persona.signature_probes}
    rules = 0
    for round_ in catalog.rounds().values():
        asked_here = signature | {p for probes in round_.probes.values() for p in probes}
        for question in round_.questions:
            assert set(question.rules_out_probes) <= asked_here, question.id
            assert question.text not in question.rules_out_probes
            rules += len(question.rules_out_probes)
    assert rules >= 40  # the reviewed pairs, not an empty field that would rule out nothing


def test_a_rule_naming_a_probe_nobody_asks_is_refused_with_a_sentence(prompts_copy):
    path = prompts_copy / "rounds" / "technical.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["questions"][0]["rules_out_probes"] = ["How would carriers feel?"]  # a probe written from memory, not copied
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(DataError, match=r"^Question tech-01 in the technical round rules out a probe no round or persona asks: 'How would carriers feel\?'\.$"):
        catalog.rounds()
