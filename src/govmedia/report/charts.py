"""Charts of a report as PNG (matplotlib, Agg, offline), with a Chinese font found by fontconfig.

The font is the one fontconfig gives for `sans-serif:lang=zh-cn` (`fc-match`), else a font
`fc-list :lang=zh-cn` lists, and only if it really has Chinese glyphs (Debian: fonts-noto-cjk
gives Noto Sans CJK SC).
Without one, no chart is drawn: each figure carries the reason instead (a chart of empty boxes
helps nobody). Charts never touch pyplot's global state;
the font is set for the drawing only (rc_context).
"""

from __future__ import annotations

import io
import math
import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure as MplFigure  # noqa: E402
from matplotlib.ft2font import FT2Font  # noqa: E402

from govmedia.report.model import Figure  # noqa: E402

NO_FONT = ("未找到中文字体，图表未生成（请安装中文字体，如 Debian 的 fonts-noto-cjk，"
           "并确认 fc-list :lang=zh-cn 能列出它）")
GREEN, RED, GREY, BLUE, ORANGE = "#2e7d32", "#c62828", "#9e9e9e", "#1f5fa8", "#f0a030"
DPI = 200
_DRAWING = threading.Lock()  # the web app may write reports from several threads
WIDTH_IN = 6.3  # 16 cm, the text width of an A4 page


def _has_cjk(path: str) -> bool:
    try:
        return all(FT2Font(path).get_char_index(ord(ch)) for ch in "合格率省")
    except (OSError, RuntimeError, ValueError):
        return False


def _fontconfig(*args: str) -> list[str]:
    tool = shutil.which(args[0])
    if tool is None:
        return []
    try:
        out = subprocess.run([tool, *args[1:]], capture_output=True, text=True, timeout=20,
                             check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.stdout.splitlines() if line.strip()]


def _preferred(paths: list[str]) -> list[str]:
    """Return font files, the likely Chinese sans regular faces first (charts read best)."""
    return sorted(paths, key=lambda p: ("CJK" not in p and "Hei" not in p, "Sans" not in p,
                                        "Regular" not in p, p))


@cache
def cjk_font() -> tuple[str | None, str]:
    """Return (matplotlib font family name, "") for a Chinese font, or (None, the reason)."""
    candidates = _fontconfig("fc-match", "-f", "%{file}\n", "sans-serif:lang=zh-cn")
    candidates += _preferred([p.rstrip(":") for p in _fontconfig("fc-list", ":lang=zh-cn",
                                                                  "file")])
    if not candidates and shutil.which("fc-match") is None:
        return None, NO_FONT + "；本机没有 fontconfig（Debian: apt-get install fontconfig）"
    for path in dict.fromkeys(candidates):
        if not _has_cjk(path):
            continue
        font_manager.fontManager.addfont(path)
        names = [f.name for f in font_manager.fontManager.ttflist if f.fname == path]
        # A .ttc holds several faces; the simplified Chinese one renders 简体 best.
        return next((n for n in names if n.endswith(" SC")), names[0] if names else None), ""
    return None, NO_FONT


def _draw(key: str, caption: str, data: dict[str, Any], height_in: float,
          paint: Callable[[MplFigure], None]) -> Figure:
    family, reason = cjk_font()
    if family is None:
        return Figure(key, caption, None, missing=reason, data=data)
    rc = {"font.family": [family, "DejaVu Sans"], "axes.unicode_minus": False,
          "font.size": 9, "axes.titlesize": 11, "axes.spines.top": False,
          "axes.spines.right": False}
    with _DRAWING, matplotlib.rc_context(rc):  # rcParams are global: one drawing at a time
        fig = MplFigure(figsize=(WIDTH_IN, height_in), layout="constrained")
        paint(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return Figure(key, caption, buf.getvalue(), data=data)


def pass_rate_by_group(key: str, caption: str, rows: Sequence[Mapping[str, Any]],
                       label: str) -> Figure:
    """Return stacked bars of 合格/不合格/未能检查 per group with the pass rate written beside."""
    names = [str(r[label]) for r in rows]
    passed = [r["合格"] for r in rows]
    failed = [r["不合格"] for r in rows]
    unknown = [r["未能检查"] for r in rows]
    rates = [r["pass_rate"] for r in rows]
    data = {"groups": names, "合格": passed, "不合格": failed, "未能检查": unknown,
            "pass_rate": rates}

    def paint(fig: MplFigure) -> None:
        ax = fig.subplots()
        y = list(range(len(names)))[::-1]
        ax.barh(y, passed, color=GREEN, label="合格")
        ax.barh(y, failed, left=passed, color=RED, label="不合格")
        ax.barh(y, unknown, left=[p + f for p, f in zip(passed, failed, strict=True)],
                color=GREY, label="未能检查")
        for yi, r, total in zip(y, rates, (r["count"] for r in rows), strict=True):
            text = "合格率 —" if r is None else f"合格率 {r:.1%}"
            ax.text(total + 0.2, yi, text, va="center", fontsize=8)
        ax.set_yticks(y, names)
        ax.set_xlabel("账号数")
        ax.set_xlim(0, max((r["count"] for r in rows), default=1) * 1.35 + 1)
        fig.legend(loc="outside upper center", fontsize=8, frameon=False, ncols=3)

    return _draw(key, caption, data, 0.9 + 0.42 * max(len(names), 2), paint)


SCORE_BINS = ((0, 60), (60, 70), (70, 80), (80, 85), (85, 90), (90, 100.01))


def score_distribution(key: str, caption: str, scores: Sequence[float]) -> Figure:
    """Return a bar chart of how many accounts scored in each band (<60 … 90–100)."""
    labels = ["60分以下" if lo == 0 else f"{lo}–{min(hi, 100):g}分" for lo, hi in SCORE_BINS]
    counts = [sum(lo <= s < hi for s in scores) for lo, hi in SCORE_BINS]
    data = {"bands": labels, "counts": counts}

    def paint(fig: MplFigure) -> None:
        ax = fig.subplots()
        bars = ax.bar(labels, counts, color=BLUE)
        ax.bar_label(bars, fontsize=8)
        ax.set_ylabel("账号数")
        ax.set_ylim(0, max(counts, default=1) * 1.2 + 0.5)

    return _draw(key, caption, data, 2.6, paint)


def problems_by_type(key: str, caption: str,
                     rows: Sequence[tuple[str, int, int, float | None]]) -> Figure:
    """Return horizontal bars per problem type: accounts with vetoes or deductions (with their
    share), and beside them the accounts with notices only."""
    names = [r[0] for r in rows]
    scored = [r[1] for r in rows]
    notice = [r[2] for r in rows]
    data = {"types": names, "accounts": scored, "notice_only": notice,
            "share": [r[3] for r in rows]}

    def paint(fig: MplFigure) -> None:
        ax = fig.subplots()
        y = list(range(len(names)))[::-1]
        ax.barh(y, scored, color=RED, label="单项否决或扣分")
        ax.barh(y, notice, left=scored, color=ORANGE, label="仅提示项（不计分）")
        for yi, (_, n, k, share) in zip(y, rows, strict=True):
            label = f"{n}（{share:.0%}）" if share is not None and n else str(n)
            ax.text(n + k + 0.1, yi, label + (f"，仅提示{k}" if k else ""), va="center",
                    fontsize=8)
        ax.set_yticks(y, names)
        ax.set_xlabel("涉及账号数")
        ax.set_xlim(0, max((n + k for n, k in zip(scored, notice, strict=True)), default=1)
                    * 1.3 + 1)
        if any(notice):
            fig.legend(loc="outside upper center", ncols=2, frameon=False, fontsize=8)

    return _draw(key, caption, data, 0.9 + 0.36 * max(len(names), 2), paint)


def heat_table(key: str, caption: str, rows: Sequence[str], cols: Sequence[str],
               values: Mapping[tuple[str, str], float], kind: str,
               unrated: frozenset[tuple[str, str]] = frozenset()) -> Figure:
    """Return a province × field heat table of mean scores (kind score) or pass rates (pct);
    cells in unrated have accounts but no value (vetoed or not checked) and show —."""
    data = {"rows": list(rows), "columns": list(cols), "kind": kind,
            "values": [[values.get((r, c)) for c in cols] for r in rows]}

    def paint(fig: MplFigure) -> None:
        ax = fig.subplots()
        grid = [[values.get((r, c), math.nan) for c in cols] for r in rows]
        lo, hi = (50, 100) if kind == "score" else (0, 1)
        cmap = matplotlib.colormaps["RdYlGn"].with_extremes(bad="#eeeeee")
        image = ax.imshow(grid, cmap=cmap, vmin=lo, vmax=hi, aspect="auto")
        for i, row in enumerate(grid):
            for j, v in enumerate(row):
                if not math.isnan(v):
                    ax.text(j, i, f"{v:.0f}" if kind == "score" else f"{v:.0%}",
                            ha="center", va="center", fontsize=7)
                elif (rows[i], cols[j]) in unrated:
                    ax.text(j, i, "—", ha="center", va="center", fontsize=9, color="#333")
        ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right", fontsize=8)
        ax.set_yticks(range(len(rows)), rows, fontsize=8)
        ax.spines[:].set_visible(False)
        ax.set_xticks([x - 0.5 for x in range(1, len(cols))], minor=True)
        ax.set_yticks([y - 0.5 for y in range(1, len(rows))], minor=True)
        ax.grid(which="minor", color="white", linewidth=1.5)
        ax.tick_params(which="minor", length=0)
        fig.colorbar(image, ax=ax, shrink=0.8, label="平均得分" if kind == "score" else "合格率")

    return _draw(key, caption, data, 1.3 + 0.26 * max(len(rows), 3), paint)
