"""Writes the shipped BPMN files of this folder (run ``python -m jianguan.licensing.processes.generate``).

Every process has the same statutory shape — an automatic check by a JDM rule (a business-rule
task), a gateway on whether a licence is needed at all, then handle → review → approve in three
lanes (办理 → 审核 → 批准), with correction (补正) by the applicant looping back to the check.
The files are plain BPMN 2.0 with diagram information, so any modeller (or bpmn-js) opens them;
an administrator may upload an edited version of any of them.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent

PROCESSES = {
    "construction_permit": ("施工许可", "licensing.permit_preconditions"),
    "supervision_registration": ("质量安全监督登记", "licensing.supervision_registration"),
    "qualification_application": ("资质申请", "licensing.qualification_standards"),
    "key_person_change": ("项目负责人变更", "licensing.key_person_change"),
    "completion_filing": ("竣工验收备案", "licensing.completion_filing"),
}

LANES = [("applicant", "申请人"), ("handler", "办理"), ("reviewer", "审核"), ("approver", "批准")]

# id, kind, name, lane, x
NODES = [
    ("start", "startEvent", "提交申请", "applicant", 60),
    ("check", "businessRuleTask", "条件审查（规则）", "handler", 140),
    ("gw_required", "exclusiveGateway", "是否需要许可", "handler", 290),
    ("end_not_required", "endEvent", "无需办理", "handler", 290),
    ("handle", "userTask", "办理", "handler", 390),
    ("gw_handle", "exclusiveGateway", "办理意见", "handler", 540),
    ("supplement", "userTask", "补正材料", "applicant", 515),
    ("review", "userTask", "审核", "reviewer", 640),
    ("gw_review", "exclusiveGateway", "审核意见", "reviewer", 790),
    ("approve", "userTask", "批准", "approver", 890),
    ("gw_approve", "exclusiveGateway", "批准意见", "approver", 1040),
    ("end_approved", "endEvent", "准予许可", "approver", 1140),
    ("end_rejected", "endEvent", "不予许可", "approver", 1040),
]

# id, source, target, condition (None = unconditional)
FLOWS = [
    ("f_start", "start", "check", None),
    ("f_check", "check", "gw_required", None),
    ("f_not_required", "gw_required", "end_not_required", "required == False"),
    ("f_required", "gw_required", "handle", "required == True"),
    ("f_handle", "handle", "gw_handle", None),
    ("f_accept", "gw_handle", "review", "decision == 'accept'"),
    ("f_correct", "gw_handle", "supplement", "decision == 'correct'"),
    ("f_handle_reject", "gw_handle", "end_rejected", "decision == 'reject'"),
    ("f_resubmit", "supplement", "check", None),
    ("f_review", "review", "gw_review", None),
    ("f_pass", "gw_review", "approve", "decision == 'accept'"),
    ("f_return", "gw_review", "handle", "decision == 'return'"),
    ("f_review_reject", "gw_review", "end_rejected", "decision == 'reject'"),
    ("f_approve", "approve", "gw_approve", None),
    ("f_grant", "gw_approve", "end_approved", "decision == 'accept'"),
    ("f_approve_return", "gw_approve", "review", "decision == 'return'"),
    ("f_approve_reject", "gw_approve", "end_rejected", "decision == 'reject'"),
]

LANE_Y = {code: 40 + 140 * i for i, (code, _name) in enumerate(LANES)}
SIZE = {"startEvent": (36, 36), "endEvent": (36, 36), "exclusiveGateway": (50, 50)}


def _size(kind: str) -> tuple[int, int]:
    return SIZE.get(kind, (100, 80))


def _box(node: tuple[str, str, str, str, int]) -> tuple[int, int, int, int]:
    node_id, kind, _name, lane, x = node
    w, h = _size(kind)
    y = LANE_Y[lane] + 70 - h // 2
    if node_id in ("end_not_required", "end_rejected"):
        y += 90 if node_id == "end_rejected" else -50
    return x, y, w, h


def build(key: str, title: str, rule: str) -> str:
    nodes_by_id = {n[0]: n for n in NODES}
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
        ' xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"'
        ' xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"'
        ' xmlns:di="http://www.omg.org/spec/DD/20100524/DI"'
        ' xmlns:jianguan="https://jianguan.local/bpmn"'
        f' id="defs_{key}" targetNamespace="https://jianguan.local/licensing">',
        f'  <bpmn:collaboration id="collab_{key}">',
        f'    <bpmn:participant id="pool_{key}" name="{escape(title)}" processRef="{key}" />',
        "  </bpmn:collaboration>",
        f'  <bpmn:process id="{key}" name="{escape(title)}" isExecutable="true">',
        '    <bpmn:laneSet id="lanes">',
    ]
    for code, name in LANES:
        out.append(f'      <bpmn:lane id="lane_{code}" name="{code}">')
        out.append(f"        <bpmn:documentation>{name}</bpmn:documentation>")
        out.extend(f"        <bpmn:flowNodeRef>{n[0]}</bpmn:flowNodeRef>" for n in NODES if n[3] == code)
        out.append("      </bpmn:lane>")
    out.append("    </bpmn:laneSet>")
    for node_id, kind, name, _lane, _x in NODES:
        incoming = [f for f in FLOWS if f[2] == node_id]
        outgoing = [f for f in FLOWS if f[1] == node_id]
        extra = f' jianguan:rule="{rule}"' if kind == "businessRuleTask" else ""
        out.append(f'    <bpmn:{kind} id="{node_id}" name="{escape(name)}"{extra}>')
        out.extend(f"      <bpmn:incoming>{f[0]}</bpmn:incoming>" for f in incoming)
        out.extend(f"      <bpmn:outgoing>{f[0]}</bpmn:outgoing>" for f in outgoing)
        out.append(f"    </bpmn:{kind}>")
    for flow_id, source, target, condition in FLOWS:
        if condition is None:
            out.append(f'    <bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}" />')
        else:
            out.append(f'    <bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">')
            out.append(f"      <bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression>")
            out.append("    </bpmn:sequenceFlow>")
    out.append("  </bpmn:process>")
    out.append(f'  <bpmndi:BPMNDiagram id="diagram_{key}">')
    out.append(f'    <bpmndi:BPMNPlane id="plane_{key}" bpmnElement="collab_{key}">')
    out.append(f'      <bpmndi:BPMNShape id="pool_{key}_di" bpmnElement="pool_{key}" isHorizontal="true">')
    out.append(f'        <dc:Bounds x="0" y="40" width="1220" height="{140 * len(LANES)}" />')
    out.append("      </bpmndi:BPMNShape>")
    for code, _name in LANES:
        out.append(f'      <bpmndi:BPMNShape id="lane_{code}_di" bpmnElement="lane_{code}" isHorizontal="true">')
        out.append(f'        <dc:Bounds x="30" y="{LANE_Y[code]}" width="1190" height="140" />')
        out.append("      </bpmndi:BPMNShape>")
    for node in NODES:
        x, y, w, h = _box(node)
        out.append(f'      <bpmndi:BPMNShape id="{node[0]}_di" bpmnElement="{node[0]}">')
        out.append(f'        <dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" />')
        out.append("      </bpmndi:BPMNShape>")
    for flow_id, source, target, _condition in FLOWS:
        sx, sy, sw, sh = _box(nodes_by_id[source])
        tx, ty, _tw, th = _box(nodes_by_id[target])
        out.append(f'      <bpmndi:BPMNEdge id="{flow_id}_di" bpmnElement="{flow_id}">')
        out.append(f'        <di:waypoint x="{sx + sw}" y="{sy + sh // 2}" />')
        out.append(f'        <di:waypoint x="{tx}" y="{ty + th // 2}" />')
        out.append("      </bpmndi:BPMNEdge>")
    out.append("    </bpmndi:BPMNPlane>")
    out.append("  </bpmndi:BPMNDiagram>")
    out.append("</bpmn:definitions>")
    return "\n".join(out) + "\n"


def main() -> None:
    for key, (title, rule) in PROCESSES.items():
        (HERE / f"{key}.bpmn").write_text(build(key, title, rule), encoding="utf-8")


if __name__ == "__main__":
    main()
