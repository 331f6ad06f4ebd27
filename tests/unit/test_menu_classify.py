"""Menu item classification: labels (incl. the seed's creative names), pages, parents, children."""

from __future__ import annotations

import pytest

from govmedia.artifacts import Menu, MenuItem
from govmedia.menus.classify import (
    classify_item,
    classify_label,
    classify_menu,
    core,
    is_neutral,
    leaves,
    normalise,
)
from tests.unit.page_helpers import NOW, page


@pytest.mark.parametrize(("label", "expected"), [
    # seed 001 五、（一）: creative names
    ("带你了解", "public"), ("带你办事", "service"), ("带你沟通", "interact"),
    ("看 政策", "public"), ("说 心声", "interact"), ("享 服务", "service"),
    ("指尖学", "public"), ("连心桥", "interact"), ("掌上办", "service"),
    # plain labels
    ("政务公开", "public"), ("通知公告", "public"), ("政策解读", "interpret"),
    ("一图读懂", "interpret"), ("发布会解读", "interpret"), ("办事指南", "service"),
    ("社保查询", "service"), ("领导信箱", "interact"), ("投诉即办", "interact"),
    ("政策征集", "interact"), ("常见问题", "interact"), ("互联网+督查", "interact"),
    ("@国务院", "interact"), ("门户网站", "other"), ("APP下载", "other"),
    ("表格下载", "service"), ("公开指南", "public"),
])
def test_label(label, expected):
    assert classify_label(label)[0] == expected


def test_label_with_emoji_and_spaces_is_normalised():
    assert normalise("📢 看　政策！") == "看政策"
    assert classify_label("🔥说 心声")[0] == "interact"


def test_label_that_says_nothing():
    assert classify_label("教育大会") == ("", "")
    assert classify_item("教育大会") == ("other", "none", "")



def test_page_decides_and_dead_page_does_not():
    ok = page(title="领导信箱_某市人民政府", label="连线", menu_path="连线")
    assert classify_item("连线", [ok])[:2] == ("interact", "page")
    dead = page(title="领导信箱", status=404, label="连线", menu_path="连线")
    assert classify_item("连线", [dead])[:2] == ("other", "none")


def test_parent_decides_a_sub_item():
    assert classify_item("居住", parent="城市手册")[:2] == ("service", "parent")
    assert classify_item("省长", parent="我要说")[:2] == ("interact", "parent")


def test_children_decide_an_unclear_top_level_menu():
    assert classify_item("青禾微窗", children=["service", "service", "interact"])[:2] == (
        "service", "children")
    # a tie between functions decides nothing
    assert classify_item("青禾微窗", children=["service", "interact"])[:2] == ("other", "none")


def test_interpret_counts_as_public_and_neutral_labels():
    assert core("interpret") == "public" and core("service") == "service"
    assert is_neutral("常见问题") and is_neutral("智能问答") and not is_neutral("办事指南")


def test_classify_menu_uses_pages_by_menu_path():
    menu = Menu(True, (
        MenuItem("带你了解", children=(MenuItem("市领导", "view", "https://a/1"),
                                      MenuItem("新栏目", "view", "https://a/2"))),
        MenuItem("办事", "view", "https://a/3"),
    ), "test", NOW)
    p = page(url="https://a/2", title="政策文件_某市", label="新栏目", menu_path="带你了解/新栏目")
    items = classify_menu(menu, [p])
    by_path = {c.path: c for c in items}
    assert by_path["带你了解"].basis == "exact" and by_path["带你了解"].function == "public"
    assert by_path["带你了解/新栏目"].basis == "page" and by_path["带你了解/新栏目"].pages == (p,)
    assert by_path["办事"].function == "service" and by_path["办事"].leaf
    assert [c.path for c in leaves(items)] == ["带你了解/市领导", "带你了解/新栏目", "办事"]
    assert classify_menu(None) == []
