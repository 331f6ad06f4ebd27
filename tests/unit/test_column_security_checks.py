"""freshness.stale_column, freshness.batch_update, content.outdated_service,
security.hacked_content on PageSnapshots built directly."""

from __future__ import annotations

import pytest

from govmedia.artifacts import Menu, MenuItem
from govmedia.checks.security import page_signals
from govmedia.findings import NotChecked
from tests.unit.page_helpers import LONG, NOW, URL, PageLink, arts, items, page, run

HEALTHY = [1, 4, 9, 15, 22, 30, 41, 55]


def column(days, label="通知公告", **kw):
    return page(LONG, label=label, menu_path=f"政务公开/{label}", title=label,
                list_items=items(days), **kw)


@pytest.mark.parametrize(("label", "days", "limit"), [
    ("通知公告", [200, 230, 260], 183),
    ("政策文件", [190, 400, 500, 600], 183),
    ("工作动态", [20, 25, 40], 14),
    ("在线访谈", [300, 320, 340], 183),  # a list of no known kind: the longer limit
])
def test_stale_column(label, days, limit):
    (f,) = run("freshness.stale_column", arts(column(days, label)), news_stale_days=14,
               notice_stale_days=183)
    assert f"超过{limit}天未更新" in f.message and f"距监测时间点{min(days)}天" in f.message
    assert f.evidence["newest"]["date"] == (NOW.date().fromordinal(
        NOW.date().toordinal() - min(days))).isoformat()
    assert f.evidence["url"] == URL and f.evidence["warc_record_id"]


def test_undated_list_counts_as_not_updated():
    (f,) = run("freshness.stale_column", arts(column([None] * 6, "通知公告")))
    assert "均未标注日期" in f.message


@pytest.mark.parametrize("snap", [
    column(HEALTHY, "通知公告"),
    column([3, 10, 20], "工作动态"),
    column([100, 150, 170], "政策文件"),  # notices within 6 months
    column([400, 500], "通知公告"),  # two entries are not a column
    column([None] * 6, "表格下载"),  # an undated list that is not a news/notice column
    page(LONG, label="领导信箱", title="领导信箱"),
])
def test_stale_column_near_misses(snap):
    assert run("freshness.stale_column", arts(snap), news_stale_days=14,
               notice_stale_days=183) == []


def test_batch_update():
    (f,) = run("freshness.batch_update", arts(column([5] * 7 + [30, 60])), min_items=6,
               share=0.6)
    assert "9条内容中有7条发布于同一天" in f.message and f.evidence["same_day"] == 7
    assert f.severity == "warn"


@pytest.mark.parametrize("days", [HEALTHY, [2, 2, 2, 9, 15, 22, 30, 41], [1] * 4 + [3] * 4])
def test_batch_update_near_misses(days):
    assert run("freshness.batch_update", arts(column(days)), min_items=6, share=0.6) == []


def test_outdated_service_in_menu_and_on_page():
    snap = page(LONG, label="便民查询", menu_path="办事服务/便民查询", title="便民查询",
                links=(PageLink(URL + "hs", "核酸检测结果查询"),
                       PageLink(URL + "gjj", "公积金查询")))
    menu = Menu(True, (MenuItem("疫情防控", children=(
        MenuItem("健康码", "view", "https://x.example.gov.cn/jkm"),
        MenuItem("便民查询", "view", URL))),), "t", NOW)
    found = run("content.outdated_service", arts(snap, menu=menu))
    services = sorted(f.evidence["service"] for f in found)
    assert services == ["health_code", "nucleic_acid_result"]
    menu_f = next(f for f in found if f.evidence["service"] == "health_code")
    assert "菜单“疫情防控/健康码”仍保留已停止的服务“健康码”" in menu_f.message
    assert "2022-12-07" in menu_f.message


@pytest.mark.parametrize("snap", [
    # news entries about the end of a service are not entrances
    page(LONG, label="新闻", title="工作动态",
         links=(PageLink(URL + "n1", "我市核酸检测结果查询服务将于1月8日起停止运行的公告"),)),
    page(LONG, label="便民查询", title="便民查询",
         links=(PageLink(URL + "k", "电子健康卡申领"), PageLink(URL + "g", "公积金查询"))),
])
def test_outdated_service_near_misses(snap):
    assert run("content.outdated_service", arts(snap)) == []


HIDDEN_SPAM = (PageLink("http://www.amjs88.bet/", "澳门金沙娱乐城", hidden=True),
               PageLink("http://xpj.casino/", "新葡京", hidden=True),
               PageLink("http://hg.win/", "皇冠体育", hidden=True))


def test_hacked_hidden_links_are_a_provisional_veto():
    snap = page(LONG, label="通知公告", title="通知公告", links=HIDDEN_SPAM,
                hidden_text="澳门金沙娱乐城 新葡京 真人视讯 注册送彩金")
    (f,) = run("security.hacked_content", arts(snap))
    assert f.severity == "veto" and f.evidence["provisional"] is True
    assert "待人工复核" in f.message and "隐藏元素中含" in f.message
    assert "http://www.amjs88.bet/" in " ".join(f.evidence["signals"])


def test_hacked_title_and_spam_domain():
    snap = page(LONG, title="百家乐_真人视讯_某某县人民政府",
                links=(PageLink("http://www.lucky.bet/", "点击进入"),))
    signals = page_signals(snap)
    assert any("标题" in s for s in signals) and any("lucky.bet" in s for s in signals)


@pytest.mark.parametrize("snap", [
    page("我市开展打击非法赌博专项整治行动，警方破获网络赌博案件3起，查处百家乐赌博窝点。" * 5,
         title="我市严厉打击涉赌违法犯罪"),
    page(LONG, title="福利彩票公益金使用情况公示",
         links=(PageLink("http://www.cwl.gov.cn/", "中国福利彩票", hidden=True),)),
    page(LONG, title="全民健身：棋牌运动进社区", links=(PageLink(URL + "x", "更多"),)),
])
def test_hacked_near_misses(snap):
    assert run("security.hacked_content", arts(snap)) == []


def test_hacked_not_checked_when_pages_cannot_be_read_and_silent_when_all_dead():
    blocked = page("", status=429)
    with pytest.raises(NotChecked, match="429"):
        run("security.hacked_content", arts(blocked))
    assert run("security.hacked_content", arts(page("", status=404))) == []
