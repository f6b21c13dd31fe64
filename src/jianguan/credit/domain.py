"""Credit scoring: plain dataclasses and functions, no database.

A **subject** (an enterprise or a registered person) has **behaviour records**: bad ones (a code of
the catalogue, a severity A/B/C, points, the date the record took effect, the disclosure period and
the related penalty's end) and good ones (awards, model sites: points, valid three years). A
**scheme** turns the records that are in force on a day into a score and a grade:

    score = base + min(good points, cap) − bad points        (then the floor, when the scheme has one)

The rules of 建筑市场信用管理暂行办法 (建市〔2017〕241号) that the engine enforces:

* bad information is disclosed for 6 months to 3 years, and never for less than the related penalty:
  a record counts from its event date up to and including ``valid_until`` (the disclosure period
  or the end of the penalty, whichever is later); after that it is neither shown nor used;
* good information counts for three years;
* blacklist ("黑名单") conditions put a subject on the blacklist regardless of its score:
  qualification obtained by forged documents; subcontracting on or lending a qualification, with an
  administrative penalty; a major quality or safety accident, or two larger ones within a year;
  adjudicated wage arrears left unpaid. Only records in force count (expired bad information may not
  be used for sanctions), and the grade of a blacklisted subject is the scheme's ``blacklist_grade``.

Everything is computed **as of a day** by replaying the records, so a score of the past is
reproducible and a record dated after the day is ignored. :func:`standing_history` gives the
daily series for charts. The set-based job in :mod:`jianguan.credit.scoring` computes the same
standings for every subject at once in SQL; the tests hold the two together.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

CENT = Decimal("0.01")

# 建市〔2017〕241号: bad information is disclosed for 6 months to 3 years; good information about 3 years.
BAD_MIN_MONTHS = 6
BAD_MAX_MONTHS = 36
GOOD_VALIDITY_MONTHS = 36


class Kind(StrEnum):
    BAD = "bad"
    GOOD = "good"


class Severity(StrEnum):
    """Grades of bad information (2020 draft): A severe, B intermediate, C minor."""

    A = "A"
    B = "B"
    C = "C"


class SubjectType(StrEnum):
    OWNER = "owner"  # 建设单位
    CONTRACTOR = "contractor"  # 施工单位
    SUPERVISOR = "supervisor"  # 工程监理单位
    SURVEY = "survey"  # 勘察单位
    DESIGN = "design"  # 设计单位
    TENDER_AGENT = "tender_agent"  # 招标代理机构
    TESTING_LAB = "testing_lab"  # 工程质量检测机构
    REGISTERED_PERSON = "registered_person"  # 注册执业人员


class Trigger(StrEnum):
    """What a catalogue item contributes to the blacklist conditions."""

    FORGED_QUALIFICATION = "forged_qualification"  # qualification obtained with forged material or deceit
    SUBCONTRACT_OR_LENDING = "subcontract_or_lending"  # blacklists only with an administrative penalty
    MAJOR_ACCIDENT = "major_accident"  # a major (or especially major) quality/safety accident
    LARGER_ACCIDENT = "larger_accident"  # two within a year blacklist
    WAGE_ARREARS = "wage_arrears"  # adjudicated arrears: blacklists while unpaid


class BlacklistReason(StrEnum):
    FORGED_QUALIFICATION = "forged_qualification"
    SUBCONTRACT_OR_LENDING = "subcontract_or_lending"
    MAJOR_ACCIDENT = "major_accident"
    TWO_LARGER_ACCIDENTS = "two_larger_accidents"
    WAGE_ARREARS_UNPAID = "wage_arrears_unpaid"


class Publication(StrEnum):
    DAILY = "daily"  # the score of the day
    QUARTER_MEAN = "quarter_mean"  # the mean of the daily scores of the quarter (Jiangxi)


# --- dates ---------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the last day of the month when that month is shorter
    (31 August + 6 months = 28 February), as PostgreSQL's ``date + interval`` does."""
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_end(start: dt.date, months: int) -> dt.date:
    """The last day of a period of ``months`` counted from an event on ``start`` (民法典 art. 201–202:
    the day of the event is not counted, the period ends on the corresponding day of the last month,
    or on that month's last day when it has no such day): 15 January + 6 months ends on 15 July,
    31 August + 6 months on 28 February."""
    return add_months(start, months)


@dataclass(frozen=True)
class Period:
    """Days from ``start`` to ``end`` inclusive (``end`` None: open-ended)."""

    start: dt.date
    end: dt.date | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    def contains(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


# --- records -------------------------------------------------------------------------------------


class InvalidRecord(ValueError):
    """A behaviour record that breaks a rule of the engine (the message says which)."""


@dataclass(frozen=True)
class Record:
    """One behaviour record of a subject, as the engine needs it.

    ``points`` is the record's total (a catalogue item's points times its quantity), positive for
    both kinds: good points are added, bad points deducted. The record counts on the days
    ``event_date … valid_until`` (inclusive) and, if it was revoked (an appeal upheld, credit
    repaired), only before ``revoked_on``; a record revoked on its event date never counts.
    """

    id: Any
    kind: Kind
    points: Decimal
    event_date: dt.date
    valid_until: dt.date
    code: str = ""
    severity: Severity | None = None
    trigger: Trigger | None = None
    penalised: bool = False  # an administrative penalty (行政处罚) was decided for the behaviour
    settled_on: dt.date | None = None  # wage arrears: the day they were paid in full
    revoked_on: dt.date | None = None

    def __post_init__(self) -> None:
        # accept the plain strings a database row or JSON gives
        object.__setattr__(self, "kind", Kind(self.kind))
        if self.severity is not None:
            object.__setattr__(self, "severity", Severity(self.severity))
        if self.trigger is not None:
            object.__setattr__(self, "trigger", Trigger(self.trigger))
        object.__setattr__(self, "points", Decimal(self.points))
        if self.points < 0:
            raise InvalidRecord(f"record {self.id}: points are counted positive, got {self.points}")
        if self.valid_until < self.event_date:
            raise InvalidRecord(f"record {self.id}: valid until {self.valid_until}, before its event date")
        if self.kind is Kind.BAD and self.severity is None:
            raise InvalidRecord(f"record {self.id}: a bad record needs a severity (A, B or C)")
        if self.kind is Kind.GOOD and (self.severity is not None or self.trigger is not None):
            raise InvalidRecord(f"record {self.id}: a good record has no severity and no blacklist trigger")

    def in_force_on(self, day: dt.date) -> bool:
        """Whether the record is shown and used on ``day``."""
        if day < self.event_date or day > self.valid_until:
            return False
        return self.revoked_on is None or day < self.revoked_on


def bad_valid_until(
    event_date: dt.date,
    disclosure_months: int,
    *,
    penalty_until: dt.date | None = None,
    min_months: int = BAD_MIN_MONTHS,
    max_months: int = BAD_MAX_MONTHS,
) -> dt.date:
    """The last day a bad record counts: the end of its disclosure period (``min_months`` to
    ``max_months``), or the end of the related penalty when that is later (建市〔2017〕241号)."""
    if not min_months <= disclosure_months <= max_months:
        raise InvalidRecord(
            f"a disclosure period of {disclosure_months} months is outside {min_months}–{max_months} months"
        )
    end = period_end(event_date, disclosure_months)
    if penalty_until is not None and penalty_until > end:
        end = penalty_until
    return end


def bad_record(
    *,
    id: Any,
    code: str,
    severity: Severity | str,
    points: Decimal | int | str,
    event_date: dt.date,
    disclosure_months: int,
    penalty_until: dt.date | None = None,
    trigger: Trigger | str | None = None,
    penalised: bool = False,
    settled_on: dt.date | None = None,
    revoked_on: dt.date | None = None,
) -> Record:
    """A bad record whose window follows the disclosure rules (see :func:`bad_valid_until`)."""
    return Record(
        id=id,
        kind=Kind.BAD,
        code=code,
        severity=Severity(severity),
        points=Decimal(points),
        event_date=event_date,
        valid_until=bad_valid_until(event_date, disclosure_months, penalty_until=penalty_until),
        trigger=Trigger(trigger) if trigger else None,
        penalised=penalised or penalty_until is not None,
        settled_on=settled_on,
        revoked_on=revoked_on,
    )


def good_record(
    *,
    id: Any,
    code: str,
    points: Decimal | int | str,
    event_date: dt.date,
    validity_months: int = GOOD_VALIDITY_MONTHS,
    revoked_on: dt.date | None = None,
) -> Record:
    """A good record (award, model site) counting for ``validity_months`` (three years)."""
    return Record(
        id=id,
        kind=Kind.GOOD,
        code=code,
        points=Decimal(points),
        event_date=event_date,
        valid_until=period_end(event_date, validity_months),
        revoked_on=revoked_on,
    )


# --- schemes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeBand:
    """A grade and the lowest score that earns it (None: every score below the bands above)."""

    grade: str
    min_score: Decimal | None


class InvalidScheme(ValueError):
    """A scheme that cannot grade consistently (the message says why)."""


DEFAULT_BANDS = (
    GradeBand("AAA", Decimal(90)),
    GradeBand("AA", Decimal(80)),
    GradeBand("A", Decimal(70)),
    GradeBand("B", Decimal(60)),
    GradeBand("C", None),
)


@dataclass(frozen=True)
class Scheme:
    """How records become a score and a grade; provinces and cities differ, so this is configuration.

    * ``base`` — the score of a subject with no record in force; when ``base_requires_eligibility``
      the base is given only on days the subject holds its valid licences (Jiangxi), else 0;
    * ``addition_cap`` — the most good points count for (None: no cap);
    * ``floor`` — the lowest score (None: deductions without floor, as Jiangxi);
    * ``deducted_severities`` — which bad records are deducted (all by default; the blacklist
      looks at every bad record in force regardless);
    * ``bands`` — grades from the highest, each with its lowest score; the last catches the rest;
    * ``blacklist_grade`` — the grade of a blacklisted subject whatever its score (None: the
      score's grade, the blacklist flag alone marks it);
    * ``accident_window_months`` — "two larger accidents within a year";
    * ``publication`` — the published score: the day's, or the quarter's mean of daily scores.
    """

    name: str
    base: Decimal = Decimal(100)
    addition_cap: Decimal | None = Decimal(10)
    floor: Decimal | None = Decimal(0)
    deducted_severities: frozenset[Severity] = frozenset(Severity)
    bands: tuple[GradeBand, ...] = DEFAULT_BANDS
    blacklist_grade: str | None = "C"
    base_requires_eligibility: bool = False
    accident_window_months: int = 12
    publication: Publication = Publication.DAILY
    note: str = ""

    def __post_init__(self) -> None:
        if not self.bands or self.bands[-1].min_score is not None:
            raise InvalidScheme(f"scheme {self.name}: the last grade band must catch every lower score")
        thresholds = [band.min_score for band in self.bands[:-1]]
        if any(value is None for value in thresholds):
            raise InvalidScheme(f"scheme {self.name}: only the last grade band may have no lowest score")
        if thresholds != sorted(thresholds, reverse=True) or len(set(thresholds)) != len(thresholds):  # type: ignore[type-var]
            raise InvalidScheme(f"scheme {self.name}: grade thresholds must strictly decrease")
        grades = [band.grade for band in self.bands]
        if len(set(grades)) != len(grades):
            raise InvalidScheme(f"scheme {self.name}: a grade appears twice")
        if self.blacklist_grade is not None and self.blacklist_grade not in grades:
            raise InvalidScheme(f"scheme {self.name}: blacklist grade {self.blacklist_grade} is not one of its grades")
        if self.addition_cap is not None and self.addition_cap < 0:
            raise InvalidScheme(f"scheme {self.name}: the cap on additions cannot be negative")
        if self.accident_window_months < 1:
            raise InvalidScheme(f"scheme {self.name}: the accident window must be at least one month")

    @property
    def grades(self) -> tuple[str, ...]:
        return tuple(band.grade for band in self.bands)

    def grade_for(self, score: Decimal) -> str:
        """The band a score falls in."""
        for band in self.bands:
            if band.min_score is None or score >= band.min_score:
                return band.grade
        raise AssertionError("unreachable: the last band catches every score")


SCHEMES: dict[str, Scheme] = {
    scheme.name: scheme
    for scheme in (
        Scheme(
            name="default",
            note="Base 100, good behaviour up to +10, floor 0; AAA ≥ 90, AA ≥ 80, A ≥ 70, B ≥ 60, C below "
            "(the Guangdong association's bands); blacklisted subjects are graded C.",
        ),
        Scheme(
            name="jiangxi",
            base=Decimal(70),
            addition_cap=Decimal(30),
            floor=None,
            base_requires_eligibility=True,
            publication=Publication.QUARTER_MEAN,
            note="Jiangxi: base 70 only with a valid licence, qualification and safety licence; good behaviour "
            "up to +30; deductions without floor; computed daily, the quarter's score is the mean of the daily "
            "scores. Grade bands as the default (Jiangxi's own are unconfirmed).",
        ),
        Scheme(
            name="hainan",
            base=Decimal(100),
            addition_cap=Decimal(20),
            floor=Decimal(0),
            note="Hainan: base 100. The cap on additions (+20) and the bands (the default) are assumptions to "
            "confirm against the province's current rules.",
        ),
    )
}


def scheme_from_dict(data: Mapping[str, Any]) -> Scheme:
    """A scheme from configuration (JSON): ``{"name", "base", "addition_cap", "floor", "bands":
    [["AAA", 90], …, ["C", null]], …}``; missing keys take the default scheme's values, and the
    blacklist grade is the lowest band unless given."""
    known = {
        "name",
        "base",
        "addition_cap",
        "floor",
        "deducted_severities",
        "bands",
        "blacklist_grade",
        "base_requires_eligibility",
        "accident_window_months",
        "publication",
        "note",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidScheme(f"unknown scheme settings: {', '.join(unknown)}")
    if not data.get("name"):
        raise InvalidScheme("a scheme needs a name")
    values: dict[str, Any] = {"name": str(data["name"])}
    try:
        for key in ("base", "addition_cap", "floor"):
            if key in data:
                values[key] = None if data[key] is None else Decimal(str(data[key]))
        if "deducted_severities" in data:
            values["deducted_severities"] = frozenset(Severity(s) for s in data["deducted_severities"])
        if "bands" in data:
            values["bands"] = tuple(
                GradeBand(str(grade), None if low is None else Decimal(str(low))) for grade, low in data["bands"]
            )
        if "publication" in data:
            values["publication"] = Publication(data["publication"])
    except (ArithmeticError, ValueError, TypeError) as error:
        raise InvalidScheme(f"scheme {data['name']}: {error}") from error
    for key in ("blacklist_grade", "note"):
        if key in data:
            values[key] = data[key]
    if "bands" in values and "blacklist_grade" not in data:
        values["blacklist_grade"] = values["bands"][-1].grade  # the lowest grade of the scheme's own bands
    if "base_requires_eligibility" in data:
        values["base_requires_eligibility"] = bool(data["base_requires_eligibility"])
    if "accident_window_months" in data:
        values["accident_window_months"] = int(data["accident_window_months"])
    return Scheme(**values)


# --- subjects and standings ----------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """An enterprise or a registered person being scored.

    ``eligible`` lists the periods in which it holds what the base score requires (valid business
    licence, qualification and safety licence). Only schemes with ``base_requires_eligibility`` look
    at it, and for them a subject without such a period gets no base.
    """

    id: Any
    subject_type: SubjectType = SubjectType.CONTRACTOR
    eligible: tuple[Period, ...] = ()

    def eligible_on(self, day: dt.date) -> bool:
        return any(period.contains(day) for period in self.eligible)


@dataclass(frozen=True)
class Standing:
    """A subject's credit on one day."""

    day: dt.date
    score: Decimal
    grade: str
    base: Decimal
    additions: Decimal  # after the cap
    deductions: Decimal
    blacklist: frozenset[BlacklistReason] = field(default_factory=frozenset)
    records: tuple[Any, ...] = ()  # ids of the records in force that day (shown and used)

    @property
    def blacklisted(self) -> bool:
        return bool(self.blacklist)


def blacklist_reasons(
    records: Iterable[Record], day: dt.date, *, window_months: int = 12
) -> frozenset[BlacklistReason]:
    """The blacklist conditions met on ``day`` by the bad records in force that day."""
    reasons: set[BlacklistReason] = set()
    larger: list[dt.date] = []
    for record in records:
        if record.kind is not Kind.BAD or record.trigger is None or not record.in_force_on(day):
            continue
        if record.trigger is Trigger.FORGED_QUALIFICATION:
            reasons.add(BlacklistReason.FORGED_QUALIFICATION)
        elif record.trigger is Trigger.SUBCONTRACT_OR_LENDING:
            if record.penalised:
                reasons.add(BlacklistReason.SUBCONTRACT_OR_LENDING)
        elif record.trigger is Trigger.MAJOR_ACCIDENT:
            reasons.add(BlacklistReason.MAJOR_ACCIDENT)
        elif record.trigger is Trigger.LARGER_ACCIDENT:
            larger.append(record.event_date)
        elif record.trigger is Trigger.WAGE_ARREARS and (record.settled_on is None or record.settled_on > day):
            reasons.add(BlacklistReason.WAGE_ARREARS_UNPAID)
    larger.sort()
    if any(later <= add_months(earlier, window_months) for earlier, later in itertools.pairwise(larger)):
        reasons.add(BlacklistReason.TWO_LARGER_ACCIDENTS)
    return frozenset(reasons)


def standing_on(subject: Subject, records: Iterable[Record], scheme: Scheme, day: dt.date) -> Standing:
    """The subject's score, grade and blacklist status on ``day``, from the records in force that day
    (records dated after ``day``, expired or revoked ones are ignored)."""
    in_force = [record for record in records if record.in_force_on(day)]
    base = scheme.base if not scheme.base_requires_eligibility or subject.eligible_on(day) else Decimal(0)
    good = sum((r.points for r in in_force if r.kind is Kind.GOOD), Decimal(0))
    additions = good if scheme.addition_cap is None else min(good, scheme.addition_cap)
    deductions = sum(
        (r.points for r in in_force if r.kind is Kind.BAD and r.severity in scheme.deducted_severities), Decimal(0)
    )
    score = base + additions - deductions
    if scheme.floor is not None and score < scheme.floor:
        score = scheme.floor
    score = score.quantize(CENT, rounding=ROUND_HALF_UP)
    reasons = blacklist_reasons(in_force, day, window_months=scheme.accident_window_months)
    grade = scheme.blacklist_grade if reasons and scheme.blacklist_grade else scheme.grade_for(score)
    return Standing(
        day=day,
        score=score,
        grade=grade,
        base=base,
        additions=additions,
        deductions=deductions,
        blacklist=reasons,
        records=tuple(record.id for record in in_force),
    )


def _change_days(subject: Subject, records: Sequence[Record]) -> set[dt.date]:
    """Days on which a standing may differ from the day before: nothing else changes it."""
    days: set[dt.date] = set()
    one = dt.timedelta(days=1)
    for record in records:
        days.add(record.event_date)
        days.add(record.valid_until + one)
        if record.revoked_on is not None:
            days.add(record.revoked_on)
        if record.settled_on is not None:
            days.add(record.settled_on)
    for period in subject.eligible:
        days.add(period.start)
        if period.end is not None:
            days.add(period.end + one)
    return days


def standing_history(
    subject: Subject, records: Sequence[Record], scheme: Scheme, start: dt.date, end: dt.date
) -> list[Standing]:
    """The standing of every day from ``start`` to ``end`` inclusive (the daily series for charts).

    Computed only on the days something changes and carried forward in between, so three years of
    a subject's history cost a few dozen evaluations, not a thousand.
    """
    if end < start:
        return []
    changes = sorted(day for day in _change_days(subject, records) if start < day <= end)
    series: list[Standing] = []
    current = standing_on(subject, records, scheme, start)
    day = start
    for change in [*changes, end + dt.timedelta(days=1)]:
        while day < change:
            series.append(replace(current, day=day))
            day += dt.timedelta(days=1)
        if change <= end:
            current = standing_on(subject, records, scheme, change)
    return series


def quarter_of(day: dt.date) -> Period:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    return Period(start, add_months(start, 3) - dt.timedelta(days=1))


def published_score(subject: Subject, records: Sequence[Record], scheme: Scheme, day: dt.date) -> Decimal:
    """The score the scheme publishes for ``day``: the day's score, or (Jiangxi) the mean of the
    daily scores of the quarter so far."""
    if scheme.publication is Publication.DAILY:
        return standing_on(subject, records, scheme, day).score
    quarter = quarter_of(day)
    history = standing_history(subject, records, scheme, quarter.start, day)
    mean = sum((standing.score for standing in history), Decimal(0)) / len(history)
    return mean.quantize(CENT, rounding=ROUND_HALF_UP)
