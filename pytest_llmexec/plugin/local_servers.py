"""The llama-servers of a run's ``llamacpp:`` models: started once, shared, always stopped.

A plain run and an xdist controller start one server per model file before
any test is collected; xdist workers receive the servers' endpoints through
``workerinput`` and start none, so every worker talks to the same server. A
collect-only or help run starts nothing. The servers are stopped when the
session ends (also after Ctrl-C); `providers.llamacpp` covers a killed pytest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..providers import ModelError
from ..providers.llamacpp import (
    Endpoint,
    LlamaServer,
    check_model_file,
    find_binary,
    is_llamacpp,
    label,
)

ENDPOINTS_KEY = "llmexec_llamacpp_endpoints"
#: where a model's endpoint points in a run that starts no server (collect-only, help)
NOT_STARTED = Endpoint("http://127.0.0.1:0/v1", 0, "(not started: no test runs)")


class LocalServers:
    """The servers this process started, and the endpoints of all of them."""

    def __init__(self) -> None:
        self.servers: dict[str, LlamaServer] = {}
        self.endpoints: dict[str, dict[str, Any]] = {}  # model spec -> Endpoint JSON

    def start(
        self, config: pytest.Config, specs: list[str], server: str | None, slots: int, logs: Path
    ) -> None:
        """Endpoints for every ``llamacpp:`` spec: started here, or a controller's (workers)."""
        specs = [spec for spec in specs if is_llamacpp(spec)]
        if not specs:
            return
        workerinput = getattr(config, "workerinput", None)
        if workerinput is not None:
            self.endpoints = dict(workerinput.get(ENDPOINTS_KEY) or {})
            return
        if config.option.collectonly or config.option.help or config.option.version:
            self.endpoints = {spec: NOT_STARTED.to_json() for spec in specs}
            return
        try:
            files = {spec: check_model_file(spec) for spec in specs}
            binary = find_binary(server)
            for spec in specs:
                managed = LlamaServer(
                    binary, files[spec], slots, logs / f"llama-server-{label(spec)}.log"
                )
                self.servers[spec] = managed
                self.endpoints[spec] = managed.start().to_json()
        except ModelError as exc:
            self.stop()
            raise pytest.UsageError(str(exc)) from None

    def header(self) -> list[str]:
        return [
            f"llmexec llama-server: {label(spec)} at {self.endpoints[spec]['url']} "
            f"slots={managed.slots} pid={self.endpoints[spec]['pid']} log={managed.log}"
            for spec, managed in self.servers.items()
        ]

    def stop(self) -> None:
        for managed in self.servers.values():
            managed.stop()
        self.servers.clear()

    # ------------------------------------------------------------------ xdist
    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        if self.endpoints:
            node.workerinput[ENDPOINTS_KEY] = self.endpoints
