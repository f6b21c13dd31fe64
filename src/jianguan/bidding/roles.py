"""Who may see leads: the discipline inspection department; the market office imports tenders and
sees concentration figures but not the leads."""

GRANTS: dict[str, tuple[str, ...]] = {
    "discipline_investigator": ("bidding.view_lead", "bidding.view_tender"),
    "market_officer": ("bidding.view_tender", "bidding.import_tenders"),
    "sysadmin": ("bidding.import_tenders",),
}
