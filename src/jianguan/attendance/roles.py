"""Who may see and manage attendance."""

_SEE = ("attendance.view_binding", "attendance.view_checkin", "attendance.view_dutyevaluation")
_MANAGE = (
    *_SEE,
    "attendance.add_binding",
    "attendance.change_binding",
    "attendance.add_enrolment",
    "attendance.add_absence",
)

GRANTS: dict[str, tuple[str, ...]] = {
    "market_officer": _MANAGE,
    "quality_inspector": _SEE,
    "quality_head": _SEE,
    "safety_inspector": _SEE,
    "safety_head": _SEE,
    "command_operator": _SEE,
    "command_head": _SEE,
    "sysadmin": _MANAGE,
    "discipline_investigator": _SEE,
}
