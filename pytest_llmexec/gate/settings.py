"""What the regression gate compares with and when it fails, read from the option table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ..options import DEFAULT_BASELINE, number, raw_value


@dataclass(frozen=True)
class GateSettings:
    """What the regression gate compares with and when it fails (see gate/decide.py)."""

    baseline: Path | None  # compare with (or, updating, write to) this file
    update: bool
    force: bool  # --llm-update-baseline=force: update even when CI is set
    tolerance: float  # points
    alpha: float
    fail_under: float | None  # percent

    @property
    def configured(self) -> bool:
        """Whether a gate (rather than the plain pass/fail of each test) sets the exit status."""
        return self.baseline is not None or self.fail_under is not None

    def header(self) -> str:
        parts = []
        if self.baseline is not None:
            action = "update" + ("=force" if self.force else "") if self.update else "compare"
            parts.append(f"baseline={self.baseline.name} ({action})")
            parts.append(f"tolerance={self.tolerance:g} alpha={self.alpha:g}")
        if self.fail_under is not None:
            parts.append(f"fail-under={self.fail_under:g}%")
        return "llmexec gate: " + " ".join(parts)


def gate_settings_from(config: pytest.Config) -> GateSettings:
    """Read and validate the gate's options; a bad value is a `pytest.UsageError`."""
    update_raw = raw_value(config, "--llm-update-baseline")
    if update_raw not in (None, "yes", "force"):
        raise pytest.UsageError(
            f"--llm-update-baseline={update_raw}: the only value it takes is 'force'; "
            "write it as --llm-update-baseline or --llm-update-baseline=force, after the paths"
        )
    baseline = raw_value(config, "--llm-baseline")
    root = Path(config.invocation_params.dir)
    if baseline is not None:
        candidate = root / baseline
        if candidate.is_dir() or candidate.suffix.lower() in (".yaml", ".yml", ".jsonl", ".py"):
            raise pytest.UsageError(
                f"--llm-baseline {baseline}: this looks like a test path, not a baseline file; "
                f"write --llm-baseline=PATH (with '='), or --llm-baseline after the paths for "
                f"the default {DEFAULT_BASELINE}"
            )
    elif update_raw is not None:
        baseline = DEFAULT_BASELINE
    alpha = number(config, "--llm-alpha", float, 0.0)
    if not 0.0 < alpha < 1.0:
        raise pytest.UsageError(f"--llm-alpha={alpha:g}: must be between 0 and 1, e.g. 0.05")
    fail_under = None
    if raw_value(config, "--llm-fail-under") is not None:
        fail_under = number(config, "--llm-fail-under", float, 0.0)
        if fail_under > 100:
            raise pytest.UsageError(
                f"--llm-fail-under={fail_under:g}: a percentage between 0 and 100"
            )
    return GateSettings(
        baseline=(root / baseline) if baseline else None,
        update=update_raw is not None,
        force=update_raw == "force",
        tolerance=number(config, "--llm-tolerance", float, 0.0),
        alpha=alpha,
        fail_under=fail_under,
    )
