"""The document model and its renderers on a small hand-made result: escaping, Excel safety,
anonymised examples, numbering, charts without a Chinese font, pass/fail systems."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from docx import Document
from lxml import html as lxml_html
from openpyxl import load_workbook

from govmedia.checks.registry import check_table
from govmedia.indicators.engine import load_system
from govmedia.report import charts
from govmedia.report.aggregate import aggregate
from govmedia.report.documents import build_report, render
from govmedia.report.facts import ReportInput, problem_stats
from govmedia.report.model import Column, Figure, Heading, Report, Table, format_cell, to_jsonable
from govmedia.report.render_html import render_html
from govmedia.report.text import anonymise, anonymous_owner, cn_number
from govmedia.settings import Settings

EVIL = "<script>alert('x')</script>"


def finding(check, severity, message, **evidence):
    return {"check": check, "severity": severity, "target": evidence.pop("target", ""),
            "message": message, "evidence": evidence, "suggestion": "请整改", "review": "machine"}


def account(name, owner, category, province, field, verdict, score, findings=()):
    return {"name": name, "owner": owner, "category": category, "province": province,
            "field": field, "platform": "wechat", "verdict": verdict,
            "vetoed": verdict == "不合格", "score": score, "reasons": [], "last_published": None,
            "sources": [], "not_checked": [], "findings": list(findings), "highlights": [],
            "explanations": [], "areas": [], "coverage": None}


def make_result(system_id="ccid-2024", scored=True):
    accounts = [
        account(f"教育{EVIL}", "青禾省教育厅", "provincial_dept", "青禾", "教育", "合格",
                80.0 if scored else None, [
                    finding("link.dead", "deduct",
                            f"菜单“办事/查询”的链接无法访问：{EVIL} 青禾省教育厅 http://jyt.qh.gov.cn/x",
                            url="http://jyt.qh.gov.cn/x", menu_path="办事/查询",
                            warc_record_id="<urn:uuid:1>", fetched_at="2026-11-20T10:00:00+08:00",
                            excerpt="=HYPERLINK(\"http://evil\",\"点我\")\x07"),
                    finding("practice.smart_qa", "info", "亮点做法：提供智能问答",
                            practice="smart_qa", places=[{"where": "菜单“智能问答”"}])]),
        account("民政", "青禾省民政厅", "provincial_dept", "青禾", "民政", "不合格",
                70.0 if scored else None, [
                    finding("freshness.no_update_2w", "veto", "监测时间点前14天内无更新",
                            target="已发布文章")]),
        account("部委号", "某某部", "ministry", "", "民政", "未能检查", None),
    ]
    accounts[1]["reasons"] = ["内容不更新：监测时间点前14天内无更新"]
    system = load_system(system_id, frozenset(check_table()))
    extra = aggregate(accounts, system.excellent)
    for a in accounts:
        a["rank"] = next((e["rank"] for r in extra["rankings"].values() for e in r["ranked"]
                          if e["name"] == a["name"]), None)
        a["excellent"] = False
    counts = Counter(a["verdict"] for a in accounts)
    result = {"as_of": "2026-11-20T12:00:00+08:00", "indicator_system": system.id,
              "indicator_system_name": system.name, "run_id": 7, "not_covered": [],
              "summary": {"合格": counts["合格"], "不合格": counts["不合格"],
                          "未能检查": counts["未能检查"], "pass_rate": 0.5},
              "weights": [], "excellent_rule": dict(system.excellent), "pending_checks": [],
              **extra, "reach": [], "accounts": accounts, "run_status": "complete"}
    return ReportInput(result, system)


@pytest.fixture(scope="module")
def inp():
    return make_result()


def test_scraped_script_stays_text_in_html(inp):
    for kind, acc in (("national", None), ("account", inp.accounts[0])):
        page = render_html(build_report(inp, kind, acc))
        tree = lxml_html.fromstring(page)
        assert not tree.xpath("//script"), kind
        assert "&lt;script&gt;" in page
    page = render_html(build_report(inp, "account", inp.accounts[0]))
    assert EVIL in lxml_html.fromstring(page).text_content()


def test_docx_and_xlsx_keep_hostile_text_as_text(inp, tmp_path):
    report = build_report(inp, "account", inp.accounts[0])
    render(report, "docx", tmp_path / "a.docx", Settings())
    render(report, "xlsx", tmp_path / "a.xlsx", Settings())
    cells = [c.text for t in Document(tmp_path / "a.docx").tables for r in t.rows
             for c in r.cells]
    assert any(EVIL in c for c in cells)
    assert not any("\x07" in c for c in cells)  # control characters are dropped, not fatal
    ws = load_workbook(tmp_path / "a.xlsx")["整改清单"]
    excerpt = ws.cell(row=2, column=8)
    assert excerpt.value.startswith("=HYPERLINK") and excerpt.data_type == "s"


def test_problem_examples_are_anonymised(inp):
    report = build_report(inp, "national")
    examples = [b.text for b in report.blocks if getattr(b, "style", "") == "bullet"
                and b.text.startswith("例如，某")]
    assert examples
    assert all("青禾省教育厅" not in e and "http://" not in e for e in examples)
    assert any(e.startswith("例如，某省教育厅微信公众号") for e in examples)
    # Good practices name the account, as the seed does.
    named = [b.text for b in report.blocks if getattr(b, "style", "") == "bullet"
             and "智能问答" in b.text]
    assert named and "青禾省教育厅" in named[0]


@pytest.mark.parametrize(("acc", "expected"), [
    ({"owner": "青禾省教育厅", "province": "青禾", "category": "provincial_dept"}, "某省教育厅"),
    ({"owner": "北京市教育委员会", "province": "北京", "category": "provincial_dept"},
     "某市教育委员会"),
    ({"owner": "新疆维吾尔自治区民政厅", "province": "新疆", "category": "provincial_dept"},
     "某自治区民政厅"),
    ({"owner": "国家税务总局四川省税务局", "province": "四川", "category": "provincial_dept"},
     "国家税务总局某省税务局"),
    ({"owner": "民政部", "province": "", "category": "ministry"}, "某部委"),
])
def test_anonymous_owner(acc, expected):
    assert anonymous_owner(acc) == expected


def test_anonymise_removes_names_and_urls():
    acc = {"owner": "青禾省教育厅", "name": "青禾教育", "province": "青禾",
           "category": "provincial_dept"}
    text = anonymise("“青禾教育”的页面 http://jyt.qh.gov.cn/a?b=1 属于青禾省教育厅，青禾市也有",
                     acc)
    assert text == "“该账号”的页面 （网址略） 属于某省教育厅，某地也有"


def test_problem_counts_split_scored_and_notices(inp):
    stats = {s.id: s for s in problem_stats(inp)}
    assert [a["name"] for a in stats["links"].accounts] == [inp.accounts[0]["name"]]
    assert stats["links"].checked == 3  # link.dead ran on every account here
    assert stats["stale"].findings == 1 and stats["stale"].pending == 1


@pytest.mark.parametrize(("n", "words"), [(1, "一"), (10, "十"), (12, "十二"), (21, "二十一")])
def test_cn_number(n, words):
    assert cn_number(n) == words


def test_cells_and_numbering():
    assert format_cell(None) == "—" and format_cell(0.79412, "pct") == "79.4%"
    assert format_cell(87.25, "score") == "87.25" and format_cell(20.0, "num") == "20"
    report = Report("x", "t")
    report.add(Heading("一、a"), Table("a", "甲", [Column("c")], [[1]]),
               Table("kv", "", [Column("c")], [[1]], header=False),
               Figure("f", "图", b"\x89PNG"), Table("b", "乙", [Column("c")], [[2]]))
    report.finish()
    assert [getattr(b, "number", None) for b in report.blocks] == [None, 1, 0, 1, 2]
    data = to_jsonable(report)
    assert data["blocks"][1]["rows"] == [[1]] and data["blocks"][3]["has_image"]


def test_without_a_chinese_font_charts_say_so(inp, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no fc-match, no fc-list
    charts.cjk_font.cache_clear()
    try:
        report = build_report(inp, "pass-rate")
        fig = next(b for b in report.blocks if isinstance(b, Figure))
        assert fig.image is None and "未找到中文字体" in fig.missing
        assert any("未找到中文字体" in w for w in report.warnings)
        tree = lxml_html.fromstring(render_html(report))
        assert "未找到中文字体" in tree.xpath("//div[@class='missing']")[0].text_content()
    finally:
        charts.cjk_font.cache_clear()


def test_chinese_font_is_found_by_fontconfig():
    family, reason = charts.cjk_font()
    assert family is not None, reason  # CI installs fonts-noto-cjk (.ci/run)
    fig = charts.score_distribution("d", "得分分布", [55.0, 72.0, 88.0, 91.0])
    assert fig.image and fig.image[:4] == b"\x89PNG"
    assert fig.data["counts"] == [1, 0, 1, 0, 1, 1]


def test_pass_fail_system_has_no_scores_or_excellent_lists(tmp_path):
    inp = make_result("gb-2019-19", scored=False)
    report = build_report(inp, "national")
    tables = {b.key: b for b in report.blocks if isinstance(b, Table)}
    assert "平均分" not in [c.title for c in tables["groups_category"].columns]
    assert not any(k.startswith("excellent_") for k in tables)
    assert "indicators" not in tables and tables["vetoes"].rows
    render(report, "json", tmp_path / "r.json", Settings())
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert not any(b["type"] == "figure" and b["key"] == "score_distribution"
                   for b in data["blocks"])


def test_a_run_without_accounts_still_renders(tmp_path):
    inp = make_result()
    inp.result["accounts"].clear()
    inp.result.update(aggregate([], inp.system.excellent))
    inp.result["summary"] = {"合格": 0, "不合格": 0, "未能检查": 0, "pass_rate": None}
    for kind in ("national", "pass-rate"):
        report = build_report(inp, kind)
        for fmt in ("docx", "html", "xlsx", "json"):
            render(report, fmt, tmp_path / f"{kind}.{fmt}", Settings())
    assert "合格率为—" in (tmp_path / "pass-rate.html").read_text(encoding="utf-8")
