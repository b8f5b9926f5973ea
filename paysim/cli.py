"""The ``paysim`` command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from paysim.errors import PaysimError, ScenarioError

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, dispatch, and map errors to exit codes."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or EXIT_OK)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT
    except PaysimError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return EXIT_OK


class _Parser(argparse.ArgumentParser):
    """Usage errors exit 2 with one line, like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="paysim", description="Simulate cross-border social-commerce payments.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run one replication of a scenario")
    run.add_argument("scenario", help="scenario file (YAML)")
    run.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    run.add_argument("--days", type=float, help="horizon in days (default: the scenario's)")
    run.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario field, e.g. channels.card_sg.success.base=0.9",
    )
    run.add_argument("--out", help="output directory (default: runs/<scenario name>)")
    run.set_defaults(handler=_run)

    validate = sub.add_parser("validate", help="check a scenario file")
    validate.add_argument("file")
    validate.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE")
    validate.set_defaults(handler=_validate)

    bench = sub.add_parser("bench", help="flagship throughput against bare SimPy, and the ratio")
    bench.add_argument("--quick", action="store_true", help="one short repeat (seconds)")
    bench.add_argument("--json", action="store_true", help="print JSON")
    bench.set_defaults(handler=_bench)

    listing = sub.add_parser("list", help="list strategies, scenarios or KPIs")
    listing.add_argument("what", choices=["strategies", "scenarios", "kpis"])
    listing.set_defaults(handler=_list)
    return parser


def _overrides(sets: list[str]) -> dict[str, Any]:
    from paysim.scenario.loader import parse_set

    return dict(parse_set(item) for item in sets)


def _run(args: argparse.Namespace) -> int:
    from paysim.experiment.single import check_run_inputs, run_to_directory
    from paysim.report.table import kpi_table
    from paysim.scenario.loader import load_scenario

    check_run_inputs(args.days, args.seed, prefix="--")
    scenario = load_scenario(args.scenario, _overrides(args.sets))
    out = Path(args.out) if args.out else Path("runs") / scenario.name
    result = run_to_directory(scenario, out, seed=args.seed, days=args.days)
    print(
        f"{scenario.name}: {result.days:g} days, seed {result.seed}, "
        f"wrote {out}/summary.json and payments.parquet"
    )
    print(kpi_table(result.kpis, scenario.reporting_currency))
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from paysim.scenario.loader import load_scenario

    load_scenario(args.file, _overrides(args.sets))
    print("ok")
    return EXIT_OK


def _bench(args: argparse.Namespace) -> int:
    from paysim.bench import run_bench

    report = run_bench(quick=args.quick)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        flagship, baseline = report["paysim_payments_per_s"], report["simpy_payments_per_s"]
        print(f"flagship   {flagship:>12,.0f} payments/s  ({report['payments']:,} payments)")
        print(f"bare SimPy {baseline:>12,.0f} payments/s")
        print(f"ratio      {report['ratio']:>12.3f}")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    if args.what == "kpis":
        from paysim.analysis.kpis import KPI_DESCRIPTIONS

        rows = KPI_DESCRIPTIONS.items()
    elif args.what == "strategies":
        from paysim.strategies import FAMILIES

        rows = [
            (f"{family}/{name}", text)
            for family, registry in FAMILIES.items()
            for name, text in registry.describe().items()
        ]
    else:
        from paysim.scenario.loader import read_yaml
        from paysim.scenarios import shipped

        rows = [
            (name, str(read_yaml(path).get("description", "")))
            for name, path in shipped("scenarios").items()
        ]
    width = max((len(name) for name, _ in rows), default=0)
    for name, text in rows:
        print(f"{name:<{width}}  {text}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
