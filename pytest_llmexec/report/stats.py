"""Small, exact statistics: Wilson intervals, pass@k, and the paired tests of the gate."""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist


def wilson(correct: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95% Wilson score interval for a proportion; (0, 1) when n is 0."""
    if n == 0:
        return (0.0, 1.0)
    p = correct / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def pass_at_k(n: int, c: int, k: int) -> float:
    """Chen et al. (2021): 1 - C(n-c, k) / C(n, k), computed stably."""
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples, got {n}")
    if n - c < k:
        return 1.0
    result = 1.0
    for i in range(n - c + 1, n + 1):
        result *= 1.0 - k / i
    return 1.0 - result


def ks_for(samples: int) -> list[int]:
    """The k of pass@k to report: 1, 5, 10 up to the number of samples."""
    return [k for k in (1, 5, 10) if k <= samples]


# --------------------------------------------------------------------------- paired comparison


def z_for(alpha: float) -> float:
    """The two-sided normal quantile for a (1 - alpha) interval."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    return NormalDist().inv_cdf(1.0 - alpha / 2.0)


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pairs b and c.

    Under the null hypothesis each discordant pair is equally likely to go
    either way, so min(b, c) follows Binomial(b + c, 1/2). Exact integer sums
    keep the p-value right for small counts, where the chi-square form is not.
    """
    if b < 0 or c < 0:
        raise ValueError("discordant counts cannot be negative")
    n = b + c
    if n == 0:
        return 1.0
    if b == c:
        return 1.0
    term = tail = 1  # C(n, 0); each next binomial coefficient from the previous one
    for i in range(min(b, c)):
        term = term * (n - i) // (i + 1)
        tail += term
    return min(1.0, 2 * tail / (1 << n))


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the order given.

    Controls the family-wise error rate across strata without assuming they
    are independent: a stratum is significant when its adjusted p < alpha.
    """
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[index]))
        adjusted[index] = running
    return adjusted


def paired_delta_interval(
    both: int, only_new: int, only_old: int, neither: int, z: float = 1.959963984540054
) -> tuple[float, float]:
    """Interval for p_new - p_old from paired binary outcomes (Newcombe 1998, method 10).

    ``only_new`` counts cases right now and wrong before (wrong->right),
    ``only_old`` cases right before and wrong now. The square-and-add
    combination of the two Wilson intervals, corrected for the correlation
    between the paired outcomes, keeps its coverage near the nominal level
    for small samples and accuracies close to 0 or 1, where the Wald
    interval of the difference fails.
    """
    n = both + only_new + only_old + neither
    if n == 0:
        return (-1.0, 1.0)
    p_new = (both + only_new) / n
    p_old = (both + only_old) / n
    l_new, u_new = wilson(both + only_new, n, z)
    l_old, u_old = wilson(both + only_old, n, z)
    margins = (both + only_new) * (only_old + neither) * (both + only_old) * (only_new + neither)
    cross = both * neither - only_new * only_old
    if margins == 0:
        phi = 0.0
    else:
        corrected = cross - n / 2 if cross > n / 2 else (cross if cross < 0 else 0.0)
        phi = corrected / math.sqrt(margins)
    delta = p_new - p_old
    low = delta - math.sqrt(
        max(
            0.0,
            (p_new - l_new) ** 2
            - 2 * phi * (p_new - l_new) * (u_old - p_old)
            + (u_old - p_old) ** 2,
        )
    )
    high = delta + math.sqrt(
        max(
            0.0,
            (u_new - p_new) ** 2
            - 2 * phi * (u_new - p_new) * (p_old - l_old)
            + (p_old - l_old) ** 2,
        )
    )
    return (max(-1.0, low), min(1.0, high))


def sample_flip_rate(n_samples: int, n_correct: int) -> float:
    """Probability that two different samples of one case disagree on correctness."""
    if n_samples < 2:
        return 0.0
    return 2 * n_correct * (n_samples - n_correct) / (n_samples * (n_samples - 1))
