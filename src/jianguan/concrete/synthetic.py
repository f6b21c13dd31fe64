"""Synthetic concrete test data for a city's labs, with forgeries planted in it.

What it models (sources: GB/T 50107-2010, GB/T 50081-2019, JGJ 55-2011 and published statistics of
Chinese ready-mix plants):

- ready-mix plants whose standard deviation σ lies between 3.0 and 4.8 MPa (a little more from C50),
  designing to fcu,k + 1.645σ plus a margin of 1.5–5 MPa, as JGJ 55 asks and plants do;
- inspection batches: a third known-σ lots of 3 groups (with σ0 of the plant), the rest 1–9
  groups (non-statistical) or 10–60 groups (statistical); grades C20–C60, mostly C30/C35;
- three cubes per group, 150 mm mostly, 100 mm and 200 mm sometimes (below C60); the spread within
  a group from testing (CV 2.8–4.2 % by lab) and, rarely, a damaged cube;
- each strength computed from the press's peak load (0.1 kN resolution) and the cube area, so its
  last digit is uniform; presses with clocks a little fast, results uploaded minutes after the test.

Honest look-alikes are planted too, so that a signal has to be specific: a lab with very careful
testing (low but honest spread), a lab supplied by a weak plant (many batches near the line on both
sides), a press sold from one lab to another (two labs, one after the other).

Forgeries planted, each at its own labs (the truth comes back in ``planted`` and per group in the
``planted`` column): results pushed to just above the pass line, fabricated groups with implausibly
low spread, copied triples, preferred last digits, results uploaded before the test, one press serial
used at two labs at once.

Everything is drawn from one seeded generator: the same seed gives the same data.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from jianguan.concrete.domain import GRADES, SIZE_FACTORS, CubeGroup, evaluate_batch

GRADE_SHARES = {
    "C20": 0.07,
    "C25": 0.13,
    "C30": 0.30,
    "C35": 0.20,
    "C40": 0.12,
    "C45": 0.07,
    "C50": 0.06,
    "C55": 0.03,
    "C60": 0.02,
}
SIZE_SHARES = {150: 0.90, 100: 0.09, 200: 0.01}
SMALL_BATCH_WEIGHTS = np.array([0.20, 0.17, 0.15, 0.12, 0.10, 0.08, 0.07, 0.06, 0.05])
CONTRACT_COLUMNS = ("batch_id", "grade", "group_id", "size_mm", "f1", "f2", "f3", "sigma0")
UTC = dt.UTC
DEFAULT_KNOWN_SIGMA_SHARE = 0.33
LOCAL_OFFSET = dt.timedelta(hours=8)  # China Standard Time: labs work 08:00–18:00 local


class ForgeryKind(StrEnum):
    PASS_LINE = "pass_line"  # noqa: S105  (a forgery kind, not a password)
    LOW_VARIANCE = "low_variance"
    REPEATED_VALUES = "repeated_values"
    DIGIT_PREFERENCE = "digit_preference"
    UPLOAD_BEFORE_TEST = "upload_before_test"
    SHARED_PRESS = "shared_press"


@dataclass(frozen=True)
class PlantedForgery:
    """One planted forgery: its kind, the lab committing it and, for a shared press, the serial."""

    kind: ForgeryKind
    lab_id: str
    press_serial: str | None = None
    groups: int = 0


@dataclass
class SyntheticLabData:
    """The generated groups (one row per specimen group) and the truth about them."""

    groups: pa.Table
    planted: list[PlantedForgery]
    labs: list[str]
    decoys: dict[str, str] = field(default_factory=dict)
    press_owners: dict[str, str] = field(default_factory=dict)  # the registry: serial → lab (today)

    def evaluation_input(self) -> pa.Table:
        """Only the columns of the ``concrete evaluate`` contract."""
        return self.groups.select(list(CONTRACT_COLUMNS))

    def write_parquet(self, path: str | Path, *, contract_only: bool = False) -> Path:
        path = Path(path)
        pq.write_table(self.evaluation_input() if contract_only else self.groups, path, row_group_size=1 << 20)
        return path

    def write_csv(self, path: str | Path, *, contract_only: bool = True) -> Path:
        path = Path(path)
        table = self.evaluation_input() if contract_only else self.groups
        pa_csv.write_csv(table, path, write_options=pa_csv.WriteOptions(quoting_style="needed"))
        return path


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    text = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, text, "")


def _choice(rng: np.random.Generator, shares: dict, size: int) -> np.ndarray:
    keys = list(shares)
    weights = np.array([shares[key] for key in keys], dtype=float)
    return np.array(keys)[rng.choice(len(keys), size=size, p=weights / weights.sum())]


def _half_up_tenths(values: np.ndarray) -> np.ndarray:
    return np.floor(values * 10 + 0.500000001) / 10


def generate(
    *,
    groups: int,
    seed: int = 2015,
    labs: int | None = None,
    start: dt.date = dt.date(2025, 1, 1),
    days: int = 365,
    forgeries: bool = True,
    known_sigma_share: float = DEFAULT_KNOWN_SIGMA_SHARE,
) -> SyntheticLabData:
    """About ``groups`` specimen groups (exactly that many) from a city's labs, forgeries planted.

    ``known_sigma_share`` is the share of batches that are known-σ lots of three (0 for records
    without σ0, such as the chain of custody's, whose batches are judged statistically)."""
    if groups < 1:
        raise ValueError("groups must be positive")
    rng = np.random.default_rng(seed)
    n_labs = labs or int(np.clip(groups // 4000, 12, 60))
    if n_labs < 12:
        raise ValueError("at least 12 labs: six forgers, four honest look-alikes and two honest labs")
    lab_ids = [f"LAB-{number:03d}" for number in range(1, n_labs + 1)]
    lab_weight = 1.0 / np.arange(1, n_labs + 1) ** 0.6
    rng.shuffle(lab_weight)
    lab_cv = rng.uniform(0.028, 0.042, n_labs)

    # presses: 1–3 per lab; a few run with their clock up to 2.5 minutes fast (honest)
    press_lab: list[int] = []
    press_serials: list[str] = []
    for number in range(n_labs):
        for _ in range(int(rng.integers(1, 4))):
            press_lab.append(number)
            press_serials.append(f"YAW-{number + 1:03d}{len(press_serials) % 10}-{int(rng.integers(1000, 9999))}")
    press_lab_arr = np.array(press_lab)
    press_skew = np.where(rng.random(len(press_lab)) < 0.15, rng.uniform(30, 150, len(press_lab)), 0.0)

    # plants: σ and the margin they design with; labs are supplied by a few local plants
    n_plants = max(4, n_labs // 2 + 2)
    plant_sigma = rng.uniform(3.0, 4.8, n_plants)
    plant_bias = rng.uniform(1.5, 5.0, n_plants)
    lab_plants = [rng.choice(n_plants, size=min(n_plants, int(rng.integers(2, 5))), replace=False) for _ in lab_ids]

    # roles of labs: forgers and honest look-alikes, all different labs
    order = list(rng.permutation(n_labs))
    per_kind = 1 if n_labs < 24 else 2
    kinds = list(ForgeryKind) if forgeries else []
    forger: dict[ForgeryKind, list[int]] = {kind: [order.pop() for _ in range(per_kind)] for kind in kinds}
    careful_lab, weak_lab, seller_lab, buyer_lab = (order.pop() for _ in range(4))
    lab_cv[careful_lab] = 0.018
    weak_plant = n_plants  # a plant of its own, designing with almost no margin
    plant_sigma = np.append(plant_sigma, 4.5)
    plant_bias = np.append(plant_bias, 0.0)
    lab_plants[weak_lab] = np.array([weak_plant])

    # batches until the groups are there
    estimate = int(groups / 6 * 1.2) + 10
    rest = 1 - known_sigma_share
    shares = [known_sigma_share, rest * 0.42 / 0.67, rest * 0.25 / 0.67]
    if known_sigma_share == DEFAULT_KNOWN_SIGMA_SHARE:  # exact weights: a seed gives the same data as before
        shares = [0.33, 0.42, 0.25]
    kind = rng.choice(3, size=estimate, p=shares)  # 0: known-σ lot, 1: small, 2: statistical
    sizes = np.where(
        kind == 0,
        3,
        np.where(
            kind == 1,
            1 + rng.choice(9, size=estimate, p=SMALL_BATCH_WEIGHTS),
            np.minimum(10 + rng.geometric(1 / 10, size=estimate) - 1, 60),
        ),
    )
    ends = np.cumsum(sizes)
    n_batches = int(np.searchsorted(ends, groups) + 1)
    sizes = sizes[:n_batches].copy()
    kind = kind[:n_batches]
    sizes[-1] -= int(ends[n_batches - 1] - groups)
    kind = np.where((kind == 0) & (sizes != 3), 1, kind)

    batch_lab = rng.choice(n_labs, size=n_batches, p=lab_weight / lab_weight.sum())
    batch_plant = np.array([lab_plants[index][int(rng.integers(len(lab_plants[index])))] for index in batch_lab])
    batch_grade = _choice(rng, GRADE_SHARES, n_batches)
    batch_fk = np.array([GRADES[grade] for grade in batch_grade])
    batch_size_mm = np.where(batch_fk >= 60, 150, _choice(rng, SIZE_SHARES, n_batches).astype(int))
    batch_day = rng.integers(0, days, n_batches)
    sigma = plant_sigma[batch_plant] * np.where(batch_fk >= 50, 1.12, 1.0)
    batch_mean = batch_fk + 1.645 * sigma + plant_bias[batch_plant] + rng.normal(0, 0.6, n_batches)
    sigma0 = np.where(kind == 0, np.round(sigma * rng.uniform(0.9, 1.1, n_batches), 2), np.nan)

    # groups
    batch_of = np.repeat(np.arange(n_batches), sizes)
    n = len(batch_of)
    position = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1
    lab = batch_lab[batch_of]
    size_mm = batch_size_mm[batch_of]
    strength = batch_mean[batch_of] + sigma[batch_of] * rng.standard_normal(n)
    cubes = strength[:, None] * (1 + lab_cv[lab][:, None] * rng.standard_normal((n, 3)))
    damaged = rng.random((n, 3)) < 0.005
    cubes = np.where(damaged, cubes * (1 + rng.choice([-1, 1], (n, 3)) * rng.uniform(0.16, 0.30, (n, 3))), cubes)
    factor = np.vectorize(SIZE_FACTORS.get)(size_mm) / 100
    area = (size_mm.astype(float) ** 2)[:, None]
    measured = np.clip(cubes / factor[:, None], 5, 190)
    loads = np.round(measured * area / 1000, 1)  # kN, as the press reads it
    f = _half_up_tenths(loads * 1000 / area)

    # time: sampled on site, tested at 28 days during working hours, uploaded minutes later
    day = batch_day[batch_of] + np.minimum(position - 1, 6)  # groups of a batch over a few pours
    start_utc = dt.datetime.combine(start, dt.time(), tzinfo=UTC) - LOCAL_OFFSET
    start_us = int(start_utc.timestamp() * 1_000_000)
    hour_us = 3_600_000_000
    sampled = start_us + day * 24 * hour_us + (rng.uniform(7, 18, n) * hour_us).astype(np.int64)
    tested_true = start_us + (day + 28) * 24 * hour_us + (rng.uniform(8, 17.5, n) * hour_us).astype(np.int64)
    lab_press = [np.flatnonzero(press_lab_arr == index) for index in range(n_labs)]
    press = np.array([lab_press[lab_index][0] for lab_index in range(n_labs)])[lab]
    pick = rng.random(n)
    for lab_index, presses in enumerate(lab_press):
        rows = np.flatnonzero(lab == lab_index)
        press[rows] = presses[(pick[rows] * len(presses)).astype(int)]

    # the honest press sale: the seller's first press goes to the buyer halfway through the period
    sold = lab_press[seller_lab][0]
    midpoint = start_us + (days // 2 + 28) * 24 * hour_us
    seller_rows = np.flatnonzero((lab == seller_lab) & (tested_true >= midpoint) & (press == sold))
    if len(lab_press[seller_lab]) > 1:
        press[seller_rows] = lab_press[seller_lab][1]
    else:  # a seller with one press bought a new one
        press_serials.append(f"YAW-{seller_lab + 1:03d}N-{int(rng.integers(1000, 9999))}")
        press_lab_arr = np.append(press_lab_arr, seller_lab)
        press_skew = np.append(press_skew, 0.0)
        press[seller_rows] = len(press_serials) - 1
    buyer_rows = np.flatnonzero((lab == buyer_lab) & (tested_true >= midpoint))
    press[buyer_rows[rng.random(len(buyer_rows)) < 0.5]] = sold

    skew_us = (press_skew[press] * 1_000_000).astype(np.int64)
    tested = tested_true + skew_us
    uploaded = tested_true + (20 + rng.lognormal(np.log(600), 0.8, n)).astype(np.int64) * 1_000_000
    planted = np.full(n, None, dtype=object)
    truth: list[PlantedForgery] = []

    def rows_of(lab_index: int) -> np.ndarray:
        return np.flatnonzero(lab == lab_index)

    for lab_index in forger.get(ForgeryKind.DIGIT_PREFERENCE, []):
        rows = rows_of(lab_index)
        typed = rng.random((len(rows), 3)) < 0.6
        preferred = rng.choice(10, size=(len(rows), 3), p=[0.28, 0.04, 0.06, 0.05, 0.04, 0.25, 0.05, 0.09, 0.08, 0.06])
        f[rows] = np.where(typed, np.floor(f[rows]) + preferred / 10, f[rows])
        planted[rows[typed.any(axis=1)]] = ForgeryKind.DIGIT_PREFERENCE.value
        truth.append(PlantedForgery(ForgeryKind.DIGIT_PREFERENCE, lab_ids[lab_index], groups=int(typed.any(1).sum())))

    for lab_index in forger.get(ForgeryKind.LOW_VARIANCE, []):
        rows = rows_of(lab_index)
        rows = rows[rng.random(len(rows)) < 0.4]
        centre = _half_up_tenths(f[rows].mean(axis=1))
        f[rows] = _half_up_tenths(centre[:, None] + rng.normal(0, 0.12, (len(rows), 3)))
        planted[rows] = ForgeryKind.LOW_VARIANCE.value
        truth.append(PlantedForgery(ForgeryKind.LOW_VARIANCE, lab_ids[lab_index], groups=len(rows)))

    for lab_index in forger.get(ForgeryKind.REPEATED_VALUES, []):
        rows = rows_of(lab_index)
        chosen = rows[rng.random(len(rows)) < 0.06]
        if len(chosen) < 3:
            chosen = rows[: min(3, len(rows))]
        # each copy comes from another batch of the lab with the same grade and cube size
        bucket = batch_fk[batch_of] * 1000 + size_mm
        copied_parts = []
        for key in np.unique(bucket[chosen]):
            peers = rows[bucket[rows] == key]
            targets = chosen[bucket[chosen] == key]
            sources = peers[rng.integers(len(peers), size=len(targets))]
            keep = batch_of[sources] != batch_of[targets]
            f[targets[keep]] = f[sources[keep]]
            copied_parts.append(targets[keep])
        copied = np.concatenate(copied_parts) if copied_parts else np.array([], dtype=int)
        planted[copied] = ForgeryKind.REPEATED_VALUES.value
        truth.append(PlantedForgery(ForgeryKind.REPEATED_VALUES, lab_ids[lab_index], groups=len(copied)))

    for lab_index in forger.get(ForgeryKind.UPLOAD_BEFORE_TEST, []):
        rows = rows_of(lab_index)
        chosen = rows[rng.random(len(rows)) < 0.03]
        if len(chosen) < 3:
            chosen = rows[: min(3, len(rows))]
        uploaded[chosen] = tested[chosen] - (rng.uniform(0.4, 36, len(chosen)) * hour_us).astype(np.int64)
        planted[chosen] = ForgeryKind.UPLOAD_BEFORE_TEST.value
        truth.append(PlantedForgery(ForgeryKind.UPLOAD_BEFORE_TEST, lab_ids[lab_index], groups=len(chosen)))

    honest_owners = [index for index in order if len(rows_of(index))]
    for number, lab_index in enumerate(forger.get(ForgeryKind.SHARED_PRESS, [])):
        # the forger reports tests "done" on another lab's press (whose serial it copied) while that
        # lab is using it
        owner = honest_owners[number % len(honest_owners)]
        borrowed = lab_press[owner][0]
        rows = rows_of(lab_index)
        chosen = rows[rng.random(len(rows)) < 0.25]
        if len(chosen) < 3:
            chosen = rows[: min(3, len(rows))]
        press[chosen] = borrowed
        planted[chosen] = ForgeryKind.SHARED_PRESS.value
        truth.append(
            PlantedForgery(
                ForgeryKind.SHARED_PRESS, lab_ids[lab_index], press_serial=press_serials[borrowed], groups=len(chosen)
            )
        )

    batch_start = np.cumsum(sizes) - sizes
    for lab_index in forger.get(ForgeryKind.PASS_LINE, []):
        batches = np.flatnonzero(batch_lab == lab_index)
        chosen = batches[rng.random(len(batches)) < 0.4]
        for batch in chosen:
            rows = np.arange(batch_start[batch], batch_start[batch] + sizes[batch])
            target = rng.uniform(0.05, 0.7)
            for _ in range(4):
                verdict = evaluate_batch(
                    "b",
                    grade=str(batch_grade[batch]),
                    groups=[
                        CubeGroup(str(i), f[row, 0], f[row, 1], f[row, 2], size_mm=int(size_mm[row]))
                        for i, row in enumerate(rows)
                    ],
                    sigma0=None if math.isnan(sigma0[batch]) else float(sigma0[batch]),
                )
                margin = verdict.margin
                if margin is None:
                    break
                shift = target - margin / 10_000
                if 0 <= margin / 10_000 <= 0.8:
                    break
                step = shift * (100 / SIZE_FACTORS[int(size_mm[rows[0]])])  # measured cubes carry the size
                f[rows] = np.clip(_half_up_tenths(f[rows] + step), 1, 199)
        forged = np.isin(batch_of, chosen)
        planted[forged] = ForgeryKind.PASS_LINE.value
        truth.append(PlantedForgery(ForgeryKind.PASS_LINE, lab_ids[lab_index], groups=int(forged.sum())))

    loads = np.round(f * area / 1000, 2)  # what the forged records claim the press read

    tz = pa.timestamp("us", tz="UTC")
    table = pa.table(
        {
            "batch_id": _ids("B", np.arange(1, n_batches + 1)[batch_of], 8),
            "grade": pa.array(batch_grade[batch_of]),
            "group_id": pa.array(position.astype(np.int64)).cast(pa.string()),
            "size_mm": pa.array(size_mm.astype(np.int64)),
            "f1": pa.array(f[:, 0]),
            "f2": pa.array(f[:, 1]),
            "f3": pa.array(f[:, 2]),
            "sigma0": pa.array(sigma0[batch_of], from_pandas=True),
            "lab_id": pa.array(np.array(lab_ids)[lab]),
            "press_serial": pa.array(np.array(press_serials)[press]),
            "plant_id": _ids("PLANT-", batch_plant[batch_of] + 1, 3),
            "sampled_at": pa.array(sampled, type=pa.int64()).cast(tz),
            "tested_at": pa.array(tested, type=pa.int64()).cast(tz),
            "uploaded_at": pa.array(uploaded, type=pa.int64()).cast(tz),
            "load1_kn": pa.array(loads[:, 0]),
            "load2_kn": pa.array(loads[:, 1]),
            "load3_kn": pa.array(loads[:, 2]),
            "planted": pa.array(planted, type=pa.string()),
        }
    )
    decoys = {
        "careful_lab": lab_ids[careful_lab],
        "weak_supply_lab": lab_ids[weak_lab],
        "press_seller": lab_ids[seller_lab],
        "press_buyer": lab_ids[buyer_lab],
        "sold_press": press_serials[sold],
    }
    owners = {serial: lab_ids[int(press_lab_arr[index])] for index, serial in enumerate(press_serials)}
    owners[press_serials[sold]] = lab_ids[buyer_lab]
    return SyntheticLabData(groups=table, planted=truth, labs=lab_ids, decoys=decoys, press_owners=owners)
