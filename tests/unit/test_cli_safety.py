"""Issue 7: paysim never loses a user's data, and no input crashes or hangs it.

Every case is one the issue lists. Bad input ends in one ``field: reason`` line and exit 2,
with nothing written; output directories are paysim's own or new.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from paysim import cli
from tests.conftest import QUICKSTART

EXIT_BAD_INPUT = 2
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_experiment(tmp_path: Path) -> Path:
    """A two-arm experiment of two short quickstart runs (about a second)."""
    raw = yaml.safe_load(QUICKSTART.read_text())
    raw["demand"]["orders_per_day"] = 800
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(raw))
    experiment = {
        "name": "safety_compare",
        "scenario": "scenario.yaml",
        "seed": 1,
        "replications": 1,
        "days": 0.05,
        "baseline": "standard",
        "arms": [
            {"name": "standard"},
            {"name": "premium", "set": {"channels.card_sg.fee.percent": 3}},
        ],
        "metrics": ["net_margin", "auth_rate"],
    }
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(experiment))
    return path


def _decoys(folder: Path) -> dict[str, bytes]:
    """A user's folder holding files with the names paysim writes, and others."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "report.md": b"my notes",
        "report.html": b"<p>my page</p>",
        "summary.json": b'{"mine": true}',
        "results.parquet": b"my data",
        "figures/chart.png": b"my chart",
        "thesis.tex": b"years of work",
    }
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    return files


def _unchanged(folder: Path, files: dict[str, bytes]) -> bool:
    return all((folder / name).read_bytes() == content for name, content in files.items())


def _one_line(result, starts: str) -> None:
    assert result.code == EXIT_BAD_INPUT, result.err
    assert len(result.err_lines) == 1, result.err
    assert result.err_lines[0].startswith(starts), result.err
    assert "Traceback" not in result.err


# -- data loss -------------------------------------------------------------------------------


def test_experiment_refuses_a_folder_of_user_files(small_experiment, tmp_path, run_cli) -> None:
    folder = tmp_path / "mine"
    files = _decoys(folder)
    result = run_cli("experiment", small_experiment, "--workers", "1", "--out", folder)
    _one_line(result, "--out: is a directory with other files")
    assert _unchanged(folder, files)


def test_experiment_refuses_paysim_names_without_the_marker(
    small_experiment, tmp_path, run_cli
) -> None:
    folder = tmp_path / "mine"
    files = {k: v for k, v in _decoys(folder).items() if k != "thesis.tex"}
    (folder / "thesis.tex").unlink()
    result = run_cli("experiment", small_experiment, "--workers", "1", "--out", folder)
    _one_line(result, "--out: is not a paysim experiment folder")
    assert _unchanged(folder, files)


def test_experiment_refuses_the_working_directory(
    small_experiment, tmp_path, run_cli, monkeypatch
) -> None:
    work = tmp_path / "work"
    files = _decoys(work)
    monkeypatch.chdir(work)
    for out in (".", str(work), "/"):
        result = run_cli("experiment", small_experiment, "--workers", "1", "--out", out)
        _one_line(result, "--out: must not be the working directory")
    assert _unchanged(work, files)


def test_experiment_refuses_another_experiments_folder(small_experiment, tmp_path, run_cli) -> None:
    folder = tmp_path / "other"
    (folder / "runs").mkdir(parents=True)
    marker = json.dumps({"experiment": {"name": "someone_else"}})
    (folder / "experiment.json").write_text(marker)
    result = run_cli("experiment", small_experiment, "--workers", "1", "--out", folder)
    _one_line(result, "--out: holds the results of experiment 'someone_else'")
    assert (folder / "experiment.json").read_text() == marker


def test_experiment_resumes_in_its_own_folder(small_experiment, tmp_path, run_cli) -> None:
    out = tmp_path / "study"
    assert run_cli("experiment", small_experiment, "--workers", "1", "--out", out).code == 0
    runs = sorted(p.name for p in (out / "runs").iterdir())
    again = run_cli("experiment", small_experiment, "--workers", "1", "--out", out)
    assert again.code == 0, again.err
    assert "reused 2 finished runs" in again.out
    assert sorted(p.name for p in (out / "runs").iterdir()) == runs
    record = json.loads((out / "experiment.json").read_text())
    assert record["provenance"]["replications"] == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_failing_report_leaves_no_partial_outputs(
    small_experiment, tmp_path, run_cli, monkeypatch
) -> None:
    out = tmp_path / "study"

    def broken(folder, *args, **kwargs):
        (Path(folder) / "report.md").write_text("half a report")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("paysim.report.experiment.write_report", broken)
    with pytest.raises(OSError, match="No space left"):
        run_cli("experiment", small_experiment, "--workers", "1", "--out", out)
    assert sorted(p.name for p in out.iterdir()) == ["experiment.json", "runs"]
    assert len(list((out / "runs").glob("*.json"))) == 2  # the finished runs are kept
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_run_refuses_a_summary_json_that_is_not_paysims(tmp_path, run_cli) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "summary.json").write_text('{"mine": true}')
    result = run_cli("run", QUICKSTART, "--days", "0.01", "--out", folder)
    _one_line(result, "--out: holds files that are not a paysim run's")
    assert (folder / "summary.json").read_text() == '{"mine": true}'


@pytest.mark.parametrize("name", ["/abs/x", "../x", "a/../../x", ".hidden", "x" * 300])
def test_a_scenario_name_is_never_a_path(name, tmp_path, run_cli, monkeypatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = run_cli("run", QUICKSTART, "--days", "0.01", "--set", f"name={name}")
    _one_line(result, "name: must ")
    assert list(tmp_path.rglob("*")) == [work]


# -- inputs that crashed or hung -------------------------------------------------------------

CRASHES = [
    ("demand.orders_per_day=.inf", "demand.orders_per_day: must be a finite number"),
    ("channels.card_sg.fee.fixed=1e300", "channels.card_sg.fee.fixed: must be <= "),
    ("markets.ID.buyers=" + "1" * 31, "markets.ID.buyers: must be <= 1000000000"),
    ("demand.orders_per_day=1e12", "demand.orders_per_day: must be <= "),
    ("channels.card_sg.settlement_days=.inf", "channels.card_sg.settlement_days: must be a finite"),
    ("engine.batch_s=1e-6", "engine.batch_s: must be >= 0.1"),
    (
        "channels.card_sg.outages={mtbf_h: 1e-9, mttr_min: 10}",
        "channels.card_sg.outages.mtbf_h: must be >= 0.1",
    ),
    ("name=" + "x" * 300, "name: must have at most 100 characters"),
]


@pytest.mark.parametrize(("assignment", "line"), CRASHES, ids=[c[0][:40] for c in CRASHES])
def test_numbers_out_of_range_are_one_line(assignment, line, tmp_path, run_cli) -> None:
    for command in (("validate", QUICKSTART), ("run", QUICKSTART, "--out", tmp_path / "x")):
        result = run_cli(*command, "--set", assignment)
        _one_line(result, line)
    assert list(tmp_path.iterdir()) == []


def test_tiny_outage_times_do_not_hang_validate(run_cli) -> None:
    started = time.monotonic()
    result = run_cli(
        "validate", QUICKSTART, "--set", "channels.card_sg.outages={mtbf_h: 1e-9, mttr_min: 1e-9}"
    )
    assert result.code == EXIT_BAD_INPUT
    assert result.err_lines == [
        "channels.card_sg.outages.mtbf_h: must be >= 0.1, got 1e-09",
        "channels.card_sg.outages.mttr_min: must be >= 0.1, got 1e-09",
    ]
    assert time.monotonic() - started < 5


def test_a_run_too_big_for_memory_is_refused_with_the_estimate(
    tmp_path, run_cli, monkeypatch
) -> None:
    monkeypatch.setattr("paysim.experiment.sizing.available_memory_bytes", lambda: 2e9)
    result = run_cli(
        "run", QUICKSTART, "--set", "demand.orders_per_day=1e8", "--out", tmp_path / "x"
    )
    _one_line(result, "demand.orders_per_day: the run would need about 26")
    assert "more than the 2 GB available" in result.err
    assert list(tmp_path.iterdir()) == []


def test_an_experiment_counts_every_worker_in_the_estimate(
    small_experiment, tmp_path, run_cli, monkeypatch
) -> None:
    from paysim.experiment import sizing

    # one run fits, two do not; four workers run only the experiment's two runs side by side
    available = sizing.BASE_BYTES * 1.5
    monkeypatch.setattr("paysim.experiment.sizing.available_memory_bytes", lambda: available)
    result = run_cli("experiment", small_experiment, "--workers", "4", "--out", tmp_path / "o")
    _one_line(result, "--workers: 2 runs side by side would need about 0.6")
    assert not (tmp_path / "o").exists()


def test_too_many_windows_is_refused_before_running(tmp_path, run_cli) -> None:
    result = run_cli(
        "run", QUICKSTART, "--days", "3000", "--set", "engine.batch_s=0.1", "--out", tmp_path / "x"
    )
    _one_line(result, "engine.batch_s: windows of 0.1 s over 3000 days are 2.59e+09 windows")


@pytest.mark.parametrize("value", ["1000000000", "100001"])
def test_absurd_replications_are_refused(small_experiment, value, run_cli) -> None:
    result = run_cli("experiment", small_experiment, "--replications", value)
    _one_line(result, "paysim experiment: argument --replications: must be <= 100000")


def test_replications_times_arms_times_points_is_bounded(small_experiment, run_cli) -> None:
    data = yaml.safe_load(small_experiment.read_text())
    data["replications"] = 100_000
    data["sweep"] = {"grid": {"channels.card_sg.success.base": [0.8, 0.82, 0.84, 0.86, 0.88, 0.9]}}
    small_experiment.write_text(yaml.safe_dump(data))
    result = run_cli("validate", small_experiment)
    _one_line(result, "replications: 100,000 replications x 2 arms x 6 points are 1,200,000")


def test_yaml_nested_5000_deep_is_one_line(tmp_path, run_cli) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("name: " + "[" * 5000 + "]" * 5000 + "\n")
    _one_line(run_cli("validate", path), f"{path}: nested more than 50 levels deep")


def test_yaml_alias_bomb_is_one_line(tmp_path, run_cli) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    _one_line(run_cli("validate", path), f"{path}: holds more than 2,000,000 values")


def test_a_long_name_without_out(tmp_path, run_cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "long.yaml"
    path.write_text(QUICKSTART.read_text().replace("name: quickstart", "name: " + "n" * 300))
    _one_line(run_cli("run", path, "--days", "0.01"), "name: must have at most 100 characters")
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("command", ["run", "experiment"])
def test_out_in_an_unwritable_place(command, small_experiment, run_cli) -> None:
    source = QUICKSTART if command == "run" else small_experiment
    result = run_cli(command, source, "--out", "/proc/paysim-test/out")
    _one_line(result, "--out: cannot")


def test_experiment_out_pointing_at_a_file(small_experiment, tmp_path, run_cli) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    result = run_cli("experiment", small_experiment, "--out", target)
    _one_line(result, "--out: exists and is not a directory")
    assert target.read_text() == "mine"


@pytest.mark.parametrize("address", ["not a url", "http://x:1", "tcp://host", "tcp://[::1"])
def test_dask_address_that_is_not_one(address, small_experiment, run_cli) -> None:
    result = run_cli("experiment", small_experiment, "--dask", address)
    _one_line(result, "--dask: must be a scheduler address like tcp://host:8786")


def test_dask_address_nobody_answers(small_experiment, run_cli) -> None:
    result = run_cli("experiment", small_experiment, "--dask", "tcp://127.0.0.1:9")
    _one_line(result, "--dask: no Dask scheduler answers there")


def test_each_command_says_which_kind_of_file_it_got(small_experiment, run_cli) -> None:
    result = run_cli("experiment", QUICKSTART)
    _one_line(result, f"{QUICKSTART}: is a scenario file, not an experiment: use `paysim run`")
    result = run_cli("run", small_experiment)
    _one_line(result, f"{small_experiment}: is an experiment file, not a scenario")


@pytest.fixture
def finished_study(small_experiment, tmp_path, run_cli) -> Path:
    out = tmp_path / "study"
    assert run_cli("experiment", small_experiment, "--workers", "1", "--out", out).code == 0
    return out


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("results.parquet", b"PAR1 not really", "results.parquet: cannot read it"),
        ("results.parquet", b"", "results.parquet: cannot read it"),
        ("experiment.json", b"{", "experiment.json: not a paysim experiment record"),
        ("experiment.json", b"[1]", "experiment.json: not a paysim experiment record"),
    ],
)
def test_report_on_a_damaged_study(finished_study, name, content, line, run_cli) -> None:
    (finished_study / name).write_bytes(content)
    _one_line(run_cli("report", finished_study), f"{finished_study}/{line}")


def test_report_on_a_damaged_summary_rebuilds(finished_study, run_cli) -> None:
    (finished_study / "summary.json").write_text("{ corrupt")
    result = run_cli("report", finished_study)
    assert result.code == 0, result.err
    assert (finished_study / "report.md").read_text().startswith("# Experiment safety_compare")


# -- the command line answers at once --------------------------------------------------------


def test_version() -> None:
    from paysim import __version__

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert __version__ == "0.1.0"


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["run", "--help"]])
def test_help_and_version_import_no_numeric_stack(args) -> None:
    code = (
        "import sys\n"
        "from paysim import cli\n"
        "try:\n"
        f"    cli.main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('numpy', 'pandas', 'scipy', 'pyarrow', 'simpy', 'pydantic')\n"
        "         if m in sys.modules]\n"
        "print('heavy:', heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "heavy: []" in done.stdout, done.stdout


def test_import_paysim_keeps_its_api_lazily() -> None:
    code = (
        "import sys, paysim\n"
        "assert 'pandas' not in sys.modules\n"
        "assert callable(paysim.simulate) and callable(paysim.load_scenario)\n"
        "assert callable(paysim.run_experiment) and paysim.Scenario.__name__ == 'Scenario'\n"
        "print(paysim.__version__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "0.1.0"


def test_version_through_the_console_script() -> None:
    exe = Path(sys.executable).parent / "paysim"
    started = time.monotonic()
    done = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "paysim 0.1.0"
    assert time.monotonic() - started < 5  # well under 0.5 s on an idle machine


def test_the_outage_draw_refuses_billions_of_episodes() -> None:
    # below the schema's bounds (model_construct skips validation): a guard, not a hang
    import numpy as np

    from paysim.errors import PaysimError
    from paysim.model.channels.outages import renewal_episodes
    from paysim.model.channels.spec import OutageSpec

    spec = OutageSpec.model_construct(mtbf_h=1e-9, mttr_min=1e-9, repair_sigma=1.0)
    started = time.monotonic()
    with pytest.raises(PaysimError, match="more than 10,000,000 episodes"):
        renewal_episodes(spec, 86_400.0, np.random.default_rng(0))
    assert time.monotonic() - started < 1
