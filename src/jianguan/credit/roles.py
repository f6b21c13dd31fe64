"""Who works on credit. Every staff member may read credit files (grades are used across the
bureau); the credit office enters, reviews and approves records and handles appeals; the head
decides appeals and publishes catalogue versions. Handling, review and approval of one record are
still three different people (enforced by the services, not by roles)."""

_READ = ("credit.view_subject", "credit.view_record", "credit.view_appeal", "credit.view_catalogueversion")
_OFFICE = (
    *_READ,
    "credit.add_record",
    "credit.review_record",
    "credit.approve_record",
    "credit.add_appeal",
)

GRANTS: dict[str, tuple[str, ...]] = {
    "credit_officer": _OFFICE,
    "credit_head": (*_OFFICE, "credit.decide_appeal", "credit.add_catalogueversion"),
    "quality_inspector": _READ,
    "quality_head": _READ,
    "safety_inspector": _READ,
    "safety_head": _READ,
    "market_officer": _READ,
    "command_operator": _READ,
    "command_head": _READ,
    "discipline_investigator": _READ,
    "sysadmin": (*_OFFICE, "credit.decide_appeal", "credit.add_catalogueversion"),
}
