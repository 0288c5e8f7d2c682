"""The OpenAPI examples of the request and response models (api/models.py): one per body,
with the dates of a certificate's life from its issue on 2026-05-11."""

from typing import Any

Example = dict[str, Any]  # a JSON document, as a client would send or receive it


def schema(example: Example, *more: Example) -> dict[str, Any]:
    """The `json_schema_extra` of a model whose examples are `example` and `more`."""
    return {"examples": [example, *more]}


# §5.3.5 Table 1: a level 3 evaluation, all eight function modules and the platform met.
EVALUATION_3: Example = {
    "functions_met": ["1", "2", "3", "4", "5", "6", "7", "8"],
    "platform_met": True,
    "not_met": 1,
    "partially_met": 20,
    "fully_met": 84,
    "report_ref": "TR-2026-031",
}

ISSUE: Example = {
    "holder": {
        "name": "深圳市定制家居科技有限公司",
        "name_en": "Shenzhen Custom Home Technology Co., Ltd.",
        "uscc": "91440300708461136T",
        "address": "广东省深圳市南山区科技园南区 1 号",
    },
    "level": 3,
    "scope": {
        "sites": [
            {
                "address": "广东省深圳市南山区科技园南区 1 号",
                "activities": ["全屋定制家具的设计与交付"],
                # §6 g: the English certificate's scope, with holder.name_en
                "address_en": "No. 1, South Zone, Science Park, Nanshan, Shenzhen, Guangdong",
                "activities_en": ["Design and delivery of whole-house custom furniture"],
            }
        ]
    },
    "decision_date": "2026-05-11",
    "person_days": 5,
    "evaluation": EVALUATION_3,
    "application_date": "2026-02-02",
    "acceptance_date": "2026-02-06",
    "papers_received_date": "2026-04-27",
    "signatory": "陈签发",
}

SURVEILLANCE: Example = {
    "date": "2027-03-02",
    "person_days": 2.5,
    "management_audit": True,
    "characteristic_evaluation": True,
    "clauses": ["A.1.01", "A.1.02", "B.1.01"],
    "outcome": "conforming",
    "report_ref": "SR-2027-014",
    "evaluation": EVALUATION_3 | {"report_ref": "TR-2027-014"},
    "team": {
        "auditors": [{"name": "王审查", "days": 1.5}, {"name": "李审查", "days": 1}],
        "technical_experts": ["张专家"],
        "observers": [],
    },
    "sites_sampled": ["广东省深圳市南山区科技园南区 1 号"],
    "content_items": ["1", "2", "3", "4", "5", "6", "7"],
}
NONCONFORMING: Example = SURVEILLANCE | {
    "outcome": "nonconforming",
    "corrective_deadline": "2027-05-31",
    "nonconformities": [
        {
            "id": "NC-2027-014-1",
            "clause": "B.8.03",
            "description": "售后投诉处理记录不完整",
            "deadline": "2027-05-31",
        }
    ],
}
NOTIFICATION: Example = {
    "kind": "c",
    "what": "生产场所由东莞市松山湖 8 号迁至东莞市松山湖 18 号",
    "occurred_on": "2027-04-01",
    "effective_date": "2027-04-20",
    "special_case": False,
}
CASE: Example = {
    "case_id": "TS-2027-003",
    "kind": "complaint",
    "summary": "客户投诉定制家具交付延误且售后无响应",
    "effective_date": "2027-06-02",
}
CASE_ACKNOWLEDGEMENT: Example = {"case_id": "TS-2027-003", "effective_date": "2027-06-03"}
CASE_CLOSURE: Example = {
    "case_id": "TS-2027-003",
    "decision": "经调查投诉属实，已要求获证组织纠正并在下次监督中验证",
    "effective_date": "2027-06-20",
}
CORRECTIVE_ACTION: Example = {
    "nonconformity_id": "NC-2027-014-1",
    "effective_date": "2027-05-20",
    "evidence_ref": "CA-2027-014-1",
}

SCOPE_NARROWING: Example = {
    "reason": "b",
    "remove_sites": ["广东省东莞市松山湖 8 号"],
    "approval_ref": "技委〔2027〕9号",
    "effective_date": "2027-04-01",
}

SCOPE_EXTENSION: Example = {
    "add_sites": [
        {
            "address": "江苏省苏州市工业园区 18 号",
            "activities": ["定制家具生产制造"],
            "address_en": "No. 18, Suzhou Industrial Park, Jiangsu",
            "activities_en": ["Manufacture of custom furniture"],
        }
    ],
    "evaluation_ref": "EXT-2027-3",
    "effective_date": "2027-05-01",
}

HOLDER_CHANGE: Example = {
    "name": "深圳市新定制家居科技有限公司",
    "name_en": "Shenzhen New Custom Home Technology Co., Ltd.",
    "scope_en": [  # §6 g: the English of a site already in the scope
        {
            "address": "广东省深圳市南山区科技园南区 1 号",
            "address_en": "No. 1, South Zone, Science Park, Nanshan, Shenzhen, Guangdong",
            "activities_en": ["Design and delivery of whole-house custom furniture"],
        }
    ],
    "effective_date": "2027-06-01",
}

LEVEL_CHANGE: Example = {
    "level": 4,
    "evaluation": EVALUATION_3
    | {"partially_met": 15, "fully_met": 89, "not_met": 0, "report_ref": "TR-2027-8"},
    "person_days": 5,
    "decision_date": "2027-07-01",
}

SUSPENSION: Example = {
    "reason": "b",
    "details": "监督发现服务持续不满足认证要求",
    "effective_date": "2027-08-01",
    "restore_deadline": "2027-11-30",
}

RESTORATION: Example = {"effective_date": "2027-09-15", "verification_ref": "VR-2027-22"}

REVOCATION: Example = {
    "reason": "k",
    "details": "获证组织主动要求撤销证书",
    "effective_date": "2027-10-01",
}

# §6.3.2.1 h: a correction demanded on 2027-07-20, not made two months later.
REVOCATION_UNCORRECTED: Example = {
    "reason": "h",
    "details": "要求纠正错误宣传超过 2 个月仍未纠正",
    "effective_date": "2027-09-21",
    "demand_date": "2027-07-20",
}

CANCELLATION: Example = {"effective_date": "2027-10-01", "request_ref": "注销申请-2027-5"}

# §6 a: a sub-certificate for one of two sites; it is numbered CESI2026EV/IMG10001R00-S01.
SUB_CERTIFICATE: Example = {
    "sites": ["浙江省湖州市吴兴区织里镇 8 号"],
    "effective_date": "2026-05-20",
}

SUB_CERTIFICATE_WITHDRAWAL: Example = {
    "certificate_no": "CESI2026EV/IMG10001R00-S01",
    "request_ref": "注销申请-2026-9",
    "effective_date": "2026-10-08",
}

RECERTIFICATION: Example = {
    "decision_date": "2029-02-01",
    "person_days": 5,
    "evaluation": EVALUATION_3 | {"report_ref": "TR-2029-2"},
    "application_date": "2028-11-01",
    "acceptance_date": "2028-11-06",
    "papers_received_date": "2029-01-15",
    "signatory": "陈签发",
}

CERTIFICATE: Example = {
    "registration_no": "CESI2026EV/IMG10001",
    "certificate_no": "CESI2026EV/IMG10001R00",
    "oid": "1.2.156.1.2.CESI2026EV/IMG10001R00",
    "status": "suspended",
    "status_since": "2026-06-01",
    "holder": {
        "name": "深圳市定制家居科技有限公司",
        "name_en": "Shenzhen Custom Home Technology Co., Ltd.",
        "uscc": "91440300708461136T",
        "address": "广东省深圳市南山区科技园南区 1 号",
    },
    "level": 3,
    "level_name": "集成级",
    "scope": {
        "sites": [
            {
                "address": "广东省深圳市南山区科技园南区 1 号",
                "activities": ["全屋定制家具的设计与交付"],
                "address_en": "No. 1, South Zone, Science Park, Nanshan, Shenzhen, Guangdong",
                "activities_en": ["Design and delivery of whole-house custom furniture"],
            },
            {
                "address": "浙江省湖州市吴兴区织里镇 8 号",
                "activities": ["定制家具柔性生产制造"],
            },
        ]
    },
    "standard": "GB/T 42202-2022 《智能制造 大规模个性化定制 通用要求》",
    "rule": "CESI-SC-OD13 《大规模个性化定制服务认证规则》",
    "certification_mode": "服务特性测评+服务管理审核+获证后监督",
    "issue_date": "2026-05-11",
    "valid_until": "2029-05-10",
    "last_surveillance_date": None,
    "next_surveillance_due": "2027-05-10",
    "suspension": {
        "reason": "b",
        "reason_text": "发现获证组织服务持续地或严重地不满足认证要求",
        "since": "2026-06-01",
        "restore_deadline": "2026-11-30",
    },
    "revocation": None,
    "current_certificate_no": "CESI2026EV/IMG10001R00",
    "as_of": "2026-11-25",
}
CERTIFICATE |= {
    "rule_edition": "v1.2",
    "signatory": "陈签发",
    "master_certificate_no": None,  # this is the master certificate
    "sub_certificates": [
        {
            "certificate_no": "CESI2026EV/IMG10001R00-S01",
            "sites": SUB_CERTIFICATE["sites"],
            "since": SUB_CERTIFICATE["effective_date"],
            "withdrawn_on": None,
        }
    ],
}
CERTIFICATE["printed"] = {  # R00, the revision asked: as printed on it
    "holder": CERTIFICATE["holder"],
    "level": 3,
    "scope": CERTIFICATE["scope"],
    "issue_date": "2026-05-11",
    "reissue_date": None,
    "valid_until": "2029-05-10",
}

# The registrar's queues: one line each.
WHOSE: Example = {
    "registration_no": "CESI2026EV/IMG10001",
    "certificate_no": "CESI2026EV/IMG10001R00",
    "holder_name": "深圳市定制家居科技有限公司",
}
LATE_STEP: Example = WHOSE | {  # §5.4: decided 21 working days after the papers
    "step": "review",
    "section": "§5.4",
    "working_days": 21,
    "limit": 20,
    "decision_date": "2025-10-24",
}
LATE_NOTIFICATION: Example = WHOSE | {  # §5.5.5 c: a change told after its month
    "number": 1,
    "kind": "c",
    "what": "生产场所布局调整",
    "occurred_on": "2026-08-31",
    "told_on": "2026-10-12",
    "told_by": "2026-09-30",
    "special_case": False,
}
OPEN_CASE: Example = WHOSE | {  # §9
    "id": "TS-2026-0011",
    "kind": "complaint",
    "summary": "客户投诉定制产品交付延误",
    "opened_on": "2026-09-01",
    "acknowledged_on": "2026-09-02",
}
NONCONFORMITY: Example = WHOSE | {  # §5.5.4
    "id": "NC-2026-0005",
    "clause": "B.8.03",
    "description": "售后投诉处理记录不完整",
    "deadline": "2026-12-31",
    "raised_on": "2026-11-02",
    "overdue": False,
}
