"""link.dead, link.error_page, link.login_wall, link.label_mismatch on PageSnapshots."""

from __future__ import annotations

from dataclasses import replace

import pytest

from govmedia.artifacts import AccountArtifacts, AccountInfo, Menu, MenuItem
from govmedia.findings import NotChecked
from tests.unit.page_helpers import LONG, NOW, URL, FormInfo, PageLink, arts, page, run

LOGIN = "https://tyrz.example.gov.cn/cas/login?service=https%3A%2F%2Fwww.example.gov.cn%2Fguide"


@pytest.mark.parametrize(("snap", "needle"), [
    (page(status=404, text=""), "HTTP 404（页面不存在）"),
    (page(status=500, text=""), "HTTP 500（服务器内部错误）"),
    (page(status=None, error="dns", error_detail="域名无法解析", text=""), "（dns）"),
    (page(status=None, error="timeout", error_detail="连接超时（20秒）", text=""), "连接超时"),
    (page(status=None, error="tls", error_detail="证书错误", text=""), "（tls）"),
    (page(status=None, error="redirect_loop", error_detail="重定向形成循环", text=""), "循环"),
])
def test_dead_says_which_failure(snap, needle):
    (f,) = run("link.dead", arts(snap))
    assert needle in f.message and f.severity == "deduct"
    assert f.target == "互动交流/领导信箱" and "菜单“互动交流/领导信箱”的链接" in f.message
    for key in ("url", "final_url", "status", "redirects", "warc_record_id", "menu_path",
                "excerpt"):
        assert key in f.evidence


def test_dead_not_for_rate_limit_and_not_checked_when_all_blocked():
    with pytest.raises(NotChecked, match="429"):
        run("link.dead", arts(page(status=429, text="")))
    assert run("link.dead", arts(page(), page(status=429, url=URL + "x"))) == []


def test_no_pages_collected_for_a_menu_with_links_is_not_checked():
    empty = AccountArtifacts(AccountInfo("a", "b"), NOW,
                             menu=Menu(True, (MenuItem("信箱", "view", URL),), "t", NOW))
    for cid in ("link.dead", "link.error_page", "link.login_wall", "link.label_mismatch",
                "security.hacked_content", "freshness.stale_column"):
        with pytest.raises(NotChecked, match="未采集到"):
            run(cid, empty)


def test_menu_without_links_has_nothing_to_check():
    menu = Menu(True, (MenuItem("联系我们", "click", key="K1"),), "t", NOW)
    nothing = AccountArtifacts(AccountInfo("a", "b"), NOW, menu=menu)
    for cid in ("link.dead", "link.error_page", "link.login_wall", "security.hacked_content"):
        assert run(cid, nothing) == []


@pytest.mark.parametrize(("snap", "needle"), [
    (page("抱歉，您访问的页面不存在或已被删除！返回首页", title="提示"),
     "您访问的页面不存在或已被删除"),
    (page("Not Found", title="404 Not Found"), "404 Not Found"),
    (page("系统正在升级维护中，请稍后访问。", title="温馨提示"), "维护中"),
    (page("", title=""), "空白"),
    (page(title="首页", url="https://www.example.gov.cn/zwgk/old/123.html",
          final_url="https://www.example.gov.cn/index.html",
          redirects=("https://www.example.gov.cn/zwgk/old/123.html",)), "网站首页"),
])
def test_error_page_by_content(snap, needle):
    (f,) = run("link.error_page", arts(snap))
    assert needle in f.message and f.evidence["status"] == 200
    assert f.evidence["excerpt"] == snap.text[:200]


@pytest.mark.parametrize("snap", [
    page("我市12345热线本月受理群众诉求404件，办结率98%。" + "热线工作稳步推进。" * 40,
         title="12345热线运行情况通报"),
    page("404" + "详细内容" * 10, title="关于系统维护的公告"),  # an announcement, not an error
    page("在线访谈：关于“404件民生实事”的解读" * 3, title="在线访谈"),
])
def test_error_page_near_misses(snap):
    assert run("link.error_page", arts(snap)) == []


def test_login_wall_after_redirect():
    snap = page("统一身份认证 个人用户登录 法人用户登录 忘记密码", label="办事指南",
                menu_path="办事服务/办事指南", title="统一身份认证平台", final_url=LOGIN,
                redirects=("https://www.example.gov.cn/guide",),
                forms=(FormInfo(action=LOGIN, fields=("text:用户名", "password:pwd"),
                                password=True),))
    (f,) = run("link.login_wall", arts(snap))
    assert "须先登录" in f.message and "跳转到登录地址" in f.message
    assert f.evidence["redirects"] == ["https://www.example.gov.cn/guide"]
    assert f.evidence["final_url"] == LOGIN


def test_login_wall_realname_form_without_redirect():
    snap = page("请先进行实名认证后查看政策文件", label="政策文件", title="实名认证",
                forms=(FormInfo(fields=("text:姓名", "text:身份证号"), id_card=True),))
    (f,) = run("link.login_wall", arts(snap))
    assert "身份证号码" in f.message


@pytest.mark.parametrize("snap", [
    # a public page whose header has a 登录 link and a search box
    page(LONG, label="办事指南", title="办事指南", links=(PageLink(URL + "login", "登录"),),
         forms=(FormInfo(fields=("text:站内搜索",)),)),
    # a long public page that also carries a small login box in the sidebar
    page(LONG, label="通知公告", title="通知公告",
         forms=(FormInfo(fields=("text:用户名", "password:pwd"), password=True),)),
    # online handling may require a login: not a wall
    page("统一身份认证", label="社保缴费办理", title="统一身份认证", final_url=LOGIN,
         redirects=(URL,), forms=(FormInfo(fields=("password:p",), password=True),)),
])
def test_login_wall_near_misses(snap):
    assert run("link.login_wall", arts(snap)) == []


HALL = page("个人办事 法人办事 热门事项 办件查询" * 30, title="网上办事大厅_某省政务服务网",
            headings=("网上办事大厅",))


def test_label_mismatch_mailbox_opens_service_hall():
    (f,) = run("link.label_mismatch", arts(HALL))
    assert f.message.startswith("菜单“领导信箱”（信箱/留言咨询）打开的是网上办事大厅")
    assert f.evidence["function"] == "mailbox" and f.evidence["url"] == URL


@pytest.mark.parametrize("snap", [
    page(title="厅长信箱", label="厅长信箱"),
    page(LONG, title="互动交流", label="领导信箱", forms=(FormInfo(fields=("textarea:c",),
                                                                  textareas=1),)),
    page(LONG + "申请材料 办理流程", title="城乡居民养老保险参保登记", label="办事指南"),
    replace(HALL, label="网上办事"),
])
def test_label_match_near_misses(snap):
    assert run("link.label_mismatch", arts(snap)) == []


def test_label_mismatch_not_checked_when_no_label_has_a_function():
    with pytest.raises(NotChecked, match="功能类别"):
        run("link.label_mismatch", arts(page(label="更多")))
