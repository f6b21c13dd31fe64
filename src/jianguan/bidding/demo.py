"""The demo city's tenders: honest competition, and planted rings the leads must find.

* ring "cover": five firms that bid together and take turns to win, the losers' covering bids
  close together just above the winner (cover bidding + rotation);
* ring "machine": three firms whose files come from one computer (same machine code, MAC, CPU,
  disk) and whose bid security is paid from one account;
* ring "step": three firms whose prices climb in a constant step;
* one tender where two bidders name the same project manager;
* art. 34 §2: one tender where a firm and the firm it holds 65 % of both bid (a shareholding in the
  registry), and one where two firms with the same legal representative (one ID number) both bid.

Honest tenders draw each bid independently between 85 % and 98 % of the control price, with each
firm's own computer and account, so they are not flagged by the markers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from jianguan.core.demo_framework import DEMO_ACTOR, DemoContext, DemoStep
from jianguan.core.ledger import Event, ledger_append_many
from jianguan.core.models import Jurisdiction

FIRM_WORDS = ("鼎盛", "恒通", "宏达", "建兴", "华安", "中汇", "长江", "三峡", "楚天", "峡江", "清江", "夷陵", "荆楚")
FIRM_KINDS = ("建设工程", "建筑工程", "市政工程", "建工集团", "路桥建设")
SEGMENTS = ("building", "municipal", "decoration")
NAMES = ("住宅楼工程", "道路改造工程", "学校教学楼工程", "安置房工程", "管网改造工程", "医院综合楼工程", "厂房工程")


def _uscc(rng: Any, division: str) -> str:
    from jianguan.registry.domain import uscc_check_character

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = f"91{division}" + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc_check_character(body)


def _bidders(ctx: DemoContext, needed: int) -> list[Any]:
    from jianguan.registry.models import Enterprise

    existing = list(Enterprise.objects.filter(kind="construction", status="active").order_by("pk")[: needed * 2])
    if len(existing) >= needed:
        return existing
    rng = ctx.rng("bidding.bidders")
    places = list(Jurisdiction.objects.filter(level="district").order_by("code")) or list(Jurisdiction.objects.all())
    made = []
    seen = {e.uscc for e in existing}
    for i in range(needed - len(existing)):
        place = places[i % len(places)]
        code = _uscc(rng, place.code)
        while code in seen:
            code = _uscc(rng, place.code)
        seen.add(code)
        made.append(
            Enterprise(
                uscc=code,
                name=f"宜昌{FIRM_WORDS[i % len(FIRM_WORDS)]}{FIRM_WORDS[(i // len(FIRM_WORDS)) % len(FIRM_WORDS)]}"
                f"{FIRM_KINDS[i % len(FIRM_KINDS)]}有限公司",
                kind="construction",
                legal_representative=f"{'张王李赵刘陈杨黄周吴'[i % 10]}{'伟芳娜敏静强磊军洋勇'[(i // 10) % 10]}"
                f"{'国建明华文志海平'[(i // 100) % 8]}",
                jurisdiction=place,
                source="demo-bidding",
            )
        )
    Enterprise.objects.bulk_create(made)
    ledger_append_many(
        actor=DEMO_ACTOR,
        events=[
            Event.about(e, "registry.enterprise.created", {"uscc": e.uscc, "name": e.name, "source": "demo"})
            for e in made
        ],
    )
    return existing + made


def build(ctx: DemoContext) -> None:
    from jianguan.bidding.models import Bid, Tender
    from jianguan.bidding.services import leads_refresh
    from jianguan.registry.models import Person

    rng = ctx.rng("bidding.tenders")
    n_tenders = 40 if ctx.scale.name == "tiny" else 600
    ring_tenders = 8 if ctx.scale.name == "tiny" else 24
    firms = _bidders(ctx, 40 if ctx.scale.name == "tiny" else 160)
    cover, machine, step = firms[:5], firms[5:8], firms[8:11]
    parent, child, same_head = firms[11], firms[12], firms[13:15]
    honest = firms[15:]
    _plant_control(ctx, parent, child, same_head)
    places = list(Jurisdiction.objects.filter(level="district").order_by("code")) or list(Jurisdiction.objects.all())
    people = list(Person.objects.order_by("pk")[:1])
    tenders: list[Tender] = []
    bids: list[tuple[int, dict[str, Any]]] = []

    def computer(n: int) -> dict[str, str]:
        return {
            "machine_code": f"MC{n:08X}",
            "mac": ":".join(f"{(n * 7919 + k * 31) % 256:02X}" for k in range(6)),
            "cpu_serial": f"BFEBFBFF{n:08X}",
            "disk_serial": f"WD-WCC{n:08d}",
            "dongle_serial": f"GLD{n:07d}",
        }

    def honest_bid(firm: Any, control: Decimal) -> dict[str, Any]:
        factor = Decimal(str(rng.uniform(0.85, 0.98)))
        return {
            "bidder": firm,
            "amount": (control * factor).quantize(Decimal("0.01")),
            "security_account": f"6217{firm.pk:012d}",
            "preparer": firm.name,
            **computer(firm.pk),
            "upload_ip": f"10.{firm.pk % 250}.{rng.randrange(250)}.{rng.randrange(1, 250)}",
        }

    start = ctx.today - dt.timedelta(days=ctx.scale.history_days)
    for i in range(n_tenders):
        opened = start + dt.timedelta(days=rng.randrange(max(ctx.scale.history_days, 1)))
        place = places[i % len(places)]
        control = Decimal(rng.randrange(2_000_000, 80_000_000)).quantize(Decimal("0.01"))
        kind = "honest"
        if i < ring_tenders:
            kind = "cover"
        elif i < ring_tenders + ring_tenders // 2:
            kind = "machine"
        elif i < ring_tenders + ring_tenders:
            kind = "step"
        elif i == 2 * ring_tenders:
            kind = "control"
        elif i == 2 * ring_tenders + 1:
            kind = "same_head"
        tender = Tender(
            code=f"YCZB-{opened:%Y}-{i + 1:05d}",
            name=f"{place.name}{rng.choice(NAMES)}（{i + 1}）",
            jurisdiction=place,
            segment=rng.choice(SEGMENTS),
            control_price=control,
            published_on=opened - dt.timedelta(days=20),
            opened_on=opened,
            content_hash="",
        )
        tenders.append(tender)
        others = rng.sample(honest, rng.randrange(3, 7))
        tender_bids = [honest_bid(firm, control) for firm in others]
        if kind == "cover":
            # invited tenders among the ring only: the designated winner low, the covers bunched above
            winner = cover[i % len(cover)]
            low = (control * Decimal("0.90")).quantize(Decimal("0.01"))
            tender_bids = []
            for firm in cover:
                share = Decimal("0.90") if firm is winner else Decimal(str(round(rng.uniform(0.965, 0.970), 4)))
                amount = low if firm is winner else (control * share).quantize(Decimal("0.01"))
                tender_bids.append({**honest_bid(firm, control), "amount": amount, "won": firm is winner})
        elif kind == "machine":
            shared = computer(999_999)
            for firm in machine:
                tender_bids.append({**honest_bid(firm, control), **shared, "security_account": "6217000088886666"})
        elif kind == "step":
            base = (control * Decimal("0.91")).quantize(Decimal("0.01"))
            for k, firm in enumerate(step):
                tender_bids.append({**honest_bid(firm, control), "amount": base + Decimal(150_000) * k})
        elif kind == "control":
            tender_bids += [honest_bid(parent, control), honest_bid(child, control)]
        elif kind == "same_head":
            tender_bids += [honest_bid(firm, control) for firm in same_head]
        if i == n_tenders - 1 and people:
            tender_bids[0]["project_manager"] = people[0]
            tender_bids[1]["project_manager"] = people[0]
        if not any(b.get("won") for b in tender_bids):
            min(tender_bids, key=lambda b: b["amount"])["won"] = True
        for bid in tender_bids:
            bids.append((i, bid))
    for tender in tenders:
        tender.content_hash = hashlib.sha256(tender.code.encode()).hexdigest()
    Tender.objects.bulk_create(tenders)
    saved = {t.code: t for t in Tender.objects.filter(code__in=[t.code for t in tenders])}
    Bid.objects.bulk_create(Bid(tender=saved[tenders[i].code], **bid) for i, bid in bids)
    ledger_append_many(
        actor=DEMO_ACTOR,
        events=[Event.about(t, "bidding.tender.created", {"code": t.code, "source": "demo"}) for t in saved.values()],
    )
    result = leads_refresh(actor=DEMO_ACTOR)
    ctx.log(f"bidding: {len(tenders)} tenders, {len(bids)} bids, {result['leads']} leads")


def _plant_control(ctx: DemoContext, parent: Any, child: Any, same_head: list[Any]) -> None:
    """Registry facts for art. 34 §2: ``parent`` holds 65 % of ``child`` since before the history
    starts; the two ``same_head`` firms share one legal representative (one resident ID number)."""
    from jianguan.registry import services as registry
    from jianguan.registry.domain import ric_check_character

    since = ctx.today - dt.timedelta(days=ctx.scale.history_days + 365)
    registry.shareholding_upsert(
        actor=DEMO_ACTOR,
        enterprise=child,
        data={"holder_enterprise": parent, "share": Decimal("65.00"), "since": since},
        source="demo",
    )
    body = "42050019800612031"  # 宜昌市, born 1980-06-12
    number = body + ric_check_character(body)
    for firm in same_head:
        registry.enterprise_upsert(
            actor=DEMO_ACTOR,
            data={
                "uscc": firm.uscc,
                "name": firm.name,
                "kind": firm.kind,
                "legal_representative": "覃同一",
                "legal_representative_id_number": number,
                "jurisdiction": firm.jurisdiction.code,
            },
            source="demo",
        )


STEPS = [
    DemoStep(
        "bidding.tenders",
        build,
        after=("core.city",),
        after_if_present=("registry.city", "registry.enterprises", "registry.people", "registry.projects"),
    )
]
