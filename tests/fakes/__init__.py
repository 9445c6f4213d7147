"""Loopback fakes of the OpenAI and Anthropic HTTP APIs, for tests and the benchmark script."""

from .servers import AnthropicFake, FakeServer, Fault, OpenAIFake, solve

__all__ = ["AnthropicFake", "FakeServer", "Fault", "OpenAIFake", "solve"]
