"""The sandbox's government websites: each account's site under /sites/<slug>/...

The default menu (wechat_api.default_menu) links into these pages. Every page is healthy by
default: a real-looking layout (a top bar with a 登录 link, navigation, breadcrumb, footer),
政务公开 lists whose entries carry recent dates relative to world.now, a 办事指南 with materials
and steps, 便民查询 entrances, and a 领导信箱 with a letter form. Other paths: the site home
(""), 统一身份认证 login (tyrz/login), the 网上办事大厅 home (bsdt/), article pages (art/...),
and the topic and good-practice pages of FEATURES (zt/..., ts/...) for custom menus.

Faults come from SandboxAccount.extra["site"], a mapping of page path (as in the menu, e.g.
"hdjl/ldxx/") to one fault name or a list of them:

- 404 / 500: answer with that status and an error page;
- error_page: HTTP 200, but the page says 页面不存在 (a soft 404);
- login_wall: 302 to tyrz/login?service=<page URL>, a 统一身份认证 password form;
- label_mismatch: the page is the 网上办事大厅 home instead of what the menu names;
- stale: list entries dated 8 to 14 months before world.now;
- batch: 8 of 10 list entries dated on one day (5 days before world.now);
- undated: list entries show no date;
- outdated_service: 核酸检测结果查询 / 核酸采样点查询 / 健康码 entrances on the page;
- hacked: hidden gambling links and text injected (display:none block, off-screen class);
- gbk: the page is encoded in GBK, charset only in <meta> (must parse as a healthy page);
- personal_info: a 公示 table with full ID numbers (valid checksum), mobile numbers and a
  bank card number next to personal names.

Mobile faults (the phone checks, checks/mobile.py), on any page: no_viewport (no meta
viewport), fixed_viewport (width=1200), fixed_layout (viewport set, body fixed at 1200px),
tiny_text (9px text), wide_table (a no-wrap table about 800px wide: fits a desktop, overflows
a phone), locked_wide (zoom disabled and the wide table: scrolls sideways), no_zoom
(user-scalable=no, otherwise fine), small_taps (a row of 24px buttons), hang (an async script
that never arrives: the page never finishes loading), dialogs (alert and confirm on load),
responsive (a 1000px banner hidden on phones by a media query: adapted), good (adapted).
The same kinds as pages: m/<kind>/ is the 政策文件 list page with that fault. Every page's links
and buttons are 48px tap targets (real portals often are not, but a healthy sandbox page must
pass every check), so that each kind fails only its own check.
"""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from html import escape
from typing import Any
from urllib.parse import quote

from govmedia.sandbox.server import Request, Response, Route, route
from govmedia.sandbox.world import SandboxAccount, World

SECTIONS = {  # path: (top menu, page name, kind)
    "zwgk/zcwj/": ("政务公开", "政策文件", "list"),
    "zwgk/zcjd/": ("政务公开", "政策解读", "list"),
    "zwgk/tzgg/": ("政务公开", "通知公告", "list"),
    "zwgk/rsxx/": ("政务公开", "人事信息", "list"),
    "bsfw/bszn/": ("办事服务", "办事指南", "guide"),
    "bsfw/bmcx/": ("办事服务", "便民查询", "query"),
    "bsfw/yybl/": ("办事服务", "预约办理", "booking"),
    "bsfw/bgxz/": ("办事服务", "表格下载", "list"),
    "hdjl/ldxx/": ("互动交流", "领导信箱", "mailbox"),
    "hdjl/zxft/": ("互动交流", "在线访谈", "list"),
    "hdjl/yjzj/": ("互动交流", "意见征集", "list"),
    "hdjl/cjwd/": ("互动交流", "常见问答", "faq"),
}
_TITLES = {
    "政策文件": ["关于进一步优化营商环境的若干措施", "关于印发《{y}年重点工作任务分工方案》的通知",
                 "关于加强基层治理体系建设的实施意见", "关于促进民营经济发展壮大的若干措施",
                 "关于做好{y}年度安全生产工作的通知", "关于印发政务服务事项清单的通知"],
    "政策解读": ["图解：优化营商环境若干措施", "一图读懂{y}年重点工作任务",
                 "《基层治理体系建设实施意见》政策解读", "专家解读：促进民营经济发展措施"],
    "通知公告": ["关于{y}年春节假期值班安排的通知", "关于开展打击非法赌博专项整治行动的通告",
                 "关于征集{y}年为民办实事项目建议的公告", "关于系统升级维护期间暂停服务的公告",
                 "关于公布第二批政务服务“跨省通办”事项的通知"],
    "人事信息": ["{y}年度公开招聘工作人员拟聘用人员公示", "关于干部任前公示的公告",
                 "{y}年度公开遴选公务员面试公告"],
    "表格下载": ["政府信息公开申请表", "行政许可申请书（样表）", "营业执照变更登记申请表",
                 "社会保险参保登记表"],
    "在线访谈": ["聚焦民生实事 回应群众关切", "解读{y}年政府工作报告", "优化营商环境在线访谈"],
    "意见征集": ["关于《养老服务条例（征求意见稿）》公开征求意见", "{y}年民生实事项目意见征集",
                 "关于城市更新实施方案公开征求意见的公告"],
}
_HEALTHY_DAYS = (1, 3, 6, 10, 15, 21, 29, 38, 50, 63, 79, 97)
# Feature pages for custom menus (SandboxAccount.extra["menu"], "{site}<path>"): a topic page
# and the good practices of seed 001 五 (主题服务, 地图查询, 计算器, 智能问答, 随手拍, 微直播,
# 长者模式, 智能搜索, 语音播报). path: (top menu, page name, body HTML).
FEATURES = {
    "zt/jydh/": ("专题专栏", "全省教育大会专题",
                 "<p>全省教育大会隆重召开，会议总结成绩、部署任务。</p><ul><li>大会报道</li>"
                 "<li>会议精神</li><li>代表风采</li></ul>"),
    "ts/csjc/": ("带你办事", "城市手册（主题服务）",
                 "<p>围绕居住、就业、旅游、娱乐、购物分类提供主题服务、办事指南和查询入口。</p>"
                 "<ul><li>居住服务</li><li>就业服务</li><li>旅游服务</li><li>娱乐服务</li>"
                 "<li>购物服务</li></ul>"),
    "ts/dtcx/": ("带你办事", "公共法律服务地图查询",
                 "<p>在地图上查询律师事务所、公证处、司法鉴定机构和法律援助机构，并一键导航。</p>"
                 '<div id="map" style="height:300px"></div>'),
    "ts/jsq/": ("带你办事", "法定退休年龄计算器",
                '<p>输入出生年月和性别，即时计算法定退休年龄。</p><form action="calc">'
                '<input name="birth" placeholder="出生年月"><select name="sex"><option>男</option>'
                "<option>女</option></select><button>计算</button></form>"),
    "ts/zzms/": ("带你办事", "长者模式（大字版）",
                 "<p>已为您开启长者模式：字体放大、界面简洁，方便老年朋友查看。</p>"),
    "ts/ss/": ("带你了解", "智能搜索",
               '<form action="search"><input name="q" placeholder="搜索政策、服务、问答">'
               "<button>搜索</button></form><p>热门搜索：社保、公积金、退休</p>"),
    "ts/yybb/": ("带你了解", "听政策（语音播报）",
                 "<p>每期3分钟，语音播报常见政策问题。</p><ul><li>第1期 参保缴费</li>"
                 "<li>第2期 待遇领取</li></ul>"),
    "ts/zhwd/": ("带你沟通", "智能问答",
                 "<p>您好，我是智能客服小助手，请输入您的问题，我将即时为您解答。</p>"
                 '<input name="question" placeholder="请输入问题"><button>发送</button>'),
    "ts/ssp/": ("带你沟通", "安全隐患随手拍",
                "<p>发现燃气隐患、工地安全等问题，拍照上传，我们将及时处理并反馈。</p>"
                '<form action="upload" method="post"><input type="file" name="photo">'
                '<textarea name="desc" placeholder="问题描述"></textarea>'
                "<button>提交</button></form>"),
    "ts/zb/": ("带你沟通", "微直播",
               "<p>政策发布会、在线访谈直播回放。</p><ul><li>直播预告：就业政策面对面</li>"
               "<li>直播回放：社保待遇调整解读</li></ul>"),
}


def routes(world: World) -> list[Route]:
    """Return the site routes: GET /sites/<slug>/<path> for every account of the world."""

    def page(req: Request) -> Response:
        acc = world.by_slug(req.match.group("slug")) if req.match else None
        if acc is None:
            return _status(404, "页面不存在", "")
        return serve_page(world, acc, req.match.group("path"))

    return [route("*", r"/sites/(?P<slug>[0-9a-f]{10})/(?P<path>.*)", page)]


def faults_of(acc: SandboxAccount, path: str) -> set[str]:
    """Return the fault names set for one page path of the account's site."""
    raw = (acc.extra.get("site") or {}).get(path) or ()
    return {str(f) for f in (raw if isinstance(raw, list | tuple) else [raw])}


def serve_page(world: World, acc: SandboxAccount, path: str) -> Response:
    """Return the response for one page of the account's site, faults applied."""
    root = f"{world.base_url}/sites/{acc.slug}/"
    faults = faults_of(acc, path)
    if path == "m/hang.js":
        return Response(raw=_hang)
    if path.startswith("m/") and (kind := path[2:].split("/")[0]) in MOBILE_PAGES:
        faults, path = faults | {kind}, "zwgk/zcwj/"
    if "404" in faults:
        return _status(404, "404 Not Found", "您访问的页面不存在（404）")
    if "500" in faults:
        return _status(500, "500 Internal Server Error", "服务器内部错误，请稍后再试")
    if "error_page" in faults:
        return Response(200, _layout(acc, root, "页面不存在", "", "提示信息",
                                     "<p>抱歉，您访问的页面不存在或已被删除！</p>"
                                     f'<p><a href="{root}">返回首页</a></p>', bare=True))
    if "login_wall" in faults:
        return Response(302, "", headers={
            "Location": f"{root}tyrz/login?service={quote(root + path, safe='')}"})
    if path.startswith("tyrz/login"):
        html = _login(acc, root)
    elif path == "bsdt/" or "label_mismatch" in faults:
        html = _hall(acc, root)
    elif path in ("", "index.html"):
        html = _home(world, acc, root)
    elif path.startswith("art/"):
        html = _article(acc, root, path)
    elif path in SECTIONS:
        html = _section(world, acc, root, path, faults)
    elif path in FEATURES:
        top, name, body = FEATURES[path]
        html = _layout(acc, root, name, top, name, body)
    else:
        return _status(404, "404 Not Found", "您访问的页面不存在（404）")
    if faults & MOBILE_FAULTS:
        html = _mobile(html, faults, root)
    if "gbk" in faults:
        html = html.replace('<meta charset="utf-8">', '<meta charset="gbk">')
        return Response(200, html.encode("gbk", "replace"), "text/html")
    return Response(200, html)


def _status(code: int, title: str, text: str) -> Response:
    body = f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p>"
    return Response(code, body + "<hr><center>nginx</center></body></html>")


def _layout(acc: SandboxAccount, root: str, name: str, top: str, head: str, content: str,
            *, bare: bool = False, meta: str = "", tail: str = "") -> str:
    owner = escape(acc.owner)
    crumb = (f'<div class="crumbs">当前位置：<a href="{root}">首页</a> &gt; {top} &gt; {name}'
             "</div>" if top else "")
    nav = "" if bare else (
        f'<div class="nav"><a href="{root}">首页</a><a href="{root}zwgk/zcwj/">政务公开</a>'
        f'<a href="{root}bsfw/bszn/">办事服务</a><a href="{root}hdjl/ldxx/">互动交流</a></div>')
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"{meta}<title>{head}_{owner}</title>"
        f"<style>.hide-box{{position:absolute;left:-9999px}}{_TAP_FRIENDLY}</style></head><body>"
        f'<div class="top-bar"><span>欢迎访问{owner}门户网站</span>'
        f'<a href="{root}tyrz/login">登录</a> | <a href="{root}tyrz/register">注册</a>'
        f' | <a href="{root}wza/">无障碍浏览</a></div>'
        f'<div class="header"><div class="logo">{owner}</div></div>{nav}{crumb}'
        f'<div class="main"><h2>{head}</h2>{content}</div>{tail}'
        f'<div class="footer"><p>主办单位：{owner}</p><p>网站标识码：{_code(acc, 10)}'
        f'　京ICP备{_code(acc, 8)}号</p><p><a href="https://www.gov.cn/">中国政府网</a>'
        f'<a href="{root}wzdt/">网站地图</a><a href="{root}lxwm/">联系我们</a></p></div>'
        "</body></html>")


def _code(acc: SandboxAccount, n: int) -> str:
    return str(int(hashlib.md5(acc.slug.encode()).hexdigest(), 16))[:n]


def _dates(world: World, acc: SandboxAccount, faults: set[str], count: int) -> list[str]:
    shift = int(acc.slug[5], 16) % 2
    if "batch" in faults:
        days = [5] * 8 + [40, 71]
    elif "stale" in faults:
        days = [240 + 17 * i for i in range(count)]
    else:
        days = [d + shift for d in _HEALTHY_DAYS]
    if "undated" in faults:
        return [""] * count
    style = int(acc.slug[3], 16) % 3
    out = []
    for d in days[:count]:
        day = (world.now - timedelta(days=d)).date()
        out.append(f"{day:%Y-%m-%d}" if style == 0 else f"{day:%Y/%m/%d}" if style == 1
                   else f"{day.year}年{day.month:02d}月{day.day:02d}日")
    return out


def _section(world: World, acc: SandboxAccount, root: str, path: str, faults: set[str]) -> str:
    top, name, kind = SECTIONS[path]
    body = {"guide": _guide, "query": _query, "booking": _booking, "mailbox": _mailbox,
            "faq": _faq}.get(kind)
    content = body(root) if body else ""
    if kind in ("list", "mailbox"):
        content += _list(world, acc, root, path, name, faults)
    if "outdated_service" in faults:
        content += (
            f'<div class="service"><h3>疫情防控服务</h3><ul><li><a href="{root}yq/hsjg/">'
            f'核酸检测结果查询</a></li><li><a href="{root}yq/cyd/">核酸采样点查询</a></li>'
            f'<li><a href="{root}yq/jkm/">健康码申领</a></li></ul></div>')
    if "personal_info" in faults:
        content = _personal_info(world) + content
    tail = _hacked(acc) if "hacked" in faults else ""
    return _layout(acc, root, name, top, name, content, tail=tail)


def _list(world: World, acc: SandboxAccount, root: str, path: str, name: str,
          faults: set[str]) -> str:
    year = (world.now - timedelta(days=30)).year
    pool = _TITLES.get(name) or _TITLES["通知公告"]
    dates = _dates(world, acc, faults, 10)
    rows = []
    for i, day in enumerate(dates):
        title = pool[i % len(pool)].format(y=year)
        if i >= len(pool):
            title = f"{title}（第{i // len(pool) + 1}批）"
        href = f"{root}art/{path.strip('/').replace('/', '-')}-{i + 1}.html"
        shown = f'<span class="date">{day}</span>' if day else ""
        rows.append(f'<li><a href="{href}" title="{title}">{title}</a>{shown}</li>')
    head = "<h3>来信选登</h3>" if name == "领导信箱" else ""
    return (f'{head}<ul class="list">{"".join(rows)}</ul>'
            '<div class="page">共10条 首页 上一页 1 下一页 尾页</div>')


def _guide(root: str) -> str:
    return (
        "<h3>城乡居民基本养老保险参保登记办事指南</h3><table>"
        "<tr><th>事项名称</th><td>城乡居民基本养老保险参保登记</td></tr>"
        "<tr><th>受理条件</th><td>年满16周岁（不含在校学生），非国家机关和事业单位工作人员</td></tr>"
        "<tr><th>申请材料</th><td>1.居民身份证或户口簿原件；2.《城乡居民基本养老保险参保登记表》</td></tr>"
        "<tr><th>办理流程</th><td>申请—受理—审核—办结</td></tr>"
        "<tr><th>办理时限</th><td>即时办结</td></tr><tr><th>收费标准</th><td>不收费</td></tr>"
        "<tr><th>办理地点</th><td>户籍所在地乡镇（街道）便民服务中心</td></tr>"
        "<tr><th>咨询电话</th><td>12345</td></tr></table>"
        f'<p><a href="{root}bsfw/bgxz/">表格下载</a>　<a href="{root}bsdt/">在线办理</a></p>')


def _query(root: str) -> str:
    names = ["社保缴费查询", "公积金查询", "不动产登记进度查询", "医保定点机构查询", "办件进度查询",
             "学历学位查询"]
    items = "".join(f'<li><a href="{root}cx/{i}/">{n}</a></li>' for i, n in enumerate(names))
    return f'<ul class="grid">{items}</ul><p>查询个人信息时需进行实名认证。</p>'


def _booking(root: str) -> str:
    names = ["婚姻登记预约", "出入境证件办理预约", "不动产登记预约", "公积金业务预约"]
    items = "".join(f'<li>{n}<a href="{root}tyrz/login">在线预约</a></li>' for n in names)
    return f'<ul class="grid">{items}</ul><p>预约办理请先登录统一身份认证平台。</p>'


def _mailbox(root: str) -> str:
    return (
        "<p>欢迎您通过领导信箱反映问题、提出意见建议。我们将在15个工作日内答复。</p>"
        f'<form action="{root}hdjl/ldxx/submit" method="post">'
        '<input type="text" name="name" placeholder="姓名">'
        '<input type="tel" name="phone" placeholder="联系电话">'
        '<input type="text" name="subject" placeholder="信件标题">'
        '<textarea name="content" placeholder="信件内容"></textarea>'
        '<input type="text" name="checkcode" placeholder="验证码"><img src="/captcha.jpg">'
        '<button type="submit">提交</button></form>')


def _faq(_root: str) -> str:
    pairs = [("如何申请政府信息公开？",
              "可通过网站“依申请公开”栏目在线提交，或到政务服务中心窗口申请。"),
             ("工作时间是什么？", "周一至周五上午9:00—12:00，下午13:30—17:30（法定节假日除外）。"),
             ("领导信箱多久答复？", "一般在15个工作日内答复，情况复杂的可延长。")]
    return "<dl>" + "".join(f"<dt>问：{q}</dt><dd>答：{a}</dd>" for q, a in pairs) + "</dl>"


def _home(world: World, acc: SandboxAccount, root: str) -> str:
    links = "".join(f'<li><a href="{root}{p}">{n}</a></li>' for p, (_t, n, _k) in SECTIONS.items())
    news = _list(world, acc, root, "zwgk/tzgg/", "通知公告", set())
    return _layout(acc, root, "首页", "", "首页", f"<ul>{links}</ul>{news}")


def _hall(acc: SandboxAccount, root: str) -> str:
    services = ["个人办事", "法人办事", "部门服务", "热门事项", "办件查询", "好差评"]
    items = "".join(f'<li><a href="{root}bsdt/{i}/">{s}</a></li>' for i, s in enumerate(services))
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>网上办事大厅_'
        f'{escape(acc.province or "")}政务服务网</title></head><body>'
        f'<div class="top"><a href="{root}tyrz/login">登录</a> <a href="{root}tyrz/register">'
        '注册</a></div><h1>网上办事大厅</h1><div class="search"><input type="text" name="kw" '
        'placeholder="请输入事项名称"><button>搜索</button></div>'
        f'<h3>热门服务</h3><ul>{items}</ul><p>一网通办，只进一扇门，最多跑一次。</p></body></html>')


def _login(acc: SandboxAccount, root: str) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>统一身份认证平台</title>'
        '</head><body><h1>统一身份认证</h1>'
        '<div class="tabs">个人用户登录 法人用户登录 扫码登录</div>'
        f'<form action="{root}tyrz/auth" method="post">'
        '<input type="text" name="username" placeholder="用户名/身份证号/手机号">'
        '<input type="password" name="password" placeholder="密码">'
        '<input type="text" name="verifycode" placeholder="验证码"><img src="/captcha.jpg">'
        '<button type="submit">登录</button></form>'
        f'<a href="{root}tyrz/forget">忘记密码</a> <a href="{root}tyrz/register">立即注册</a>'
        "</body></html>")


def _article(acc: SandboxAccount, root: str, path: str) -> str:
    title = f"信息发布（{escape(path[4:].removesuffix('.html'))}）"
    text = f"<p>{escape(acc.owner)}发布。本文为政务公开栏目信息，内容略。</p>"
    return _layout(acc, root, title, "政务公开", title, text)


def _hacked(acc: SandboxAccount) -> str:
    return (
        '<div style="display:none"><a href="http://www.amjs88.bet/">澳门金沙娱乐城</a>'
        '<a href="http://xpj-777.casino/">新葡京百家乐</a><a href="http://hg-sports.win/">'
        "皇冠体育投注</a>真人视讯 注册送彩金 时时彩</div>"
        '<div class="hide-box"><a href="http://dz.poker/">开元棋牌</a>'
        '<a href="http://lhc.game/">六合彩</a></div>')


def _personal_info(world: World) -> str:
    people = [("张伟", "110101199003071234", "13812345678"), ("李娜", "320102198811052345",
                                                                      "13987654321")]
    rows = "".join(
        f"<tr><td>{n}</td><td>{_valid_id(i)}</td><td>{p}</td></tr>" for n, i, p in people)
    return (f"<h3>{world.now.year}年度公开招聘拟聘用人员公示</h3><table><tr><th>姓名</th>"
            f"<th>身份证号</th><th>联系电话</th></tr>{rows}</table>"
            f"<p>补贴发放账户：张伟 工商银行 {_luhn('622202100112345678')}</p>")


def _valid_id(first17: str) -> str:
    """Return an 18-digit ID number with a valid GB 11643 check digit on the first 17 digits."""
    digits = first17[:17]
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    return digits + "10X98765432"[total % 11]


def _luhn(body: str) -> str:
    """Return body with a Luhn check digit appended (a well-formed bank card number)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


# --- mobile adaptation pages (checks/mobile.py) ------------------------------------------------

_TAP_FRIENDLY = ("a,button{display:inline-block;min-width:48px;min-height:48px;line-height:48px;"
                 "padding:0 6px}.list li a{display:block}"
                 "input,select,textarea{display:block;min-height:48px;margin:8px 0}")

MOBILE_PAGES = ("good", "responsive", "no_viewport", "fixed_viewport", "fixed_layout",
                "tiny_text", "wide_table", "locked_wide", "no_zoom", "small_taps", "hang",
                "dialogs")
MOBILE_FAULTS = frozenset(MOBILE_PAGES)
_VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
_LOCKED = ('<meta name="viewport" content="width=device-width, initial-scale=1, '
           'maximum-scale=1, minimum-scale=1, user-scalable=no">')
_TABLE = ('<table class="data" style="white-space:nowrap;border-collapse:collapse"><tr>'
          + "".join(f"<th>{h}</th>" for h in ("序号", "事项名称", "办理部门", "办理时限",
                                               "收费标准", "办理地点", "咨询电话", "备注"))
          + "</tr>" + "".join(
              f"<tr><td>{i}</td><td>社会保险参保登记</td><td>人社局</td><td>即时办结</td>"
              "<td>不收费</td><td>政务服务中心</td><td>12345</td><td>无</td></tr>"
              for i in range(1, 4)) + "</table>")


def _mobile(html: str, faults: set[str], root: str) -> str:
    """Return the page changed by its mobile faults (see the module docstring)."""
    css, top, end = [], "", ""
    if "no_viewport" in faults:
        html = html.replace(_VIEWPORT, "")
    if "fixed_viewport" in faults:
        html = html.replace(_VIEWPORT, '<meta name="viewport" content="width=1200">')
    if "no_zoom" in faults or "locked_wide" in faults:
        html = html.replace(_VIEWPORT, _LOCKED)
    if "fixed_layout" in faults:
        css.append("body{width:1200px;margin:0 auto}.main{float:left;width:880px}")
    if "tiny_text" in faults:
        css.append("body,body *{font-size:9px}")
    if "wide_table" in faults or "locked_wide" in faults:
        end += "<h3>事项一览</h3>" + _TABLE
    if "responsive" in faults:
        css.append(".banner{width:1000px;height:60px;background:#c00;color:#fff}"
                   "@media (max-width:600px){.banner{display:none}}")
        top += '<div class="banner">电脑版横幅：欢迎访问门户网站</div>'
    if "small_taps" in faults:
        end += ('<div class="tools">' + "".join(
            f'<button style="width:24px;height:24px;min-width:0;min-height:0;line-height:normal;'
            f'padding:0;margin:0">{c}</button>'
            for c in "大中小简繁听") + "</div>")
    if "hang" in faults:
        end += f'<script async src="{root}m/hang.js"></script>'
    if "dialogs" in faults:
        end += '<script>alert("欢迎访问本网站");confirm("是否切换到长者模式？");</script>'
    if css:
        html = html.replace("</head>", f"<style>{''.join(css)}</style></head>", 1)
    if top:
        html = html.replace('<div class="main">', top + '<div class="main">', 1)
    return html.replace("</body>", end + "</body>", 1) if end else html


def _hang(handler: Any) -> None:
    """Answer nothing for a minute: a script that never arrives (the server stops it)."""
    time.sleep(60)

