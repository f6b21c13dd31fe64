"""The supporting fee's part of the demo city, written in bulk like an import of the fee office's
books, following each project's stage line:

- every project whose bid sections reached stage 6 has its planning-permit area and an assessment
  by the rule (rates of the day the stage opened); where stage 6 was completed the fee was paid that
  day, or, where the line says exempt, an exemption was granted under a policy its use qualifies
  for (the fee office files such projects under the exempt use);
- projects with a permit have the permit's area, projects accepted at completion the survey's area
  and a recalculation; small survey differences were paid;
- planted: floor area that grew by 3–12 % between the planning permit and the completion survey
  (the supplementary demand left unpaid), and one that grew before the permit; reductions without a
  matching policy (an "investment attraction" discount), for a use that does not qualify (the
  kindergarten half rate on a commercial block) and beyond what the policy allows (a kindergarten
  exempted in full).

At the end ``fees_check`` runs once, so the flags are found and the command centre warned."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from jianguan.core import errors
from jianguan.core.demo_framework import DEMO_ACTOR, DemoContext, DemoStep
from jianguan.core.ledger import Event, ledger_append_many
from jianguan.core.models import User
from jianguan.fees import domain
from jianguan.fees.models import (
    USE_FROM_FUNCTION,
    AreaMeasurement,
    Assessment,
    Basis,
    FeeFile,
    Payment,
    Relief,
    Use,
)
from jianguan.fees.services import fee_decide, fees_check
from jianguan.lifecycle.models import StageRecord
from jianguan.registry.models import Project

# the policy exemption a use qualifies for, and the use a project is filed under when the stage
# line says exempt but its function has no exemption
EXEMPTION_FOR_USE = {
    Use.AFFORDABLE: "public_rental_housing",
    Use.SCHOOL: "compulsory_school",
    Use.MUNICIPAL: "municipal_utility",
}


@dataclass
class History:
    """What the stage line says of a project's fee and what follows it."""

    fee_started: dt.date
    fee_completed: dt.date | None = None
    outcome: str = ""
    permit: dt.date | None = None
    accepted: dt.date | None = None
    sections: list[int] = field(default_factory=list)


def _histories() -> dict[int, History]:
    histories: dict[int, History] = {}
    rows = StageRecord.objects.filter(stage__in=["fee", "permit", "completion_acceptance"]).values_list(
        "bid_section__project_id", "bid_section_id", "stage", "started_on", "completed_on", "outcome"
    )
    fee_rows = sorted((r for r in rows if r[2] == "fee"), key=lambda r: (r[0], r[3]))
    for project_id, section_id, _stage, started, completed, outcome in fee_rows:
        history = histories.setdefault(project_id, History(fee_started=started))
        history.sections.append(section_id)
        if completed is not None and (history.fee_completed is None or completed < history.fee_completed):
            history.fee_completed, history.outcome = completed, outcome
    for project_id, _section_id, stage, _started, completed, outcome in rows:
        known = histories.get(project_id)
        if known is None or completed is None:
            continue
        if stage == "permit" and outcome == "passed":
            known.permit = min(known.permit or completed, completed)
        if stage == "completion_acceptance" and outcome == "passed":
            known.accepted = min(known.accepted or completed, completed)
    return histories


def _split(total: Decimal, rng: random.Random) -> domain.Area:
    below = domain.money(total * Decimal(str(rng.uniform(0.12, 0.25))))
    cad = domain.money(below * Decimal(str(rng.uniform(0.3, 0.6))))
    return domain.Area(total - below, below, cad, dt.date.min, 1)


def _grown(area: domain.Area, share: float) -> domain.Area:
    factor = Decimal(str(1 + share))
    return domain.Area(
        domain.money(area.above_ground * factor), area.below_ground, area.civil_air_defence, dt.date.min, 1
    )


class Books:
    """The rows to insert, with the ledger events that go with them."""

    def __init__(self) -> None:
        self.areas: list[AreaMeasurement] = []
        self.files: list[FeeFile] = []
        self.assessments: list[Assessment] = []
        self.reliefs: list[Relief] = []
        self.payments: list[Payment] = []
        self.numbers = 0

    def number(self, prefix: str, day: dt.date) -> str:
        self.numbers += 1
        return f"{prefix}{day:%Y%m%d}{self.numbers:04d}"


def _area(project: Project, basis: str, area: domain.Area, on: dt.date, document: str) -> AreaMeasurement:
    return AreaMeasurement(
        project=project,
        basis=basis,
        above_ground=area.above_ground,
        below_ground=area.below_ground,
        civil_air_defence=area.civil_air_defence,
        measured_on=on,
        document=document,
    )


def _assessment(
    books: Books, file: FeeFile, kind: str, basis: str, area: domain.Area, rate_day: dt.date, on: dt.date, relief: str
) -> Assessment:
    decision = fee_decide(use=file.use, district=file.project.jurisdiction.code, day=rate_day, area=area, relief=relief)
    result = decision.result
    standard = domain.money(result["standard"])
    return Assessment(
        fee_file=file,
        kind=kind,
        number=books.number("PT" if kind == Assessment.Kind.INITIAL else "BJ", on),
        basis=basis,
        use=file.use,
        zone=str(result["zone"]),
        rate_day=rate_day,
        above_ground=area.above_ground,
        below_ground=area.below_ground,
        civil_air_defence=area.civil_air_defence,
        basis_area=domain.money(result["basis_area"]),
        rate=domain.money(result["rate"]),
        schedule=str(result.get("schedule", ""))[:255],
        standard=standard,
        due=standard,
        assessed_on=on,
        decision=decision.as_record(),
    )


@transaction.atomic
def build(ctx: DemoContext) -> None:
    rng = ctx.rng("fees.assessments")
    today = ctx.today
    histories = _histories()
    projects = {p.pk: p for p in Project.objects.filter(pk__in=histories).select_related("jurisdiction")}
    approvers = list(User.objects.filter(username__in=["approval.approver", "market"]).order_by("username"))
    books = Books()
    order = sorted(histories)
    shuffled = order[:]
    rng.shuffle(shuffled)
    accepted = [pk for pk in shuffled if histories[pk].accepted and histories[pk].fee_completed]
    paid_plain = [
        pk for pk in shuffled if histories[pk].outcome == "passed" and histories[pk].permit and pk not in accepted
    ]
    plants = max(1, len(histories) // 40)
    growth = set(accepted[:plants])
    permit_growth = set(paid_plain[:1])
    unjustified = paid_plain[1 : 1 + 3 * plants]
    no_policy = set(unjustified[0::3])
    wrong_use = set(unjustified[1::3])
    exceeds = set(unjustified[2::3])
    counts = {"files": 0, "reliefs": 0, "payments": 0, "recalculated": 0}
    relief_plan: dict[int, tuple[str, Decimal, str, str]] = {}

    for pk in ctx.progress(order, desc="fees: books"):
        history, project = histories[pk], projects[pk]
        use = USE_FROM_FUNCTION.get(project.function, Use.OTHER)
        if history.outcome == "exempt" and use not in EXEMPTION_FOR_USE:
            use = Use.AFFORDABLE
        if pk in wrong_use:
            use = Use.COMMERCIAL
        if pk in exceeds:
            use = Use.KINDERGARTEN
        planned = _split(Decimal(project.floor_area), rng)
        assessed_on = history.fee_started
        books.areas.append(
            _area(
                project,
                Basis.PLANNING,
                planned,
                assessed_on - dt.timedelta(days=rng.randint(20, 90)),
                f"建字第{project.code}号",
            )
        )
        file = FeeFile(project=project, jurisdiction=project.jurisdiction, use=use, zone="", standard=0, due=0)
        try:
            initial = _assessment(
                books, file, Assessment.Kind.INITIAL, Basis.PLANNING, planned, assessed_on, assessed_on, ""
            )
        except errors.ApplicationError:
            books.areas.pop()
            continue  # no rate schedule that early
        file.zone = initial.zone
        books.files.append(file)
        books.assessments.append(initial)
        counts["files"] += 1
        relief_share = Decimal(0)
        if history.fee_completed is not None:
            code = ""
            if history.outcome == "exempt":
                code, relief_share, document, reason = EXEMPTION_FOR_USE[Use(use)], Decimal(1), "减免批复", ""
            elif pk in no_policy:
                code, relief_share, document, reason = (
                    "investment_attraction",
                    Decimal("0.3"),
                    "专题会议纪要",
                    "招商引资重点项目",
                )
            elif pk in wrong_use:
                code, relief_share, document, reason = "kindergarten", Decimal("0.5"), "减免批复", "配套幼儿园"
            elif pk in exceeds:
                code, relief_share, document, reason = "kindergarten", Decimal(1), "专题会议纪要", "普惠性幼儿园"
            elif use == Use.KINDERGARTEN or use == Use.TEACHING_SENIOR:
                code = "kindergarten" if use == Use.KINDERGARTEN else "senior_teaching"
                relief_share, document, reason = Decimal("0.5"), "减免批复", ""
            if code:
                relief_plan[pk] = (code, relief_share, document, reason)
                initial.relieved = domain.money(initial.standard * relief_share)
                initial.due = initial.standard - initial.relieved
            if initial.due > 0:
                books.payments.append(
                    Payment(
                        fee_file=file,
                        receipt=f"FS{history.fee_completed:%Y%m%d}{len(books.payments) + 1:05d}",
                        amount=initial.due,
                        paid_on=history.fee_completed,
                    )
                )
            file.settled_on = history.fee_completed
        if history.permit is not None:
            permit_area = _grown(planned, rng.uniform(0.04, 0.08)) if pk in permit_growth else planned
            books.areas.append(_area(project, Basis.PERMIT, permit_area, history.permit, f"施工许可{project.code}"))
        if history.accepted is not None and history.fee_completed is not None:
            grew_by = rng.uniform(0.03, 0.12) if pk in growth else rng.uniform(-0.003, 0.002)
            surveyed = _grown(planned, grew_by)
            survey_day = min(history.accepted + dt.timedelta(days=rng.randint(5, 20)), today)
            books.areas.append(_area(project, Basis.COMPLETION, surveyed, survey_day, f"竣工测绘{project.code}"))
            completion = _assessment(
                books, file, Assessment.Kind.COMPLETION, Basis.COMPLETION, surveyed, assessed_on, survey_day, ""
            )
            completion.relieved = domain.money(completion.standard * relief_share)
            completion.due = completion.standard - completion.relieved
            completion.supplementary = max(completion.due - initial.due, Decimal("0.00"))
            books.assessments.append(completion)
            counts["recalculated"] += 1
            if completion.supplementary > 0 and pk not in growth:
                books.payments.append(
                    Payment(
                        fee_file=file,
                        receipt=f"FS{survey_day:%Y%m%d}{len(books.payments) + 1:05d}",
                        amount=completion.supplementary,
                        paid_on=survey_day,
                    )
                )
    FeeFile.objects.bulk_create(books.files, batch_size=2000)
    AreaMeasurement.objects.bulk_create(books.areas, batch_size=2000)
    for assessment in books.assessments:
        assessment.fee_file_id = assessment.fee_file.pk
    Assessment.objects.bulk_create(books.assessments, batch_size=2000)
    for payment in books.payments:
        payment.fee_file_id = payment.fee_file.pk
    Payment.objects.bulk_create(books.payments, batch_size=2000)
    files_by_project = {f.project_id: f for f in books.files}
    initial_by_file = {a.fee_file_id: a for a in books.assessments if a.kind == Assessment.Kind.INITIAL}
    for pk, (code, share, document, reason) in relief_plan.items():
        file = files_by_project[pk]
        initial = initial_by_file[file.pk]
        decision = fee_decide(
            use=file.use,
            district=file.project.jurisdiction.code,
            day=initial.rate_day,
            area=domain.Area(
                initial.above_ground, initial.below_ground, initial.civil_air_defence, initial.assessed_on, 1
            ),
            relief=code,
        )
        rule_status = str(decision.result.get("relief_status"))
        policy_factor = Decimal(str(decision.result["factor"])) if rule_status == "matched" else None
        approver = (
            approvers[0 if pk in no_policy | wrong_use | exceeds else rng.randrange(len(approvers))]
            if approvers
            else None
        )
        books.reliefs.append(
            Relief(
                fee_file=file,
                code=code,
                exemption=share == 1,
                amount_factor=share,
                policy_factor=(Decimal(1) - policy_factor) if policy_factor is not None else None,
                policy=str(decision.result.get("policy", ""))[:255],
                document=f"{document}〔{initial.assessed_on:%Y}〕{len(books.reliefs) + 1}号",
                reason=reason,
                status=domain.relief_status(rule_status=rule_status, policy_factor=policy_factor, amount_factor=share),
                granted_on=file.settled_on or initial.assessed_on,
                granted_by=approver,
                granted_by_label=(approver.real_name or approver.username) if approver else "市住建局",
                decision=decision.as_record(),
            )
        )
    Relief.objects.bulk_create(books.reliefs, batch_size=2000)
    counts["reliefs"], counts["payments"] = len(books.reliefs), len(books.payments)
    _totals(books)
    events = [
        Event.about(
            m,
            "fees.area.recorded",
            {"project": m.project_id, "basis": m.basis, "document": m.document, "source": "demo"},
        )
        for m in books.areas
    ]
    events += [
        Event.about(
            a,
            "fees.assessment.imported",
            {
                "project": a.fee_file.project_id,
                "number": a.number,
                "kind": a.kind,
                "standard": a.standard,
                "due": a.due,
            },
        )
        for a in books.assessments
    ]
    events += [
        Event.about(
            r,
            "fees.relief.imported",
            {"project": r.fee_file.project_id, "code": r.code, "share": r.amount_factor, "status": r.status},
        )
        for r in books.reliefs
    ]
    events += [
        Event.about(
            p,
            "fees.payment.imported",
            {"project": p.fee_file.project_id, "receipt": p.receipt, "amount": p.amount, "paid_on": p.paid_on},
        )
        for p in books.payments
    ]
    ledger_append_many(actor=DEMO_ACTOR, events=events, occurred_at=ctx.now())
    result = fees_check(today=today)
    flags = dict(sorted((str(kind), n) for kind, n in result.flags.items()))
    ctx.log(
        f"    fees: {counts['files']} fee files, {counts['recalculated']} recalculated at completion, "
        f"{counts['reliefs']} reliefs, {counts['payments']} payments; flags {flags}"
    )


def _totals(books: Books) -> None:
    """The fee files' totals, as the services keep them."""
    latest: dict[int, Assessment] = {}
    for assessment in books.assessments:
        if assessment.fee_file_id not in latest or assessment.kind == Assessment.Kind.COMPLETION:
            latest[assessment.fee_file_id] = assessment
    paid: dict[int, Decimal] = {}
    for payment in books.payments:
        paid[payment.fee_file_id] = paid.get(payment.fee_file_id, Decimal(0)) + payment.amount
    for file in books.files:
        current = latest[file.pk]
        file.standard, file.relieved, file.due = current.standard, current.relieved, current.due
        file.paid = domain.money(paid.get(file.pk, Decimal(0)))
        file.discount_rate = domain.discount_rate(paid=file.paid, standard=file.standard)
        if file.due == 0 and file.relieved > 0:
            file.status = FeeFile.Status.EXEMPT
        elif file.paid >= file.due:
            file.status = FeeFile.Status.PAID
        elif file.paid > 0:
            file.status = FeeFile.Status.PART_PAID
        else:
            file.status = FeeFile.Status.ASSESSED
    FeeFile.objects.bulk_update(
        books.files, ["standard", "relieved", "due", "paid", "discount_rate", "status"], batch_size=2000
    )


STEPS = [
    DemoStep(
        "fees.assessments",
        build,
        after=("core.city", "lifecycle.stages"),
        after_if_present=("registry.city", "licensing.applications"),
    )
]
