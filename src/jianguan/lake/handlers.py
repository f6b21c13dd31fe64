"""Linkage: what the lake's jobs record becomes a warning in the command centre."""

from __future__ import annotations

from jianguan.core.ledger import Handler
from jianguan.core.models import LedgerEntry

WARNING_KINDS = {
    "dust_exceedance": "lake.dust_exceedance",
    "noise_exceedance": "lake.noise_exceedance",
    "silent_device": "lake.device_silent",
}


def detection_recorded(entry: LedgerEntry) -> None:
    from jianguan.command.services import warning_raise
    from jianguan.lake.models import Detection

    detection = Detection.objects.select_related("device", "jurisdiction").get(pk=entry.object_id)
    kind = WARNING_KINDS[detection.kind]
    subject = detection.site or detection.device.serial
    params = {
        "device": detection.device.serial,
        "site": subject,
        **{k: v for k, v in detection.params.items() if isinstance(v, int | float | str)},
    }
    warning_raise(
        kind=kind,
        subject_type="core.device",
        subject_id=str(detection.device_id),
        subject_label=f"{detection.device.name} ({detection.device.serial})",
        jurisdiction=detection.jurisdiction,
        params=params,
        evidence=[{"kind": "ledger", "seq": entry.seq}],
        # One open warning per site (or device) and kind: a new episode while it is open is counted.
        condition_key=f"{kind}:{subject}",
        at=detection.detected_at,
    )


HANDLERS: dict[str, list[Handler]] = {
    "lake.detection.recorded": [detection_recorded],
}
