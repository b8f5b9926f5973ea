"""Throughput benchmarks (pytest-benchmark), each asserting a result so a broken model cannot
look fast. The default run passes --benchmark-disable: each body runs once as a plain test;
``make bench`` times them.
"""

from __future__ import annotations

import pytest

import paysim
from paysim.bench import bare_simpy_payments_per_s, run_bench
from paysim.scenario import load_scenario
from tests.conftest import QUICKSTART


@pytest.fixture(scope="module")
def quickstart():
    return load_scenario(QUICKSTART)


@pytest.mark.benchmark(group="simulate")
def test_quickstart_quarter_day(benchmark, quickstart) -> None:
    result = benchmark(paysim.simulate, quickstart, seed=1, days=0.25)
    kpis = result.kpis
    # 8000 orders a day: about 2000 checkouts in a quarter day (Poisson, with the diurnal dip)
    assert 1000 < kpis["checkouts"] < 3000
    assert kpis["payments_attempted"] == len(result.payments) > 0
    assert 0.5 < kpis["auth_rate"] <= 1.0
    assert kpis["ledger_imbalance"] == 0


@pytest.mark.benchmark(group="baseline")
def test_bare_simpy_baseline(benchmark) -> None:
    rate = benchmark(bare_simpy_payments_per_s, 20_000, seed=0)
    assert rate > 0


@pytest.mark.slow
@pytest.mark.benchmark(group="bench")
def test_paysim_bench_quick_reports_a_ratio(benchmark) -> None:
    report = benchmark.pedantic(run_bench, kwargs={"quick": True}, rounds=1, iterations=1)
    assert report["payments"] > 50_000  # a flagship day is 120,000 orders
    assert report["paysim_payments_per_s"] > 0
    assert report["simpy_payments_per_s"] > 0
    assert report["ratio"] == pytest.approx(
        report["paysim_payments_per_s"] / report["simpy_payments_per_s"], rel=1e-3
    )
    assert report["ratio"] > 0
