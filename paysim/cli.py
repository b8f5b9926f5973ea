"""The ``paysim`` command."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from paysim.errors import PaysimError, ScenarioError

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
#: Signals handled like Ctrl-C: staged output removed, one line, exit 128 + the signal.
TERMINATING = ("SIGTERM", "SIGHUP")
#: The most ``--replications`` or ``--workers`` a command line may ask for.
MAX_REPLICATIONS, MAX_WORKERS = 100_000, 1024


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: unwound like Ctrl-C, so every clean-up path runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, dispatch, and map errors to exit codes."""
    parser = _parser()
    args = parser.parse_args(argv)
    with _terminate_like_interrupt():
        try:
            return int(args.handler(args) or EXIT_OK)
        except ScenarioError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            return EXIT_BAD_INPUT
        except PaysimError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_INTERNAL
        except KeyboardInterrupt as exc:
            print(f"{_stopped_by(exc)}", file=sys.stderr)
            return _interrupt_code(exc)
        except BrokenPipeError:  # output piped into `head` and closed early
            sys.stderr.close()
            return EXIT_OK


def _stopped_by(exc: BaseException) -> str:
    return "terminated" if isinstance(exc, Terminated) else "interrupted"


def _interrupt_code(exc: BaseException) -> int:
    return 128 + exc.signum if isinstance(exc, Terminated) else 130


@contextmanager
def _terminate_like_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM and SIGHUP raise ``Terminated`` in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}

    def _raise(signum: int, frame: Any) -> None:
        for number in previous:  # a second signal during clean-up must not interrupt it
            signal.signal(number, signal.SIG_IGN)
        raise Terminated(signum)

    for name in TERMINATING:
        if hasattr(signal, name):
            number = getattr(signal, name)
            previous[number] = signal.signal(number, _raise)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class _Parser(argparse.ArgumentParser):
    """Usage errors exit 2 with one line, like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message}\n")


def _parser() -> argparse.ArgumentParser:
    from paysim import __version__

    parser = _Parser(prog="paysim", description="Simulate cross-border social-commerce payments.")
    parser.add_argument("--version", action="version", version=f"paysim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run one replication of a scenario")
    run.add_argument("scenario", help="scenario file (YAML)")
    run.add_argument("--seed", type=_seed, help="random seed (default: the scenario's)")
    run.add_argument("--days", type=_number, help="horizon in days (default: the scenario's)")
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
        type=_bounded_int(MAX_WORKERS),
        metavar="N",
        help="local worker processes (default: all cores)",
    )
    experiment.add_argument("--dask", metavar="ADDRESS", help="Dask scheduler, tcp://host:8786")
    experiment.add_argument(
        "--replications",
        type=_bounded_int(MAX_REPLICATIONS),
        metavar="R",
        help="fixed replications, replacing the file's",
    )
    experiment.set_defaults(handler=_experiment)

    check = sub.add_parser("check", help="run an experiment's assert section (CI gates)")
    check.add_argument("file", help="experiment file (YAML) with an assert section")
    check.add_argument("--junit", metavar="PATH", help="write the results as JUnit XML")
    check.add_argument(
        "--workers",
        type=_bounded_int(MAX_WORKERS),
        metavar="N",
        help="local worker processes (default: all cores)",
    )
    check.set_defaults(handler=_check)

    report = sub.add_parser("report", help="rebuild a finished experiment's report")
    report.add_argument("dir", metavar="DIR", help="the experiment's output directory")
    report.set_defaults(handler=_report)

    bench = sub.add_parser("bench", help="flagship throughput against bare SimPy, and the ratio")
    bench.add_argument("--quick", action="store_true", help="one short repeat (seconds)")
    bench.add_argument("--json", action="store_true", help="print JSON")
    bench.add_argument(
        "--scenario",
        default="flagship",
        help="a shipped scenario's name or a scenario file (default: flagship)",
    )
    bench.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario field, e.g. strategies.routing.name=thompson",
    )
    bench.set_defaults(handler=_bench)

    # -- calibrate fx (issue 10) --------------------------------------------------------
    calibrate = sub.add_parser("calibrate", help="fit scenario sections on real data")
    targets = calibrate.add_subparsers(dest="target", required=True, parser_class=_Parser)
    fx = targets.add_parser("fx", help="fit an FX rate model on the ECB history")
    fx.add_argument("--pair", required=True, help="base then quote ISO code, e.g. EURUSD")
    fx.add_argument("--start", required=True, type=_date, help="first day, YYYY-MM-DD")
    fx.add_argument("--end", required=True, type=_date, help="last day, YYYY-MM-DD")
    fx.add_argument("--model", default="gbm", choices=["gbm", "ou", "garch", "jump"])
    fx.set_defaults(handler=_calibrate_fx)

    listing = sub.add_parser("list", help="list strategies, scenarios, experiments or KPIs")
    listing.add_argument("what", choices=["strategies", "scenarios", "experiments", "kpis"])
    listing.set_defaults(handler=_list)
    return parser


def _bounded_int(most: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
        if value > most:
            raise argparse.ArgumentTypeError(f"must be <= {most}, got {value}")
        return value

    parse.__name__ = "integer"
    return parse


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None


def _date(text: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date YYYY-MM-DD, got {text!r}") from None


def _calibrate_fx(args: argparse.Namespace) -> int:
    from paysim.model.fx.calibrate import calibrate_pair

    if args.end <= args.start:
        raise ScenarioError.at("--end", f"must be after --start ({args.start})", str(args.end))
    fit = calibrate_pair(args.pair, args.start, args.end, args.model)
    print(json.dumps(fit, indent=2))
    return EXIT_OK


def _overrides(sets: list[str]) -> dict[str, Any]:
    from paysim.scenario.loader import parse_set

    return dict(parse_set(item) for item in sets)


def _out_dir(args: argparse.Namespace, name: str) -> Path:
    """``--out``, or ``runs/<name>`` without it."""
    if args.out is None:
        return Path("runs") / name
    if not args.out.strip():
        raise ScenarioError.at("--out", "must not be empty", args.out)
    return Path(args.out)


def _run(args: argparse.Namespace) -> int:
    from paysim.experiment.single import check_run_inputs, run_to_directory
    from paysim.report.table import kpi_table
    from paysim.scenario.loader import scenario_from_dict

    check_run_inputs(args.days, args.seed, prefix="--")
    scenario = scenario_from_dict(_read_kind(args.scenario, "scenario"), _overrides(args.sets))
    out = _out_dir(args, scenario.name)
    result = run_to_directory(scenario, out, seed=args.seed, days=args.days, progress=None)
    print(
        f"{scenario.name}: {result.days:g} days, seed {result.seed}, "
        f"wrote {out}/summary.json, payments.parquet and series.parquet"
    )
    print(kpi_table(result.kpis, scenario.reporting_currency))
    return EXIT_OK


def _read_kind(path: str, kind: str) -> dict[str, Any]:
    """A YAML file's data, refused with one line if it is the other kind of paysim file."""
    from paysim.experiment.load import is_experiment
    from paysim.scenario.loader import read_yaml

    raw = read_yaml(path)
    found = "experiment" if is_experiment(raw) else "scenario"
    if found != kind:
        named = {"scenario": "a scenario", "experiment": "an experiment"}
        command = {"scenario": "paysim run", "experiment": "paysim experiment"}[found]
        raise ScenarioError.at(
            path, f"is {named[found]} file, not {named[kind]}: use `{command}` for it"
        )
    return raw


def _validate(args: argparse.Namespace) -> int:
    from paysim.experiment.load import experiment_from_dict, is_experiment
    from paysim.experiment.sizing import check_run_size
    from paysim.scenario.loader import read_yaml, scenario_from_dict

    raw = read_yaml(args.file)
    if is_experiment(raw):
        if args.sets:
            raise ScenarioError.at("--set", "applies to scenario files; use an arm's set")
        path = Path(args.file)
        experiment_from_dict(raw, base_dir=path.parent, source=path)
    else:
        check_run_size(scenario_from_dict(raw, _overrides(args.sets)))
    print("ok")
    return EXIT_OK


def _experiment(args: argparse.Namespace) -> int:
    from paysim.experiment.execute import reachable_dask_address, started_backend
    from paysim.experiment.load import check_experiment_size, experiment_from_dict

    if args.dask is not None:
        reachable_dask_address(args.dask)
    path = Path(args.file)
    raw = _read_kind(args.file, "experiment")
    experiment = experiment_from_dict(raw, path.parent, path, args.replications)
    out = _out_dir(args, experiment.name)
    _check_study_folder(out, experiment)
    check_experiment_size(experiment, _local_workers(args))
    # workers start importing now, while this process loads the statistics and report code
    backend = started_backend(args.workers, args.dask)
    from paysim.experiment.study import run_experiment
    from paysim.report.experiment import experiment_currency, write_report
    from paysim.report.summary_text import summary_text

    currency = experiment_currency(experiment)

    def write_more(folder: Path, result: Any) -> None:
        write_report(folder, result.summary, result.results, currency)

    try:
        result = run_experiment(
            experiment, out=out, progress=None, backend=backend, write_more=write_more
        )
    except KeyboardInterrupt as exc:
        print(
            f"{_stopped_by(exc)}: finished runs are kept in {out}/runs; "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return _interrupt_code(exc)
    print(summary_text(result.summary, currency))
    if "gates" in result.summary:
        from paysim.report.gates_text import gate_lines

        print("\n".join(gate_lines(result.summary["gates"], currency)))
    if result.n_reused:
        print(f"reused {result.n_reused} finished runs from {out}/runs, ran {result.n_run}")
    print(f"wrote {out}/results.parquet, summary.json, report.md, report.html, figures/")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from paysim.check import run_check

    junit = None
    if args.junit is not None:
        if not args.junit.strip():
            raise ScenarioError.at("--junit", "must not be empty", args.junit)
        junit = Path(args.junit)
    return run_check(Path(args.file), _read_kind(args.file, "experiment"), junit, args.workers)


def _check_study_folder(out: Path, experiment: Any) -> None:
    """Refuse ``--out`` before any worker starts (``run_experiment`` checks it again)."""
    from paysim.experiment.outdir import (
        EXPERIMENT_FILES,
        check_output_directory,
        experiment_recogniser,
    )

    check_output_directory(out, EXPERIMENT_FILES, experiment_recogniser(experiment.name))


def _local_workers(args: argparse.Namespace) -> int:
    from paysim.experiment.execute import default_workers

    if args.dask is not None:
        return 0
    return args.workers if args.workers is not None else default_workers()


def _report(args: argparse.Namespace) -> int:
    from paysim.report.experiment import rebuild_report

    folder = Path(args.dir)
    if not folder.is_dir():
        raise ScenarioError.at(str(folder), "not a finished experiment folder (not a directory)")
    for name in ("experiment.json", "results.parquet"):
        if not (folder / name).is_file():
            raise ScenarioError.at(str(folder), f"not a finished experiment folder (no {name})")
    print(f"wrote {rebuild_report(folder)}")
    return EXIT_OK


def _bench(args: argparse.Namespace) -> int:
    from paysim.bench import run_bench

    report = run_bench(quick=args.quick, scenario=args.scenario, sets=_overrides(args.sets))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        flagship, baseline = report["paysim_payments_per_s"], report["simpy_payments_per_s"]
        label = report["scenario"][:10]
        print(f"{label:<10} {flagship:>12,.0f} payments/s  ({report['payments']:,} payments)")
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
