"""Batch APIs (OpenAI Batch, Anthropic Message Batches): submit, leave, collect.

`batcher.Batcher` drives a run in batch mode; `store` keeps the durable record
of every batch in the reply cache's SQLite file; `openai` and `anthropic` speak
each provider's batch API behind the small interface of `protocol`.
"""

from __future__ import annotations

from .batcher import Batcher, BatchFailure, BatchPending
from .protocol import BatchAPI, Outcome, Status
from .store import BatchRecord, BatchStore, Line

__all__ = [
    "BatchAPI",
    "BatchFailure",
    "BatchPending",
    "BatchRecord",
    "BatchStore",
    "Batcher",
    "Line",
    "Outcome",
    "Status",
]
