"""Wording benchmark: quality on the labelled corpus, false positives and speed on clean text.

    python bench/wording.py [--chars 2000000]

Prints precision/recall per check on tests/eval/corpus.jsonl, false positives per 100,000
characters of clean text (the corpus's clean passages and the seed documents, repeated to
--chars), and the throughput of the full rule set beside a bare pyahocorasick scan of the
same patterns over the same text, in the same run (one core).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from govmedia.commands.check_text import review  # noqa: E402
from govmedia.wording.lexicon import builtin_lexicon  # noqa: E402
from govmedia.wording.matcher import build_matcher  # noqa: E402
from tests.eval.evaluate import load, score  # noqa: E402


def clean_text(cases: list[dict], target: int) -> str:
    # Clean passages and seed paragraphs only: the "tricky" cases are clean at their own date
    # (a 2017 text naming 国土资源局), not at the date the large text is scanned with.
    parts = [c["text"] for c in cases if c["id"].startswith(("clean-", "seed-"))]
    seeds = ROOT.parent / "shared" / "seeds"
    if seeds.is_dir():
        parts += [p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt"))]
    unit = "\n".join(parts)
    return (unit + "\n") * (target // (len(unit) + 1) + 1)


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chars", type=int, default=2_000_000)
    args = ap.parse_args()
    cases = load()
    result = score(cases)
    print(f"corpus: {result['cases']} cases, {result['clean_chars']} clean characters")
    print(f"{'check':26} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}")
    for check, r in result["checks"].items():
        print(f"{check:26} {r['tp']:4d} {r['fp']:4d} {r['fn']:4d} {r['precision']:9.3f} "
              f"{r['recall']:7.3f}")
    print(f"false positives on clean corpus cases: {result['clean_fp']} "
          f"({result['clean_fp'] * 100_000 / result['clean_chars']:.2f} per 100k chars)")

    text = clean_text(cases, args.chars)
    mb = len(text.encode("utf-8")) / 1e6
    matcher = build_matcher(builtin_lexicon())
    review(text[:1000], date(2024, 9, 1))  # warm caches
    fps = review(text, date(2024, 9, 1))
    print(f"large clean text: {len(text)} chars ({mb:.1f} MB UTF-8); false positives: {len(fps)} "
          f"({len(fps) * 100_000 / len(text):.3f} per 100k chars)")
    for h in fps[:10]:
        print(f"  FP {h.check} {h.text!r} {h.message}")

    def bare() -> int:
        return sum(1 for _ in matcher.automaton.iter(text))

    raw = best_of(bare)
    full = best_of(lambda: review(text, date(2024, 9, 1)))
    print(f"patterns in automaton: {matcher.patterns}")
    print(f"bare pyahocorasick scan: {mb / raw:6.2f} MB/s ({len(text) / raw / 1e6:.2f} M chars/s)")
    print(f"full rule set (review): {mb / full:6.2f} MB/s ({len(text) / full / 1e6:.2f} M chars/s)")
    print(f"full / bare: {raw / full:.2f}")


if __name__ == "__main__":
    main()
