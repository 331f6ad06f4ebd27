"""link.label_mismatch measured on labelled (menu label, target page, match?) cases.

Positive class: the check reports a mismatch. The floors are pinned a little under the
measured figures (P=1.00, R=1.00 on 52 cases, 21 of them mismatches) so a regression fails the test.
"""

from __future__ import annotations

import json
from pathlib import Path

from govmedia.artifacts import FormInfo
from govmedia.findings import NotChecked
from tests.unit.page_helpers import arts, page, run

CASES = Path(__file__).parent / "label_cases.jsonl"
# Page chrome every real page carries (so that a short case is not taken for a blank page).
CHROME = ("\n版权所有 联系我们 网站地图 无障碍浏览 "
          "技术支持：某某科技有限公司 备案号：某ICP备00000000号")
PRECISION_FLOOR = 0.95
RECALL_FLOOR = 0.90


def predicted_mismatch(case: dict) -> bool:
    forms = (FormInfo(fields=("textarea:content",), textareas=1),) if case["textarea"] else ()
    text = (case["text"] or case["title"]) + CHROME
    snap = page(text, label=case["label"], menu_path=f"菜单/{case['label']}",
                title=case["title"], headings=tuple(case["headings"]), forms=forms)
    try:
        return bool(run("link.label_mismatch", arts(snap)))
    except NotChecked:
        return False  # a label outside the taxonomy is never reported


def measure() -> tuple[float, float, list[dict]]:
    cases = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line]
    tp = fp = fn = 0
    wrong = []
    for case in cases:
        got, want = predicted_mismatch(case), not case["match"]
        tp += got and want
        fp += got and not want
        fn += want and not got
        if got != want:
            wrong.append(case)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, wrong


def test_label_cases_are_enough_and_balanced():
    cases = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line]
    assert len(cases) >= 40
    assert 15 <= sum(not c["match"] for c in cases) <= len(cases) - 15


def test_label_mismatch_precision_recall_floor():
    precision, recall, wrong = measure()
    assert precision >= PRECISION_FLOOR and recall >= RECALL_FLOOR, (precision, recall, wrong)


if __name__ == "__main__":
    p, r, w = measure()
    print(f"precision={p:.3f} recall={r:.3f} wrong={len(w)}")
    for case in w:
        print(" ", case)
