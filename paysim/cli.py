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

    validate = sub.add_parser("validate", help="check a scenario or experiment file")
    validate.add_argument("file")
    validate.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE")
    validate.set_defaults(handler=_validate)

    experiment = sub.add_parser("experiment", help="Monte Carlo comparison of arms")
    experiment.add_argument("file", help="experiment file (YAML)")
    experiment.add_argument(
        "--out", metavar="DIR", help="output directory (default: runs/<experiment name>)"
    )
    experiment.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="local worker processes (default: all cores)",
    )
    experiment.add_argument("--dask", metavar="ADDRESS", help="Dask scheduler, tcp://host:8786")
    experiment.add_argument(
        "--replications",
        type=_positive_int,
        metavar="R",
        help="fixed replications, replacing the file's",
    )
    experiment.set_defaults(handler=_experiment)

    report = sub.add_parser("report", help="rebuild a finished experiment's report")
    report.add_argument("dir", metavar="DIR", help="the experiment's output directory")
    report.set_defaults(handler=_report)

    bench = sub.add_parser("bench", help="flagship throughput against bare SimPy, and the ratio")
    bench.add_argument("--quick", action="store_true", help="one short repeat (seconds)")
    bench.add_argument("--json", action="store_true", help="print JSON")
    bench.set_defaults(handler=_bench)

    listing = sub.add_parser("list", help="list strategies, scenarios, experiments or KPIs")
    listing.add_argument("what", choices=["strategies", "scenarios", "experiments", "kpis"])
    listing.set_defaults(handler=_list)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


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
    from paysim.experiment.load import is_experiment, load_experiment
    from paysim.scenario.loader import load_scenario, read_yaml

    if is_experiment(read_yaml(args.file)):
        if args.sets:
            raise ScenarioError.at("--set", "applies to scenario files; use an arm's set")
        load_experiment(args.file)
    else:
        load_scenario(args.file, _overrides(args.sets))
    print("ok")
    return EXIT_OK


def _experiment(args: argparse.Namespace) -> int:
    from paysim.experiment.execute import started_backend
    from paysim.experiment.load import load_experiment

    experiment = load_experiment(args.file, args.replications)
    # workers start importing now, while this process loads the statistics and report code
    backend = started_backend(args.workers, args.dask)
    from paysim.experiment.study import run_experiment
    from paysim.report.experiment import experiment_currency, write_report
    from paysim.report.summary_text import summary_text

    out = Path(args.out) if args.out else Path("runs") / experiment.name
    try:
        result = run_experiment(experiment, out=out, progress=None, backend=backend)
    except KeyboardInterrupt:
        print(
            f"interrupted: finished runs are kept in {out}/runs; "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    currency = experiment_currency(experiment)
    report = write_report(out, result.summary, result.results, currency)
    print(summary_text(result.summary, currency))
    if result.n_reused:
        print(f"reused {result.n_reused} finished runs from {out}/runs, ran {result.n_run}")
    print(f"wrote {out}/results.parquet, summary.json, report.md, {report.name}, figures/")
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from paysim.report.experiment import rebuild_report

    folder = Path(args.dir)
    for name in ("experiment.json", "results.parquet"):
        if not (folder / name).is_file():
            raise ScenarioError.at(str(folder), f"not a finished experiment folder (no {name})")
    print(f"wrote {rebuild_report(folder)}")
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
            for name, path in shipped(args.what).items()
        ]
    width = max((len(name) for name, _ in rows), default=0)
    for name, text in rows:
        print(f"{name:<{width}}  {text}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
