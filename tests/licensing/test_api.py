from __future__ import annotations

import json

from rest_framework.test import APIClient

from jianguan.core.models import LedgerEntry, User
from jianguan.licensing import services
from jianguan.licensing.models import Permit
from tests.licensing.conftest import PERMIT_DECLARED, pdf
from tests.registry.factories import Section


def test_api_drives_a_permit_from_submission_to_certificate(
    section: Section, applicant_user: User, handler: User, reviewer: User, approver: User
) -> None:
    api = APIClient()
    api.force_authenticate(applicant_user)
    form = {
        "kind": "construction_permit",
        "applicant": section.owner.uscc,
        "bid_section": section.section.code,
        "declared": json.dumps({**PERMIT_DECLARED, "fee_paid": False}),
        "client_key": "k1",
        "file_drawing_review": pdf(),
        "file_contract": pdf(),
    }
    missing = api.post("/api/v1/licensing/applications/", form, format="multipart")
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "material_missing"
    assert "配套费缴费凭证或减免文件" in missing.json()["error"]["messages"]["zh-hans"]
    form = {**form, "file_drawing_review": pdf(), "file_contract": pdf(), "file_fee": pdf()}
    created = api.post("/api/v1/licensing/applications/", form, format="multipart")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["decision"]["result"]["passed"] is False
    assert [f["code"] for f in body["decision"]["result"]["failures"]] == ["fee"]
    again = api.post(
        "/api/v1/licensing/applications/",
        {**form, "file_drawing_review": pdf(), "file_contract": pdf(), "file_fee": pdf()},
        format="multipart",
    )
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    url = f"/api/v1/licensing/applications/{body['id']}/"

    api.force_authenticate(handler)
    assert [a["id"] for a in api.get("/api/v1/licensing/queue/").json()["results"]] == [body["id"]]
    refused = api.post(url + "decide/", {"step": "handle", "decision": "accept"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "preconditions_failed"
    correction = {"step": "handle", "decision": "correct", "reason": "补交缴费凭证"}
    asked = api.post(url + "decide/", correction, format="json")
    assert asked.json()["status"] == "correction"
    assert asked.json()["countdown"]["suspended"] is True

    api.force_authenticate(applicant_user)
    resubmitted = api.post(
        url + "resubmit/", {"declared": json.dumps({"fee_paid": True}), "file_fee": pdf()}, format="multipart"
    )
    assert resubmitted.status_code == 200
    assert resubmitted.json()["decision"]["result"]["passed"] is True

    for user, step in ((handler, "handle"), (reviewer, "review")):
        api.force_authenticate(user)
        assert api.post(url + "claim/").status_code == 200
        assert api.post(url + "decide/", {"step": step, "decision": "accept"}, format="json").status_code == 200
    api.force_authenticate(reviewer)
    wrong = api.post(url + "decide/", {"step": "approve", "decision": "accept"}, format="json")
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "wrong_role"
    api.force_authenticate(approver)
    done = api.post(url + "decide/", {"step": "approve", "decision": "accept"}, format="json").json()
    assert done["status"] == "approved"
    assert len(done["permit_number"]) == 18
    permit = Permit.objects.get()
    assert LedgerEntry.objects.filter(action="licensing.permit.granted").count() == 1

    public = APIClient()
    token = services.permit_token(permit)
    ok = public.get(f"/api/v1/licensing/verify/{token}/")
    assert ok.status_code == 200
    assert ok.json()["verdict"] == "genuine"
    assert ok.json()["valid"] is True
    assert public.get(f"/api/v1/licensing/verify/{token}x/").json()["verdict"] == "tampered"
    revoked = api.post(f"/api/v1/licensing/permits/{permit.pk}/revoke/", {"reason": "以欺骗手段取得"}, format="json")
    assert revoked.status_code == 200
    assert public.get(f"/api/v1/licensing/verify/{token}/").json()["valid"] is False


def test_process_upload_needs_the_permission(section: Section, handler: User) -> None:
    api = APIClient()
    api.force_authenticate(handler)
    response = api.post("/api/v1/licensing/processes/construction_permit/versions/", {"bpmn": "<x/>"}, format="json")
    assert response.status_code == 403
    admin = User.objects.create_superuser(username="root.lic", password="x-Long-Pass-123")
    api.force_authenticate(admin)
    bad = api.post("/api/v1/licensing/processes/construction_permit/versions/", {"bpmn": "<x"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "process_invalid"


def test_rule_upload_is_validated_and_running_applications_keep_their_version(
    section: Section, applicant_user: User, handler: User
) -> None:
    import datetime as dt

    from jianguan.core.rules import RULES_DIR, rule_version_get
    from jianguan.licensing.models import Application
    from tests.licensing.test_services import fresh, submit

    url = "/api/v1/licensing/rules/licensing.permit_preconditions/versions/"
    api = APIClient()
    api.force_authenticate(handler)
    assert api.post(url, {"content": "{}"}, format="json").status_code == 403
    admin = User.objects.create_superuser(username="root.rules", password="x-Long-Pass-123")
    api.force_authenticate(admin)
    assert api.post(url, {"content": "{not json"}, format="json").json()["error"]["code"] == "rule_invalid"
    other = api.post("/api/v1/licensing/rules/attendance.duty/versions/", {"content": "{}"}, format="json")
    assert other.status_code == 404
    original = (RULES_DIR / "licensing.permit_preconditions.json").read_text("utf-8")
    assert "城市基础设施配套费已缴纳或依法减免" in original
    # a version whose own test cases fail is refused
    graph = json.loads(original)
    graph["tests"][0]["output"] = {"passed": "certainly"}
    refused = api.post(url, {"content": json.dumps(graph, ensure_ascii=False)}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "rule_test_failed"
    first = rule_version_get("licensing.permit_preconditions").version

    running = submit(section, applicant_user, fee_paid=False)  # fails the fee check, goes to correction
    services.task_complete(actor=handler, application=running, step="handle", decision="correct", reason="缴费凭证")
    edited = original.replace("城市基础设施配套费已缴纳或依法减免", "配套费已缴清（新版规则）")
    added = api.post(url, {"content": edited, "note": "wording"}, format="json")
    assert added.status_code == 201, added.content
    assert added.json()["version"] == first + 1
    resumed = services.application_resubmit(
        actor=applicant_user,
        application=fresh(running),
        declared={"fee_paid": True},
        files={"fee": pdf()},
        today=dt.date(2026, 3, 4),
    )
    assert resumed.decision["version"] == first  # the running application stays on its version
    assert "城市基础设施配套费已缴纳或依法减免" in json.dumps(resumed.decision, ensure_ascii=False)
    services.task_complete(actor=handler, application=resumed, step="handle", decision="reject", reason="测试")
    assert Application.objects.get(pk=running.pk).status == "rejected"
    newer = submit(section, applicant_user)
    assert newer.decision["version"] == first + 1  # a new application takes the new version
    assert "配套费已缴清（新版规则）" in json.dumps(newer.decision, ensure_ascii=False)
