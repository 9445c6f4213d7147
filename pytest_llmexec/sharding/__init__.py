"""Splitting one run across machines (``--llm-shard=K/N``) and merging it back.

`spec` says which tests a shard owns (no pytest here), `run` describes a run so
that shards of one run can be told from shards of another, `hooks` applies a
shard to a pytest session, and `merge` joins the shards' reports.
"""
