from __future__ import annotations

from django.test import Client

from jianguan.core.models import User
from jianguan.licensing import services
from jianguan.licensing.models import Application, Permit
from tests.licensing.test_services import fresh, submit
from tests.registry.factories import Section


def test_pages_drive_a_permit_and_verify_publicly(
    section: Section, applicant_user: User, handler: User, reviewer: User, approver: User, client: Client
) -> None:
    application = submit(section, applicant_user)
    client.force_login(handler)
    assert application.number in client.get("/licensing/queue/").content.decode()
    page = client.get(f"/licensing/applications/{application.pk}/").content.decode()
    assert "城市基础设施配套费已缴纳或依法减免" in page
    assert "7 个工作日" in page
    response = client.post(
        f"/licensing/applications/{application.pk}/decide/", {"step": "handle", "decision": "accept"}
    )
    assert response.status_code == 302
    assert fresh(application).step == "review"
    # the same person cannot review
    client.post(f"/licensing/applications/{application.pk}/decide/", {"step": "review", "decision": "accept"})
    assert fresh(application).step == "review"
    for user, step in ((reviewer, "review"), (approver, "approve")):
        client.force_login(user)
        client.post(f"/licensing/applications/{application.pk}/decide/", {"step": step, "decision": "accept"})
    assert fresh(application).status == Application.Status.APPROVED
    permit = Permit.objects.get()
    pdf = client.get(f"/licensing/permits/{permit.pk}/pdf/")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    client.logout()
    token = services.permit_token(permit)
    ok = client.get(f"/licensing/verify/{token}/")
    assert ok.status_code == 200
    assert permit.number in ok.content.decode()
    bad = client.get(f"/licensing/verify/{token[:-3]}abc/")
    assert bad.status_code == 404
    assert "不是真实" in bad.content.decode()
    client.force_login(approver)
    client.post(f"/licensing/permits/{permit.pk}/revoke/", {"reason": "以欺骗手段取得"})
    client.logout()
    assert "撤销" in client.get(f"/licensing/verify/{token}/").content.decode()


def test_enterprise_sees_only_its_own(section: Section, applicant_user: User, client: Client) -> None:
    application = submit(section, applicant_user)
    other = User.objects.create_user(username="ent.other", kind=User.Kind.ENTERPRISE, password="x-Long-Pass-123")
    client.force_login(other)
    assert client.get(f"/licensing/applications/{application.pk}/").status_code == 404
    client.force_login(applicant_user)
    assert client.get(f"/licensing/applications/{application.pk}/").status_code == 200


def test_applicant_downloads_its_own_certificate_only(
    section: Section, applicant_user: User, handler: User, reviewer: User, approver: User, client: Client
) -> None:
    application = submit(section, applicant_user)
    for user, step in ((handler, "handle"), (reviewer, "review"), (approver, "approve")):
        services.task_complete(actor=user, application=fresh(application), step=step, decision="accept")
    permit = Permit.objects.get()
    client.force_login(applicant_user)
    pdf = client.get(f"/licensing/permits/{permit.pk}/pdf/")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert client.post(f"/licensing/permits/{permit.pk}/revoke/", {"reason": "x"}).status_code == 302
    permit.refresh_from_db()
    assert permit.status == "valid"  # an applicant cannot revoke
    other = User.objects.create_user(username="ent.other2", kind=User.Kind.ENTERPRISE, password="x-Long-Pass-123")
    client.force_login(other)
    assert client.get(f"/licensing/permits/{permit.pk}/pdf/").status_code == 404
