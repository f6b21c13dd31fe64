"""Who may see and keep the supporting fee. The market office keeps it (DESIGN.md): it records
areas, assesses, records payments and grants reductions and exemptions; the approval office (which
decides permits) records areas and reads; the command centre, discipline inspection and the other
stations read."""

_READ = ("fees.view_feefile",)
_KEEP = (*_READ, "fees.assess_fee")
_GRANT = (*_KEEP, "fees.grant_relief")

GRANTS: dict[str, tuple[str, ...]] = {
    "market_officer": _GRANT,
    "approval_handler": _KEEP,
    "approval_reviewer": _READ,
    "approval_approver": (*_READ, "fees.grant_relief"),
    "quality_head": _READ,
    "safety_head": _READ,
    "credit_head": _READ,
    "command_operator": _READ,
    "command_head": _READ,
    "discipline_investigator": _READ,
    "sysadmin": _GRANT,
}
