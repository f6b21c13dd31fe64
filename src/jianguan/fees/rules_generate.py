"""Writes ``src/jianguan/rules/fees.supporting_fee.json``, the fee rule, from the tables below.

Run ``python -m jianguan.fees.rules_generate`` after editing them. At run time only the JSON
counts: it is registered as a rule version after ``migrate``, and a fee office changes rates or
policies by uploading a new version (``jianguan rules upload``) without code. The graph:

facts (use, district, day as yyyymmdd, above, below, civil_air_defence, relief)
  → area: basis_area = max(above + below − civil_air_defence, 0)
  → zone: the district's zone (first hit)
  → rate: rate per m² by use, zone and effective period, with the schedule cited (first hit)
  → relief_rule: the policy relief for (code, use, day) (first hit), and relief_known: the code
    exists in force on that day at all (first hit)
  → result: standard, factor, due, relief_status (none, matched, use_not_qualifying, no_policy)

The rates and zones are illustrative local configuration (REGULATIONS.md gives the range seen
in practice); the city's price and finance bureaus set the real ones. The two national documents
are cited as the exemption's source; local clauses are marked to be confirmed.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "rules" / "fees.supporting_fee.json"

ZONES = [
    (["420502", "420503"], "1", "中心城区（西陵区、伍家岗区）"),
    (["420504", "420505", "420506"], "2", "其他城区（点军区、猇亭区、夷陵区）"),
]
DEFAULT_ZONE = ("3", "县、县级市")

GROUPS = {
    "residential": ["residential", "affordable"],
    "commercial": ["commercial", "office"],
    "industrial": ["industrial"],
    "public": ["hospital", "school", "teaching_senior", "kindergarten", "municipal", "other"],
}
# (code, first day, last day or None, document, {group: (zone1, zone2, zone3)})
SCHEDULES = [
    (
        "2020",
        20200101,
        20241231,
        "城市基础设施配套费征收标准（2020年1月1日起执行；示例配置，以本市价格主管部门文件为准）",
        {
            "residential": (120, 100, 60),
            "commercial": (150, 120, 80),
            "industrial": (40, 30, 20),
            "public": (100, 80, 50),
        },
    ),
    (
        "2025",
        20250101,
        None,
        "城市基础设施配套费征收标准（2025年1月1日起执行；示例配置，以本市价格主管部门文件为准）",
        {
            "residential": (130, 110, 65),
            "commercial": (160, 130, 85),
            "industrial": (40, 30, 20),
            "public": (110, 90, 55),
        },
    ),
]
# (code, uses, factor due (0 exempt, 0.5 half), first day, policy cited)
RELIEFS = [
    (
        "low_rent_housing",
        ["affordable"],
        0,
        20070807,
        "国发〔2007〕24号《国务院关于解决城市低收入家庭住房困难的若干意见》：廉租住房建设免收城市基础设施配套费",
    ),
    (
        "affordable_housing",
        ["affordable"],
        0,
        20070807,
        "国发〔2007〕24号《国务院关于解决城市低收入家庭住房困难的若干意见》：经济适用住房建设免收城市基础设施配套费",
    ),
    (
        "public_rental_housing",
        ["affordable"],
        0,
        20100608,
        "建保〔2010〕87号《关于加快发展公共租赁住房的指导意见》：公共租赁住房建设免收城市基础设施配套费",
    ),
    (
        "compulsory_school",
        ["school"],
        0,
        20200101,
        "本市城市基础设施配套费征收管理办法·减免条款：义务教育学校免征（条款号待财政部门核对）",
    ),
    (
        "municipal_utility",
        ["municipal"],
        0,
        20200101,
        "本市城市基础设施配套费征收管理办法·减免条款：市政公用设施免征（条款号待财政部门核对）",
    ),
    (
        "kindergarten",
        ["kindergarten"],
        0.5,
        20200101,
        "本市城市基础设施配套费征收管理办法·减免条款：幼儿园减半征收（条款号待财政部门核对）",
    ),
    (
        "senior_teaching",
        ["teaching_senior"],
        0.5,
        20200101,
        "本市城市基础设施配套费征收管理办法·减免条款：普通高中、职业学校教学用房减半征收（条款号待财政部门核对）",
    ),
]


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _node(node_id: str, kind: str, name: str, x: int, content: dict[str, Any] | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"id": node_id, "type": kind, "name": name, "position": {"x": x, "y": 120}}
    if content is not None:
        node["content"] = content
    return node


def _table(
    output_path: str,
    inputs: list[tuple[str, str, str]],
    outputs: list[tuple[str, str, str]],
    rules: list[dict[str, str]],
) -> dict[str, Any]:
    return {
        "hitPolicy": "first",
        "passThrough": True,
        "inputField": None,
        "outputPath": output_path,
        "executionMode": "single",
        "inputs": [{"id": i, "name": n, "field": f} for i, n, f in inputs],
        "outputs": [{"id": i, "name": n, "field": f} for i, n, f in outputs],
        "rules": rules,
    }


def _expressions(items: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "passThrough": True,
        "inputField": None,
        "outputPath": None,
        "expressions": [{"id": f"e{n}", "key": key, "value": value} for n, (key, value) in enumerate(items)],
    }


def graph() -> dict[str, Any]:
    zone_rules = [
        {
            "_id": f"zone{zone}",
            "_description": label,
            "district": " , ".join(_q(c) for c in codes).replace(" , ", ", "),
            "zone": _q(zone),
        }
        for codes, zone, label in ZONES
    ]
    zone_rules.append(
        {"_id": "zone_default", "_description": DEFAULT_ZONE[1], "district": "", "zone": _q(DEFAULT_ZONE[0])}
    )
    rate_rules = []
    for code, first, last, document, table in SCHEDULES:
        period = f"[{first}..{last}]" if last else f">= {first}"
        for group, rates in table.items():
            for zone, rate in zip(("1", "2", "3"), rates, strict=True):
                rate_rules.append(
                    {
                        "_id": f"{code}.{group}.{zone}",
                        "_description": f"{document} {group} 区域{zone}",
                        "use": ", ".join(_q(u) for u in GROUPS[group]),
                        "zone": _q(zone),
                        "day": period,
                        "rate": str(rate),
                        "schedule": _q(f"{document}：{rate}元/m²"),
                    }
                )
    relief_rules = [
        {
            "_id": code,
            "_description": policy,
            "code": _q(code),
            "use": ", ".join(_q(u) for u in uses),
            "day": f">= {first}",
            "factor": str(factor),
            "policy": _q(policy),
        }
        for code, uses, factor, first, policy in RELIEFS
    ]
    known_rules = [
        {
            "_id": f"known.{code}",
            "_description": policy,
            "code": _q(code),
            "day": f">= {first}",
            "known": "true",
            "policy": _q(policy),
        }
        for code, _uses, _factor, first, policy in RELIEFS
    ]
    nodes = [
        _node("facts", "inputNode", "facts", 40),
        _node(
            "area",
            "expressionNode",
            "计征面积：地上+地下，扣除人防",
            240,
            _expressions([("basis_area", "max([above + below - civil_air_defence, 0])")]),
        ),
        _node(
            "zone",
            "decisionTableNode",
            "区域",
            440,
            _table("zone_rule", [("district", "District", "district")], [("zone", "Zone", "zone")], zone_rules),
        ),
        _node(
            "rate",
            "decisionTableNode",
            "征收标准（按用途、区域、执行日期）",
            640,
            _table(
                "rate_rule",
                [("use", "Use", "use"), ("zone", "Zone", "zone_rule.zone"), ("day", "Day (yyyymmdd)", "day")],
                [("rate", "Rate yuan/m²", "rate"), ("schedule", "Schedule cited", "schedule")],
                rate_rules,
            ),
        ),
        _node(
            "relief",
            "decisionTableNode",
            "减免政策",
            840,
            _table(
                "relief_rule",
                [("code", "Policy code", "relief"), ("use", "Use", "use"), ("day", "Day (yyyymmdd)", "day")],
                [("factor", "Share due", "factor"), ("policy", "Policy", "policy")],
                relief_rules,
            ),
        ),
        _node(
            "known",
            "decisionTableNode",
            "减免政策是否存在",
            1040,
            _table(
                "relief_known",
                [("code", "Policy code", "relief"), ("day", "Day (yyyymmdd)", "day")],
                [("known", "Known", "known"), ("policy", "Policy", "policy")],
                known_rules,
            ),
        ),
        _node(
            "result",
            "expressionNode",
            "应缴金额",
            1240,
            _expressions(
                [
                    ("zone", "zone_rule.zone"),
                    ("rate", "rate_rule != null ? rate_rule.rate : null"),
                    ("schedule", "rate_rule != null ? rate_rule.schedule : ''"),
                    ("standard", "rate_rule != null ? round(basis_area * rate_rule.rate, 2) : null"),
                    (
                        "relief_status",
                        "relief == '' ? 'none' : (relief_rule != null ? 'matched' : "
                        "(relief_known != null ? 'use_not_qualifying' : 'no_policy'))",
                    ),
                    ("factor", "relief_rule != null ? relief_rule.factor : 1"),
                    (
                        "policy",
                        "relief_rule != null ? relief_rule.policy : (relief_known != null ? relief_known.policy : '')",
                    ),
                    (
                        "due",
                        "rate_rule != null ? round(round(basis_area * rate_rule.rate, 2) * "
                        "(relief_rule != null ? relief_rule.factor : 1), 2) : null",
                    ),
                ]
            ),
        ),
        _node("out", "outputNode", "fee", 1440),
    ]
    order = ["facts", "area", "zone", "rate", "relief", "known", "result", "out"]
    edges = [
        {"id": f"edge{n}", "sourceId": a, "targetId": b, "type": "edge"} for n, (a, b) in enumerate(pairwise(order))
    ]
    base = {"above": 10000, "below": 3000, "civil_air_defence": 2000, "relief": ""}
    tests = [
        # 11,000 m² levied (civil-air-defence excluded), residential in zone 1 at the 2024 and 2025 rates
        {
            "input": {**base, "use": "residential", "district": "420502", "day": 20240601},
            "output": {
                "basis_area": 11000,
                "zone": "1",
                "rate": 120,
                "standard": 1320000,
                "due": 1320000,
                "relief_status": "none",
            },
        },
        {
            "input": {**base, "use": "residential", "district": "420502", "day": 20250101},
            "output": {"rate": 130, "standard": 1430000},
        },
        # a county: zone 3
        {
            "input": {**base, "use": "commercial", "district": "420581", "day": 20250301},
            "output": {"zone": "3", "rate": 85},
        },
        # kindergarten half rate; affordable housing exempt
        {
            "input": {**base, "use": "kindergarten", "district": "420503", "day": 20250301, "relief": "kindergarten"},
            "output": {"standard": 1210000, "due": 605000, "factor": 0.5, "relief_status": "matched"},
        },
        {
            "input": {
                **base,
                "use": "affordable",
                "district": "420504",
                "day": 20250301,
                "relief": "public_rental_housing",
            },
            "output": {"due": 0, "relief_status": "matched"},
        },
        # a kindergarten relief claimed for a commercial building: the use does not qualify
        {
            "input": {**base, "use": "commercial", "district": "420503", "day": 20250301, "relief": "kindergarten"},
            "output": {"factor": 1, "relief_status": "use_not_qualifying"},
        },
        # a code no policy has
        {
            "input": {
                **base,
                "use": "commercial",
                "district": "420503",
                "day": 20250301,
                "relief": "investment_attraction",
            },
            "output": {"relief_status": "no_policy"},
        },
        # before any schedule: no rate
        {
            "input": {**base, "use": "residential", "district": "420502", "day": 20190101},
            "output": {"schedule": "", "zone": "1"},
        },
    ]
    return {"contentType": "application/vnd.gorules.decision", "nodes": nodes, "edges": edges, "tests": tests}


def main() -> None:
    OUT.write_text(json.dumps(graph(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
