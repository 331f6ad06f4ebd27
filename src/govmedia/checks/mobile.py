"""Mobile adaptation (移动端适配): are linked pages readable on a phone inside WeChat?

Seed 001 calls pages that are not adapted to phones a problem found everywhere (页面过宽、内容显示
不全、文字过小). The pages are rendered in Chromium as a phone (collect/browser.py) and judged by
Lighthouse 11's rules (notes/checks.md §1): a viewport meta with a width or initial-scale ≥ 1;
no content wider than the window; at least 60% of the text at 12 CSS px or more; tap targets
not too small and too close. A page without a usable viewport is shrunk as a whole, so its
text and tap targets fail too, as in Lighthouse. A fixed viewport width (width=1200) is
flagged as well (the former Mobile-Friendly Test's "viewport not set to device-width").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from govmedia.artifacts import AccountArtifacts, MobileSnapshot, PageSnapshot
from govmedia.checks.page_state import pages_or_raise, target_of, where
from govmedia.findings import Finding, NotChecked

if TYPE_CHECKING:
    from govmedia.checks.registry import CheckContext

MIN_LEGIBLE = 0.60  # Lighthouse: at least 60% of the text at >= 12 px
TOLERANCE_PX = 2
_VP_PAIR = re.compile(r"([^\s,;=]+)\s*=\s*([^\s,;=]+)")
_VP_NAMES = frozenset({"width", "height", "initial-scale", "minimum-scale", "maximum-scale",
                       "user-scalable", "shrink-to-fit", "viewport-fit", "interactive-widget"})
_VP_WORDS = frozenset({"yes", "no", "device-width", "device-height"})
_ERRORS = {"timeout": "超时", "crash": "页面崩溃", "navigation": "无法打开"}


def viewport_props(content: str) -> dict[str, float | str]:
    """Return the valid properties of a viewport content string (numbers or keywords)."""
    props: dict[str, float | str] = {}
    for name, value in _VP_PAIR.findall(content):
        if name not in _VP_NAMES:
            continue
        if m := re.match(r"[+-]?(\d+\.?\d*|\.\d+)", value):
            props[name] = float(m.group(0))
        elif value.lower() in _VP_WORDS:
            props[name] = value.lower()
    return props


def viewport_ok(snap: MobileSnapshot) -> bool:
    """Return Lighthouse's verdict: a viewport tag with a width or an initial-scale >= 1."""
    if snap.viewport is None:
        return False
    props = viewport_props(snap.viewport)
    scale = props.get("initial-scale")
    if isinstance(scale, float) and scale < 1:
        return False
    return bool(props.get("width") or (isinstance(scale, float) and scale))


def viewport_problem(snap: MobileSnapshot) -> str:
    """Return what is wrong with the page's viewport, "" when it is fit for phones."""
    if snap.viewport is None:
        return "未设置视口（缺少 meta viewport），手机上按电脑页面宽度缩小显示"
    props = viewport_props(snap.viewport)
    scale = props.get("initial-scale")
    if isinstance(scale, float) and scale < 1:
        return f"视口初始缩放 initial-scale={scale:g} 小于1，页面被缩小显示"
    if not viewport_ok(snap):
        return f"视口设置无效（{snap.viewport}），未指定 width 或 initial-scale"
    width = props.get("width")
    if isinstance(width, float):
        return f"视口宽度固定为{width:g}px，未设为设备宽度（width=device-width）"
    return ""


def zoom_disabled(snap: MobileSnapshot) -> bool:
    """Return True when the viewport forbids zooming (user-scalable=no or maximum-scale <= 1)."""
    props = viewport_props(snap.viewport or "")
    top = props.get("maximum-scale")
    return props.get("user-scalable") == "no" or (isinstance(top, float) and top <= 1)


def overflow_px(snap: MobileSnapshot) -> int:
    """Return how far (CSS px) the content reaches past the phone's window."""
    return max(snap.inner_width - snap.outer_width, snap.scroll_width - snap.client_width, 0)


def legible_share(snap: MobileSnapshot) -> float:
    """Return the share of the text at 12 CSS px or more (1.0 for a page without text)."""
    return 1.0 if snap.text_chars <= 0 else 1 - snap.small_chars / snap.text_chars


def problems(snap: MobileSnapshot, tolerance: int = TOLERANCE_PX) -> list[str]:
    """Return the mobile check ids that fail for one measured page (default parameters)."""
    if not snap.ok:
        return []
    out = []
    if viewport_problem(snap):
        out.append("mobile.no_viewport")
    if overflow_px(snap) > tolerance:
        out.append("mobile.too_wide")
    if not viewport_ok(snap) or legible_share(snap) < MIN_LEGIBLE:
        out.append("mobile.small_text")
    if not viewport_ok(snap) or snap.tap_failing:
        out.append("mobile.tap_targets")
    if snap.dialogs or snap.load_timeout:
        out.append("mobile.render_issues")
    return out


def no_viewport(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return one finding per page whose viewport is missing, invalid or of fixed width."""
    out = []
    for snap, page in _measured(a):
        if reason := viewport_problem(snap):
            out.append(_finding("mobile.no_viewport", "deduct", snap, page, reason,
                                "在页面<head>中加入<meta name=\"viewport\" "
                                "content=\"width=device-width, initial-scale=1\">"))
    return out


def too_wide(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return one finding per page whose content is wider than the phone's window."""
    tolerance = int(ctx.param("tolerance_px", TOLERANCE_PX))
    out = []
    for snap, page in _measured(a):
        over = overflow_px(snap)
        if over > tolerance:
            wide = "、".join(snap.wide_elements[:3])
            culprit = f"，超出部分：{wide}" if wide else ""
            out.append(_finding(
                "mobile.too_wide", "deduct", snap, page,
                f"页面内容宽{snap.outer_width + over}px，超出手机屏幕宽度{snap.outer_width}px"
                f"（需横向滚动或缩小查看）{culprit}",
                "采用自适应布局，避免固定宽度的页面、表格和图片（可设 max-width:100%）"))
    return out


def small_text(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return one finding per page where less than 60% of the text is 12 CSS px or larger."""
    minimum = float(ctx.param("min_legible", MIN_LEGIBLE))

    def reason(snap: MobileSnapshot) -> str:
        share = legible_share(snap)
        return (f"文字过小：仅{share:.0%}的文字字号不小于12px（低于{minimum:.0%}），手机上难以阅读"
                if share < minimum else "")

    return _shrunk_or("mobile.small_text", "deduct", a, "文字过小难以阅读", reason,
                      "正文字号不小于12px（建议14–16px），并设置适配手机的视口")


def tap_targets(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return one finding per page with tap targets too small and too close to each other."""

    def reason(snap: MobileSnapshot) -> str:
        return (f"{snap.tap_failing}个可点击元素（共{snap.tap_targets}个）小于48×48px"
                "且与相邻元素过近，容易误触" if snap.tap_failing else "")

    return _shrunk_or("mobile.tap_targets", "warn", a, "按钮和链接过小难以点按", reason,
                      "按钮和链接的可点按区域不小于48×48px，或相互留出足够间距")


def _shrunk_or(check: str, severity: str, a: AccountArtifacts, shrunk: str,
               reason: Callable[[MobileSnapshot], str], suggestion: str) -> list[Finding]:
    """Return findings for pages shrunk whole (no usable viewport) or failing reason(snap)."""
    out = []
    for snap, page in _measured(a):
        why = (f"页面未设置适配手机的视口，整页缩小显示，{shrunk}" if not viewport_ok(snap)
               else reason(snap))
        if why:
            out.append(_finding(check, severity, snap, page, why, suggestion))
    return out


def render_issues(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return notes on pages the phone could not open, that never finished or opened dialogs."""
    out = []
    for snap, page in _paired(a, _snapshots(a)):
        notes = []
        if not snap.ok and snap.error != "no_browser":
            notes.append(f"手机端未能打开（{_ERRORS.get(snap.error, snap.error)}："
                         f"{snap.error_detail}）")
        if snap.load_timeout:
            notes.append("页面长时间未加载完成（按当时显示的内容检查）")
        if snap.dialogs:
            notes.append(f"打开时弹出{len(snap.dialogs)}个对话框：{'；'.join(snap.dialogs[:3])}")
        if notes:
            out.append(_finding("mobile.render_issues", "info", snap, page, "；".join(notes),
                                "检查页面在手机上能否正常打开，避免打开即弹窗"))
    return out


def _snapshots(a: AccountArtifacts) -> list[MobileSnapshot]:
    """Return the phone snapshots; NotChecked when pages exist but none was rendered."""
    pages = pages_or_raise(a)
    if not a.mobile:
        if not pages:
            return []
        raise NotChecked("本次检查未在手机浏览器中打开网页（未启用浏览器渲染）")
    missing = [s for s in a.mobile if s.error == "no_browser"]
    if missing and len(missing) == len(a.mobile):
        raise NotChecked(f"没有可用的浏览器：{missing[0].error_detail}")
    return list(a.mobile)


def _measured(a: AccountArtifacts) -> list[tuple[MobileSnapshot, PageSnapshot | None]]:
    snaps = _snapshots(a)
    measured = [s for s in snaps if s.ok]
    if snaps and not measured:
        raise NotChecked("网页均未能在手机浏览器中打开：" + "；".join(dict.fromkeys(
            f"{_ERRORS.get(s.error, s.error)}（{s.error_detail}）" for s in snaps)))
    return _paired(a, measured)


def _paired(a: AccountArtifacts, snaps: list[MobileSnapshot]
            ) -> list[tuple[MobileSnapshot, PageSnapshot | None]]:
    by_url: dict[str, PageSnapshot] = {}
    for p in a.pages:
        by_url.setdefault(p.final_url or p.url, p)
        by_url.setdefault(p.url, p)
    return [(s, by_url.get(s.url) or by_url.get(s.final_url)) for s in snaps]


def _finding(check: str, severity: str, snap: MobileSnapshot, page: PageSnapshot | None,
             reason: str, suggestion: str) -> Finding:
    named = page is not None and (page.menu_path or page.label)
    place = where(page) if page is not None and named else "页面"
    target = target_of(page) if page is not None else snap.url
    return Finding(check, severity, f"{place}在手机上：{reason}", target, evidence(snap),
                   suggestion)


def evidence(snap: MobileSnapshot) -> dict[str, Any]:
    """Return the measured numbers of one page as finding evidence."""
    return {
        "url": snap.url, "final_url": snap.final_url, "status": snap.status,
        "viewport": snap.viewport, "zoom_disabled": zoom_disabled(snap),
        "window_width": snap.outer_width, "layout_width": snap.inner_width,
        "scroll_width": snap.scroll_width, "client_width": snap.client_width,
        "scale": snap.scale, "wide_elements": list(snap.wide_elements),
        "text_chars": snap.text_chars, "small_chars": snap.small_chars,
        "legible_share": round(legible_share(snap), 3), "small_samples": list(snap.small_samples),
        "tap_targets": snap.tap_targets, "tap_failing": snap.tap_failing,
        "tap_samples": list(snap.tap_samples), "load_timeout": snap.load_timeout,
        "dialogs": list(snap.dialogs), "screenshot": snap.screenshot,
        "rendered_at": snap.fetched_at.isoformat() if snap.fetched_at else None,
        "error": snap.error, "error_detail": snap.error_detail,
    }
