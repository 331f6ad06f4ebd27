"""Wording rules on plain text: each lexicon kind, near misses, enumerations, dates, 原…."""

from datetime import date

import pytest

from govmedia.wording.lexicon import builtin_lexicon, with_words
from govmedia.wording.rules import scan

D2024 = date(2024, 6, 1)


def found(text, published=D2024, lexicon=None):
    return [(h.check, h.text, h.suggestion) for h in scan(text, published, lexicon)]


@pytest.mark.parametrize(("text", "wrong"), [
    ("热烈庆祝中华人民共合国成立75周年", "中华人民共合国"),  # same-sound character
    ("中华人名共和国成立以来", "中华人名共和国"),
    ("学习《中国人民共和国宪法》", "中国人民共和国"),  # a listed wrong form
    ("依据《中华人民共国劳动法》", "中华人民共国"),  # a dropped character
    ("中华民人共和国", "中华民人共和国"),  # swapped characters
    ("中华入民共和国", "中华入民共和国"),  # similar shape (人/入)
    ("深入学习习近平新时代中国特色社会主意思想", "习近平新时代中国特色社会主意思想"),
    ("坚持习近平新时代中国特社会主义思想", "习近平新时代中国特社会主义思想"),  # two-edit search
    ("学习习近平新时代中国特色社会主义理论", "习近平新时代中国特色社会主义理论"),
    ("共建一代一路", "一代一路"),
    ("全心全义为人民服务", "全心全义为人民服务"),
])
def test_serious_errors_found_with_canonical_suggestion(text, wrong):
    hits = found(text)
    assert [h[:2] for h in hits] == [("wording.serious_error", wrong)]
    assert hits[0][2] in ("中华人民共和国", "习近平新时代中国特色社会主义思想", "一带一路",
                          "全心全意为人民服务")


@pytest.mark.parametrize("text", [
    "中华人民共和国成立75周年",
    "以习近平新时代中国特色社会主义思想为指导，坚持中国特色社会主义道路",
    "全面建设社会主义现代化国家，建成社会主义现代化强国",
    "科学发展关键在于转变发展方式",
    "推动构建人类命运共同体，弘扬全人类共同价值：和平、发展、公平、正义、民主、自由",
    "副县长胡和平、县委常委张人民、退休干部王共和和李建国出席",  # people's names
    "中共中央政治局常委习近平、李强、赵乐际、王沪宁、蔡奇、丁薛祥、李希出席大会",
    "“一带一路”倡议、“一国两制”、“港人治港”、“澳人治澳”",
])
def test_correct_canonical_texts_and_names_are_clean(text):
    assert found(text) == []


@pytest.mark.parametrize(("text", "wrong", "right"), [
    ("坚定道路自信、理论自信、制度自信、文明自信", "文明自信", "文化自信"),
    ("增强政治意识、大局意识、中心意识、看齐意识", "中心意识", "核心意识"),
    ("坚持创新、协调、绿色、开发、共享的新发展理念", "开发", "开放"),
    ("倡导富强、民主、文明、和谐，倡导自由、平等、公平、法治，倡导爱国、敬业、诚信、友善",
     "公平", "公正"),
])
def test_enumeration_with_a_wrong_member(text, wrong, right):
    assert found(text) == [("wording.serious_error", wrong, right)]


def test_enumeration_with_a_missing_member_after_its_label():
    [(check, _, suggestion)] = found("“四个自信”即道路自信、理论自信、制度自信。")
    assert check == "wording.serious_error" and suggestion.endswith("文化自信")


def test_enumeration_out_of_order():
    [(_, span, suggestion)] = found("统筹推进经济建设、政治建设、文化建设、生态文明建设、社会建设")
    assert suggestion == "经济建设、政治建设、文化建设、社会建设、生态文明建设"
    assert span.startswith("经济建设")


@pytest.mark.parametrize("text", [
    "坚定道路自信、理论自信、制度自信、文化自信",
    "坚定道路自信、理论自信、制度自信",  # the 三个自信 of before 2016, no label: not judged
    "坚持创新、协调、绿色、开放、共享、安全发展",  # an extended list
    "增强“四个意识”、坚定“四个自信”、做到“两个维护”",
])
def test_enumerations_that_are_right(text):
    assert found(text) == []


def test_former_member_of_four_comprehensives_depends_on_the_date():
    text = "协调推进全面建成小康社会、全面深化改革、全面依法治国、全面从严治党战略布局"
    assert found(text, date(2019, 5, 1)) == []
    assert found(text, D2024) == [("wording.outdated_name", "全面建成小康社会",
                                   "全面建设社会主义现代化国家")]


@pytest.mark.parametrize(("text", "old"), [
    ("市环保局联合公安部门开展夜查行动", "环保局"),
    ("县国土资源局开展督察", "国土资源局"),
    ("国家卫计委发布提示", "国家卫计委"),
    ("据中国农业部统计", "农业部"),
    ("银保监局提示风险", "银保监局"),
])
def test_outdated_names_after_the_change(text, old):
    assert [h[:2] for h in found(text)] == [("wording.outdated_name", old)]


@pytest.mark.parametrize(("text", "published"), [
    ("县国土资源局开展督察", date(2017, 6, 1)),  # dated before the reform
    ("国土资源部发布通知", date(2017, 6, 1)),
    ("银保监局提示风险", date(2020, 8, 8)),  # before 2023-05-18
    ("原市环保局局长被开除党籍", D2024),  # 原…
    ("2018年，县国土资源局更名为县自然资源局", D2024),  # a historical sentence
    ("《国家卫生计生委关于印发…的通知》继续有效", D2024),  # a document title
    ("美国农业部发布全球农产品供需预测", D2024),  # a foreign body
    ("市生态环境局、县农业农村局、区市场监督管理局", D2024),
    ("县国土资源局开展督察", None),  # no date: not judged
])
def test_old_names_that_are_not_outdated(text, published):
    assert found(text, published) == []


@pytest.mark.parametrize(("text", "check", "word"), [
    ("他到基层当了一名村官", "wording.sensitive", "村官"),
    ("解放前这里是一片荒滩", "wording.sensitive", "解放前"),
    ("加强两岸三地交流", "wording.sensitive", "两岸三地"),
    ("南中国海局势", "wording.sensitive", "南中国海"),
    ("吸引港澳台游客来华旅游", "wording.sensitive", "来华"),
    ("坚决反对台独分裂行径", "wording.sensitive", "台独"),
    ("据报道，台湾总统选举结果揭晓", "wording.serious_error", "台湾总统"),
    ("产品远销美国、日本、台湾等国家", "wording.serious_error", "台湾等国家"),
    ("请将转发截图发至工作群", "wording.formalism", "转发截图"),
    ("请各单位于本周五前转发本文并上传截图", "wording.formalism", "上传截图"),
    ("请各单位于本周五前转发本文并报送转发数量", "wording.formalism", "报送转发数量"),
])
def test_word_rules(text, check, word):
    hits = found(text)
    assert len(hits) == 1 and hits[0][0] == check and hits[0][1].endswith(word)


@pytest.mark.parametrize("text", [
    "大学生村官计划", "解放路街道", "坚决反对“台独”分裂行径", "与美国、台湾等国家和地区贸易",
    "香港特别行政区维护国家安全条例", "欢迎广大市民转发", "全市网红打卡地游客增长",
    "现将《通知》转发给你们，请于6月15日前报送落实情况", "关注民生、关注基层，按时报送统计表",
    "请各单位认真转发学习，按要求做好工作。",
])
def test_word_rules_do_not_fire_on_ordinary_uses(text):
    assert found(text) == []


def test_formalism_sentence_rule_needs_an_order_and_a_proof():
    hits = found("请全体党员每天为本文点赞、转发，纳入年度考核。")
    assert [h[0] for h in hits] == ["wording.formalism"]


def test_user_words_are_reported_as_sensitive():
    lexicon = with_words(builtin_lexicon(), ("某某项目",))
    assert found("推进某某项目建设", lexicon=lexicon) == [("wording.sensitive", "某某项目", "")]


def test_offsets_point_into_the_text():
    text = "第一段。\n今年是中华人民共合国成立75周年。"
    [hit] = scan(text, D2024)
    assert text[hit.start:hit.end] == hit.text == "中华人民共合国"
    assert hit.severity == "veto" and "待人工复核" in hit.message
