"""Score the wording engine on the labelled corpus: precision and recall per check.

A found hit counts as right when a labelled span of the same check overlaps it; each label
is matched once. Used by test_eval_gate.py and bench/wording.py.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from govmedia.commands.check_text import review

HERE = Path(__file__).parent
CORPUS = HERE / "corpus.jsonl"
BASELINE = HERE / "baseline.json"


def corpus_sha256(path: Path = CORPUS) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load(path: Path = CORPUS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def score(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Return per-check tp/fp/fn, precision and recall, and the false positives themselves."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    wrong: list[dict[str, Any]] = []
    clean_chars = 0
    for case in cases:
        hits = review(case["text"], date.fromisoformat(case["published"]))
        expected = list(case["expected"])
        if not expected:
            clean_chars += len(case["text"])
        for h in hits:
            match = next((e for e in expected if e["check"] == h.check
                          and e["start"] < h.end and h.start < e["end"]), None)
            if match is None:
                fp[h.check] += 1
                wrong.append({"id": case["id"], "kind": "fp", "check": h.check, "text": h.text,
                              "message": h.message})
            else:
                tp[h.check] += 1
                expected.remove(match)
        for e in expected:
            fn[e["check"]] += 1
            wrong.append({"id": case["id"], "kind": "fn", "check": e["check"], "text": e["text"]})
    checks = sorted(set(tp) | set(fp) | set(fn))
    per = {c: {"tp": tp[c], "fp": fp[c], "fn": fn[c],
               "precision": tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else 1.0,
               "recall": tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else 1.0} for c in checks}
    clean_fp = sum(1 for w in wrong if w["kind"] == "fp"
                   and not next(c for c in cases if c["id"] == w["id"])["expected"])
    return {"checks": per, "errors": wrong, "clean_chars": clean_chars,
            "clean_fp": clean_fp, "cases": len(cases)}
