"""The quality station sees concrete results; the command centre and the discipline department too."""

_SEE = ("concrete.view_batchverdict", "concrete.view_specimengroup", "concrete.view_custodyflag")

GRANTS: dict[str, tuple[str, ...]] = {
    "quality_inspector": _SEE,
    "quality_head": _SEE,
    "command_operator": _SEE,
    "command_head": _SEE,
    "discipline_investigator": _SEE,
}
