"""The one table of checks: id → function, what it needs, what it is about.

A check is a pure function `(AccountArtifacts, CheckContext) -> list[Finding]`. It raises
NotChecked(reason) when it cannot reach a verdict; the runner records that as a result,
never as a pass. Adding a check is one function and one row here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from govmedia.artifacts import AccountArtifacts
from govmedia.checks import (
    columns,
    content,
    freshness,
    interaction,
    links,
    menu,
    mobile,
    practice,
    privacy,
    security,
    wording,
)
from govmedia.findings import CheckResult, Finding, NotChecked


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a check may know besides the artifacts: the inspection time and its parameters."""

    as_of: datetime
    params: Mapping[str, Any] = field(default_factory=dict)

    def param(self, name: str, default: Any) -> Any:
        return self.params.get(name, default)


CheckFunc = Callable[[AccountArtifacts, CheckContext], list[Finding]]
_PRACTICE_BASIS = "评估报告2024 五、亮点做法总结（积极做法，不计分）"


@dataclass(frozen=True, slots=True)
class CheckSpec:
    id: str
    func: CheckFunc
    title: str  # Chinese, shown in reports
    basis: str  # the document and clause the check enforces
    severity: str  # default severity of its findings


CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("freshness.no_update_2w", freshness.no_update_2w, "内容不更新（2周）",
              "国办秘函〔2019〕19号 单项否决：监测时间点前2周内无更新", "veto"),
    CheckSpec("freshness.warning", freshness.warning, "即将触发内容不更新",
              "预警：距单项否决前数日提醒", "warn"),
    CheckSpec("freshness.no_update_1w", freshness.no_update_1w, "内容更新不及时（1周）",
              "省级检查扣分项（如江苏/连云港2023：7日内无更新扣分）", "deduct"),
    CheckSpec("link.dead", links.dead, "链接不可用",
              "评估报告2024 六、（五）链接不可用；江苏/连云港2023 功能无法使用扣分", "deduct"),
    CheckSpec("link.error_page", links.error_page, "链接打开错误页面",
              "评估报告2024 六、（五）错误链接（页面不存在、访问出错、空白页）", "deduct"),
    CheckSpec("link.login_wall", links.login_wall, "公开信息须登录查看",
              "国办发〔2018〕123号 不得超范围收集个人信息；评估报告2024 六、（六）过度收集用户信息",
              "deduct"),
    CheckSpec("link.label_mismatch", links.label_mismatch, "菜单名称与链接页面不符",
              "评估报告2024 六、（五）“厅长信箱链到办事服务”", "deduct"),
    CheckSpec("link.unverifiable", links.unverifiable, "未能自动核验的菜单与链接",
              "小程序、事件类菜单及限流页面需人工核验（不计分）", "info"),
    CheckSpec("freshness.stale_column", columns.stale_column, "栏目长期不更新",
              "国办秘函〔2019〕19号 栏目更新要求（动态类2周、通知公告和政策文件类6个月）；"
              "评估报告2024 六、（四）", "deduct"),
    CheckSpec("freshness.batch_update", columns.batch_update, "栏目集中批量更新",
              "评估报告2024 六、（四）“集中某个时间点批量更新”", "warn"),
    CheckSpec("content.outdated_service", content.outdated_service, "保留已停止的服务",
              "评估报告2024 六、（三）(2) 内容发布过时（核酸检测结果查询等）", "deduct"),
    CheckSpec("security.hacked_content", security.hacked_content, "网页被植入有害内容",
              "国办秘函〔2019〕19号 单项否决：安全、泄密事故等严重问题（网页被篡改）", "veto"),
    CheckSpec("wording.serious_error", wording.serious_error, "严重表述错误",
              "国办秘函〔2019〕19号 单项否决：安全、泄密事故等严重问题（严重表述错误）；"
              "评估报告2024 六、（三）(1)", "veto"),
    CheckSpec("wording.outdated_name", wording.outdated_name, "使用已变更的机构或服务名称",
              "评估报告2024 六、（三）地名和机构名称错误；2018、2023年党和国家机构改革", "deduct"),
    CheckSpec("wording.sensitive", wording.sensitive, "敏感词与不规范表述",
              "评估报告2024 六、（三）敏感词和时政短语不规范表述；新华社禁用词和慎用词", "warn"),
    CheckSpec("wording.formalism", wording.formalism, "指尖上的形式主义",
              "《关于防治“指尖上的形式主义”的若干意见》（评估报告2024 附件1第10项）", "warn"),
    CheckSpec("privacy.personal_info", privacy.personal_info, "泄露个人信息",
              "《中华人民共和国个人信息保护法》；《政府信息公开条例》第十五条（个人隐私不得公开）",
              "deduct"),
    CheckSpec("menu.missing_function", menu.missing_function, "功能定位缺项",
              "国办发〔2018〕123号 二、功能定位；评估报告2024 六、（二）功能定位普遍缺项",
              "deduct"),
    CheckSpec("menu.disorder", menu.disorder, "菜单设置混乱",
              "评估报告2024 六、（一）菜单设置不规范（互动交流置于便民服务菜单等）", "deduct"),
    CheckSpec("menu.website_only", menu.website_only, "菜单只链接门户网站",
              "评估报告2024 六、（一）菜单设置不规范（只设置“门户网站”等菜单）", "deduct"),
    CheckSpec("interaction.no_channel", interaction.no_channel, "未提供有效互动功能",
              "国办秘函〔2019〕19号 单项否决：互动回应差（未提供有效互动功能）", "veto"),
    CheckSpec("practice.smart_qa", practice.smart_qa, "亮点做法：智能问答",
              _PRACTICE_BASIS, "info"),
    CheckSpec("practice.qa_library", practice.qa_library, "亮点做法：答问知识库",
              _PRACTICE_BASIS, "info"),
    CheckSpec("practice.snapshot_report", practice.snapshot_report, "亮点做法：随手拍",
              _PRACTICE_BASIS, "info"),
    CheckSpec("practice.elder_mode", practice.elder_mode, "亮点做法：长者模式",
              _PRACTICE_BASIS, "info"),
    CheckSpec("practice.search", practice.search, "亮点做法：智能搜索",
              _PRACTICE_BASIS, "info"),
    CheckSpec("practice.voice", practice.voice, "亮点做法：语音播报",
              _PRACTICE_BASIS, "info"),
    CheckSpec("practice.service_collection", practice.service_collection, "亮点做法：主题服务",
              _PRACTICE_BASIS, "info"),
    CheckSpec("practice.map_search", practice.map_search, "亮点做法：地图查询",
              _PRACTICE_BASIS, "info"),
    CheckSpec("practice.calculator", practice.calculator, "亮点做法：计算器",
              _PRACTICE_BASIS, "info"),
    CheckSpec("practice.live", practice.live, "亮点做法：微直播",
              _PRACTICE_BASIS, "info"),
    CheckSpec("mobile.no_viewport", mobile.no_viewport, "页面未适配手机（视口）",
              "评估报告2024 六、移动端适配（页面过宽、文字过小）；Lighthouse viewport",
              "deduct"),
    CheckSpec("mobile.too_wide", mobile.too_wide, "页面宽度超出手机屏幕",
              "评估报告2024 六、移动端适配（页面过宽、内容显示不全）；Lighthouse content-width",
              "deduct"),
    CheckSpec("mobile.small_text", mobile.small_text, "手机上文字过小",
              "评估报告2024 六、移动端适配（文字过小）；Lighthouse font-size（≥60%文字不小于12px）",
              "deduct"),
    CheckSpec("mobile.tap_targets", mobile.tap_targets, "可点击元素过小过密",
              "移动端适配；Lighthouse tap-targets（48×48px，重叠比例25%）", "warn"),
    CheckSpec("mobile.render_issues", mobile.render_issues, "手机端打开异常",
              "移动端适配：页面超时、崩溃或弹出对话框（不计分）", "info"),
)


def check_table(extra: Iterable[CheckSpec] = ()) -> dict[str, CheckSpec]:
    """Return the check table by id, built-ins first, then any extra specs given."""
    table: dict[str, CheckSpec] = {}
    for spec in (*CHECKS, *extra):
        if spec.id in table:
            raise ValueError(f"check id registered twice: {spec.id}")
        table[spec.id] = spec
    return table


def run_check(spec: CheckSpec, artifacts: AccountArtifacts, ctx: CheckContext) -> CheckResult:
    """Return the result of one check; NotChecked becomes status not_checked."""
    try:
        found = spec.func(artifacts, ctx)
    except NotChecked as exc:
        return CheckResult(spec.id, "not_checked", reason=str(exc))
    findings = tuple(
        f if f.account is not None else _with_account(f, artifacts.account.name) for f in found
    )
    return CheckResult(spec.id, "fail" if findings else "ok", findings)


def _with_account(f: Finding, name: str) -> Finding:
    return Finding(f.check, f.severity, f.message, f.target, f.evidence, f.suggestion, name)
