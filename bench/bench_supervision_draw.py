"""The 双随机 draw (`jianguan.supervision.domain.draw`) on a province's candidates, beside a
baseline in the same run: an unweighted `random.Random(seed).sample` of the same targets and, for
each, of the same number of inspectors (no weights, no conflicts, no load balancing).

    .venv/bin/python bench/bench_supervision_draw.py   # 15,000 sites, 1,500 inspectors, 1,000 targets
    .venv/bin/python bench/bench_supervision_draw.py --sites 500 --inspectors 60 --targets 50 --repeat 1   # smoke run
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from common import timed
from jianguan.supervision.domain import draw


def candidates(sites: int, inspectors: int) -> dict:
    rng = random.Random(1)
    return {
        "sections": [
            {
                "id": i,
                "code": f"S{i}",
                "weight": round(1 + rng.random() * 10, 3),
                "enterprises": [3 * i, 3 * i + 1, 3 * i + 2],
            }
            for i in range(sites)
        ],
        "inspectors": [
            {"id": 10**6 + j, "conflicts": sorted(rng.sample(range(3 * sites), 5))} for j in range(inspectors)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=15000)
    parser.add_argument("--inspectors", type=int, default=1500)
    parser.add_argument("--targets", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data = candidates(args.sites, args.inspectors)

    def baseline() -> None:
        rng = random.Random("seed")
        for _section in rng.sample(data["sections"], args.targets):
            rng.sample(data["inspectors"], 2)

    first = draw(data, seed="seed", targets=args.targets, per_target=2)
    assert first == draw(data, seed="seed", targets=args.targets, per_target=2)
    ours = timed(lambda: draw(data, seed="seed", targets=args.targets, per_target=2), repeat=args.repeat)
    base = timed(baseline, repeat=args.repeat)
    print(f"{args.sites:,} sites, {args.inspectors:,} inspectors, {args.targets:,} targets × 2 inspectors")
    print(f"draw (weighted, conflicts, load-balanced): {ours * 1000:.1f} ms")
    print(f"unweighted sample (baseline): {base * 1000:.1f} ms")
    print(f"ratio: {ours / base:.1f}×; reproduced from the seed: yes")


if __name__ == "__main__":
    main()
