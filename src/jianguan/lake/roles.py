"""Who may see the lake and upload to it."""

GRANTS: dict[str, tuple[str, ...]] = {
    "command_operator": ("lake.view_lake",),
    "command_head": ("lake.view_lake",),
    "sysadmin": ("lake.view_lake", "lake.ingest_lake"),
    "quality_head": ("lake.view_lake",),
    "safety_head": ("lake.view_lake",),
}
