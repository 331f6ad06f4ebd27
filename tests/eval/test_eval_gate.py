"""Quality gate: precision and recall per check on the labelled corpus stay above the floors."""

import json

import pytest

from tests.eval.evaluate import BASELINE, corpus_sha256, load, score

BASE = json.loads(BASELINE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def result():
    return score(load())


def test_corpus_unchanged_or_baseline_updated():
    assert corpus_sha256() == BASE["corpus_sha256"], (
        "tests/eval/corpus.jsonl changed: re-run the gate, then update baseline.json")
    assert len(load()) == BASE["cases"] >= 150


def test_corpus_has_every_check_and_clean_cases():
    cases = load()
    labelled = {e["check"] for c in cases for e in c["expected"]}
    assert labelled == set(BASE["floors"])
    assert sum(1 for c in cases if not c["expected"]) >= 100
    for c in cases:  # every label points at its own text
        for e in c["expected"]:
            assert c["text"][e["start"]:e["end"]] == e["text"]


@pytest.mark.parametrize("check", sorted(BASE["floors"]))
def test_precision_and_recall_floors(result, check):
    got = result["checks"].get(check, {"precision": 1.0, "recall": 0.0})
    floor = BASE["floors"][check]
    misses = [e for e in result["errors"] if e["check"] == check]
    assert got["precision"] >= floor["precision"], misses
    assert got["recall"] >= floor["recall"], misses


def test_false_positives_on_clean_text(result):
    per_100k = result["clean_fp"] * 100_000 / result["clean_chars"]
    assert per_100k <= BASE["max_clean_fp_per_100k"], [
        e for e in result["errors"] if e["kind"] == "fp"]
