"""Statutory markers (art. 34 §2, 40) in one tender: each hit names the article, the bidders and
the matching records; uploads on site are not compared; clean tenders give nothing."""

from __future__ import annotations

from decimal import Decimal

from jianguan.bidding.markers import BidFacts, lead_score, regular_price_markers, statutory_markers
from jianguan.bidding.services import LEAD_THRESHOLD


def bid(n: int, amount: str, **facts: object) -> BidFacts:
    return BidFacts(bidder_id=n, bidder=f"企业{n}", amount=Decimal(amount), legal_representative=f"法人{n}", **facts)  # type: ignore[arg-type]


def kinds(markers: list) -> list[tuple[str, str, list[int]]]:  # type: ignore[type-arg]
    return sorted((m.kind, m.article, m.bidder_ids) for m in markers)


def test_a_clean_tender_has_no_marker() -> None:
    bids = [
        bid(
            1, "9812345.67", mac="AA", cpu_serial="C1", disk_serial="D1", machine_code="M1", security_account="6222001"
        ),
        bid(
            2, "9934567.12", mac="BB", cpu_serial="C2", disk_serial="D2", machine_code="M2", security_account="6222002"
        ),
        bid(
            3, "10023456.78", mac="CC", cpu_serial="C3", disk_serial="D3", machine_code="M3", security_account="6222003"
        ),
        bid(4, "9701234.00", preparer="甲公司"),
    ]
    assert statutory_markers(bids) == []
    assert lead_score([], 0.2) == 0


def test_shared_records_are_markers_with_their_articles() -> None:
    bids = [
        bid(1, "100", preparer="宜昌某造价咨询", security_account="6222 0001", dongle_serial="DG-77"),
        bid(2, "110", preparer="宜昌某造价咨询 ", security_account="62220001", dongle_serial="dg77"),
        bid(3, "125", handler="张三", project_manager_id=9, project_manager="李四"),
        bid(4, "131", handler="张三", project_manager_id=9, project_manager="李四"),
    ]
    found = kinds(statutory_markers(bids))
    assert ("same_preparer", "40.1", [1, 2]) in found
    assert ("same_security_account", "40.6", [1, 2]) in found
    assert ("same_dongle", "40.1", [1, 2]) in found
    assert ("same_handler", "40.2", [3, 4]) in found
    assert ("same_project_manager", "40.3", [3, 4]) in found


def test_hardware_set_mac_with_other_ip_and_cpu_alone() -> None:
    same_set = {"mac": "00-1A-2B-3C-4D-5E", "cpu_serial": "BFEBFBFF000906EA", "disk_serial": "WD-123"}
    bids = [
        bid(1, "100", **same_set, upload_ip="10.0.0.1"),
        bid(2, "140", **same_set, upload_ip="10.0.0.2"),
        bid(3, "170", mac="00:1a:2b:3c:4d:5f", cpu_serial="X1", disk_serial="Y1", upload_ip="1.1.1.1"),
        bid(4, "190", mac="00:1a:2b:3c:4d:5f", cpu_serial="X2", disk_serial="Y2", upload_ip="2.2.2.2"),
        bid(5, "230", mac="M5", cpu_serial="SHARED", disk_serial="D5"),
        bid(6, "260", mac="M6", cpu_serial="SHARED", disk_serial="D6"),
    ]
    found = kinds(statutory_markers(bids))
    assert ("same_hardware_set", "40.2", [1, 2]) in found
    assert ("same_mac_other_ip", "40.2", [3, 4]) in found
    assert ("same_cpu_only", "40.2", [5, 6]) in found
    # the pair with the full set is not reported again as a CPU-only suspicion
    assert ("same_cpu_only", "40.2", [1, 2]) not in found


def test_uploads_on_site_at_the_opening_are_not_compared() -> None:
    bids = [
        bid(1, "100", machine_code="ROOM-PC-1", uploaded_on_site=True),
        bid(2, "150", machine_code="ROOM-PC-1", uploaded_on_site=True),
        bid(3, "190", machine_code="ROOM-PC-1"),
    ]
    assert statutory_markers(bids) == []


def test_prices_in_constant_step_or_ratio() -> None:
    step = [
        bid(1, "1000000.00"),
        bid(2, "1012000.00"),
        bid(3, "1024000.50"),
        bid(4, "1036000.00"),
        bid(5, "1100000.00"),
    ]
    (marker,) = regular_price_markers(step)
    assert (marker.kind, marker.bidder_ids) == ("regular_step", [1, 2, 3, 4])
    ratio = [bid(1, "1000000.00"), bid(2, "1020000.00"), bid(3, "1040400.00"), bid(4, "1500000.00")]
    (marker,) = regular_price_markers(ratio)
    assert (marker.kind, marker.bidder_ids) == ("regular_ratio", [1, 2, 3])
    assert regular_price_markers([bid(1, "100"), bid(2, "100"), bid(3, "100")]) == []
    assert regular_price_markers([bid(1, "100"), bid(2, "137.21"), bid(3, "151.09")]) == []


def test_same_legal_representative_by_id_number_is_article_34_and_a_lead() -> None:
    number, other = "420500198006120313", "420500198005170016"
    bids = [
        BidFacts(1, "甲", Decimal(100), legal_representative="王五", legal_representative_id=number),
        BidFacts(2, "乙", Decimal(130), legal_representative="王 五", legal_representative_id=number),
        BidFacts(3, "丙", Decimal(170), legal_representative="王五", legal_representative_id=other),
    ]
    (marker,) = statutory_markers(bids)
    assert (marker.kind, marker.article, marker.bidder_ids) == ("same_legal_representative", "34.2", [1, 2])
    assert marker.evidence["id_number"] == "420500********0313"  # masked in the lead, which travels
    assert lead_score([marker], None) >= LEAD_THRESHOLD


def test_the_same_name_alone_is_a_weak_hint_only_where_an_id_number_is_missing() -> None:
    known = [
        BidFacts(1, "甲", Decimal(100), legal_representative="王五", legal_representative_id="420500198006120313"),
        BidFacts(2, "乙", Decimal(130), legal_representative="王五", legal_representative_id="420500198005170016"),
    ]
    assert statutory_markers(known) == []  # two people of the same name
    unknown = [*known, BidFacts(3, "丙", Decimal(170), legal_representative="王五")]
    (marker,) = statutory_markers(unknown)
    assert (marker.kind, marker.bidder_ids) == ("same_legal_representative_name", [1, 2, 3])
    assert marker.evidence["id_number_missing"] == ["丙"]
    assert lead_score([marker], 0.7) == 8 < LEAD_THRESHOLD
    assert lead_score([marker], 0.95) == 8 + 10.0
