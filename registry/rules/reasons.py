"""Reason codes for suspension (§6.3.1.1 a–m) and revocation (§6.3.2.1 a–k)."""
# ruff: noqa: E501  (the rule's texts are kept whole, one per line)

from registry.errors import InvalidInput

SUSPENSION_REASONS = {
    "a": "获证组织因自身原因无法按时接受监督评价、再认证评价，超过规定期限的",
    "b": "发现获证组织服务持续地或严重地不满足认证要求",
    "c": "错误使用认证证书、认证标志，未采取纠正措施的",
    "d": "获证组织被有关执法监管部门责令停业整顿的",
    "e": "获证组织被地方认证监管部门发现服务活动存在问题，需要暂停证书的",
    "f": "持有的行政许可证明、资质证书等过期失效，重新提交的申请已被受理但尚未换证的",
    "g": "获证组织主动请求暂停的",
    "h": "对于监督评价中提出的不符合项，未按规定时限进行纠正且无合理说明的（或纠正措施未被证实有效的）",
    "i": "获证后监督评价或服务认证实施规则规定的年限须抽样测评的结果证明服务活动不符合规定的要求，但不需要立即撤销证书的",
    "j": "由于服务提供者原因，致使不能正常进行抽样的",
    "k": "获证服务发生与一致性有关内容变更（如服务过程、活动或质量体系方面以及可能影响继续提供获证服务能力的任何组织变更，服务能力和服务过程的重大变更等，或认证证书所涉及的内容发生变更（如获证组织名称或地址，获证服务范围等），未及时通知赛西认证并办理相关变更手续的",
    "l": "不承担、履行认证合同约定的责任和义务的",
    "m": "获证组织发生服务活动重大事故",
}

REVOCATION_REASONS = {
    "a": "获证组织被注销或撤销法律地位证明文件的",
    "b": "被国家质量监督检验检疫总局列入质量信用严重失信企业名单",
    "c": "拒绝配合认证监管部门实施的监督检查，或者对有关事项的询问和调查提供了虚假材料或信息的",
    "d": "被暂停认证资格后，未在暂停期限内就存在问题采取相应有效的整改措施的（包括持有的行政许可证明、资质证书等已经过期失效但申请未获批准）",
    "e": "发现获证组织相关管理体系存在严重违反法律法规要求",
    "f": "获证组织发生服务活动重大事故，经执法监管部门确认是获证组织违规造成的",
    "g": "获证组织没有运行服务活动或者因解散、破产、倒闭、经营不善或其它原因已不具备运行条件的",
    "h": "不按相关规定正确引用和宣传获得的认证信息，造成严重影响或后果的，或者赛西认证已要求获证组织纠正但超过 2 个月仍未纠正的",
    "i": "在认证有效期内，由于认证规则发生变更，获证组织不愿符合新要求的",
    "j": "其它严重违反与赛西认证正式协议中的有关规定，已造成了严重影响和后果且经查属实的",
    "k": "获证组织主动要求撤销证书的",
}

# §5.5.5: what the holder tells CESI of, a–d; a and b within 48 hours (a week at most in
# special cases), c and d within a month.
NOTIFICATION_KINDS = {
    "a": "发生服务活动方面的事故或在服务活动方面有重大投诉",
    "b": "提供的服务被质量或市场监管部门认定不合格",
    "c": "相关情况发生变更，可能影响服务能力符合认证要求",
    "d": "出现影响服务能力运行的其他重要情况",
}
URGENT_NOTIFICATIONS = frozenset({"a", "b"})
URGENT_NOTICE_DAYS, SPECIAL_CASE_NOTICE_DAYS, NOTICE_MONTHS = 2, 7, 1
UNNOTIFIED_CHANGE = "k"  # §6.3.1.1 k: a change not notified in time

# §6.3.1.3: a suspension lasts at most 6 months, except while a licence renewal is pending (f).
SUSPENSION_MONTHS = 6
OPEN_ENDED_SUSPENSION = "f"
# §6.3.1.5 / §6.3.2.1 d: a suspension not lifted in time ends in revocation for reason d.
LAPSED_SUSPENSION = "d"
UNCORRECTED = "h"  # §6.3.1.1 h suspends, §6.3.2.1 h revokes, for a correction not made
CORRECTION_DEMAND_MONTHS = 2  # §6.3.2.1 h

# §5.5.8.1: narrowing because part no longer conforms (a) or at the holder's wish (b).
NARROWING_REASONS = {
    "a": "认证范围内部分服务范围、服务场所、区域等不再继续符合认证标准和其他附加要求",
    "b": "认证范围内部分服务范围、服务场所、区域等不愿再继续保持认证资格",
}


def _check(
    code: object, table: dict[str, str], what: str, section: str, field: str = "reason"
) -> str:
    if not isinstance(code, str) or code not in table:
        allowed = f"{min(table)}–{max(table)}"
        raise InvalidInput(
            f"{what} {field} must be one of {allowed} ({section}), not {code!r}", field=field
        )
    return code


def check_suspension_reason(code: object) -> str:
    return _check(code, SUSPENSION_REASONS, "suspension", "§6.3.1.1")


def check_revocation_reason(code: object) -> str:
    return _check(code, REVOCATION_REASONS, "revocation", "§6.3.2.1")


def check_notification_kind(code: object) -> str:
    return _check(code, NOTIFICATION_KINDS, "notification", "§5.5.5", field="kind")


def check_narrowing_reason(code: object) -> str:
    return _check(code, NARROWING_REASONS, "scope narrowing", "§5.5.8.1")


def letters_pattern(table: dict[str, str]) -> str:
    """The regular expression of one reason letter of `table` (its letters are consecutive)."""
    return f"^[{min(table)}-{max(table)}]$"
