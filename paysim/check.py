"""``paysim check``: run an experiment until its assertions are decided, print and record them.

Like ``paysim.bench`` it sits above the layers: it runs a study (``experiment``) and writes
its results (``report``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from paysim.errors import ScenarioError


def run_check(path: Path, raw: Mapping[str, Any], junit: Path | None, workers: int | None) -> int:
    """Run the experiment file ``path`` (its data ``raw``) as a CI gate.

    Replications follow the experiment's schedule and stop as soon as every assertion is
    decided (see ``paysim.experiment.gates``). Nothing is written but the JUnit file, and
    that only once complete: an interrupted check leaves no file behind.

    Returns:
        The exit code: 0 every assertion passes, 3 one fails, 4 one is still undecided at
        the maximum replications.

    Raises:
        ScenarioError: the file is invalid, has no ``assert`` section, or ``junit`` is a
            path paysim must not write.

    """
    from paysim import __version__
    from paysim.experiment.execute import default_workers, started_backend
    from paysim.experiment.gates import all_decided, exit_code
    from paysim.experiment.load import check_experiment_size, experiment_from_dict
    from paysim.experiment.study import run_experiment
    from paysim.report.experiment import experiment_currency
    from paysim.report.gates_text import gate_lines
    from paysim.report.junit import check_junit_path, junit_xml, write_junit

    experiment = experiment_from_dict(raw, path.parent, path)
    spec = experiment.spec
    if not spec.assertions:
        raise ScenarioError.at("assert", "the experiment has no assertions to check")
    if junit is not None:
        check_junit_path(junit)
    check_experiment_size(experiment, default_workers() if workers is None else workers)
    started = time.perf_counter()
    result = run_experiment(
        experiment,
        progress=None,
        backend=started_backend(workers),
        stop=lambda results: all_decided(results, spec),
    )
    gates = result.summary["gates"]
    currency = experiment_currency(experiment)
    print("\n".join(gate_lines(gates, currency)))
    if junit is not None:
        elapsed = time.perf_counter() - started
        write_junit(junit, junit_xml(gates, spec.name, currency, elapsed, __version__))
        print(f"wrote {junit}")
    return exit_code(gates)
