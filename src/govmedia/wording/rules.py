"""The wording rules over one plain text: one automaton pass, then each rule on its matches.

`scan(text, published)` returns the hits of every rule, sorted by offset, overlaps resolved
(a known wrong form beats a generated variant, which beats a two-edit near miss). The
publication date decides the renames: an old name is only outdated in a text dated on or
after the change, and never when the mention is historical (context.historical).
"""

from __future__ import annotations

from datetime import date

from govmedia.wording import context, enums, nearmiss
from govmedia.wording.hits import FORMALISM, OUTDATED, SENSITIVE, SERIOUS, Hit, make_hit
from govmedia.wording.lexicon import Lexicon, builtin_lexicon
from govmedia.wording.matcher import (
    ALLOW,
    ANCHOR,
    ENUM,
    FORM_ACTION,
    FORM_PHRASE,
    PIECE,
    RENAME,
    VARIANT,
    WORD,
    WRONG,
    build_matcher,
    collect,
)
from govmedia.wording.variants import is_cjk

# Foreign bodies keep their names (美国农业部, 泰国国家旅游局): no rename applies after these.
FOREIGN = ("美国", "英国", "法国", "德国", "日本", "韩国", "朝鲜", "俄罗斯", "澳大利亚", "加拿大",
           "意大利", "印度", "巴西", "荷兰", "以色列", "泰国", "新加坡", "新西兰", "西班牙", "外国",
           "各国", "该国", "瑞士", "瑞典", "越南", "老挝", "柬埔寨", "蒙古国", "联邦", "州")
_LIST_CHARS = set("、和及与等")
_NOT_COUNTRY = ("和地区", "或地区", "（地区）", "(地区)", "和区域", "地区", "安全", "级", "机关",
                "部委", "标准", "政策", "战略", "重点", "重大", "利益", "主权", "统一", "认可")
_PRIORITY = {"wrong": 0, "word": 0, "enum": 1, "variant": 2, "piece": 3}


def _before(text: str, start: int, words: tuple[str, ...]) -> bool:
    return any(text.endswith(w, 0, start) for w in words)


def _after(text: str, end: int, words: tuple[str, ...]) -> bool:
    return any(text.startswith(w, end) for w in words)


def _inside(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    return any(a <= s and e <= b for a, b in spans)


def _overlaps(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    return any(a < e and s < b for a, b in spans)


def _serious(lx: Lexicon, text: str, b: list[list[tuple[int, int, int, object]]]
             ) -> list[tuple[str, Hit]]:
    allowed = [(s, e) for s, e, _, _ in b[ALLOW]]
    exact: dict[int, list[tuple[int, int]]] = {}
    for s, e, idx, _ in b[ALLOW]:
        exact.setdefault(idx, []).append((s, e))
    out: list[tuple[str, Hit]] = []
    for s, e, idx, _ in b[WRONG]:
        if _inside(allowed, s, e) and not any(a == s and bb == e for a, bb in allowed):
            continue
        canon = lx.canonicals[idx].text
        out.append(("wrong", make_hit(SERIOUS, text, s, e, canon,
                                      f"规范表述应为“{canon}”", "canonical")))
    for s, e, idx, note in b[VARIANT]:
        if _inside(allowed, s, e) or _overlaps(exact.get(idx, []), s, e):
            continue
        canon = lx.canonicals[idx].text
        out.append(("variant", make_hit(SERIOUS, text, s, e, canon,
                                        f"疑似错字：{note}，规范表述为“{canon}”", "near_miss")))
    for s, _e, idx, offset in b[PIECE]:
        canon = lx.canonicals[idx].text
        found = nearmiss.verify(text, s, int(offset), canon, lx.shape_pairs)
        if found is None:
            continue
        fs, fe, note = found
        if _overlaps(exact.get(idx, []), fs, fe) or _inside(allowed, fs, fe):
            continue
        out.append(("piece", make_hit(SERIOUS, text, fs, fe, canon,
                                      f"疑似错字：{note}，规范表述为“{canon}”", "near_miss")))
    return out


def _renames(lx: Lexicon, text: str, matches: list[tuple[int, int, int, object]],
             allowed: list[tuple[int, int]], published: date | None) -> list[tuple[str, Hit]]:
    if published is None:
        return []
    out = []
    longer = [(s, e) for s, e, _, _ in matches] + allowed
    for s, e, idx, _ in matches:
        if any(a <= s and e <= b and b - a > e - s for a, b in longer):
            continue  # 保监局 inside 银保监局: the longer name decides
        r = lx.renames[idx]
        if published < r.date or _before(text, s, r.unless_before) or _after(
                text, e, r.unless_after) or _before(text, s, FOREIGN):
            continue
        if context.historical(text, s, e, r.date):
            continue
        kind = "服务名称" if r.level == "service" else "机构名称"
        out.append(("word", make_hit(
            OUTDATED, text, s, e, r.new,
            f"{kind}已变更：自{r.date.isoformat()}起“{r.old}”应为“{r.new}”；"
            f"如指原机构请写作“原{r.old}”", r.level)))
    return out


def _words(lx: Lexicon, text: str, matches: list[tuple[int, int, int, object]]
           ) -> list[tuple[str, Hit]]:
    out = []
    for s, e, idx, _ in matches:
        w = lx.words[idx]
        if _before(text, s, w.unless_before) or _after(text, e, w.unless_after):
            continue
        if w.quoted_ok and context.quoted_or_titled(text, s, e):
            continue
        message = f"{w.category}：“{w.word}”" + (f"，{w.note}" if w.note else "")
        if w.suggestion:
            message += f"，建议改为“{w.suggestion}”"
        out.append(("word", make_hit(w.check, text, s, e, w.suggestion, message, w.category)))
    return out


def _hmt(text: str, matches: list[tuple[int, int, int, object]]) -> list[tuple[str, Hit]]:
    """香港、美国等国家 (HK/Macau/Taiwan listed as countries); 港澳台…来华; bare 台独."""
    out = []
    for s, e, _, word in matches:
        if word in ("香港", "澳门", "台湾"):
            hit = _listed_as_country(text, s, e)
            if hit:
                out.append(("word", hit))
        elif word == "来华" and any(c in text[max(0, s - 12):s] for c in "港澳台"):
            out.append(("word", make_hit(SENSITIVE, text, s, e, "来大陆（内地）",
                                         "涉港澳台表述：港澳台居民应写“来大陆（内地）”，不写“来华”",
                                         "涉港澳台表述")))
        elif word == "台独" and not context.enclosed(text, s, e, "“", "”", 4):
            out.append(("word", make_hit(SENSITIVE, text, s, e, "“台独”",
                                         "涉港澳台表述：“台独”须加引号", "涉港澳台表述")))
    return out


def _listed_as_country(text: str, s: int, e: int) -> Hit | None:
    _, stop = context.sentence(text, s, e, limit=30)
    i = e
    while i < stop and (is_cjk(text[i]) or text[i] in _LIST_CHARS):
        if text.startswith("国家", i) and text[i - 1] == "等":
            if text.startswith(_NOT_COUNTRY, i + 2):
                return None
            return make_hit(SERIOUS, text, s, i + 2, "国家和地区",
                            "香港、澳门、台湾不是国家，与国家并列时应写“国家和地区”", "hmt_list")
        i += 1
    return None


def _formalism(lx: Lexicon, text: str, b: list[list[tuple[int, int, int, object]]]
               ) -> list[tuple[str, Hit]]:
    f = lx.formalism
    out = [("word", make_hit(FORMALISM, text, s, e, "删除该要求",
                             f"指尖上的形式主义：“{phrase}”", "phrase"))
           for s, e, _, phrase in b[FORM_PHRASE]]
    done = [h.start for _, h in out]
    unless = dict(f.action_unless_after)
    seen: set[tuple[int, int]] = set()
    for s, e, _, action in b[FORM_ACTION]:
        if _after(text, e, unless.get(str(action), ())) or _before(text, s, ("《", "〈")):
            continue
        ss, se = context.sentence(text, s, e)
        if (ss, se) in seen or any(ss <= d < se for d in done):
            continue
        sent = text[ss:se]
        if any(o in sent for o in f.orders) and any(p in sent for p in f.proofs):
            seen.add((ss, se))
            out.append(("word", make_hit(
                FORMALISM, text, ss, se, "不得要求关注、点赞、转发、打卡或截图报送",
                "指尖上的形式主义：要求关注、点赞、转发、打卡并截图、统计或排名", "sentence")))
    return out


def scan(text: str, published: date | None = None, lexicon: Lexicon | None = None) -> list[Hit]:
    """Return every wording hit in text, sorted by offset, overlapping hits resolved."""
    lx = lexicon or builtin_lexicon()
    b = collect(build_matcher(lx), text)
    found = _serious(lx, text, b) + _renames(
        lx, text, b[RENAME], [(s, e) for s, e, _, _ in b[ALLOW]], published)
    found += _words(lx, text, b[WORD]) + _hmt(text, b[ANCHOR]) + _formalism(lx, text, b)
    if b[ENUM]:
        by_enum: dict[int, list[int]] = {}
        for s, _e, idx, _ in b[ENUM]:
            by_enum.setdefault(idx, []).append(s)
        for idx, positions in by_enum.items():
            enum = lx.enumerations[idx]
            for ss, se in enums.sentences(text, positions):
                found += [("enum", h) for h in enums.check(enum, text, ss, se, published)]
    found.sort(key=lambda kh: (_PRIORITY[kh[0]], kh[1].start, -(kh[1].end - kh[1].start)))
    kept: list[Hit] = []
    spans: dict[str, list[tuple[int, int]]] = {}
    for _kind, hit in found:
        same = spans.setdefault(hit.check, [])
        if _overlaps(same, hit.start, hit.end):
            continue
        same.append((hit.start, hit.end))
        kept.append(hit)
    kept.sort(key=lambda h: (h.start, h.end, h.check))
    return kept
