"""Who may do what in supervision. Inspectors inspect and record findings; heads review and
confirm findings, issue rectification and stop-work orders and make the random draws; the command
centre and the credit office read."""

_SEE = (
    "supervision.view_inspection",
    "supervision.view_finding",
    "supervision.view_rectificationorder",
    "supervision.view_draw",
)
_INSPECT = (*_SEE, "supervision.inspect", "supervision.review_finding")
_HEAD = (
    *_INSPECT,
    "supervision.confirm_finding",
    "supervision.issue_order",
    "supervision.make_draw",
    "supervision.publish_draw",
    "supervision.add_inspectorconflict",
)

GRANTS: dict[str, tuple[str, ...]] = {
    "quality_inspector": _INSPECT,
    "safety_inspector": _INSPECT,
    "quality_head": _HEAD,
    "safety_head": _HEAD,
    "command_operator": _SEE,
    "command_head": _SEE,
    "credit_officer": _SEE,
    "credit_head": _SEE,
    "discipline_investigator": _SEE,
}
