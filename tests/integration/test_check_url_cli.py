"""`govmedia check url` through the CLI against the sandbox sites and fault routes."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from typer.testing import CliRunner

from govmedia.artifacts import CHINA_TZ
from govmedia.cli import app
from govmedia.sandbox import faults, load_world, run_world
from govmedia.sandbox.server import serve

ENV = {"COLUMNS": "200", "GOVMEDIA_HTTP_RETRIES": "1", "GOVMEDIA_HTTP_TIMEOUT": "5"}


@pytest.fixture(scope="module")
def site():
    # check url judges freshness against the clock, so the world is built at the present time.
    world = load_world(datetime.now(CHINA_TZ), "demo")
    acc = next(a for a in world.accounts if a.extra.get("expect") == "link_problems")
    with run_world(world):
        yield f"{world.base_url}/sites/{acc.slug}/"


def invoke(*args: str):
    return CliRunner().invoke(app, ["check", "url", *args], env=ENV)


def test_clean_page_exits_0_with_chinese_table(site):
    result = invoke(site + "hdjl/cjwd/", "--label", "常见问答")
    assert result.exit_code == 0, result.output
    assert "未发现问题" in result.output and "HTTP 状态：200" in result.output
    assert "链接不可用" in result.output and "通过" in result.output


def test_mailbox_opening_service_hall_exits_1(site):
    result = invoke(site + "hdjl/ldxx/", "--label", "领导信箱")
    assert result.exit_code == 1, result.output
    assert "菜单名称与链接页面不符" in result.output and "网上办事大厅" in result.output


def test_json_output_for_a_login_wall(site):
    result = invoke(site + "bsfw/bszn/", "--label", "办事指南", "--format", "json",
                    "--wechat-ua")
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["status"] == 200 and "tyrz/login" in data["final_url"] and data["redirects"]
    by_check = {r["check"]: r for r in data["results"]}
    (wall,) = by_check["link.login_wall"]["findings"]
    assert wall["target"] == "办事指南" and "须先登录" in wall["message"]
    assert by_check["link.dead"]["status"] == "ok"


def test_dead_link_and_stale_column(site):
    dead = invoke(site + "hdjl/zxft/", "--format", "json")
    assert dead.exit_code == 1
    (finding,) = json.loads(dead.output)["results"][0]["findings"]
    assert "HTTP 404" in finding["message"]
    stale = invoke(site + "zwgk/zcwj/", "--label", "政策文件")
    assert stale.exit_code == 1 and "栏目长期不更新" in stale.output


def test_gbk_and_redirect_loop_never_crash():
    with serve(faults.routes()) as base:
        gbk = invoke(f"{base}/fault/gbk-page", "--format", "json")
        assert gbk.exit_code == 0, gbk.output
        assert json.loads(gbk.output)["encoding"] == "gb18030"
        loop = invoke(f"{base}/fault/redirect-loop")
        assert loop.exit_code == 1 and "循环" in loop.output


@pytest.mark.parametrize(("args", "needle"), [
    (["ftp://example.gov.cn/a"], "链接地址无效"),
    (["not a url"], "链接地址无效"),
    (["http://127.0.0.1:9/", "--format", "xml"], "不支持的输出格式"),
])
def test_bad_input_exits_2(args, needle):
    result = invoke(*args)
    assert result.exit_code == 2 and needle in result.output
