"""Registries of the named parts of a run: strategies, tasks and providers.

Each is filled once: the built-ins when their package is imported, then the
outside packages' entry points of its group (``pytest_llmexec.strategies``,
``pytest_llmexec.tasks``, ``pytest_llmexec.providers``) the first time a name
is looked up. Markers, option help, report order and every "choose from" list
are read from here, so a part that is registered is known everywhere, and one
that is not is known nowhere.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib.metadata import entry_points
from typing import Generic, TypeVar

T = TypeVar("T")

GROUP_PREFIX = "pytest_llmexec."


class RegistryError(Exception):
    """An outside package's entry point that cannot be used; the message names it."""


class Registry(Mapping[str, T], Generic[T]):
    """Names to parts, in registration order: the built-ins, then the entry points."""

    def __init__(self, kind: str, group: str) -> None:
        self.kind = kind  # "strategy", shown in errors
        self.group = GROUP_PREFIX + group  # the entry-point group
        self._items: dict[str, T] = {}
        self._loaded = False

    def register(self, name: str, item: T) -> T:
        if name in self._items:
            raise RegistryError(f"the {self.kind} {name!r} is registered twice")
        self._items[name] = item
        return item

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for point in sorted(entry_points(group=self.group), key=lambda p: p.name):
            where = f"entry point {point.name} = {point.value} (group {self.group})"
            try:
                item = point.load()
            except Exception as exc:  # an outside package's import error, shown as such
                raise RegistryError(f"{where}: cannot be loaded: {exc}") from None
            name = getattr(item, "name", None)
            if not isinstance(name, str) or name != point.name:
                raise RegistryError(
                    f"{where}: its {self.kind} must be named as its entry point "
                    f"(name = {point.name!r}, not {name!r})"
                )
            if name in self._items:
                raise RegistryError(f"{where}: the {self.kind} {name!r} is already registered")
            self._items[name] = item

    def builtins(self) -> list[tuple[str, T]]:
        """What is registered so far, without loading the entry points (at import time)."""
        return list(self._items.items())

    def __getitem__(self, name: str) -> T:
        self._load()
        return self._items[name]

    def __iter__(self) -> Iterator[str]:
        self._load()
        return iter(list(self._items))

    def __len__(self) -> int:
        self._load()
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._items
