"""``python -m pytest_llmexec.cache``: the reply cache's command line, kept at its documented name.

The cache itself lives in `pytest_llmexec.providers.cache`; this module only runs its `main`.
"""

from __future__ import annotations

from .providers.cache import main

if __name__ == "__main__":
    raise SystemExit(main())
