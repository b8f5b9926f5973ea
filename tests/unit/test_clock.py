"""The clock: windows that tile the horizon, daily jobs, and who runs first at one instant."""

from __future__ import annotations

import math

import pytest

from paysim.engine import SECONDS_PER_DAY, Clock


def _windows(
    horizon_s: float, period_s: float, **kwargs: object
) -> list[tuple[float, float, float]]:
    """Every ``(t0, t1, now)`` a periodic job is handed, ``now`` being the time it ran."""
    clock = Clock(horizon_s)
    seen: list[tuple[float, float, float]] = []
    clock.every(period_s, lambda t0, t1: seen.append((t0, t1, clock.now)), **kwargs)
    clock.run()
    return seen


@pytest.mark.parametrize(
    ("horizon_s", "period_s"),
    [
        (86_400.0, 60.0),
        (1_000.0, 60.0),
        (100.0, 7.0),
        (59.0, 60.0),
        (1.0, 0.1),
        (30.0, 0.3),
        (100.0, 0.1),
    ],
)
def test_windows_tile_the_horizon_exactly(horizon_s: float, period_s: float) -> None:
    windows = _windows(horizon_s, period_s)
    starts = [t0 for t0, _, _ in windows]
    ends = [t1 for _, t1, _ in windows]

    assert starts[0] == 0.0
    assert ends[-1] == horizon_s
    assert starts[1:] == ends[:-1], "consecutive windows must meet with no gap or overlap"
    full, last = windows[:-1], windows[-1]
    assert all(t1 - t0 == pytest.approx(period_s) for t0, t1, _ in full)
    assert 0 < last[1] - last[0] <= period_s * (1 + 1e-9)
    # a horizon that is a whole number of periods has no extra sliver window at the end
    assert len(windows) == math.ceil(round(horizon_s / period_s, 9))


def test_each_window_is_handed_over_at_its_end() -> None:
    for _, t1, now in _windows(1_000.0, 60.0):
        assert now == t1


def test_partial_last_window_is_cut_at_the_horizon() -> None:
    windows = _windows(1_000.0, 60.0)
    assert windows[-1][:2] == (960.0, 1_000.0)


def test_without_partial_last_only_full_periods_run() -> None:
    windows = _windows(1_000.0, 60.0, partial_last=False)
    assert len(windows) == 16
    assert windows[-1][:2] == (900.0, 960.0)


def test_daily_job_at_0200_with_a_negative_start() -> None:
    two_am = 2 * 3600.0
    windows = _windows(
        3 * SECONDS_PER_DAY,
        SECONDS_PER_DAY,
        start_s=two_am - SECONDS_PER_DAY,
        partial_last=False,
    )
    runs = [now for _, _, now in windows]
    assert runs == [two_am, two_am + SECONDS_PER_DAY, two_am + 2 * SECONDS_PER_DAY]
    assert windows[0][:2] == (two_am - SECONDS_PER_DAY, two_am)


def test_daily_job_does_not_run_in_a_run_shorter_than_its_first_time() -> None:
    assert _windows(3600.0, SECONDS_PER_DAY, start_s=7200.0 - SECONDS_PER_DAY,
                    partial_last=False) == []  # fmt: skip


def test_first_job_runs_before_a_normal_job_at_the_same_instant() -> None:
    clock = Clock(2 * 3600.0)
    order: list[tuple[str, float]] = []
    # the normal job is registered first, so only the priority can put the window job ahead
    clock.every(3600.0, lambda t0, t1: order.append(("hourly", t1)))
    clock.every(60.0, lambda t0, t1: order.append(("window", t1)), first=True)
    clock.run()

    for instant in (3600.0, 7200.0):
        at = [name for name, t in order if t == instant]
        assert at == ["window", "hourly"]


def test_invalid_horizon_and_period_are_refused() -> None:
    with pytest.raises(ValueError, match="horizon_s"):
        Clock(0)
    with pytest.raises(ValueError, match="period_s"):
        Clock(10).every(0, lambda t0, t1: None)


@pytest.mark.parametrize("period_s", [7.0, 60.0, 130.7, 3600.0])
def test_aligned_windows_also_end_at_every_multiple_of_the_alignment(period_s: float) -> None:
    windows = _windows(4 * 3600.0 + 100.0, period_s, align_s=3600.0)
    ends = [t1 for _, t1, _ in windows]
    assert all(h * 3600.0 in ends for h in (1, 2, 3, 4))
    assert [t0 for t0, _, _ in windows][1:] == ends[:-1]
    assert all(0 < t1 - t0 <= period_s * (1 + 1e-9) for t0, t1, _ in windows)
    # the period's own edges are kept: only windows spanning an hour are cut
    grid = {round(k * period_s, 6) for k in range(1, int(4 * 3600 / period_s) + 1)}
    assert grid <= {round(t1, 6) for t1 in ends}
