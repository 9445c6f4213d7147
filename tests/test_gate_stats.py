"""The statistics behind the gate: exact McNemar, Holm, the paired delta interval."""

from __future__ import annotations

import math
import random

import pytest

from pytest_llmexec.report.stats import (
    holm,
    mcnemar_exact,
    paired_delta_interval,
    sample_flip_rate,
    z_for,
)


def binomial_two_sided(b: int, c: int) -> float:
    """Reference: double the smaller tail of Binomial(b + c, 1/2), by direct summation."""
    n = b + c
    tail = sum(math.comb(n, i) * 0.5**n for i in range(min(b, c) + 1))
    return min(1.0, 2 * tail)


@pytest.mark.parametrize(
    ("b", "c", "expected"),
    [
        (0, 0, 1.0),
        (10, 0, 2 / 1024),
        (0, 10, 2 / 1024),
        (3, 2, 1.0),
        (9, 1, 22 / 1024),
        (6, 0, 2 / 64),
    ],
)
def test_mcnemar_exact_known_values(b: int, c: int, expected: float) -> None:
    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-12)


def test_mcnemar_exact_matches_direct_summation_and_is_symmetric() -> None:
    for b in range(0, 25):
        for c in range(0, 25):
            assert mcnemar_exact(b, c) == pytest.approx(binomial_two_sided(b, c), rel=1e-9)
            assert mcnemar_exact(b, c) == mcnemar_exact(c, b)


def test_mcnemar_exact_large_counts_stay_finite() -> None:
    p = mcnemar_exact(1500, 1400)
    assert 0.0 < p < 0.1
    assert mcnemar_exact(5000, 5000) == 1.0


def test_mcnemar_rejects_negative_counts() -> None:
    with pytest.raises(ValueError):
        mcnemar_exact(-1, 3)


def test_holm_known_values() -> None:
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([0.02]) == [0.02]
    assert holm([]) == []


def test_holm_is_monotone_in_the_raw_order_and_never_below_raw() -> None:
    rng = random.Random(7)
    for _ in range(200):
        raw = [rng.random() ** 3 for _ in range(rng.randint(1, 8))]
        adjusted = holm(raw)
        assert all(a >= r for a, r in zip(adjusted, raw, strict=True))
        assert all(a <= 1.0 for a in adjusted)
        ordered = sorted(range(len(raw)), key=lambda i: raw[i])
        values = [adjusted[i] for i in ordered]
        assert values == sorted(values)


def test_paired_interval_reproduces_newcombe_1998_example() -> None:
    # Newcombe (1998), Stat Med 17:2635, example (a, b, c, d) = (36, 12, 2, 0): method 10
    # gives 0.0569 to 0.3404 for the difference of the first minus the second proportion.
    # Here the difference is new - old, so "only old right" = 12 and the signs flip.
    low, high = paired_delta_interval(36, 2, 12, 0)
    assert low == pytest.approx(-0.3404, abs=5e-4)
    assert high == pytest.approx(-0.0569, abs=5e-4)


def test_paired_interval_contains_the_estimate_and_stays_in_bounds() -> None:
    for both, new, old, neither in [
        (0, 0, 0, 1),
        (10, 0, 0, 0),
        (0, 5, 0, 0),
        (0, 0, 5, 0),
        (20, 3, 9, 8),
        (1, 1, 1, 1),
    ]:
        n = both + new + old + neither
        low, high = paired_delta_interval(both, new, old, neither)
        assert -1.0 <= low <= (new - old) / n <= high <= 1.0


def test_paired_interval_of_no_data_is_everything() -> None:
    assert paired_delta_interval(0, 0, 0, 0) == (-1.0, 1.0)


def test_paired_interval_covers_the_true_difference() -> None:
    """Coverage by simulation (fixed seed): at least close to the nominal 95%."""
    rng = random.Random(12345)
    cells = (0.70, 0.05, 0.12, 0.13)  # both, only new, only old, neither
    truth = cells[1] - cells[2]
    hits, trials = 0, 2000
    for _ in range(trials):
        counts = [0, 0, 0, 0]
        for _ in range(60):
            u, acc = rng.random(), 0.0
            for index, p in enumerate(cells):
                acc += p
                if u < acc or index == 3:
                    counts[index] += 1
                    break
        low, high = paired_delta_interval(*counts)
        hits += low <= truth <= high
    assert hits / trials >= 0.93


def test_z_for_alpha() -> None:
    assert z_for(0.05) == pytest.approx(1.959964, abs=1e-6)
    assert z_for(0.10) == pytest.approx(1.644854, abs=1e-6)
    with pytest.raises(ValueError):
        z_for(0.0)


@pytest.mark.parametrize(
    ("n", "c", "rate"), [(1, 1, 0.0), (3, 0, 0.0), (3, 3, 0.0), (2, 1, 1.0), (3, 1, 2 / 3)]
)
def test_sample_flip_rate(n: int, c: int, rate: float) -> None:
    assert sample_flip_rate(n, c) == pytest.approx(rate)
