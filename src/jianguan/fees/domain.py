"""Plain functions of the fee's reconciliation: no database.

- :func:`project_area` — a project's area on one basis from its measurements: the latest
  whole-project measurement when there is one, else the sum of each bid section's latest;
- :func:`discount_rate` — 1 − paid / standard (0 when everything was paid, 1 when nothing);
- :func:`area_growth` — how much an area grew against the assessed one, and whether that is more
  than the tolerance;
- :func:`relief_status` — compare a relief granted with what the policy rule allows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")


def money(value: Decimal | float | int | str) -> Decimal:
    """Yuan to the cent, half up (as a receipt is written)."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Measurement:
    section_id: int | None
    above_ground: Decimal
    below_ground: Decimal
    civil_air_defence: Decimal
    measured_on: dt.date
    order: int = 0  # ties on the same day: the later record wins

    @property
    def levied(self) -> Decimal:
        return max(self.above_ground + self.below_ground - self.civil_air_defence, ZERO)


@dataclass(frozen=True)
class Area:
    above_ground: Decimal
    below_ground: Decimal
    civil_air_defence: Decimal
    measured_on: dt.date
    parts: int

    @property
    def levied(self) -> Decimal:
        """The area the fee is levied on: above- plus below-ground, civil-air-defence excluded."""
        return max(self.above_ground + self.below_ground - self.civil_air_defence, ZERO)


def project_area(measurements: Iterable[Measurement]) -> Area | None:
    """The project's area on one basis (None when nothing was measured)."""
    items = sorted(measurements, key=lambda m: (m.measured_on, m.order))
    if not items:
        return None
    whole = [m for m in items if m.section_id is None]
    if whole:
        m = whole[-1]
        return Area(m.above_ground, m.below_ground, m.civil_air_defence, m.measured_on, 1)
    latest: dict[int | None, Measurement] = {}
    for m in items:
        latest[m.section_id] = m
    parts = list(latest.values())
    return Area(
        sum((m.above_ground for m in parts), ZERO),
        sum((m.below_ground for m in parts), ZERO),
        sum((m.civil_air_defence for m in parts), ZERO),
        max(m.measured_on for m in parts),
        len(parts),
    )


def discount_rate(*, paid: Decimal, standard: Decimal) -> Decimal:
    """1 − paid / standard, to four places; 0 for a project whose standard is 0 (nothing to levy)."""
    if standard <= 0:
        return ZERO
    rate = Decimal(1) - paid / standard
    return max(rate, Decimal(-1)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Growth:
    assessed: Decimal
    measured: Decimal

    @property
    def delta(self) -> Decimal:
        return self.measured - self.assessed

    @property
    def share(self) -> Decimal:
        return self.delta / self.assessed if self.assessed > 0 else Decimal(1 if self.delta > 0 else 0)

    def beyond(self, tolerance: Decimal) -> bool:
        """Grew by more than ``tolerance`` (a share, e.g. 0.005 = 0.5 %) and by at least 1 m²."""
        return self.delta >= 1 and self.share > tolerance


def area_growth(*, assessed: Decimal, measured: Decimal) -> Growth:
    return Growth(assessed=assessed, measured=measured)


def relief_status(*, rule_status: str, policy_factor: Decimal | None, amount_factor: Decimal) -> str:
    """What a relief granted is, given the rule's answer for its code and use.

    ``rule_status`` is the rule's ``relief_status`` (matched, use_not_qualifying, no_policy);
    ``policy_factor`` the share of the standard still due under the policy (0 exempt, 0.5 half);
    ``amount_factor`` the share of the standard actually relieved."""
    if rule_status != "matched" or policy_factor is None:
        return "use_not_qualifying" if rule_status == "use_not_qualifying" else "no_policy"
    allowed = Decimal(1) - policy_factor
    return "exceeds_policy" if amount_factor > allowed + Decimal("0.0001") else "matched"
