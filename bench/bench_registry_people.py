"""People search over a large registry, and a large Excel import, each beside a bare baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_registry_people.py
    .venv/bin/python bench/bench_registry_people.py --people 3000 --import-rows 1000 --queries 20   # smoke (SQLite)

Creates a private database (bench/common.py) and loads ``--people`` people with valid resident ID
numbers and common Chinese names (surnames skewed like the real ones: the commonest about 7 %), then measures in
the same run:

* **search** — ``selectors.person_list`` (as a superuser) and the first page (50 rows, with the
  registering enterprise joined) for a surname prefix (1 character), a surname + first given
  character prefix (2 characters) and an exact ID number; ``--queries`` of each, p50 and p95.
  Baseline: the bare indexed SELECT of the same rows (``WHERE name >= 'x' AND name < 'y' ORDER BY
  name, id LIMIT 50`` — the prefix as an index range, exact under a code-point collation — and
  ``WHERE id_number = …``) through a raw cursor.
* **import** — ``--import-rows`` new people written to an .xlsx (untimed), then
  ``registry_io``'s set-based path: reading the workbook, every row validated (ID checksum, birth
  date, region, lengths), bulk upsert in chunks and the ledger entries. Baseline: a bare
  ``bulk_create`` of the same rows, already parsed, into the same table (then removed, untimed).
  Afterwards the count of people and ledger entries is checked.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import itertools
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_database

TARGET_SEARCH_MS = 50.0
TARGET_IMPORT_S = 60.0
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国建华志强海燕文斌晓东雪"
    "梅丹凤春梅宇浩然子轩雨欣梓涵"
)
START = dt.date(1960, 1, 1)
DAYS = 14600  # birth dates over forty years


def id_for(i: int) -> str:
    from jianguan.registry.domain import ric_check_character

    birth = START + dt.timedelta(days=i % DAYS)
    body = f"420500{birth:%Y%m%d}{i // DAYS:03d}"
    return body + ric_check_character(body)


SURNAME_WEIGHTS = list(itertools.accumulate(1 / (rank + 5) for rank in range(len(SURNAMES))))  # top ~7 %, as 王


def name_for(rng: random.Random) -> str:
    index = rng.choices(range(len(SURNAMES)), cum_weights=SURNAME_WEIGHTS)[0]
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return SURNAMES[index] + given


def load_people(count: int, rng: random.Random) -> None:
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    rows = []
    for i in range(count):
        ident = id_for(i)  # valid by construction: gender and birth date as parse_ric derives them
        gender = "M" if int(ident[16]) % 2 else "F"
        rows.append(
            (ident, name_for(rng), gender, START + dt.timedelta(days=i % DAYS), f"139{i:08d}", "local", now, now)
        )
    columns = "id_number, name, gender, birth_date, phone, source, created_at, updated_at"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY registry_person ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
            cursor.execute("ANALYZE registry_person")
        else:
            cursor.executemany(f"INSERT INTO registry_person ({columns}) VALUES ({', '.join(['%s'] * 8)})", rows)  # noqa: S608


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_search(queries: int, people: int, rng: random.Random) -> list[tuple[str, float, float, float, float]]:
    from django.db import connection

    from jianguan.core.models import User
    from jianguan.registry import selectors

    user = User.objects.create_superuser("bench", password=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM registry_person LIMIT 5000")
        names = [n for (n,) in cursor.fetchall()]
    cases = {
        "name prefix, 1 character": [rng.choice(names)[:1] for _ in range(queries)],
        "name prefix, 2 characters": [rng.choice(names)[:2] for _ in range(queries)],
        "exact ID number": [id_for(rng.randrange(people)) for _ in range(queries)],
    }
    results = []
    for label, terms in cases.items():
        selector_ms, bare_ms = [], []
        for term in terms:
            started = time.perf_counter()
            page = list(selectors.person_list(user=user, filters={"q": term})[:50])
            selector_ms.append((time.perf_counter() - started) * 1000)
            assert page, term
            started = time.perf_counter()
            with connection.cursor() as cursor:
                if label.startswith("exact"):
                    cursor.execute("SELECT id, name FROM registry_person WHERE id_number = %s", [term])
                else:
                    upper = term[:-1] + chr(ord(term[-1]) + 1)
                    cursor.execute(
                        "SELECT id, name FROM registry_person WHERE name >= %s AND name < %s"
                        " ORDER BY name, id LIMIT 50",
                        [term, upper],
                    )
                bare = cursor.fetchall()
            bare_ms.append((time.perf_counter() - started) * 1000)
            assert [p.pk for p in page] == [row[0] for row in bare], term
        results.append(
            (
                label,
                statistics.median(selector_ms),
                percentile(selector_ms, 0.95),
                statistics.median(bare_ms),
                percentile(bare_ms, 0.95),
            )
        )
    return results


def import_workbook(first: int, count: int, rng: random.Random) -> tuple[bytes, list[tuple[str, str, str]]]:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("person")
    sheet.append(["身份证号", "姓名", "手机号"])
    rows = []
    for i in range(first, first + count):
        row = (id_for(i), name_for(rng), f"137{i:08d}")
        rows.append(row)
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), rows


def bench_import(first: int, count: int, rng: random.Random) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.utils import timezone

    from jianguan.core.models import LedgerEntry
    from jianguan.registry.domain import parse_ric
    from jianguan.registry.exchange.fast import import_people_fast
    from jianguan.registry.exchange.tabular import read_table
    from jianguan.registry.models import Person

    content, rows = import_workbook(first, count, rng)
    # baseline: the same rows, already parsed, bulk-inserted bare into the same table
    now = timezone.now()
    prepared = []
    for ident, name, phone in rows:
        parsed = parse_ric(ident)
        prepared.append(
            Person(
                id_number=ident,
                name=name,
                phone=phone,
                gender=parsed.gender,
                birth_date=parsed.birth_date,
                created_at=now,
                updated_at=now,
            )
        )
    last = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = time.perf_counter()
    with transaction.atomic():
        Person.objects.bulk_create(prepared, batch_size=2000)
    bare_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_person WHERE id > %s", [last])
    people_before = Person.objects.count()
    ledger_before = LedgerEntry.objects.count()
    started = time.perf_counter()
    table = read_table("person", content, "people.xlsx")
    result = import_people_fast(table, actor="system:bench")
    import_s = time.perf_counter() - started
    assert result.counts["created"] == count, dict(result.counts)
    assert not result.errors
    assert Person.objects.count() == people_before + count
    assert LedgerEntry.objects.count() == ledger_before + count
    return {"bare": bare_s, "import": import_s, "bytes": len(content)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with bench_database("registry_people") as where:
        started = time.perf_counter()
        load_people(args.people, rng)
        print(f"{where}: {args.people:,} people loaded in {time.perf_counter() - started:.1f} s")
        print(f"search, {args.queries} queries per case (ms)        selector p50 / p95    bare SELECT p50 / p95")
        worst = 0.0
        for label, p50, p95, b50, b95 in bench_search(args.queries, args.people, rng):
            worst = max(worst, p95)
            print(f"  {label:<40} {p50:8.2f} / {p95:8.2f}      {b50:8.2f} / {b95:8.2f}   (p95 ratio {p95 / b95:.1f}x)")
        assessed = args.people >= 1_000_000
        verdict = ("met" if worst < TARGET_SEARCH_MS else "NOT met") if assessed else "not assessed (small run)"
        print(f"search target p95 < {TARGET_SEARCH_MS:.0f} ms at 1,000,000 people: {verdict}")
        figures = bench_import(args.people, args.import_rows, rng)
        print(
            f"import of {args.import_rows:,} people from Excel ({figures['bytes'] / 1e6:.1f} MB), validation included:"
            f" {figures['import']:.1f} s ({args.import_rows / figures['import']:,.0f} rows/s);"
            f" bare bulk insert of the same rows {figures['bare']:.1f} s"
            f" (ratio {figures['import'] / figures['bare']:.1f}x)"
        )
        assessed = args.import_rows >= 100_000
        verdict = (
            ("met" if figures["import"] < TARGET_IMPORT_S else "NOT met") if assessed else "not assessed (small run)"
        )
        print(f"import target < {TARGET_IMPORT_S:.0f} s for 100,000 rows: {verdict}")


if __name__ == "__main__":
    main()
