"""Menu label classification measured on real labels (seed 001 and common government menus).

tests/eval/menu_labels.jsonl: one {label, parent, expected, source} per line; `expected` is the
function a person gives the label (public, interpret, service, interact, other). The accuracy
is printed (pytest -s) and must stay above the floor.
"""

from __future__ import annotations

import json
from pathlib import Path

from govmedia.menus.classify import FUNCTIONS, classify_item

LABELS = Path(__file__).with_name("menu_labels.jsonl")
FLOOR = 0.9


def _rows() -> list[dict[str, str]]:
    return [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line]


def measure() -> tuple[float, list[tuple[str, str, str]]]:
    """Return (accuracy, misses as (label, expected, got))."""
    rows = _rows()
    misses = []
    for r in rows:
        got, _basis, _word = classify_item(r["label"], parent=r["parent"])
        if got != r["expected"]:
            misses.append((r["label"], r["expected"], got))
    return 1 - len(misses) / len(rows), misses


def test_labelled_set_is_well_formed():
    rows = _rows()
    assert len(rows) >= 100
    assert {r["expected"] for r in rows} == set(FUNCTIONS)
    assert len({(r["label"], r["parent"]) for r in rows}) == len(rows)


def test_menu_classification_accuracy_floor():
    accuracy, misses = measure()
    print(f"\nmenu label accuracy: {accuracy:.3f} on {len(_rows())} labels; misses: {misses}")
    assert accuracy >= FLOOR, misses


def test_seed_creative_names_all_right():
    misses = [m for m in measure()[1]
              if m[0].replace(" ", "") in {"带你了解", "带你办事", "带你沟通", "看政策", "说心声",
                                           "享服务", "指尖学", "连心桥", "掌上办"}]
    assert misses == []


if __name__ == "__main__":
    acc, miss = measure()
    print(f"accuracy {acc:.3f} on {len(_rows())} labels")
    for m in miss:
        print(m)
