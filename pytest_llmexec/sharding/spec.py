"""Which tests shard K of N owns: a stable hash of the test id, the same everywhere.

The hash is SHA-256 of the node id's UTF-8 bytes, read as a big-endian number:
it does not depend on the machine, the Python version, ``PYTHONHASHSEED``, the
order of collection or the number of xdist workers, so N machines that collect
the same tests split them into N disjoint parts whose union is the run.

Shards count from 1 (``1/4`` ... ``4/4``). When no shard is given, the
environment of an array engine is read: Slurm's ``SLURM_ARRAY_TASK_ID`` with
``SLURM_ARRAY_TASK_COUNT`` (and ``SLURM_ARRAY_TASK_MIN``, so ``--array=1-4``
works as well as ``--array=0-3``), or a Kubernetes Indexed Job's
``JOB_COMPLETION_INDEX`` with the Job's completion count, which Kubernetes
does not put into the environment: the manifest sets ``JOB_COMPLETIONS``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

#: the environment variable a Kubernetes Indexed Job's manifest sets to ``.spec.completions``
K8S_COUNT = "JOB_COMPLETIONS"
OFF = ("off", "none")


class ShardError(Exception):
    """A shard that cannot be used; the message names the option or variable and the fix."""


@dataclass(frozen=True)
class Shard:
    index: int  # 1 ... count
    count: int
    source: str  # "--llm-shard", "llm_shard (ini)", "SLURM_ARRAY_TASK_ID", ...

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, nodeid: str) -> bool:
        return bucket(nodeid, self.count) == self.index - 1

    def to_json(self) -> dict[str, object]:
        return {"index": self.index, "count": self.count, "source": self.source}


def bucket(nodeid: str, count: int) -> int:
    """The 0-based shard of *nodeid* among *count*."""
    digest = hashlib.sha256(nodeid.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


def parse(text: str, source: str) -> Shard | None:
    """``K/N`` -> a shard; ``off`` -> None; anything else a `ShardError`."""
    value = text.strip()
    if value.lower() in OFF:
        return None
    index, sep, count = value.partition("/")
    if not sep or not index.strip().isdigit() or not count.strip().isdigit():
        raise ShardError(
            f"{source}={text}: expected K/N, e.g. 2/4 for the second of four shards (or 'off')"
        )
    return _checked(int(index), int(count), source, text)


def _checked(index: int, count: int, source: str, text: str) -> Shard:
    if count < 1:
        raise ShardError(f"{source}={text}: the number of shards must be at least 1")
    if not 1 <= index <= count:
        raise ShardError(f"{source}={text}: shards count from 1: give 1/{count} to {count}/{count}")
    return Shard(index, count, source)  # 1/1 too: a one-task array still merges


def _integer(environ: Mapping[str, str], name: str) -> int:
    raw = environ.get(name, "").strip()
    try:
        return int(raw)
    except ValueError:
        raise ShardError(f"{name}={raw!r}: expected a whole number") from None


def from_environment(environ: Mapping[str, str]) -> Shard | None:
    """The shard an array engine gives this process, or None outside one."""
    if "SLURM_ARRAY_TASK_ID" in environ:
        if "SLURM_ARRAY_TASK_COUNT" not in environ:
            raise ShardError(
                "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: give the shard "
                "with --llm-shard=K/N"
            )
        task = _integer(environ, "SLURM_ARRAY_TASK_ID")
        has_min = "SLURM_ARRAY_TASK_MIN" in environ
        first = _integer(environ, "SLURM_ARRAY_TASK_MIN") if has_min else 0
        count = _integer(environ, "SLURM_ARRAY_TASK_COUNT")
        text = f"{task} (SLURM_ARRAY_TASK_MIN={first}, SLURM_ARRAY_TASK_COUNT={count})"
        step = environ.get("SLURM_ARRAY_TASK_STEP", "1").strip()
        if step not in ("", "1"):
            raise ShardError(
                f"SLURM_ARRAY_TASK_STEP={step}: a sharded run needs a contiguous array "
                "(--array=0-N), or give the shard with --llm-shard=K/N"
            )
        return _checked(task - first + 1, count, "SLURM_ARRAY_TASK_ID", text)
    if "JOB_COMPLETION_INDEX" in environ:
        if K8S_COUNT not in environ:
            raise ShardError(
                f"JOB_COMPLETION_INDEX is set but {K8S_COUNT} is not: set {K8S_COUNT} to the "
                "Job's .spec.completions in its manifest (docs/sharding.md), or give the shard "
                "with --llm-shard=K/N"
            )
        index = _integer(environ, "JOB_COMPLETION_INDEX")
        count = _integer(environ, K8S_COUNT)
        return _checked(index + 1, count, "JOB_COMPLETION_INDEX", f"{index} ({K8S_COUNT}={count})")
    return None
