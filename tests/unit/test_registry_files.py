"""Reading, validating and writing account list files (CSV in several encodings, XLSX)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from govmedia.registry.files import AccountFileError, read_accounts_file, write_accounts_file
from govmedia.registry.sample_2024 import BUILTINS, load_sample_2024
from govmedia.store.accounts import list_accounts, upsert_accounts
from govmedia.store.db import open_db
from govmedia.store.models import ACCOUNT_FIELDS

CN_HEADER = ["账号名称", "主办单位", "类别", "省份", "领域", "平台", "AppID", "AppSecret",
             "订阅源", "网站"]
GOOD = [
    ["北京人社", "北京市人力资源和社会保障局", "省级政府部门", "北京", "人力资源和社会保障",
     "微信", "wx0123456789abcdef", "s3cret", "https://example.org/rss", ""],
    ["微言教育", "教育部", "国务院部门", "", "教育", "", "", "", "", "http://www.moe.gov.cn/"],
    ["辽宁发布", "辽宁省人民政府办公厅", "provincial_gov", "辽宁", "", "wechat", "", "", "", ""],
]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8",
              header: list[str] = CN_HEADER) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] = CN_HEADER) -> Path:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def check_good(rows: list[dict[str, str]]) -> None:
    assert len(rows) == 3
    assert all(set(r) == set(ACCOUNT_FIELDS) for r in rows)
    first, second, third = rows
    assert first["name"] == "北京人社" and first["category"] == "provincial_dept"
    assert first["platform"] == "wechat" and first["wechat_secret"] == "s3cret"
    assert first["feed_url"] == "https://example.org/rss"
    assert second["category"] == "ministry" and second["platform"] == "wechat"
    assert second["website"] == "http://www.moe.gov.cn/" and second["province"] == ""
    assert third["category"] == "provincial_gov" and third["owner"] == "辽宁省人民政府办公厅"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_with_chinese_header(tmp_path, encoding):
    check_good(read_accounts_file(write_csv(tmp_path / "a.csv", GOOD, encoding)))


def test_xlsx_with_chinese_header_and_numbers(tmp_path):
    rows = [list(r) for r in GOOD]
    rows[2][4] = 12345  # a number cell comes back as text without ".0"
    path = write_xlsx(tmp_path / "a.xlsx", rows)
    result = read_accounts_file(path)
    check_good(result)
    assert result[2]["field"] == "12345"


def test_english_header_whitespace_and_blank_rows(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(" name ,owner,Category\n"
                    "  工信微报 ,工业和信息化部,ministry\n"
                    ",,\n"
                    "国家税务总局,国家税务总局,部委\n", encoding="utf-8")
    rows = read_accounts_file(path)
    assert [r["name"] for r in rows] == ["工信微报", "国家税务总局"]
    assert {r["platform"] for r in rows} == {"wechat"}
    assert rows[1]["category"] == "ministry"


def test_every_bad_row_is_named_with_row_and_column(tmp_path):
    rows = [
        GOOD[0],
        ["", "某单位", "国务院部门", "", "", "", "", "", "", ""],                 # row 3
        ["某账号", "某单位", "市级政府", "", "", "", "", "", "", ""],             # row 4
        ["某账号2", "某单位", "部委", "", "", "", "", "", "ftp://x.org/feed", ""],  # row 5
        ["某账号3", "某单位", "部委", "", "", "", "", "", "", "www.example.org"],  # row 6
        ["某账号4", "某单位", "部委", "", "", "QQ", "", "", "", ""],               # row 7
        ["某账号5", "", "部委", "", "", "", "", "", "", ""],                      # row 8
        ["某账号6", "某单位", "部委", "省" * 41, "", "", "", "", "", ""],          # row 9
    ]
    with pytest.raises(AccountFileError) as err:
        read_accounts_file(write_csv(tmp_path / "bad.csv", rows))
    msg = str(err.value)
    assert "bad.csv" in msg and "7 处错误" in msg and "未导入任何账号" in msg
    assert "第 3 行 A 列（账号名称）：不能为空" in msg
    assert "第 4 行 C 列（类别）：「市级政府」不是有效的类别" in msg
    assert "第 5 行 I 列（订阅源）：「ftp://x.org/feed」不是有效的网址" in msg
    assert "第 6 行 J 列（网站）：「www.example.org」不是有效的网址" in msg
    assert "第 7 行 F 列（平台）：「QQ」不是支持的平台" in msg
    assert "第 8 行 B 列（主办单位）：不能为空" in msg
    assert "第 9 行 D 列（省份）：太长（41 个字符，最多 40 个）" in msg
    assert "第 2 行" not in msg


def test_duplicates_within_file(tmp_path):
    rows = [GOOD[0], GOOD[1], [*GOOD[0][:5], "wechat", "", "", "", ""]]
    with pytest.raises(AccountFileError) as err:
        read_accounts_file(write_csv(tmp_path / "dup.csv", rows))
    assert "第 4 行：与第 2 行重复" in str(err.value)


def test_error_list_is_capped(tmp_path):
    rows = [["", "某单位", "部委"] for _ in range(30)]
    with pytest.raises(AccountFileError) as err:
        read_accounts_file(write_csv(tmp_path / "many.csv", rows, header=["name", "owner",
                                                                          "category"]))
    msg = str(err.value)
    assert "30 处错误" in msg and "…还有 10 处" in msg
    assert "第 21 行" in msg and "第 22 行" not in msg


def test_header_problems(tmp_path):
    with pytest.raises(AccountFileError, match="无法识别的列：D 列「备注」"):
        read_accounts_file(write_csv(tmp_path / "u.csv", [], header=["name", "owner",
                                                                     "category", "备注"]))
    with pytest.raises(AccountFileError, match="缺少必需的列：主办单位（owner）、类别"):
        read_accounts_file(write_csv(tmp_path / "m.csv", [], header=["账号名称", "省份"]))
    with pytest.raises(AccountFileError, match="重复的列"):
        read_accounts_file(write_csv(tmp_path / "r.csv", [], header=["name", "账号名称",
                                                                     "owner", "category"]))
    with pytest.raises(AccountFileError, match="没有账号"):
        read_accounts_file(write_csv(tmp_path / "h.csv", [], header=["name", "owner",
                                                                     "category"]))


def test_value_without_header_in_xlsx(tmp_path):
    path = write_xlsx(tmp_path / "x.xlsx", [["工信微报", "工业和信息化部", "部委", None, "多余"]],
                      header=["name", "owner", "category"])
    with pytest.raises(AccountFileError, match="第 2 行 E 列：有内容但没有表头"):
        read_accounts_file(path)


def test_unreadable_files(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "blank.csv").write_bytes(b"\n\n  \n")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    cases = {"empty.csv": "是空的", "blank.csv": "是空的", "broken.xlsx": "不是有效的 XLSX",
             "old.xls": "旧版 Excel", "image.png": "不是 CSV 或 XLSX", "missing.csv": "无法读取"}
    for name, text in cases.items():
        with pytest.raises(AccountFileError, match=text):
            read_accounts_file(tmp_path / name)


def test_bad_file_imports_nothing(tmp_path):
    engine = open_db(f"sqlite:///{tmp_path / 'x.db'}")
    rows = [GOOD[0], ["", "某单位", "部委", "", "", "", "", "", "", ""]]
    with pytest.raises(AccountFileError):
        upsert_accounts(engine, read_accounts_file(write_csv(tmp_path / "bad.csv", rows)))
    assert list_accounts(engine) == []
    # A row the database refuses mid-way rolls the whole import back.
    good = read_accounts_file(write_csv(tmp_path / "good.csv", GOOD))
    with pytest.raises(ValueError):
        upsert_accounts(engine, [*good, {"name": "x", "owner": "", "category": "ministry"}])
    assert list_accounts(engine) == []


def test_upsert_is_idempotent_and_keeps_secrets(tmp_path):
    engine = open_db(f"sqlite:///{tmp_path / 'x.db'}")
    rows = read_accounts_file(write_csv(tmp_path / "a.csv", GOOD))
    first = upsert_accounts(engine, rows)
    assert (first.added, first.updated, first.unchanged) == (3, 0, 0)
    again = upsert_accounts(engine, rows)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    changed = [dict(rows[0], province="北京市", wechat_secret=""), *rows[1:]]
    third = upsert_accounts(engine, changed)
    assert (third.added, third.updated, third.unchanged) == (0, 1, 2)
    accounts = list_accounts(engine)
    assert [a.name for a in accounts] == ["北京人社", "微言教育", "辽宁发布"]
    assert accounts[0].province == "北京市" and accounts[0].wechat_secret == "s3cret"
    assert [a.name for a in list_accounts(engine, category="ministry")] == ["微言教育"]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_round_trip(tmp_path, suffix):
    rows = read_accounts_file(write_csv(tmp_path / "a.csv", GOOD))
    rows[1]["name"] = "=1+1"  # text, never turned into a formula
    out = tmp_path / f"out{suffix}"
    assert write_accounts_file(out, rows) == 3
    back = read_accounts_file(out)
    assert [r["wechat_secret"] for r in back] == ["", "", ""]
    assert [dict(r, wechat_secret="") for r in rows] == back
    write_accounts_file(out, rows, include_secrets=True)
    assert read_accounts_file(out) == rows
    if suffix == ".csv":
        assert out.read_bytes().startswith(b"\xef\xbb\xbf\xe8\xb4\xa6\xe5\x8f\xb7")  # BOM 账号
    else:
        sheet = load_workbook(out).active
        assert sheet.freeze_panes == "A2"
        assert [c.value for c in sheet[1]] == CN_HEADER
        assert sheet["C2"].value == "省级政府部门" and sheet["A3"].data_type == "s"
        assert sheet.column_dimensions["B"].width > 20


def test_export_refuses_other_formats(tmp_path):
    with pytest.raises(AccountFileError, match=r"\.xlsx 或 \.csv"):
        write_accounts_file(tmp_path / "a.json", [])


def test_sample_2024():
    rows = load_sample_2024()
    assert BUILTINS["sample-2024"] is load_sample_2024
    counts = {c: sum(r["category"] == c for r in rows)
              for c in ("ministry", "provincial_gov", "provincial_dept")}
    assert counts == {"ministry": 52, "provincial_gov": 30, "provincial_dept": 27}
    assert len(rows) == 109
    pairs = {(r["owner"], r["name"]): r for r in rows}
    assert pairs[("教育部", "微言教育")]["field"] == "教育"
    assert ("国家药品监督管理局", "中国药闻") in pairs
    assert ("国务院国有资产监督管理委员会", "国资小新") in pairs
    assert pairs[("首都之窗运行管理中心", "首都之窗")]["province"] == "北京"
    assert pairs[("新疆生产建设兵团办公厅", "新疆生产建设兵团")]["category"] == "provincial_gov"
    assert pairs[("重庆市司法局", "巴渝法声")]["field"] == "司法"
    assert pairs[("国家税务总局宁夏回族自治区税务局", "宁夏税务")]["province"] == "宁夏"
    assert all(r["province"] for r in rows if r["category"] != "ministry")
    assert all(r["field"] for r in rows if r["category"] == "provincial_dept")
    assert not any(r["wechat_appid"] or r["wechat_secret"] for r in rows)
