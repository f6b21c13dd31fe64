"""Records in the database: catalogue versions, findings, manual entry by three people, the job on
the real tables, credit_grade as of any day."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from jianguan.core import errors
from jianguan.core.ledger import ledger_append
from jianguan.core.models import LedgerEntry, User
from jianguan.credit import services
from jianguan.credit.catalogue import shipped_catalogue_path
from jianguan.credit.domain import BlacklistReason
from jianguan.credit.models import CatalogueVersion, Record, Standing
from jianguan.credit.selectors import credit_grade, credit_standing, disclosed_records
from tests.registry.factories import make_enterprise, make_person, register

D = dt.date


def finding(
    uscc: str = "", person_id: int | None = None, code: str = "SG-3-02", fid: str = "F-1", day: str = "2026-03-10"
) -> LedgerEntry:
    payload: dict[str, object] = {"finding_id": fid, "behaviour_code": code, "date": day}
    if uscc:
        payload["uscc"] = uscc
    if person_id is not None:
        payload["person_id"] = person_id
    return ledger_append(
        actor="system:supervision",
        action="supervision.finding.confirmed",
        object_type="supervision.finding",
        object_id=fid,
        payload=payload,
    )


def manual(handler: User, reviewer: User, approver: User, subject: object, code: str, day: D, **kw: object) -> Record:
    record = services.record_handle(actor=handler, subject=subject, code=code, event_date=day, **kw)  # type: ignore[arg-type]
    services.record_review(actor=reviewer, record=record)
    return services.record_approve(actor=approver, record=record)


def test_shipped_catalogue_is_stored_once_in_the_ledger(city: object) -> None:
    version = services.catalogue_in_force(D(2026, 5, 1))
    assert version.version == "2026.1"
    assert services.catalogue_in_force(D(2026, 6, 1)) == version
    assert CatalogueVersion.objects.count() == 1
    assert LedgerEntry.objects.filter(action="credit.catalogue.published").count() == 1
    assert services.catalogue_in_force(D(2024, 12, 31)) == version  # before the first version: the first


def test_a_new_catalogue_version_applies_from_its_date(city: object, handler: User) -> None:
    services.catalogue_ensure_shipped()
    document = json.loads(shipped_catalogue_path().read_text(encoding="utf-8"))
    document["version"] = "2026.2"
    document["effective_from"] = "2026-07-01"
    for item in document["items"]:
        if item["code"] == "SG-3-02":
            item["points"] = 7
    services.catalogue_publish(actor=handler, document=document)
    with pytest.raises(errors.Conflict):
        services.catalogue_publish(actor=handler, document=document)
    document["version"] = "2026.3"
    document["items"][0]["points"] = -1
    with pytest.raises(services.credit_errors.CatalogueRefused) as refused:
        services.catalogue_publish(actor=handler, document=document)
    assert refused.value.extra["problems"][0]["reason"] == "points_invalid"
    enterprise = make_enterprise()
    finding(enterprise.uscc, fid="F-old", day="2026-06-30")
    finding(enterprise.uscc, fid="F-new", day="2026-07-01")
    old, new = Record.objects.get(source_ref="F-old"), Record.objects.get(source_ref="F-new")
    assert (old.catalogue.version, old.points) == ("2026.1", Decimal(5))
    assert (new.catalogue.version, new.points) == ("2026.2", Decimal(7))


def test_a_confirmed_finding_becomes_a_record_once(city: object) -> None:
    enterprise = make_enterprise()
    finding(enterprise.uscc)
    finding(enterprise.uscc)  # sent again
    record = Record.objects.get()
    assert (record.code, record.severity, record.points, record.status) == ("SG-3-02", "B", Decimal(5), "recorded")
    assert record.valid_until == D(2027, 3, 10)  # 12 months, civil-code counting
    assert record.subject.enterprise == enterprise
    assert LedgerEntry.objects.filter(action="credit.record.recorded").count() == 1
    assert credit_standing(enterprise, D(2026, 3, 9)).score == Decimal(100)
    assert credit_standing(enterprise, D(2026, 3, 10)).score == Decimal(95)
    assert credit_standing(enterprise, D(2027, 3, 11)).score == Decimal(100)


def test_a_finding_for_a_person_and_bad_findings_are_refused_whole(city: object) -> None:
    person = make_person()
    employer = make_enterprise()
    register(person, employer)
    finding(person_id=person.pk, code="RY-1-04", fid="F-p")
    assert Record.objects.get().subject.person == person
    before = LedgerEntry.objects.count()
    with pytest.raises(errors.ValidationFailed) as error:
        finding(make_enterprise().uscc, code="RY-1-04", fid="F-x")  # a person's code on an enterprise
    assert "RY-1-04" in error.value.render("en")
    assert "RY-1-04" in error.value.render("zh-hans")
    with pytest.raises(errors.ValidationFailed):
        finding(make_enterprise().uscc, code="SG-9-99", fid="F-y")
    with pytest.raises(errors.ValidationFailed):
        finding("91420500XXXXXXXXXX", fid="F-z")
    with pytest.raises(errors.ValidationFailed) as error:
        finding(employer.uscc, fid="F-d", day="2026-13-01")
    assert "date" in error.value.render("en")
    assert Record.objects.count() == 1
    assert LedgerEntry.objects.count() == before + 2  # the two enterprises made, nothing half-written


def test_manual_entry_needs_three_different_people(handler: User, reviewer: User, approver: User) -> None:
    subject = services.subject_of(make_enterprise())
    penalty = {
        "decision_number": "宜建罚〔2026〕12号",
        "facts": "转包",
        "basis": "建设工程质量管理条例第六十二条",
        "penalty": "罚款20万元，停业整顿3个月",
        "decided_on": "2026-04-01",
    }
    record = services.record_handle(
        actor=handler, subject=subject, code="SG-2-03", event_date=D(2026, 4, 1), source="penalty", penalty=penalty
    )
    assert record.status == "handled"
    assert record.points == Decimal(15)
    assert record.penalised
    with pytest.raises(errors.PermissionDenied) as same:
        services.record_review(actor=handler, record=record)
    assert "three different people" in same.value.render("en")
    assert "三" in same.value.render("zh-hans")
    with pytest.raises(errors.Conflict):
        services.record_approve(actor=approver, record=record)
    services.record_review(actor=reviewer, record=record)
    for person in (handler, reviewer):
        with pytest.raises(errors.PermissionDenied):
            services.record_approve(actor=person, record=record)
    assert credit_standing(subject, D(2026, 5, 1)).score == Decimal(100)  # not counted before approval
    services.record_approve(actor=approver, record=record)
    standing = credit_standing(subject, D(2026, 5, 1))
    assert standing.score == Decimal(85)
    assert standing.blacklist == {BlacklistReason.SUBCONTRACT_OR_LENDING}
    assert credit_grade(subject, on=D(2026, 5, 1)) == "C"
    assert credit_grade(subject, on=D(2026, 3, 31)) == "AAA"
    with pytest.raises(errors.Conflict):  # the same decision number twice
        services.record_handle(
            actor=handler, subject=subject, code="SG-2-03", event_date=D(2026, 4, 1), source="penalty", penalty=penalty
        )
    with pytest.raises(errors.ValidationFailed):
        services.record_handle(
            actor=handler, subject=subject, code="SG-2-03", event_date=D(2026, 4, 1), source="penalty"
        )
    actions = list(LedgerEntry.objects.filter(object_type="credit.record").values_list("action", flat=True))
    assert actions == ["credit.record.handled", "credit.record.reviewed", "credit.record.recorded"]


def test_points_come_from_the_catalogue_and_quantity_only_per_unit(handler: User) -> None:
    subject = services.subject_of(make_enterprise())
    record = services.record_handle(
        actor=handler, subject=subject, code="SG-4-07", event_date=D(2026, 2, 1), source="accident", quantity=3
    )
    assert record.points == Decimal(30)
    with pytest.raises(errors.ValidationFailed):
        services.record_handle(actor=handler, subject=subject, code="SG-3-02", event_date=D(2026, 2, 1), quantity=2)
    with pytest.raises(errors.ValidationFailed):
        services.record_handle(actor=handler, subject=subject, code="SG-3-02", event_date=D(2099, 2, 1))


def test_good_behaviour_counts_three_years_with_the_cap(handler: User, reviewer: User, approver: User) -> None:
    subject = services.subject_of(make_enterprise())
    manual(handler, reviewer, approver, subject, "SG-9-01", D(2026, 1, 15))  # +10
    manual(handler, reviewer, approver, subject, "SG-9-03", D(2026, 1, 20))  # +5, capped at +10
    record = Record.objects.get(code="SG-9-01")
    assert record.valid_until == D(2029, 1, 15)
    assert credit_standing(subject, D(2026, 2, 1)).score == Decimal(110)
    assert credit_standing(subject, D(2029, 1, 16)).score == Decimal(105)
    assert [r.code for r in disclosed_records(subject, D(2029, 1, 16))] == ["SG-9-03"]


def test_recompute_on_the_real_tables_agrees_with_the_engine(handler: User, reviewer: User, approver: User) -> None:
    a, b, c = make_enterprise(), make_enterprise(), make_enterprise()
    finding(a.uscc, code="SG-3-06", fid="F-1", day="2026-01-10")
    finding(a.uscc, code="SG-4-08", fid="F-2", day="2026-09-01")  # two larger accidents within a year
    finding(b.uscc, code="SG-3-02", fid="F-3", day="2026-05-01")
    pending = services.record_handle(
        actor=handler, subject=services.subject_of(c), code="SG-1-02", event_date=D(2026, 5, 1)
    )
    distribution = services.standings_recompute(day=D(2026, 10, 1))
    rows = {s.subject.enterprise_id: s for s in Standing.objects.filter(day=D(2026, 10, 1)).select_related("subject")}
    assert rows[a.pk].blacklisted
    assert rows[a.pk].reasons == ["two_larger_accidents"]
    assert rows[a.pk].grade == "C"
    assert rows[b.pk].score == Decimal(95)
    assert rows[b.pk].grade == "AAA"
    assert rows[c.pk].score == Decimal(100)  # the pending record does not count
    for standing in rows.values():
        engine = credit_standing(standing.subject, D(2026, 10, 1))
        assert (engine.score, engine.grade) == (standing.score, standing.grade)
    assert sum(distribution.values()) == Standing.objects.filter(day=D(2026, 10, 1)).count()
    # run again the same day: replaced, not duplicated
    services.record_review(actor=reviewer, record=pending)
    services.record_approve(actor=approver, record=pending)
    services.standings_recompute(day=D(2026, 10, 1))
    assert Standing.objects.get(day=D(2026, 10, 1), subject__enterprise=c).score == Decimal(90)
    assert Standing.objects.filter(day=D(2026, 10, 1), subject__enterprise=c).count() == 1
    entry = LedgerEntry.objects.filter(action="credit.standings.computed").last()
    assert entry is not None
    assert entry.data["subjects"] == Standing.objects.filter(day=D(2026, 10, 1)).count()


def test_the_nightly_task_computes_today(city: object) -> None:
    from jianguan.credit.tasks import recompute_standings_nightly

    make_enterprise()
    recompute_standings_nightly.call_local()
    assert Standing.objects.count() == 1


def test_publish_and_recompute_from_the_command_line(approver: User, handler: User, tmp_path: object) -> None:
    import io
    from pathlib import Path

    from django.core.management import CommandError, call_command

    document = json.loads(shipped_catalogue_path().read_text(encoding="utf-8"))
    document["version"] = "2026.9"
    path = Path(str(tmp_path)) / "catalogue.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("credit", "catalogue", "publish", str(path), "--by", handler.username)
    out = io.StringIO()
    call_command("credit", "catalogue", "publish", str(path), "--by", approver.username, stdout=out)
    assert "2026.9" in out.getvalue()
    assert CatalogueVersion.objects.get(version="2026.9").published_by == f"user:{approver.username}"
    make_enterprise()
    out = io.StringIO()
    call_command("credit", "standings", "--day", "2026-06-01", stdout=out)
    assert "1 subjects" in out.getvalue()
    assert Standing.objects.filter(day=D(2026, 6, 1)).count() == 1


def test_credit_grade_of_a_subject_without_a_file_opens_none(city: object) -> None:
    from jianguan.credit.models import Subject

    enterprise = make_enterprise()
    assert credit_grade(enterprise, on=D(2026, 6, 1)) == "AAA"
    assert credit_standing(enterprise).score == Decimal(100)
    assert not Subject.objects.exists()
