"""Who may see and record the stage line. Every staff department reads it; the departments that
own stages record them (the approval office, the quality station, the market office), and the
quality station keeps the drawing-review findings."""

_READ = ("lifecycle.view_stagerecord", "lifecycle.view_reviewfinding")
_RECORD = (*_READ, "lifecycle.add_stagerecord", "lifecycle.change_stagerecord")
_REVIEW = (*_RECORD, "lifecycle.add_reviewfinding", "lifecycle.change_reviewfinding")

GRANTS: dict[str, tuple[str, ...]] = {
    "approval_handler": _RECORD,
    "approval_reviewer": _RECORD,
    "approval_approver": _RECORD,
    "quality_inspector": _REVIEW,
    "quality_head": _REVIEW,
    "safety_inspector": _READ,
    "safety_head": _READ,
    "market_officer": _RECORD,
    "credit_officer": _READ,
    "credit_head": _READ,
    "command_operator": _READ,
    "command_head": _READ,
    "discipline_investigator": _READ,
    "sysadmin": _REVIEW,
}
