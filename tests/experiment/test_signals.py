"""Stopping paysim from outside: SIGTERM is Ctrl-C, and workers never outlive their parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds worker processes through /proc"
)


def children(pid: int) -> set[int]:
    """Processes whose parent is ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def paysim(*args: str | Path, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "paysim.cli", *map(str, args)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_until(condition, process: subprocess.Popen[str], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def write_experiment(tmp_path: Path, orders_per_day: float) -> Path:
    """Two arms x 6 replications of a quickstart day."""
    raw = yaml.safe_load(QUICKSTART.read_text())
    raw["demand"]["orders_per_day"] = orders_per_day
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(raw))
    experiment = {
        "name": "signals",
        "scenario": "scenario.yaml",
        "replications": 6,
        "days": 1,
        "baseline": "a",
        "arms": [{"name": "a"}, {"name": "b", "set": {"channels.card_sg.fee.percent": 3}}],
        "metrics": ["net_margin"],
    }
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(experiment))
    return path


@pytest.fixture
def slow_experiment(tmp_path: Path) -> Path:
    """Runs of a second or two each."""
    return write_experiment(tmp_path, 8000)


def hidden(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_sigterm_during_run_leaves_no_staging_directory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    process = paysim(
        "run", QUICKSTART, "--set", "demand.orders_per_day=100000", "--out", out, cwd=tmp_path
    )
    wait_until(lambda: bool(hidden(tmp_path)), process)  # staging exists: the run is under way
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert stderr.strip().splitlines()[-1] == "terminated"
    assert "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []


def test_sigterm_during_experiment_keeps_runs_and_stops_workers(
    slow_experiment: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    process = paysim("experiment", slow_experiment, "--workers", "2", "--out", out, cwd=tmp_path)
    wait_until(lambda: len(list((out / "runs").glob("*.json"))) >= 1, process)
    workers = children(process.pid)
    assert workers, "no worker processes found"
    process.send_signal(signal.SIGTERM)  # the parent only, as `kill PID` does
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    lines = stderr.strip().splitlines()
    assert lines[-1].startswith(f"terminated: finished runs are kept in {out}/runs")
    assert "Traceback" not in stderr
    assert sorted(p.name for p in out.iterdir()) == ["experiment.json", "runs"]
    assert hidden(tmp_path) == []
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers)


def test_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    # each run takes longer than the 5 s allowed, so a worker finishing its task and then
    # noticing the broken pipe does not pass
    path = write_experiment(tmp_path, 300_000)
    out = tmp_path / "out"
    process = paysim("experiment", path, "--workers", "2", "--out", out, cwd=tmp_path)
    wait_until(lambda: len(children(process.pid)) >= 2, process)
    time.sleep(3.0)  # the workers have imported paysim and started their first runs
    workers = children(process.pid)
    assert not list((out / "runs").glob("*.json")), "runs were too short for this test"
    os.kill(process.pid, signal.SIGKILL)  # the parent alone: nothing can clean up
    process.wait(timeout=60)  # not communicate(): live workers would hold its pipes open
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in workers if alive(pid)]
    for pid in left:  # do not leave them running if the test fails
        os.kill(pid, signal.SIGKILL)
    assert left == [], "workers outlived their parent by more than 5 s"
