"""Table tests for menu.*, interaction.no_channel, practice.* and the content facts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from govmedia.artifacts import (
    AccountArtifacts,
    AccountInfo,
    Article,
    FormInfo,
    Menu,
    MenuItem,
    PageSnapshot,
    SourceRead,
)
from govmedia.checks.registry import CheckContext, check_table, run_check
from govmedia.findings import NotChecked
from govmedia.indicators.engine import FAIL, PASS, UNKNOWN, load_system, score_account
from govmedia.menus.assess import content_facts
from tests.unit.page_helpers import NOW, page, run

SITE = "https://www.example.gov.cn/"


def v(name: str, path: str) -> MenuItem:
    return MenuItem(name, "view", SITE + path)


def top(name: str, *kids: MenuItem) -> MenuItem:
    return MenuItem(name, children=kids)


FULL = (top("政务公开", v("政策文件", "zcwj/"), v("政策解读", "zcjd/")),
        top("办事服务", v("办事指南", "bszn/"), v("便民查询", "bmcx/")),
        top("互动交流", v("领导信箱", "ldxx/"), v("常见问答", "cjwd/")))
MAILBOX = dict(title="领导信箱_某厅", forms=(FormInfo(fields=("content",), textareas=1),))


def pages_for(menu_items, **by_label) -> tuple[PageSnapshot, ...]:
    """Return one healthy page per view button; by_label gives fields to change per label."""
    out = []
    for t in menu_items:
        for item, path in ([(t, t.name)] if not t.children
                           else [(c, f"{t.name}/{c.name}") for c in t.children]):
            if item.type == "view":
                fields = {"title": f"{item.name}_某厅", **by_label.get(item.name, {})}
                out.append(page(url=item.url, final_url=item.url, label=item.name,
                                menu_path=path, **fields))
    return tuple(out)


def acc(items=FULL, *, is_open=True, comments="", pages=None, menu=True, **by_label):
    arts = (Article("文章一", url="https://mp.weixin.qq.com/s/a", source="article_page",
                    comment_id=comments, copyright="original"),)
    src = (SourceRead("article_page", True, NOW, articles=arts),) if comments else ()
    m = Menu(is_open, tuple(items), "test", NOW) if menu else None
    return AccountArtifacts(AccountInfo("测试", "测试单位"), NOW, sources=src, menu=m,
                            menu_error="" if menu else "未登记接口凭证",
                            pages=pages if pages is not None else pages_for(items, **by_label))


# --- menu.missing_function --------------------------------------------------------------


@pytest.mark.parametrize(("items", "missing"), [
    (FULL, set()),
    (FULL[:2], {"interact"}),
    (FULL[1:], {"public"}),
    ((top("解读", v("一图读懂", "a/")), *FULL[1:]), set()),  # 解读回应 counts as 政务公开
    ((top("带你了解", v("市领导", "a/")), top("带你办事", v("办事大厅", "b/")),
      top("带你沟通", v("投诉即办", "c/"))), set()),
    ((top("看政策", v("解读", "a/")), v("享服务", "b/")), {"interact"}),
    ((v("门户网站", ""),), {"public", "service", "interact"}),
])
def test_missing_function(items, missing):
    assert {f.evidence["missing"] for f in run("menu.missing_function", acc(items))} == missing


def test_missing_function_when_menu_is_off_and_not_checked_without_menu():
    found = run("menu.missing_function", acc((), is_open=False))
    assert len(found) == 3 and "未开启自定义菜单" in found[0].message
    with pytest.raises(NotChecked, match="未登记接口凭证"):
        run("menu.missing_function", acc(menu=False))


def test_missing_function_params_choose_functions():
    assert run("menu.missing_function", acc(FULL[:2]), functions=["public", "service"]) == []


# --- menu.disorder ----------------------------------------------------------------------


@pytest.mark.parametrize(("items", "count"), [
    (FULL, 0),
    ((top("便民服务", v("社保查询", "a/"), v("领导信箱", "b/")),), 1),  # seed: 互动 in 便民服务
    ((top("政民互动", v("在线办理", "a/")), top("政务公开", v("办事指南", "b/"))), 2),
    ((top("办事服务", v("常见问题", "a/"), v("智能问答", "b/"), v("政策解读", "c/"))), 0),
    ((top("青禾微窗", v("领导信箱", "a/"), v("社保查询", "b/"))), 0),  # top says nothing
    ((top("办事服务", v("居住", "a/"))), 0),  # child says nothing
    ((top("政务公开", v("政策解读", "a/"), v("新闻发布会", "b/"))), 0),  # 解读 is 公开
])
def test_disorder(items, count):
    if isinstance(items, MenuItem):
        items = (items,)
    assert len(run("menu.disorder", acc(items))) == count


def test_disorder_message_names_the_items():
    (f,) = run("menu.disorder", acc((top("便民服务", v("领导信箱", "b/"), v("投诉", "c/")),)))
    assert "“便民服务”（办事服务）" in f.message and "“领导信箱”（政民互动）" in f.message
    assert f.target == "便民服务" and len(f.evidence["misplaced"]) == 2


# --- menu.website_only ------------------------------------------------------------------


@pytest.mark.parametrize(("items", "fires"), [
    ((v("门户网站", ""), v("教育大会", "zt/jydh/")), True),  # seed 001 六、（一）
    ((v("官网", "index.html"),), True),
    ((v("专题", "zt/a/"), v("首页链接", "index.html")), True),
    ((v("门户网站", ""), v("办事指南", "bszn/")), False),  # offers a function
    ((v("教育大会", "zt/jydh/"),), False),  # no link to the website itself
    ((MenuItem("门户网站", "view", "https://mp.weixin.qq.com/s/x"),), False),  # not the site
    (FULL, False),
    ((), False),
])
def test_website_only(items, fires):
    assert bool(run("menu.website_only", acc(items))) == fires


# --- interaction.no_channel -------------------------------------------------------------


def no_channel(a):
    return check_table()["interaction.no_channel"].func(a, CheckContext(NOW))


def test_working_mailbox_is_a_channel():
    assert no_channel(acc(comments="0", 领导信箱=MAILBOX)) == []


def test_channel_title_without_form_counts():
    items = (top("互动", v("意见征集", "yjzj/")),)
    assert no_channel(acc(items, comments="0")) == []


def test_open_comments_are_a_channel_even_without_menu():
    assert no_channel(acc(menu=False, comments="2915470516364394497")) == []


@pytest.mark.parametrize(("by_label", "why"), [
    ({"领导信箱": dict(status=404, title="404 Not Found")}, "HTTP 404"),
    ({"领导信箱": dict(title="网上办事大厅_政务服务网")}, "不是可提交"),
])
def test_broken_channel_vetoes(by_label, why):
    items = (FULL[0], FULL[1], top("互动交流", v("领导信箱", "ldxx/")))
    (f,) = no_channel(acc(items, comments="0", **by_label))
    assert f.severity == "veto" and f.evidence["provisional"] is True
    assert why in f.message and "待人工复核" in f.message


def test_no_interaction_item_vetoes_and_closed_menu_vetoes():
    (f,) = no_channel(acc(FULL[:2], comments="0"))
    assert "没有领导信箱" in f.message and f.evidence["comments"] == "closed"
    (g,) = no_channel(acc((), is_open=False, comments="0"))
    assert "未开启自定义菜单" in g.message


@pytest.mark.parametrize(("items", "pages", "comments", "reason"), [
    ((top("互动", MenuItem("在线咨询", "miniprogram", appid="wx1")),), (), "0", "小程序"),
    ((top("互动", MenuItem("我要留言", "click", key="LY")),), (), "0", "click"),
    ((top("互动", v("领导信箱", "ldxx/")),), (), "0", "未抓取"),
    ((top("互动", v("领导信箱", "ldxx/")),), None, "0", None),  # works: not raised
    (FULL[:2], None, "", "未能读取文章页面"),  # comment state unknown
])
def test_not_checked_when_a_channel_cannot_be_verified(items, pages, comments, reason):
    a = acc(items, comments=comments, pages=pages, 领导信箱=MAILBOX)
    if reason is None:
        assert no_channel(a) == []
        return
    with pytest.raises(NotChecked, match=reason):
        no_channel(a)


def test_unreadable_menu_without_comments_is_not_checked():
    with pytest.raises(NotChecked, match="未登记接口凭证"):
        no_channel(acc(menu=False, comments="0"))


def test_veto_decides_gb_2019_19_and_unknown_is_not_pass():
    system = load_system("gb-2019-19", frozenset(check_table()))
    spec = check_table()["interaction.no_channel"]
    vetoed = run_check(spec, acc(FULL[:2], comments="0"), CheckContext(NOW))
    unknown = run_check(spec, acc(menu=False, comments="0"), CheckContext(NOW))
    fine = run_check(spec, acc(comments="0", 领导信箱=MAILBOX), CheckContext(NOW))
    others = [replace(r, check=c) for c in ("freshness.no_update_2w", "security.hacked_content")
              for r in [run_check(spec, acc(comments="0", 领导信箱=MAILBOX), CheckContext(NOW))]]
    assert score_account(system, [vetoed, *others]).verdict == FAIL
    assert score_account(system, [unknown, *others]).verdict == UNKNOWN
    assert score_account(system, [fine, *others]).verdict == PASS


# --- practice.* -------------------------------------------------------------------------


@pytest.mark.parametrize(("pid", "label"), [
    ("smart_qa", "智能问答"), ("qa_library", "答问知识库"), ("snapshot_report", "教育随手拍"),
    ("elder_mode", "长者模式"), ("search", "智能搜索"), ("voice", "语音播报"),
    ("service_collection", "主题服务"), ("map_search", "地图查询"),
    ("calculator", "退休年龄计算器"), ("live", "微直播"),
])
def test_practice_from_label(pid, label):
    items = (*FULL[:2], top("互动交流", v(label, "x/")))
    (f,) = run(f"practice.{pid}", acc(items))
    assert f.severity == "info" and label in f.message
    assert run(f"practice.{pid}", acc((top("政务公开", v("政策文件", "a/")),))) == []


def test_practice_from_page_title_but_not_from_text_or_site_map():
    items = (top("服务", v("法律服务", "flfw/")),)
    titled = acc(items, 法律服务=dict(title="公共法律服务地图查询"))
    assert run("practice.map_search", titled)[0].evidence["places"][0]["word"] == "地图查询"
    texted = acc(items, 法律服务=dict(text="关怀版 长者模式 网站地图 " * 20))
    assert run("practice.elder_mode", texted) == [] and run("practice.map_search", texted) == []


def test_practice_not_credited_when_its_page_is_dead():
    items = (top("互动", v("随手拍", "ssp/")),)
    dead = acc(items, 随手拍=dict(status=404, title="404 Not Found"))
    assert run("practice.snapshot_report", dead) == []


# --- content facts ----------------------------------------------------------------------


def test_content_facts():
    arts = (Article("图解｜新政策", url="u1", source="article_page", comment_id="7",
                    copyright="original"),
            Article("专家解读：养老新规", url="u2", source="article_page", videos=1,
                    copyright="reprint"),
            Article("工作动态", url="u3", source="article_page", copyright="original"),
            Article("工作动态", url="u3", source="feed"))
    a = replace(acc(comments="", 领导信箱=MAILBOX),
                sources=(SourceRead("article_page", True, NOW, articles=arts),))
    f = content_facts(a)
    assert (f.articles, f.interpretation, f.interpretation_share) == (3, 2, 2 / 3)
    assert f.forms["chart"] == 1 and f.forms["expert"] == 1 and f.forms["video"] == 1
    assert f.form_kinds == 3 and (f.original, f.copyright_known) == (2, 3)
    assert f.menu_functions == ("public", "service", "interact") and f.menu_read
    assert f.service_entrances == 2 and f.interpretation_entrances == 1
    assert f.online_services["查询"] == 1 and f.interaction_entrances == 2
    assert f.working_channels == 1 and f.comments == "open"
    none = content_facts(acc(menu=False))
    assert none.menu_read is False and none.interpretation_share is None
