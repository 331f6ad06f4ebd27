"""Sandbox article pages: /s/<id> shaped like mp.weixin.qq.com (collection.md §2, §7.8).

Classic pages carry `var ct` and the DOM ids; accounts with extra {"page_style": "cgidatanew"}
get picture posts (item_show_type 8) whose facts live only in window.cgiDataNew. Deleted and
unknown articles answer the interstitials with HTTP 200, as WeChat does; /s/waf-… answers the
anti-bot page.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from datetime import datetime

from govmedia.artifacts import CHINA_TZ
from govmedia.sandbox.server import Request, Response, Route, route
from govmedia.sandbox.world import SandboxAccount, SandboxArticle, World

_HEAD = '<!DOCTYPE html><html><head><meta charset="utf-8">'

DELETED_PAGE = f"""{_HEAD}<title></title></head><body>
<div class="weui-msg"><div class="weui-msg__icon-area"><i class="weui-icon-warn weui-icon_msg-primary"></i></div>
<div class="weui-msg__text-area"><div class="weui-msg__title warn">该内容已被发布者删除</div></div>
<div class="weui-msg__extra-area"><div class="weui-footer"><p class="weui-footer__links"><a class="weui-footer__link" href="https://mp.weixin.qq.com/webpoc/ruleCenter?type=oa">微信公众平台运营中心</a></p></div></div></div>
</body></html>"""  # noqa: E501

UNAVAILABLE_PAGE = f"""{_HEAD}<title>该内容暂时无法查看</title></head><body><div class="panel">
<div class="mesg-block"><p>该内容暂时无法查看</p></div></div></body></html>"""

WAF_PAGE = f"""{_HEAD}<title></title></head><body class="zh_CN ">
<div class="weui-msg"><div class="weui-msg__text-area pc-area"><h2 class="weui-msg__title">环境异常</h2>
<p class="weui-msg__desc">当前环境异常，完成验证后即可继续访问。</p></div>
<div class="weui-msg__opr-area"><p class="weui-btn-area"><a class="weui-btn weui-btn_primary" id="js_verify">去验证</a></p></div></div>
</body></html>"""  # noqa: E501


def _ids(acc: SandboxAccount, art: SandboxArticle) -> dict[str, str]:
    number = int(acc.slug, 16) % 10**10
    return {
        "biz": base64.b64encode(str(3000000000 + number).encode()).decode(),
        "user_name": f"gh_{acc.slug[:12]}",
        "sn": hashlib.md5(art.id.encode()).hexdigest(),
        # extra {"comments": false}: 留言 is not open on the account's articles (comment_id 0).
        "comment_id": "0" if acc.extra.get("comments") is False
        else str(int(hashlib.sha1(art.id.encode()).hexdigest(), 16) % 10**19 or 1),
    }


def _js(text: str) -> str:
    """Return text as the body of a single-quoted JS string, escaped the way WeChat does."""
    out = []
    for ch in text:
        if ch in "\\'\"<>&" or ord(ch) < 0x20:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def plain_text(body: str) -> str:
    """Return an HTML body as plain text, one line per paragraph."""
    text = re.sub(r"<(?:br|/p|/div|/section|/h\d)\s*/?>", "\n", body, flags=re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def _unix(when: datetime) -> int:
    return int(when.timestamp())


def classic_page(world: World, acc: SandboxAccount, art: SandboxArticle) -> str:
    """Return a classic article page (item_show_type 0) for art."""
    ids, e = _ids(acc, art), html.escape
    link = world.article_url(art)
    digest = plain_text(art.body)[:54]
    logo = ('<span id="copyright_logo" class="wx_tap_link js_wx_tap_highlight rich_media_meta '
            'icon_appmsg_tag appmsg_title_tag weui-wa-hotarea">原创</span>' if art.original else "")
    ct = _unix(art.sent_at)
    return f"""{_HEAD}
<meta name="description" content="{e(digest)}" /><meta name="author" content="{e(art.author)}" />
<meta property="og:title" content="{e(art.title)}" /><meta property="og:url" content="{e(link)}" />
<meta property="og:description" content="{e(digest)}" />
<meta property="og:site_name" content="微信公众平台" /><meta property="og:type" content="article" />
<title></title>
<script type="text/javascript" nonce="1">var biz = "{ids['biz']}" || ""; var sn = "{ids['sn']}" || "" || ""; var mid = "{art.mid}" || "" || ""; var idx = "{art.idx}" || "" || "";</script>
</head><body>
<div id="js_article" class="rich_media"><div id="page-content" class="rich_media_area_primary"><div id="img-content" class="rich_media_wrp">
<h1 class="rich_media_title " id="activity-name"> {e(art.title)}</h1>
<div id="meta_content" class="rich_media_meta_list">{logo}
<span class="rich_media_meta rich_media_meta_text"> {e(art.author)} </span>
<span class="rich_media_meta rich_media_meta_nickname" id="profileBt"><a href="javascript:void(0);" id="js_name"> {e(acc.name)} </a></span>
<span id="meta_content_hide_info"><em id="publish_time" class="rich_media_meta rich_media_meta_text"></em></span></div>
<div class="rich_media_content js_underline_content" id="js_content" style="visibility: hidden; opacity: 0; ">
{art.body}
</div></div></div></div>
<script type="text/javascript" nonce="1">
var item_show_type = "0"; var real_item_show_type = "0"; var appmsg_type = "9";
var create_time = "{ct}" * 1; var _copyright_stat = "{1 if art.original else 0}"; var nickname = htmlDecode("{e(acc.name)}");
var ct = "{ct}"; var user_name = "{ids['user_name']}";
var msg_title = '{e(art.title)}'.html(false); var msg_desc = htmlDecode("{e(digest)}");
var msg_link = "{e(link)}"; var msg_source_url = '';
var appmsgid = "{art.mid}" || '' || ''; var comment_id = '{ids['comment_id']}' || '0';
var author = "{e(art.author)}"; var copyright_stat = "{1 if art.original else 0}" * 1; var svr_time = "{_unix(world.now)}" * 1;
</script></body></html>"""  # noqa: E501


def picture_page(world: World, acc: SandboxAccount, art: SandboxArticle) -> str:
    """Return a picture post (item_show_type 8): no var ct, only window.cgiDataNew."""
    ids = _ids(acc, art)
    sent = art.sent_at.astimezone(CHINA_TZ)
    pictures = re.findall(r"<img[^>]*\b(?:data-src|src)=\"([^\"]+)\"", art.body) or [
        f"https://mmbiz.qpic.cn/mmbiz_jpg/SANDBOX{art.id[:8]}/0?wx_fmt=jpeg"]
    picture_list = ", ".join(f"{{ cdn_url: JsDecode('{_js(p)}'), width: '1080' * 1 }}"
                             for p in pictures)
    return f"""{_HEAD}<meta property="og:title" content="{html.escape(art.title)}" />
<title></title></head><body>
<div id="js_image_content" class="wx_follow_context"></div>
<script type="text/javascript" h5only>
window.cgiDataNew = {{ base_resp: {{ ret: '0' * 1, errmsg: JsDecode('ok'), wxtoken: '777' * 1 }},
  title: JsDecode('{_js(art.title)}'), nick_name: JsDecode('{_js(acc.name)}'), user_name: JsDecode('{ids['user_name']}'),
  create_time: JsDecode('{sent:%Y-%m-%d %H:%M}'), ori_send_time: '{_unix(art.sent_at)}' * 1, ori_create_time: '{_unix(art.sent_at)}' * 1,
  svr_time: '{_unix(world.now)}' * 1, item_show_type: '8' * 1, mid: '{art.mid}' * 1, idx: '{art.idx}' * 1,
  copyright_stat: '{1 if art.original else 0}' * 1, author: JsDecode('{_js(art.author)}'),
  link: JsDecode('{_js(world.article_url(art))}'), comment_id: JsDecode('{ids['comment_id']}'),
  content_noencode: JsDecode('{_js(plain_text(art.body))}'),
  picture_page_info_list: [ {picture_list} ],
  ip_wording: {{ country_name: JsDecode('中国'), province_name: JsDecode('{_js(acc.province)}') }} }};
</script></body></html>"""  # noqa: E501


def _page(world: World, short_id: str) -> Response:
    found = world.article(short_id)
    if found is None:
        return Response(200, UNAVAILABLE_PAGE)
    acc, art = found
    if art.deleted:
        return Response(200, DELETED_PAGE)
    if acc.extra.get("page_style") == "cgidatanew":
        return Response(200, picture_page(world, acc, art))
    return Response(200, classic_page(world, acc, art))


def routes(world: World) -> list[Route]:
    """Return the routes serving the world's public article pages under /s/."""

    def waf(_req: Request) -> Response:
        return Response(200, WAF_PAGE)

    def page(req: Request) -> Response:
        assert req.match is not None
        return _page(world, req.match.group("id"))

    return [route("GET", r"/s/waf-[^/]*", waf), route("GET", r"/s/(?P<id>[^/]+)", page)]
