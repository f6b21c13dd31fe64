"""Random subjects and behaviour records for property tests and the domain/SQL comparison."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from hypothesis import strategies as st

from jianguan.credit.catalogue import Catalogue, load_catalogue_file, shipped_catalogue_path
from jianguan.credit.domain import Kind, Period, Record, Subject, bad_record, good_record

CATALOGUE: Catalogue = load_catalogue_file(shipped_catalogue_path())
CODES = sorted(CATALOGUE.items)
FIRST_DAY = dt.date(2023, 1, 1)
SPAN_DAYS = 4 * 365
# extra points beside the catalogue's, with decimals that binary floating point cannot hold exactly
ODD_POINTS = [Decimal("0.1"), Decimal("0.2"), Decimal("0.35"), Decimal("2.35"), Decimal("7.05"), Decimal("33.3")]

days = st.integers(0, SPAN_DAYS).map(lambda n: FIRST_DAY + dt.timedelta(days=n))


@st.composite
def records(draw: st.DrawFn, id: int | None = None) -> Record:
    """A record of a catalogue item, sometimes with odd points, a penalty, a payment or a revocation."""
    item = CATALOGUE.item(draw(st.sampled_from(CODES)))
    event = draw(days)
    record_id = id if id is not None else draw(st.integers(1, 10**9))
    revoked = draw(st.one_of(st.none(), days.filter(lambda d: d >= event)))
    points = draw(st.one_of(st.just(item.points), st.sampled_from(ODD_POINTS)))
    if item.kind is Kind.GOOD:
        return good_record(id=record_id, code=item.code, points=points, event_date=event, revoked_on=revoked)
    assert item.severity is not None
    assert item.disclosure_months is not None
    return bad_record(
        id=record_id,
        code=item.code,
        severity=item.severity,
        points=points,
        event_date=event,
        disclosure_months=item.disclosure_months,
        penalty_until=draw(st.one_of(st.none(), days)),
        trigger=item.trigger,
        penalised=draw(st.booleans()),
        settled_on=draw(st.one_of(st.none(), days)),
        revoked_on=revoked,
    )


@st.composite
def subjects(draw: st.DrawFn) -> Subject:
    periods = []
    for _ in range(draw(st.integers(0, 2))):
        start = draw(days)
        end = draw(st.one_of(st.none(), days.filter(lambda d, start=start: d >= start)))
        periods.append(Period(start, end))
    return Subject(id=1, eligible=tuple(periods))


def random_record(rng: random.Random, id: int, *, near: dt.date | None = None) -> Record:
    """Plain random (no hypothesis) for the comparison with the SQL job over many subjects: dates
    cluster around ``near`` so windows open and close around the days compared."""
    item = CATALOGUE.item(rng.choice(CODES))
    centre = near or FIRST_DAY + dt.timedelta(days=SPAN_DAYS // 2)

    def day() -> dt.date:
        return centre + dt.timedelta(days=rng.randint(-3 * 365 - 30, 60))

    event = day()
    revoked = None if rng.random() < 0.85 else event + dt.timedelta(days=rng.randint(0, 400))
    points = item.points if rng.random() < 0.8 else rng.choice(ODD_POINTS)
    if item.kind is Kind.GOOD:
        return good_record(id=id, code=item.code, points=points, event_date=event, revoked_on=revoked)
    assert item.severity is not None
    assert item.disclosure_months is not None
    quantity = rng.randint(1, 3) if item.unit else 1
    return bad_record(
        id=id,
        code=item.code,
        severity=item.severity,
        points=points * quantity,
        event_date=event,
        disclosure_months=item.disclosure_months,
        penalty_until=None if rng.random() < 0.8 else day() + dt.timedelta(days=400),
        trigger=item.trigger,
        penalised=rng.random() < 0.5,
        settled_on=None if rng.random() < 0.6 else event + dt.timedelta(days=rng.randint(0, 500)),
        revoked_on=revoked,
    )


def random_subject(rng: random.Random, id: int, *, near: dt.date) -> Subject:
    periods = []
    for _ in range(rng.choice([0, 1, 1, 1, 2])):
        start = near + dt.timedelta(days=rng.randint(-2000, 30))
        end = None if rng.random() < 0.3 else start + dt.timedelta(days=rng.randint(0, 2000))
        periods.append(Period(start, end))
    return Subject(id=id, eligible=tuple(periods))
