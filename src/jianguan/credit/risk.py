"""Credit in the command centre's site risk score (``RISK_FACTORS``, see :mod:`jianguan.command.risk`).

For each site, the contractor and the supervisor taking part, by their latest daily standing (the
nightly recompute; no standing yet, no factor):

* on the credit blacklist: 30 points (on its own a site is then at least "high");
* in the scheme's lowest grade (C by default), not blacklisted: 15;
* in the grade above it (B by default): 5.

Set-based: three queries whatever the number of sites. The credit module's own warnings
(``credit.blacklisted``, ``credit.lowest_grade``) are about the credit file, not about the
enterprise, so the warning part of the score does not count the same fact twice.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from jianguan.command.risk import Factor
from jianguan.credit.models import Standing
from jianguan.credit.services import current_scheme
from jianguan.registry.models import Participant

BLACKLISTED_POINTS = 30
LOWEST_GRADE_POINTS = 15
SECOND_LOWEST_GRADE_POINTS = 5
ROLES = (Participant.Role.CONTRACTOR, Participant.Role.SUPERVISOR)

BLACKLISTED = _("%(role)s %(name)s is on the credit blacklist")
GRADE = _("%(role)s %(name)s has credit grade %(grade)s (score %(score)s)")


def credit_factor(section_ids: list[int]) -> dict[int, list[Factor]]:
    scheme = current_scheme()
    latest = Standing.objects.filter(scheme=scheme.name).aggregate(day=Max("day"))["day"]
    if latest is None or len(scheme.grades) < 2:
        return {}
    participants = list(
        Participant.objects.filter(bid_section_id__in=section_ids, role__in=ROLES).values_list(
            "bid_section_id", "role", "enterprise_id", "enterprise__name"
        )
    )
    standings = {
        enterprise_id: (grade, blacklisted, score)
        for enterprise_id, grade, blacklisted, score in Standing.objects.filter(
            day=latest, scheme=scheme.name, subject__enterprise_id__in={p[2] for p in participants}
        ).values_list("subject__enterprise_id", "grade", "blacklisted", "score")
    }
    lowest, second = scheme.grades[-1], scheme.grades[-2]
    found: dict[int, list[Factor]] = defaultdict(list)
    for section_id, role, enterprise_id, name in participants:
        if enterprise_id not in standings:
            continue
        grade, blacklisted, score = standings[enterprise_id]
        role_label = Participant.Role(role).label
        if blacklisted:
            found[section_id].append(Factor(BLACKLISTED % {"role": role_label, "name": name}, BLACKLISTED_POINTS))
            continue
        points = {lowest: LOWEST_GRADE_POINTS, second: SECOND_LOWEST_GRADE_POINTS}.get(grade)
        if points:
            label = GRADE % {"role": role_label, "name": name, "grade": grade, "score": score}
            found[section_id].append(Factor(label, points))
    return dict(found)


RISK_FACTORS = [credit_factor]
