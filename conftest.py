"""Shared set-up for the project's own tests (they drive the plugin through pytester)."""

pytest_plugins = ["pytester"]
