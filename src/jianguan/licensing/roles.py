"""Who may do what in licensing: the approval office handles, reviews and approves (three
different people per application, enforced by the service); other staff read."""

_READ = ("licensing.view_application", "licensing.view_permit", "licensing.view_processversion")

GRANTS: dict[str, tuple[str, ...]] = {
    "approval_handler": (*_READ, "licensing.handle_application", "licensing.add_application"),
    "approval_reviewer": (*_READ, "licensing.review_application"),
    "approval_approver": (*_READ, "licensing.approve_application", "licensing.revoke_permit"),
    "quality_inspector": _READ,
    "safety_inspector": _READ,
    "market_officer": _READ,
    "command_operator": _READ,
    "sysadmin": (*_READ, "licensing.manage_processes"),
}
