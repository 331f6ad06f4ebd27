"""The workbench in process (ASGI test client) over a real run of a small sandbox world.

One inspection of six demo accounts (two machine veto candidates, a firm veto, an early
warning, link problems, a healthy account) into SQLite; a copy of the database taken before
any review serves the review_required test.
"""

from __future__ import annotations

import io
import re
import sqlite3
from datetime import datetime

import docx
import fastapi.routing
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from govmedia.artifacts import CHINA_TZ
from govmedia.report.result import build_result
from govmedia.run.inspect import inspect_accounts
from govmedia.run.score import score_run
from govmedia.sandbox import load_world, registry_rows, run_world
from govmedia.settings import Settings
from govmedia.store import runs
from govmedia.store.accounts import list_accounts, upsert_accounts
from govmedia.store.db import open_db
from govmedia.store.models import FindingRow, ReviewRow
from govmedia.store.reviews import ReviewError, review_finding
from govmedia.store.users import add_user, new_api_token
from govmedia.web.app import create_app
from govmedia.web.views import system_of

AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)
NAMES = ("微言教育", "生态环境部", "中国民政", "青禾发布", "青禾住建", "青禾交通")
OWNER_A, OWNER_B = "青禾省人民政府新闻办公室", "青禾省交通运输厅"  # 青禾发布, 青禾交通
PASSWORD = "a fine password"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("web")
    world = load_world(AS_OF, "demo")
    world.accounts = [a for a in world.accounts if a.name in NAMES]
    with run_world(world):
        settings = Settings(db=f"sqlite:///{tmp}/g.db", wechat_api_base=world.base_url,
                            data_dir=str(tmp / "data"))
        engine = open_db(settings.db)
        upsert_accounts(engine, registry_rows(world))
        result = inspect_accounts(engine, settings, list_accounts(engine), "gb-2019-19", AS_OF)
        with sqlite3.connect(tmp / "g.db") as src, sqlite3.connect(tmp / "copy.db") as dst:
            src.backup(dst)  # before any review: for the review_required test
        for name, role, owner in (("admin", "admin", ""), ("rev", "reviewer", ""),
                                  ("view", "viewer", ""), ("owner_a", "owner", OWNER_A),
                                  ("owner_b", "owner", OWNER_B)):
            add_user(engine, name, role, PASSWORD, AS_OF, owner_unit=owner)
        ids = {a.name: a.id for a in list_accounts(engine)}
        yield {"settings": settings, "engine": engine, "app": create_app(settings, engine),
               "run": result["run_id"], "ids": ids, "tmp": tmp, "world": world}


def finding_of(engine, account_id: int, check: str) -> int:
    with Session(engine) as s:
        return s.scalar(select(FindingRow.id).where(FindingRow.account_id == account_id,
                                                    FindingRow.check == check))


def client(app, address: str = "10.1.0.1") -> TestClient:
    return TestClient(app, base_url="https://testserver", client=(address, 50000))


def login(app, name: str, address: str = "10.1.0.1") -> tuple[TestClient, str]:
    """Return a signed-in client and its CSRF token."""
    c = client(app, address)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    r = c.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    page = c.get("/pretext").text
    return c, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_login_sets_a_strict_cookie_and_protects_pages(env):
    c = client(env["app"], "10.1.0.2")
    assert c.get("/", follow_redirects=False).headers["location"] == "/login"
    assert c.get("/api/runs").status_code == 401
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    bad = c.post("/login", data={"name": "rev", "password": "nope", "csrf_token": token})
    assert bad.status_code == 401 and "用户名或密码错误" in bad.text
    no_token = client(env["app"], "10.1.0.2").post(
        "/login", data={"name": "rev", "password": PASSWORD})
    assert no_token.status_code == 403
    ok = c.post("/login", data={"name": "rev", "password": PASSWORD, "csrf_token": token,
                                "next": "//evil.example/"}, follow_redirects=False)
    assert ok.headers["location"] == "/"  # never sent to another host
    cookie = ok.headers["set-cookie"]
    for flag in ("HttpOnly", "SameSite=strict", "Secure", "Path=/"):
        assert flag in cookie
    assert c.get("/").status_code == 200
    logout = c.post("/logout", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', c.get("/").text).group(1)},
        follow_redirects=False)
    assert logout.status_code == 303
    assert c.get("/", follow_redirects=False).status_code == 303


def test_every_page_renders_with_security_headers(env):
    run, ids = env["run"], env["ids"]
    paths = ["/", f"/?run={run}", "/accounts", "/accounts?verdict=待复核&q=青禾",
             f"/accounts?category=provincial_dept&run={run}", "/review", "/review?scope=all&state=",
             "/jobs", "/reports", f"/reports?run={run}", "/pretext", "/admin",
             *(f"/accounts/{i}" for i in ids.values()), "/api/me", "/api/runs",
             "/api/overview", "/api/accounts", f"/api/accounts/{ids['青禾发布']}",
             "/api/findings", "/api/reviews", "/api/jobs", f"/api/runs/{run}/result"]
    c, _ = login(env["app"], "admin", "10.1.0.3")
    for path in paths:
        r = c.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        assert "script-src 'self'" in r.headers["content-security-policy"], path
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert c.get("/static/app.css").status_code == 200
    assert c.get("/docs").status_code == 404  # FastAPI's docs page would load a CDN
    assert "/api/findings/{finding_id}/review" in c.get("/api/openapi.json").json()["paths"]


def test_overview_shows_vetoes_warnings_and_provisional_verdicts(env):
    c, _ = login(env["app"], "view", "10.1.0.4")
    data = c.get("/api/overview").json()
    vetoes = {v["name"]: v for v in data["vetoes"]}
    assert set(vetoes) >= {"中国民政", "青禾发布", "青禾交通"}
    assert not vetoes["中国民政"]["provisional"]  # 2 weeks without a post: a data veto
    assert [w["account"] for w in data["warnings"]] == ["生态环境部"]
    assert {c["label"] for c in data["categories"]} == {"部委", "省级政府", "省级政府部门"}
    page = c.get("/").text
    assert "待复核" in page and "临近两周未更新" in page and "生态环境部" in page
    listed = c.get("/api/accounts", params={"verdict": "不合格"}).json()["items"]
    assert {a["name"] for a in listed} >= {"中国民政", "青禾发布", "青禾交通"}
    assert "wechat_secret" not in listed[0]


def test_account_page_shows_menu_timeline_findings_and_explanation(env):
    c, _ = login(env["app"], "view", "10.1.0.5")
    data = c.get(f"/api/accounts/{env['ids']['青禾发布']}").json()
    menu = data["menu"]["rows"]
    assert {m["function"] for m in menu} >= {"政务公开", "办事服务", "政民互动"}
    assert any(m["state"] == "ok" and "HTTP 200" in m["status"] for m in menu)
    assert data["timeline"]["entries"] and data["timeline"]["since_last"] is not None
    hacked = next(f for f in data["findings"] if f["check"] == "security.hacked_content")
    assert hacked["candidate"] and any(marked for _, marked in hacked["excerpt"])
    assert data["provisional"] and data["main"]["verdict"] == "不合格"
    assert any(e["status"] == "veto" for e in data["explanation"]["rows"])
    page = c.get(f"/accounts/{env['ids']['青禾发布']}").text
    assert "<mark>" in page and "自定义菜单" in page and "文章时间线" in page


def enumerate_routes(app):
    """Return (path, methods) of every route of the app, however FastAPI nests them."""
    walk = getattr(fastapi.routing, "iter_route_contexts", None)
    routes = list(walk(app.routes)) if walk else app.routes
    return [(r.path, r.methods or set()) for r in routes if getattr(r, "methods", None)]


def test_every_mutating_endpoint_needs_a_session_and_a_csrf_token(env):
    mutating = [(path, m) for path, methods in enumerate_routes(env["app"])
                for m in methods if m in ("POST", "PUT", "PATCH", "DELETE")]
    assert len(mutating) >= 10, mutating  # login, logout, review x2, jobs x2, pretext x2, admin
    signed, csrf = login(env["app"], "admin", "10.1.0.6")
    anonymous = client(env["app"], "10.1.0.7")
    for path, method in mutating:
        url = re.sub(r"\{[^}]+\}", "1", path)
        if path == "/login":
            assert anonymous.request(method, url, data={"name": "x"}).status_code == 403
            continue
        # A body the endpoint would accept, so that only sign-in and CSRF decide.
        body = ({"json": {"action": "dismiss", "reason": "x", "scope": "all", "text": "x"}}
                if path.startswith("/api/") else {"data": {"action": "dismiss", "reason": "x"}})
        for who, headers, expected in ((anonymous, {}, 401), (signed, {}, 403),
                                       (signed, {"X-CSRF-Token": "forged"}, 403)):
            r = who.request(method, url, headers=headers, follow_redirects=False, **body)
            assert r.status_code == expected, (method, path, r.status_code, r.text[:200])
    with Session(env["engine"]) as s:
        assert s.scalar(select(ReviewRow.id).where(ReviewRow.finding_id == 1)) is None
    # The same session with its token gets through (here: a harmless draft check).
    ok = signed.post("/api/pretext", json={"text": "一段文字"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200


def test_an_owner_sees_only_its_own_accounts(env):
    c, csrf = login(env["app"], "owner_a", "10.1.0.8")
    own, other = env["ids"]["青禾发布"], env["ids"]["青禾交通"]
    assert c.get(f"/accounts/{own}").status_code == 200
    assert c.get(f"/accounts/{other}").status_code == 404
    assert c.get(f"/api/accounts/{other}").status_code == 404
    assert [a["name"] for a in c.get("/api/accounts").json()["items"]] == ["青禾发布"]
    assert "青禾交通" not in c.get("/accounts").text and "青禾交通" not in c.get("/").text
    assert {v["name"] for v in c.get("/api/overview").json()["vetoes"]} == {"青禾发布"}
    assert [a["name"] for a in c.get(f"/api/runs/{env['run']}/result").json()["accounts"]] == [
        "青禾发布"]
    assert [a["name"] for a in c.get(f"/reports/{env['run']}/result.json").json()[
        "accounts"]] == ["青禾发布"]
    foreign = finding_of(env["engine"], other, "interaction.no_channel")
    assert c.get(f"/findings/{foreign}/archive").status_code == 404
    assert {f["account"] for f in c.get("/api/findings?scope=all").json()["items"]} == {
        "青禾发布"}
    assert c.post(f"/findings/{foreign}/review", data={
        "csrf_token": csrf, "action": "dismiss", "reason": "x"}).status_code == 403
    assert c.get("/admin").status_code == 403
    assert c.post("/jobs", data={"csrf_token": csrf, "scope": "all"}).status_code == 403


def test_a_viewer_reads_but_neither_reviews_nor_runs(env):
    c, csrf = login(env["app"], "view", "10.1.0.9")
    fid = finding_of(env["engine"], env["ids"]["青禾交通"], "interaction.no_channel")
    assert c.post(f"/findings/{fid}/review", data={
        "csrf_token": csrf, "action": "dismiss", "reason": "x"}).status_code == 403
    assert c.post("/api/jobs", json={"scope": "all"},
                  headers={"X-CSRF-Token": csrf}).status_code == 403


def test_dismissal_lifts_the_veto_with_an_audit_trail(env):
    engine, aid = env["engine"], env["ids"]["青禾交通"]
    fid = finding_of(engine, aid, "interaction.no_channel")
    token = new_api_token(engine, "rev", AS_OF)
    api = client(env["app"], "10.1.0.10")
    auth = {"Authorization": f"Bearer {token}"}  # a bearer call needs no CSRF token
    stale = api.post(f"/api/findings/{fid}/review", headers=auth,
                     json={"action": "dismiss", "reason": "x", "expect": "confirmed"})
    assert stale.status_code == 409 and "他人" in stale.json()["detail"]
    reason = "菜单“互动交流”下的留言页可正常提交，人工核实"
    r = api.post(f"/api/findings/{fid}/review", headers=auth,
                 json={"action": "dismiss", "reason": reason, "expect": "machine"})
    assert r.status_code == 200, r.text
    assert r.json()["verdicts"]["gb-2019-19"] == {"before": "不合格", "after": "合格"}
    again = api.post(f"/api/findings/{fid}/review", headers=auth,
                     json={"action": "dismiss", "reason": "again"})
    assert again.status_code == 409
    detail = api.get(f"/api/accounts/{aid}", headers=auth).json()
    assert detail["main"]["verdict"] == "合格" and not detail["provisional"]
    (trail,) = api.get("/api/reviews", headers=auth).json()[:1]
    assert (trail["user"], trail["action"], trail["before"], trail["after"]) == (
        "rev", "dismiss", "machine", "dismissed")
    assert "人工核实" in trail["reason"] and trail["at"]
    result = api.get(f"/api/runs/{env['run']}/result", headers=auth).json()
    acc = next(a for a in result["accounts"] if a["name"] == "青禾交通")
    assert acc["verdict"] == "合格" and acc["provisional"] is False


def test_confirmation_through_the_form_makes_the_veto_final(env):
    c, csrf = login(env["app"], "rev", "10.1.0.11")
    aid = env["ids"]["青禾发布"]
    fid = finding_of(env["engine"], aid, "security.hacked_content")
    empty = c.post(f"/findings/{fid}/review", data={
        "csrf_token": csrf, "action": "confirm", "reason": " ", "expect": "machine"})
    assert empty.status_code == 409 and "请填写复核理由" in empty.text
    r = c.post(f"/findings/{fid}/review", data={
        "csrf_token": csrf, "action": "confirm", "reason": "页面确有博彩链接，已截图留存",
        "expect": "machine", "back": f"/accounts/{aid}"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/accounts/{aid}#f{fid}"
    page = c.get(f"/accounts/{aid}").text
    assert "已确认" in page and "页面确有博彩链接" in page
    data = c.get(f"/api/accounts/{aid}").json()
    assert data["main"]["verdict"] == "不合格" and data["provisional"] is False


def test_review_required_counts_a_candidate_only_once_confirmed(env):
    engine = open_db(f"sqlite:///{env['tmp']}/copy.db")
    result = score_run(engine, env["run"], "gb-2019-19", review_required=True)
    acc = next(a for a in result["accounts"] if a["name"] == "青禾发布")
    assert acc["verdict"] == "合格" and acc["provisional"] is True
    aid = env["ids"]["青禾发布"]
    fid = finding_of(engine, aid, "security.hacked_content")
    out = review_finding(engine, fid, "confirm", "确认", "rev", AS_OF, review_required=True)
    assert out.verdicts["gb-2019-19"] == ("合格", "不合格")
    out = review_finding(engine, fid, "reopen", "误点", "rev", AS_OF, review_required=True)
    assert out.verdicts["gb-2019-19"] == ("不合格", "合格")
    with pytest.raises(ReviewError):
        review_finding(engine, fid, "approve", "x", "rev", AS_OF)
    system = system_of("gb-2019-19")
    rows = [r for r in list_accounts(engine) if r.id == aid]
    rebuilt = build_result(system, AS_OF, env["run"], rows,
                           runs.run_rows(engine, env["run"], system.id), review_required=True)
    assert rebuilt["accounts"][0]["provisional"] is True


def test_archived_pages_and_screenshots_are_served_safely(env):
    c, _ = login(env["app"], "view", "10.1.0.12")
    with Session(env["engine"]) as s:
        found = s.scalars(select(FindingRow).where(FindingRow.run_id == env["run"])).all()
    archived = next(f for f in found if (f.evidence or {}).get("warc_record_id"))
    shot = next(f for f in found if (f.evidence or {}).get("screenshot"))
    text = c.get(f"/findings/{archived.id}/archive")
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    assert text.headers["content-security-policy"].startswith("sandbox")
    assert text.headers["x-content-type-options"] == "nosniff"
    assert "存档网址" in text.text
    raw = c.get(f"/findings/{archived.id}/archive?download=1")
    assert raw.headers["content-type"] == "application/octet-stream"
    assert raw.headers["content-disposition"].startswith("attachment")
    image = c.get(f"/findings/{shot.id}/screenshot")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.content[:2] == b"\xff\xd8"
    without = next(f for f in found if not (f.evidence or {}).get("screenshot"))
    assert c.get(f"/findings/{without.id}/screenshot").status_code == 404


def test_scraped_markup_is_shown_as_text(env):
    aid = env["ids"]["微言教育"]
    with Session(env["engine"]) as s, s.begin():
        s.add(FindingRow(run_id=env["run"], account_id=aid, check="link.dead", severity="warn",
                         target=XSS, message=f"链接{XSS}无法打开",
                         evidence={"excerpt": XSS, "url": "javascript:alert(1)"},
                         suggestion=XSS))
    c, _ = login(env["app"], "view", "10.1.0.13")
    page = c.get(f"/accounts/{aid}").text
    assert XSS not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert 'href="javascript:' not in page


def test_draft_review_page_and_api(env):
    c, csrf = login(env["app"], "owner_b", "10.1.0.14")
    text = "今年是中华人民共合国成立75周年。\n市环保局开展执法检查。"
    page = c.post("/pretext", data={"csrf_token": csrf, "text": text,
                                    "published": "2024-06-01"})
    assert page.status_code == 200
    assert '<mark class="sev-veto"' in page.text and "中华人民共合国" in page.text
    doc = docx.Document()
    doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    upload = c.post("/pretext", data={"csrf_token": csrf, "published": "2024-06-01"},
                    files={"upload": ("draft.docx", buf.getvalue())})
    assert "发现 2 处问题" in upload.text
    bad = c.post("/pretext", data={"csrf_token": csrf},
                 files={"upload": ("x.doc", b"\xd0\xcf\x11\xe0old word")})
    assert bad.status_code == 400 and ".doc" in bad.text
    api = c.post("/api/pretext", json={"text": text, "published": "2024-06-01"},
                 headers={"X-CSRF-Token": csrf}).json()
    assert [f["check"] for f in api["findings"]] == ["wording.serious_error",
                                                     "wording.outdated_name"]


def test_reports_download_or_say_the_module_is_missing(env):
    c, _ = login(env["app"], "view", "10.1.0.15")
    r = c.get(f"/reports/{env['run']}/download", params={"kind": "national", "fmt": "json"})
    try:
        import govmedia.report.documents  # noqa: F401 - built by another issue
    except ImportError:
        assert r.status_code == 503 and "报告模块尚未安装" in r.text
    else:
        assert r.status_code == 200, r.text[:300]
        assert r.headers["content-disposition"].startswith("attachment")
    assert c.get(f"/reports/{env['run']}/download",
                 params={"kind": "secret", "fmt": "json"}).status_code == 400
    owner, _ = login(env["app"], "owner_a", "10.1.0.16")
    assert owner.get(f"/reports/{env['run']}/download",
                     params={"kind": "national", "fmt": "json"}).status_code == 403


def test_an_inspection_started_through_the_api(env):
    app = env["app"]
    c, csrf = login(app, "rev", "10.1.0.17")
    r = c.post("/api/jobs", headers={"X-CSRF-Token": csrf}, json={
        "scope": "account", "account_id": env["ids"]["微言教育"], "as_of": "2026-11-20T12:00"})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["scope"] == "账号：微言教育" and job["total"] == 1
    assert app.state.jobs.join(job["id"], timeout=240)
    done = c.get(f"/api/jobs/{job['id']}").json()
    assert done["status"] == "complete", done
    assert done["done"] == 1 and done["run_id"] not in (None, env["run"])
    assert "微言教育：合格" in done["recent"][0]
    assert f"#{done['run_id']}" in c.get("/jobs").text
    bad = c.post("/api/jobs", headers={"X-CSRF-Token": csrf}, json={"scope": "category"})
    assert bad.status_code == 400 and "类别" in bad.json()["detail"]
