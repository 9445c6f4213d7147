"""Set-up shared by the test modules: what is expensive is made once per session.

Each compiled language has a *prepared* directory per toolchain (C++'s
precompiled ``bits/stdc++.h``, about 100 MB and several seconds of ``g++``;
Java's and Rust's support code). ``native_cache`` gives a test module a cache
directory of its own that already holds those directories, hard-linked from
one made once for the session, so that each module still builds its own
programs (nothing is served from another module's artifacts) but no module
makes the precompiled header again.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from pytest_llmexec.execution.native import prepared
from pytest_llmexec.languages import LanguageError
from pytest_llmexec.languages import get as get_language


class PreparedToolchains:
    """Each language's prepared directory, made at most once per session, on first need."""

    def __init__(self, root: Path) -> None:
        self.root = root  # <session dir>/native, as NativeExecutor lays out a cache
        root.mkdir(parents=True, exist_ok=True)
        self._made: dict[str, Path | None] = {}
        self._lock = threading.Lock()

    def directory(self, name: str) -> Path | None:
        """``name``'s prepared directory, or None where its toolchain is missing."""
        with self._lock:
            if name not in self._made:
                made: Path | None = None
                with contextlib.suppress(LanguageError):
                    made = prepared(get_language(name), self.root)
                self._made[name] = made
            return self._made[name]

    def seed(self, cache_dir: Path, languages: Iterable[str]) -> Path:
        """Put the prepared directories of ``languages`` into ``cache_dir`` (hard links)."""
        target = cache_dir / "native"
        target.mkdir(parents=True, exist_ok=True)
        for name in languages:
            source = self.directory(name)
            if source is None or (target / source.name).exists():
                continue
            try:
                shutil.copytree(source, target / source.name, copy_function=os.link)
            except OSError:  # another file system: a copy still saves the compiler's time
                shutil.rmtree(target / source.name, ignore_errors=True)
                shutil.copytree(source, target / source.name)
        return cache_dir


@pytest.fixture(scope="session")
def prepared_toolchains(tmp_path_factory: pytest.TempPathFactory) -> PreparedToolchains:
    return PreparedToolchains(tmp_path_factory.mktemp("prepared-toolchains") / "native")


@pytest.fixture(scope="session")
def seeded_cache(
    tmp_path_factory: pytest.TempPathFactory, prepared_toolchains: PreparedToolchains
) -> Callable[..., Path]:
    """``seeded_cache("cpp", "java")``: a new cache directory holding those prepared dirs."""

    def make(*languages: str, name: str = "llmexec-cache") -> Path:
        return prepared_toolchains.seed(tmp_path_factory.mktemp(name), languages)

    return make


#: fixtures that compile or run a toolchain: a test that uses one is ``slow``
TOOLCHAIN_FIXTURES = frozenset({"seeded_cache", "prepared_toolchains"})


#: modules whose few tests run long (a cluster, the real model, a wheel build, many pytester
#: runs each), longest first: handed to the xdist workers before all others, so that neither
#: worker is left alone with one of them at the end (see docs/development.md)
LONG_MODULES = (
    "test_llamacpp_real.py",
    "test_slurm.py",
    "test_endpoints_real.py",
    "test_wheel.py",
    "test_merge_cli.py",
    "test_gate_plugin.py",
    "test_batch_plugin.py",
    "test_shard.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``slow`` every test that reaches a compiler through the shared fixtures, so that
    ``pytest -m "not slow"`` leaves it out wherever it is (modules that need a toolchain, a
    browser or the real model are marked as a whole). Then order the modules for
    ``--dist loadfile --no-loadscope-reorder``: the long ones first, the rest by their
    number of tests, most first (xdist's own order), each module's tests as collected."""
    for item in items:
        if TOOLCHAIN_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    counts: dict[str, int] = {}
    for item in items:
        counts[item.path.name] = counts.get(item.path.name, 0) + 1

    def rank(item: pytest.Item) -> tuple[int, int]:
        name = item.path.name
        if name in LONG_MODULES:
            return (LONG_MODULES.index(name), 0)
        return (len(LONG_MODULES), -counts[name])

    items.sort(key=rank)  # stable: a module's tests keep their order
