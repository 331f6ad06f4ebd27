"""What each workbench page shows, as plain dicts; the HTML pages and the JSON API share them.

Every function takes the principal and shows only the accounts it may see. Nothing here
re-runs a check: menus, timelines and explanations are derived from the stored artifacts and
findings by the same pure functions that inspect and report use.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from govmedia.artifacts import CHINA_TZ, TIME_KINDS, AccountArtifacts, Article, from_jsonable
from govmedia.checks.freshness import article_key
from govmedia.checks.registry import check_table
from govmedia.indicators.engine import (
    FAIL,
    PASS,
    UNKNOWN,
    IndicatorSystem,
    ProfileError,
    load_system,
    score_account,
)
from govmedia.indicators.metrics import safe_metrics
from govmedia.menus.classify import NAMES as FUNCTION_NAMES
from govmedia.menus.classify import classify_menu
from govmedia.registry.categories import category_label
from govmedia.report.result import provisional, stored_check_results, veto_candidate
from govmedia.settings import Settings
from govmedia.store import browse
from govmedia.store.reviews import account_data, review_history
from govmedia.web.security import Principal

VERDICTS = (PASS, FAIL, UNKNOWN)
PENDING = "待复核"
SEVERITY_ORDER = {"veto": 0, "deduct": 1, "warn": 2, "info": 3}
SEVERITY_NAMES = {"veto": "单项否决", "deduct": "扣分", "warn": "提醒", "info": "说明/亮点"}
BASIS_NAMES = {"exact": "菜单名称", "label": "名称关键词", "page": "目标页面标题",
               "parent": "上级菜单", "children": "子菜单", "none": "无法判断"}
MENU_TYPES = {"view": "网页", "miniprogram": "小程序", "click": "点击事件",
              "media_id": "素材", "view_limited": "图文消息", "article_id": "发布的图文",
              "article_view_limited": "发布的图文", "scancode_push": "扫码",
              "location_select": "发送位置"}
EXPLAIN_STATUS = {"veto": "单项否决", "judged": "已评", "not_checked": "未能检查"}
STALE_GAP_DAYS = 14  # 监测时间点前2周内无更新 — 国办秘函〔2019〕19号
_QUOTED = re.compile(r"“([^”]{1,60})”")


def system_of(system_id: str) -> IndicatorSystem | None:
    """Return a stored run's indicator system, or None when its definition is not at hand."""
    try:
        return load_system(system_id, frozenset(check_table()))
    except ProfileError:
        return None


def pass_rate(counts: dict[str, int]) -> float | None:
    """Return 合格 / (合格 + 不合格); 未能检查 counts neither way (None when nothing judged)."""
    judged = counts.get(PASS, 0) + counts.get(FAIL, 0)
    return round(counts.get(PASS, 0) / judged, 4) if judged else None


def choose_run(engine: Engine, p: Principal, run_id: int | None) -> dict[str, Any] | None:
    """Return the run asked for (if the principal may see it) or the newest one with scores."""
    return pick(browse.runs(engine, p.visible), run_id)


def pick(runs: list[dict[str, Any]], run_id: int | None) -> dict[str, Any] | None:
    """Return the run with run_id from runs, or (None asked) the newest one with scores."""
    if run_id is not None:
        return next((r for r in runs if r["id"] == run_id), None)
    return next((r for r in runs if r["scored"]), runs[0] if runs else None)


def _with_provisional(engine: Engine, run: dict[str, Any], rows: list[dict[str, Any]],
                      p: Principal) -> list[dict[str, Any]]:
    system = system_of(run["system"])
    vetoes = browse.veto_findings(engine, run["id"], p.visible)
    for r in rows:
        found = vetoes.get(r["id"], [])
        r["provisional"] = system is not None and provisional(system, found)
        r["candidates"] = sum(1 for f in found if veto_candidate(f))
        r["veto_messages"] = [f["message"] for f in found if f["review"] != "dismissed"]
    return rows


def overview(engine: Engine, p: Principal, run_id: int | None = None) -> dict[str, Any]:
    """Return the 总览: the run, pass rates by category, vetoes, early warnings, the trend."""
    runs = browse.runs(engine, p.visible)
    run = pick(runs, run_id)
    trend = [{"id": r["id"], "as_of": r["as_of"], "system": r["system"], "counts": r["counts"],
              "pass_rate": pass_rate(r["counts"])} for r in reversed(runs[:12]) if r["scored"]]
    out: dict[str, Any] = {"run": run, "runs": runs, "trend": trend}
    if run is None:
        return out
    rows = _with_provisional(engine, run, browse.scores(engine, run["id"], run["system"],
                                                        p.visible), p)
    by_cat: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        by_cat[r["category"]][r["verdict"]] += 1
    out["categories"] = [{"category": c, "label": category_label(c), "counts": dict(n),
                          "total": sum(n.values()), "pass_rate": pass_rate(n)}
                         for c, n in sorted(by_cat.items())]
    counts = Counter(r["verdict"] for r in rows)
    out["counts"] = {v: counts.get(v, 0) for v in VERDICTS}
    out["pass_rate"] = pass_rate(counts)
    out["total"] = len(rows)
    out["provisional"] = sum(1 for r in rows if r["provisional"])
    out["vetoes"] = [r for r in rows if r["vetoed"] or r["provisional"]]
    out["warnings"] = browse.findings(engine, run_id=run["id"], account_ids=p.visible,
                                      check="freshness.warning")
    return out


def account_list(engine: Engine, p: Principal, *, run_id: int | None = None,
                 category: str = "", province: str = "", field: str = "", verdict: str = "",
                 q: str = "") -> dict[str, Any]:
    """Return the 账号 list with the chosen run's verdicts, filtered and searched."""
    accounts = browse.accounts(engine, p.visible)
    runs = browse.runs(engine, p.visible)
    run = pick(runs, run_id)
    scored: dict[int, dict[str, Any]] = {}
    if run is not None:
        rows = browse.scores(engine, run["id"], run["system"], p.visible)
        scored = {r["id"]: r for r in _with_provisional(engine, run, rows, p)}
    items = []
    needle = q.strip().casefold()
    for a in accounts:
        s = scored.get(a["id"])
        item = {**a, "category_label": category_label(a["category"]),
                "verdict": s["verdict"] if s else None, "score": s["score"] if s else None,
                "provisional": bool(s and s["provisional"]),
                "reasons": s["reasons"] if s else []}
        if ((category and a["category"] != category) or (province and a["province"] != province)
                or (field and a["field"] != field)
                or (needle and needle not in f"{a['name']} {a['owner']}".casefold())
                or (verdict and not _verdict_matches(item, verdict))):
            continue
        items.append(item)
    options = {key: sorted({a[key] for a in accounts if a[key]})
               for key in ("category", "province", "field")}
    options["category"] = [(c, category_label(c)) for c in options["category"]]
    return {"run": run, "runs": runs, "items": items, "options": options,
            "total": len(accounts),
            "filters": {"category": category, "province": province, "field": field,
                        "verdict": verdict, "q": q}}


def _verdict_matches(item: dict[str, Any], wanted: str) -> bool:
    if wanted == PENDING:
        return item["provisional"]
    if wanted == "未检查":
        return item["verdict"] is None
    return item["verdict"] == wanted


def highlight(text: str, needles: Iterable[str]) -> list[tuple[str, bool]]:
    """Return text cut into (piece, marked) parts, every occurrence of a needle marked."""
    words = sorted({n for n in needles if n and n.strip()}, key=len, reverse=True)
    if not words or not text:
        return [(text, False)] if text else []
    pattern = re.compile("|".join(re.escape(w) for w in words))
    out, pos = [], 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], False))
        out.append((m.group(), True))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def excerpt(evidence: dict[str, Any]) -> list[tuple[str, bool]]:
    """Return the finding's evidence excerpt with the offending words marked."""
    ev = evidence or {}
    hit = ev.get("text") if isinstance(ev.get("text"), str) else ""
    context = ev.get("context") if isinstance(ev.get("context"), str) else ""
    if hit and f"【{hit}】" in context:
        pre, _, post = context.partition(f"【{hit}】")
        return [x for x in ((pre, False), (hit, True), (post, False)) if x[0]]
    text = next((ev[k] for k in ("hidden_excerpt", "excerpt") if isinstance(ev.get(k), str)
                 and ev[k].strip()), context or hit)
    signals = " ".join(s for s in ev.get("signals") or () if isinstance(s, str))
    needles = [hit] + [w for q in _QUOTED.findall(signals) for w in q.split("、")]
    return highlight(text, needles)


def finding_view(f: dict[str, Any]) -> dict[str, Any]:
    """Return a stored finding with what a page shows beside it (title, excerpt, evidence)."""
    table = check_table()
    ev = f.get("evidence") or {}
    spec = table.get(f["check"])
    return {**f, "title": spec.title if spec else f["check"],
            "basis": spec.basis if spec else "",
            "severity_name": SEVERITY_NAMES.get(f["severity"], f["severity"]),
            "candidate": veto_candidate(f), "excerpt": excerpt(ev),
            "has_screenshot": bool(ev.get("screenshot")),
            "has_archive": bool(ev.get("warc_record_id")),
            "url": ev.get("final_url") or ev.get("url") or (ev.get("article") or {}).get("url")
            or ""}


def _status_of(pages: Sequence[Any]) -> tuple[str, str]:
    if not pages:
        return "未抓取", "unknown"
    p = pages[0]
    if p.ok:
        return f"可访问（HTTP {p.status}）" + (f"：{p.title}" if p.title else ""), "ok"
    if p.error:
        return f"无法访问（{p.error}{'：' + p.error_detail if p.error_detail else ''}）", "bad"
    return f"HTTP {p.status}", "bad"


def menu_tree(art: AccountArtifacts | None) -> dict[str, Any]:
    """Return the custom menu as rows: each button's function, why, target and its status."""
    if art is None or art.menu is None:
        return {"error": (art.menu_error if art else "") or "未采集到自定义菜单", "rows": []}
    if not art.menu.is_open:
        return {"error": "未开启自定义菜单", "rows": []}
    rows = []
    for c in classify_menu(art.menu, art.pages):
        status, state = _status_of(c.pages)
        if c.item.children:
            status, state = "", ""
        elif c.item.type != "view":
            status, state = "非网页链接，未检查", "unknown"
        rows.append({"path": c.path, "label": c.label, "depth": 1 if c.parent else 0,
                     "function": FUNCTION_NAMES.get(c.function, c.function),
                     "function_id": c.function, "basis": BASIS_NAMES.get(c.basis, c.basis),
                     "keyword": c.keyword, "type": MENU_TYPES.get(c.item.type, c.item.type),
                     "target": c.item.url or c.item.pagepath or c.item.key or c.item.value,
                     "status": status, "state": state})
    return {"error": "", "rows": rows}


def _better(new: Article, old: Article | None) -> bool:
    if old is None:
        return True
    if new.published_at is None:
        return False
    rank = {k: i for i, k in enumerate(TIME_KINDS)}
    return old.published_at is None or rank.get(new.time_kind, 9) < rank.get(old.time_kind, 9)


def article_timeline(art: AccountArtifacts | None, as_of: datetime) -> dict[str, Any]:
    """Return the articles seen by any source, newest first, with the gap before each one."""
    if art is None:
        return {"entries": [], "since_last": None}
    best: dict[str, Article] = {}
    for src in art.sources:
        for a in src.articles if src.ok else ():
            key = article_key(a.url) if a.url else f"title:{a.title}"
            if _better(a, best.get(key)):
                best[key] = a
    dated = sorted((a for a in best.values() if a.published_at is not None),
                   key=lambda a: a.published_at, reverse=True)
    items = []
    for i, a in enumerate(dated):
        older = dated[i + 1] if i + 1 < len(dated) else None
        gap = (a.published_at - older.published_at) / timedelta(days=1) if older else None
        items.append({"title": a.title, "url": a.url, "published_at": a.published_at,
                      "time_kind": a.time_kind, "source": a.source, "status": a.status,
                      "gap_days": None if gap is None else round(gap, 1),
                      "long_gap": gap is not None and gap > STALE_GAP_DAYS})
    items += [{"title": a.title, "url": a.url, "published_at": None, "time_kind": a.time_kind,
               "source": a.source, "status": a.status, "gap_days": None, "long_gap": False}
              for a in best.values() if a.published_at is None]
    since = (as_of - dated[0].published_at) / timedelta(days=1) if dated else None
    return {"entries": items, "since_last": None if since is None else round(since, 1)}


def account_detail(engine: Engine, settings: Settings, p: Principal, account_id: int,
                   run_id: int | None = None) -> dict[str, Any] | None:
    """Return the 账号详情, or None when the account does not exist or is not visible."""
    acc = browse.account(engine, account_id)
    if acc is None or not p.sees(account_id):
        return None
    history = browse.account_runs(engine, account_id)
    run = (next((r for r in history if r["id"] == run_id), None) if run_id is not None
           else (history[0] if history else None))
    out: dict[str, Any] = {"account": {**acc, "category_label": category_label(acc["category"])},
                           "runs": history, "run": run}
    if run is None:
        return out
    with Session(engine) as s:
        data = account_data(s, run["id"], account_id)
    art = from_jsonable(AccountArtifacts, data["artifacts"]) if data else None
    as_of = art.as_of if art else run["as_of"].astimezone(CHINA_TZ)
    scores = browse.account_scores(engine, run["id"], account_id)
    system = system_of(run["system"])
    findings = data["findings"] if data else []
    results = data["results"] if data else []
    main = next((sc for sc in scores if sc["system"] == run["system"]), None)
    explanation: dict[str, Any] = {"rows": [], "areas": [], "coverage": None}
    if system is not None and data is not None:
        again = score_account(system, stored_check_results(
            results, findings, review_required=settings.review_required),
            safe_metrics(art) if system.mode == "areas" else None)
        explanation = {"rows": list(again.explanation), "areas": list(again.areas),
                       "coverage": again.coverage}
    out.update({
        "as_of": as_of, "scores": scores, "main": main,
        "system_name": system.name if system else run["system"],
        "provisional": system is not None and provisional(system, findings),
        "findings": sorted((finding_view(f) for f in findings),
                           key=lambda f: (SEVERITY_ORDER.get(f["severity"], 9), f["id"])),
        "not_checked": [r for r in results if r["status"] == "not_checked"],
        "menu": menu_tree(art), "timeline": article_timeline(art, as_of),
        "explanation": explanation,
        "reviews": review_history(engine, run_id=run["id"], account_ids={account_id}),
    })
    return out


def review_queue(engine: Engine, p: Principal, *, run_id: int | None = None,
                 state: str = "machine", scope: str = "veto") -> dict[str, Any]:
    """Return the findings to review in a run (veto candidates first) and the recent trail."""
    runs = browse.runs(engine, p.visible)
    run = pick(runs, run_id)
    if run is None:
        return {"run": None, "runs": runs, "items": [], "history": [], "state": state,
                "scope": scope}
    items = browse.findings(engine, run_id=run["id"], account_ids=p.visible,
                            review=state or None, severity="veto" if scope == "veto" else None)
    views = sorted((finding_view(f) for f in items),
                   key=lambda f: (not f["candidate"], SEVERITY_ORDER.get(f["severity"], 9),
                                  f["id"]))
    return {"run": run, "runs": runs, "items": views, "state": state, "scope": scope,
            "history": review_history(engine, run_id=run["id"], account_ids=p.visible,
                                      limit=50)}
