"""Who may do what in the command centre."""

_SEE = ("command.view_alert", "command.view_task")
_WORK = (*_SEE, "command.work_task")
_COMMAND = (
    *_SEE,
    "command.dispatch_warning",
    "command.close_warning",
    "command.view_report",
    "command.generate_report",
)

GRANTS: dict[str, tuple[str, ...]] = {
    "command_operator": _COMMAND,
    "command_head": _COMMAND,
    "approval_handler": _WORK,
    "approval_reviewer": _WORK,
    "approval_approver": _WORK,
    "quality_inspector": _WORK,
    "quality_head": _WORK,
    "safety_inspector": _WORK,
    "safety_head": _WORK,
    "market_officer": _WORK,
    "credit_officer": _WORK,
    "credit_head": _WORK,
    "sysadmin": _WORK,
    "discipline_investigator": (*_SEE, "command.view_report"),
}
