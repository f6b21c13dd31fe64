"""Who may see and change the base registry. Everyone on the staff reads it (it is the base every
department works on); the market office keeps enterprises, people and registrations; the approval
office keeps the project tree."""

_READ = (
    "registry.view_enterprise",
    "registry.view_qualification",
    "registry.view_safetylicence",
    "registry.view_person",
    "registry.view_registration",
    "registry.view_project",
    "registry.view_bidsection",
)
_MARKET = (
    *_READ,
    "registry.add_enterprise",
    "registry.change_enterprise",
    "registry.change_qualification",
    "registry.change_safetylicence",
    "registry.add_person",
    "registry.change_person",
    "registry.change_registration",
    "registry.import_data",
)
_PROJECTS = (
    *_READ,
    "registry.add_project",
    "registry.change_project",
    "registry.change_bidsection",
    "registry.change_keyperson",
)

GRANTS: dict[str, tuple[str, ...]] = {
    "approval_handler": _PROJECTS,
    "approval_reviewer": _PROJECTS,
    "approval_approver": _PROJECTS,
    "quality_inspector": _READ,
    "quality_head": _READ,
    "safety_inspector": _READ,
    "safety_head": _READ,
    "market_officer": (*_MARKET, "registry.change_keyperson"),
    "credit_officer": _READ,
    "credit_head": _READ,
    "command_operator": _READ,
    "command_head": _READ,
    "discipline_investigator": _READ,
    "sysadmin": (*_MARKET, *_PROJECTS),
}
