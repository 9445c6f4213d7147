"""What a run is, so that shards of one run can be told from shards of another.

The *fingerprint* is a hash of everything in a report's ``run`` section that
shapes results: the plugin's and Python's versions, the models, strategies,
tasks, samples, seed, generated inputs, timeouts, template hashes, languages,
the sampling parameters and the selection (paths given, ``-k``, ``-m`` ...).
What may differ between the machines of one run is left out: concurrency,
base URLs, cache folders, budgets, report paths and the shard itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from ..gate.baseline import relative_path

#: run keys that do not shape results (they may differ between the machines of one run)
VOLATILE = frozenset(
    {
        "concurrency",
        "base_url",
        "base_urls",
        "templates",
        "shard",
        "fingerprint",
        "endpoints",
        "merged_from",
    }
)
VOLATILE_PROVIDER = frozenset(
    {"cache", "cache_dir", "budget", "prices", "request_timeout", "retries"}
)


def fingerprint(run: Mapping[str, Any]) -> str:
    """A short hash of the result-shaping part of a report's ``run`` section."""
    shaping = {k: v for k, v in run.items() if k not in VOLATILE}
    providers = shaping.get("providers")
    if isinstance(providers, Mapping):
        shaping["providers"] = {k: v for k, v in providers.items() if k not in VOLATILE_PROVIDER}
    blob = json.dumps(shaping, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def run_paths(config: pytest.Config) -> tuple[str, ...]:
    """The paths the run was given, relative to the rootdir (the same on every machine)."""
    root = Path(config.invocation_params.dir)
    rootdir = Path(config.rootpath)
    return tuple(
        sorted({relative_path(root / arg.split("::", 1)[0], rootdir) for arg in config.args})
    )


def explicit_filters(config: pytest.Config) -> list[str]:
    """The options that narrow a run to part of what its paths collect (not a shard)."""
    option = config.option
    filters = []
    if getattr(option, "keyword", ""):
        filters.append(f"-k {option.keyword}")
    if getattr(option, "markexpr", ""):
        filters.append(f"-m {option.markexpr}")
    for name, flag in (
        ("lf", "--lf"),
        ("deselect", "--deselect"),
        ("ignore", "--ignore"),
        ("ignore_glob", "--ignore-glob"),
        ("stepwise", "--sw"),
    ):
        if getattr(option, name, None):
            filters.append(flag)
    if any("::" in arg for arg in config.args):
        filters.append("node ids")
    return filters


def selection(config: pytest.Config, labels: list[str]) -> dict[str, Any]:
    """The report's ``run.selection``: what the gate needs to pair a baseline with the run."""
    option = config.option
    return {
        "paths": list(run_paths(config)),
        "labels": labels,
        "filters": explicit_filters(config),
        "keyword": getattr(option, "keyword", "") or "",
        "markexpr": getattr(option, "markexpr", "") or "",
        "node_ids": sorted(arg for arg in config.args if "::" in arg),
    }
