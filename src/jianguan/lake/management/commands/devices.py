"""`jianguan devices simulate [--rate N] [--seconds S]`: realistic device traffic against a running
server (DESIGN.md, demo contracts), so a person can watch the command centre react.

Check-ins through ``/iclock/…`` (ZKTeco PUSH), HJ 212 minute data to the HJ 212 server and crane and
hoist telemetry over MQTT, from the demo city's devices, with anomalies planted (see
``jianguan.lake.simulate``). Start the servers first: ``jianguan serve``, ``jianguan lake hj212 serve``
and ``jianguan lake mqtt``.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from jianguan.lake.simulate import Simulator, Targets, fleet_load


class Command(BaseCommand):
    help = "Simulated devices: ZKTeco check-ins, HJ 212 monitors and MQTT cranes against a running server."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        simulate = sub.add_parser("simulate", help="send realistic device traffic, with anomalies planted")
        simulate.add_argument("--rate", type=float, default=1.0, help="rounds per second (each device sends once)")
        simulate.add_argument("--seconds", type=float, default=60.0, help="how long to run")
        simulate.add_argument("--punches", type=int, default=5, help="punches per terminal per round")
        simulate.add_argument("--devices", type=int, default=50, help="at most this many devices of each kind")
        simulate.add_argument("--server", default="http://127.0.0.1:8000", help="the web server (iclock)")
        simulate.add_argument("--hj212", default="127.0.0.1:9212", help="HOST:PORT of the HJ 212 server")
        simulate.add_argument("--mqtt", default="127.0.0.1:1883", help="HOST:PORT of the MQTT broker")
        simulate.add_argument("--seed", type=int, default=2015)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rate"] <= 0 or options["seconds"] <= 0:
            raise CommandError("--rate 和 --seconds 必须大于 0 (--rate and --seconds must be positive)")
        try:
            hj_host, hj_port = options["hj212"].rsplit(":", 1)
            mq_host, mq_port = options["mqtt"].rsplit(":", 1)
            targets = Targets(options["server"], hj_host, int(hj_port), mq_host, int(mq_port))
        except ValueError:
            raise CommandError("--hj212 和 --mqtt 的格式为 HOST:PORT (--hj212 and --mqtt take HOST:PORT)") from None
        fleet = fleet_load(limit=options["devices"])
        if not len(fleet):
            raise CommandError(
                "数据库中没有可模拟的在用设备，请先运行 jianguan demo"
                " (no active devices to simulate: run jianguan demo)"
            )
        ticks = max(1, round(options["rate"] * options["seconds"]))
        self.stdout.write(
            f"{len(fleet.terminals)} terminals, {len(fleet.monitors)} HJ 212 monitors, {len(fleet.mqtt)} MQTT devices; "
            f"{ticks} rounds\n"
        )
        with (
            Simulator(fleet, targets, seed=options["seed"]) as simulator,
            tqdm(total=ticks, unit="round", file=sys.stderr, leave=False, desc="simulate") as bar,
        ):
            report = simulator.run(
                ticks=ticks,
                punches_per_tick=options["punches"],
                pace=1.0 / options["rate"],
                on_tick=lambda _tick: bar.update(1),
            )
        for channel in ("zkteco", "hj212", "mqtt"):
            line = (
                f"{channel:7} sent {report.sent[channel]:>7}  acknowledged {report.acknowledged[channel]:>7}"
                f"  errors {report.errors[channel]:>4}"
            )
            if channel in report.last_error:
                line += f"  (last: {report.last_error[channel]})"
            self.stdout.write(line + "\n")
        self.stdout.write("planted: " + ", ".join(f"{k} {v}" for k, v in sorted(report.planted.items())) + "\n")
        if sum(report.errors.values()):
            raise CommandError("有发送失败，见上 (some sends failed, see above)")
