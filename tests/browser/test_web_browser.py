"""The workbench in a real Chromium against `uvicorn` on 127.0.0.1 (one app, one sandbox run).

A reviewer signs in, starts an inspection of a small sandbox world from the 检查任务 page and
waits for it; then confirms one veto candidate and dismisses another and sees the verdicts
change, downloads the result (and a report when the report module is there); an owner user
cannot open another owner's account; markup in a finding is shown as text and runs nothing;
every page fits a phone's width.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
from datetime import datetime

import pytest
import uvicorn
from sqlalchemy import select
from sqlalchemy.orm import Session

from govmedia.artifacts import CHINA_TZ
from govmedia.collect.browser import LAUNCH_ARGS, find_chromium
from govmedia.sandbox import load_world, registry_rows, run_world
from govmedia.settings import Settings
from govmedia.store.accounts import list_accounts, upsert_accounts
from govmedia.store.db import open_db
from govmedia.store.models import FindingRow, RunRow
from govmedia.store.users import add_user
from govmedia.web.app import create_app

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)
NAMES = ("微言教育", "青禾发布", "青禾交通")
OWNER_A = "青禾省人民政府新闻办公室"  # runs 青禾发布
PASSWORD = "a fine password"
XSS = "<img src=x onerror=alert(1)>"
SLOW = 240_000  # ms: an inspection on a busy 2-core machine


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    exe, reason = find_chromium(os.environ.get("GOVMEDIA_CHROMIUM", ""))
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have a browser for the web tests: {reason}")
        pytest.skip(f"no Chromium on this machine ({reason}); apt-get install chromium")
    tmp = tmp_path_factory.mktemp("browser")
    world = load_world(AS_OF, "demo")
    world.accounts = [a for a in world.accounts if a.name in NAMES]
    with run_world(world):
        settings = Settings(db=f"sqlite:///{tmp}/g.db", wechat_api_base=world.base_url,
                            data_dir=str(tmp / "data"))
        engine = open_db(settings.db)
        upsert_accounts(engine, registry_rows(world))
        add_user(engine, "rev", "reviewer", PASSWORD, AS_OF)
        add_user(engine, "owner_a", "owner", PASSWORD, AS_OF, owner_unit=OWNER_A)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))  # the port is known before the server runs: no waiting
        sock.listen(64)
        server = uvicorn.Server(uvicorn.Config(create_app(settings, engine),
                                               log_level="warning"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            yield {"base": f"http://127.0.0.1:{sock.getsockname()[1]}", "engine": engine,
                   "exe": exe, "tmp": tmp,
                   "ids": {a.name: a.id for a in list_accounts(engine)}}
        finally:
            server.should_exit = True
            thread.join(60)
            sock.close()


@pytest.fixture(scope="module")
def browser(site):
    with playwright_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=site["exe"], args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


def signed_in(browser, site, user: str, width: int = 1280):
    """Return a page of a new browser context, signed in through the login form."""
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN",
                              accept_downloads=True)
    page = ctx.new_page()
    page.goto(site["base"] + "/")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.fill("input[name=name]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    expect(page.locator(".who .user")).to_contain_text(user)
    return page


@pytest.fixture(scope="module")
def inspected(browser, site):
    """Run an inspection of every account from the 检查任务 page; return the run id."""
    page = signed_in(browser, site, "rev")
    page.goto(site["base"] + "/jobs")
    page.check("input[name=scope][value=all]")
    page.fill("input[name=as_of]", "2026-11-20T12:00")
    page.click("#start-job")
    expect(page.locator("#job h2")).to_contain_text("正在检查：全部账号")
    # The page follows the progress and reloads itself when the job ends.
    expect(page.get_by_role("link", name=re.compile(r"运行 #\d+"))).to_be_visible(timeout=SLOW)
    expect(page.locator("#job")).to_have_count(0)
    page.context.close()
    with Session(site["engine"]) as s:
        run = s.scalars(select(RunRow)).one()
    assert run.status == "complete"
    return run.id


def test_confirm_and_dismiss_change_the_verdict(browser, site, inspected):
    page = signed_in(browser, site, "rev")
    page.goto(site["base"] + "/")
    vetoes = page.locator("section", has=page.get_by_role("heading", name=re.compile("单项否决")))
    for name in ("青禾发布", "青禾交通"):
        expect(vetoes.locator("li", has_text=name).first).to_contain_text("待复核")

    page.goto(f"{site['base']}/accounts/{site['ids']['青禾发布']}")
    verdict = page.locator("#verdict")
    expect(verdict).to_contain_text("不合格")
    expect(verdict).to_contain_text("待复核")
    card = page.locator("article.finding", has_text="网页被植入有害内容")
    card.locator("textarea[name=reason]").fill("人工打开页面核实：确有博彩链接")
    card.get_by_role("button", name="确认").click()
    expect(verdict).not_to_contain_text("待复核")  # confirmed: the veto is final
    expect(verdict).to_contain_text("不合格")
    expect(page.locator("#trail")).to_contain_text("人工打开页面核实")

    page.goto(f"{site['base']}/accounts/{site['ids']['青禾交通']}")
    expect(verdict).to_contain_text("待复核")
    card = page.locator("article.finding", has_text="未提供有效互动功能")
    card.locator("textarea[name=reason]").fill("菜单中的留言页经人工测试可以提交")
    card.get_by_role("button", name="驳回").click()
    expect(verdict).to_have_text("合格")  # dismissed: the veto is lifted
    expect(page.locator("#trail")).to_contain_text("驳回")
    page.context.close()


def test_download_the_result_and_a_report(browser, site, inspected, tmp_path):
    page = signed_in(browser, site, "rev")
    page.goto(f"{site['base']}/reports?run={inspected}")
    with page.expect_download() as info:
        page.click("#result-json")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == f"result-run{inspected}.json"
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert {a["name"] for a in data["accounts"]} == set(NAMES)
    try:
        import govmedia.report.documents  # noqa: F401 - built by another issue
    except ImportError:
        expect(page.locator(".alert")).to_contain_text("报告模块尚未安装")
    else:
        with page.expect_download() as info:
            page.click("a[data-kind=national][data-fmt=docx]")
        assert info.value.suggested_filename.endswith(".docx")
        assert info.value.failure() is None
    page.context.close()


def test_an_owner_cannot_open_another_owners_account(browser, site, inspected):
    page = signed_in(browser, site, "owner_a")
    own, other = site["ids"]["青禾发布"], site["ids"]["青禾交通"]
    assert page.goto(f"{site['base']}/accounts/{own}").status == 200
    response = page.goto(f"{site['base']}/accounts/{other}")
    assert response.status == 404
    expect(page.locator(".alert")).to_contain_text("无权查看")
    assert page.request.get(f"{site['base']}/api/accounts/{other}").status == 404
    page.goto(site["base"] + "/accounts")
    expect(page.locator("table.accounts tbody tr")).to_have_count(1)
    expect(page.locator("table.accounts")).not_to_contain_text("青禾交通")
    page.context.close()


def test_markup_in_a_finding_is_text_and_runs_nothing(browser, site, inspected):
    aid = site["ids"]["微言教育"]
    with Session(site["engine"]) as s, s.begin():
        s.add(FindingRow(run_id=inspected, account_id=aid, check="link.dead", severity="warn",
                         target=XSS, message=f"链接无法打开：{XSS}",
                         evidence={"excerpt": XSS, "url": "javascript:alert(2)"},
                         suggestion=XSS))
    page = signed_in(browser, site, "rev")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in (f"/accounts/{aid}", f"/review?run={inspected}&scope=all&state="):
        page.goto(site["base"] + path)
        quote = page.locator("article.finding .quote", has_text=XSS).first
        expect(quote).to_have_text(XSS)
        assert page.locator("img").count() == 0
        assert page.locator("a[href^='javascript:']").count() == 0
    assert dialogs == []
    page.context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_every_page_fits_the_screen(browser, site, inspected, width):
    page = signed_in(browser, site, "rev", width=width)
    for path in ("/", "/accounts", f"/accounts/{site['ids']['青禾发布']}", "/review", "/jobs",
                 "/reports", "/pretext"):
        page.goto(site["base"] + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, (path, width, overflow)
    page.context.close()
