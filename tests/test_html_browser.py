"""The HTML report in a real browser: headless Chromium driven over the DevTools protocol.

Chromium is started with ``--remote-debugging-pipe`` (DevTools messages as
NUL-terminated JSON on file descriptors 3 and 4), so no port, no websocket and
no third-party client are needed. Skipped, saying why, where Chromium is absent.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_html import lang_record, make_page

from pytest_llmexec.report import html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.slow,  # needs Chromium
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="headless Chromium is not installed (Debian: apt-get install -y chromium); "
        "the browser checks of the HTML report are skipped",
    ),
]
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)
# Puts the two pipe ends on the descriptors 3 and 4 Chromium expects, then becomes Chromium.
TRAMPOLINE = (
    "import fcntl, os, sys\n"
    "ends = [fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3]]\n"
    "os.dup2(ends[0], 3)\n"
    "os.dup2(ends[1], 4)\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n"
)
GUARD = 120.0  # seconds before a silent browser is given up on (a hang guard, not a check)


class Browser:
    """A minimal DevTools client: one page, its events, and commands that wait for replies."""

    def __init__(self, profile: Path) -> None:
        assert CHROMIUM is not None
        to_chrome, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome = os.pipe()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                TRAMPOLINE,
                str(to_chrome),
                str(from_chrome),
                CHROMIUM,
                *FLAGS,
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            pass_fds=(to_chrome, from_chrome),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome)
        os.close(from_chrome)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.send(f"{domain}.enable", session=self.session)

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        number = self._next_id
        reply = self.wait(lambda m: m.get("id") == number)
        assert "error" not in reply, f"{method}: {reply['error']}"
        result: dict[str, Any] = reply["result"]
        return result

    def wait(self, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        deadline = time.monotonic() + GUARD
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message: dict[str, Any] = json.loads(raw)
                if "method" in message:
                    self.events.append(message)
                if wanted(message):
                    return message
            ready, _, _ = select.select(
                [self._from_chrome], [], [], max(0.0, deadline - time.monotonic())
            )
            if not ready:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise EOFError("Chromium closed the DevTools pipe")
            self._buffer += chunk

    def open(self, url: str, width: int = 1280, height: int = 2000) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=self.session,
        )
        self.send("Page.navigate", {"url": url}, session=self.session)
        self.wait(lambda m: m.get("method") == "Page.loadEventFired")

    def js(self, expression: str) -> Any:
        reply = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True},
            session=self.session,
        )
        assert "exceptionDetails" not in reply, reply["exceptionDetails"]
        return reply["result"].get("value")

    def problems(self) -> list[str]:
        """Console output, uncaught exceptions and log errors (CSP violations are these)."""
        out = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled":
                out.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Runtime.exceptionThrown":
                out.append(f"uncaught: {params['exceptionDetails']}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                out.append(f"log {params['entry']['level']}: {params['entry']['text']}")
        return out

    def requests(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e["method"] == "Network.requestWillBeSent"
        ]

    def close(self) -> None:
        try:
            self.send("Browser.close")
            self.process.wait(timeout=30)
        except (OSError, EOFError, TimeoutError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        finally:
            os.close(self._to_chrome)
            os.close(self._from_chrome)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    session = Browser(tmp_path / "chromium-profile")  # a fresh profile every time
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def page_url(pytester: pytest.Pytester) -> str:
    result, path = make_page(pytester, "-p", "no:xdist")
    result.assert_outcomes(passed=9, failed=3)
    return path.resolve().as_uri()


def test_page_loads_cleanly_offline_and_charts_have_content(
    browser: Browser, page_url: str
) -> None:
    browser.open(page_url)
    assert browser.problems() == []
    assert browser.requests() == [page_url]  # the page fetches nothing
    charts = browser.js(
        "[...document.querySelectorAll('svg.chart')].map(s => [s.getAttribute('aria-label'),"
        " s.querySelectorAll('rect, circle').length, s.getBoundingClientRect().width,"
        " s.getBoundingClientRect().height])"
    )
    assert [c[0] for c in charts] == [
        "verdicts per model/strategy",
        "accuracy by category",
        "accuracy by code length",
        "accuracy by complexity",
        "accuracy by difficulty",
    ]
    for label, marks, width, height in charts:
        assert marks > 0 and width > 300 and height > 50, label
    # the script ran (the filters show) and the hostile data stayed text
    assert browser.js("document.querySelector('.filters').hidden") is False
    assert browser.js("document.getElementById('case-count').textContent") == (
        "12 of 12 tests shown"
    )
    assert browser.js("document.scripts.length") == 2
    assert browser.js("document.querySelectorAll('[onmouseover], img').length") == 0
    assert browser.js("document.title") == "pytest-llmexec report: oracle, replay"


def test_filters_pick_cases(browser: Browser, page_url: str) -> None:
    browser.open(page_url)
    choose = (
        "(function (key, value) {"
        " var control = document.querySelector('[data-filter=' + key + ']');"
        " control.value = value; control.dispatchEvent(new Event('input'));"
        " return [document.getElementById('case-count').textContent,"
        "  [...document.querySelectorAll('.case')].filter(c => !c.hidden)"
        "   .map(c => c.querySelector('.nodeid').textContent)]; })"
    )
    count, shown = browser.js(f"{choose}('model', 'replay')")
    assert count == "6 of 12 tests shown" and all("[replay-" in s for s in shown)
    count, shown = browser.js(f"{choose}('verdict', 'wrong')")
    assert count == "1 of 12 tests shown" and shown == ["hostile.yaml::tagged[replay-vp-i0]"]
    browser.js(f"{choose}('verdict', '')")
    count, shown = browser.js(f"{choose}('text', 'FIB')")
    assert count == "2 of 12 tests shown"
    assert shown == ["hostile.yaml::fib[replay-vp-i0]", "hostile.yaml::fib[replay-vp-i1]"]
    opened = browser.js(
        "document.querySelector('[data-action=open]').click();"
        "[...document.querySelectorAll('.case')].filter(c => c.open).length"
    )
    assert opened == 2  # only the cases shown
    assert browser.problems() == []


def test_language_section_and_filter(browser: Browser, tmp_path: Path) -> None:
    cases = [lang_record("a", i, "python") for i in range(3)]
    cases += [lang_record("a", i, "cpp", i == 0) for i in range(3)]
    path = tmp_path / "languages.html"
    html.write(path, {"run": {"models": ["m"]}, "cases": cases})
    browser.open(path.resolve().as_uri())
    labels = browser.js(
        "[...document.querySelectorAll('svg.chart')].map(s => s.getAttribute('aria-label'))"
    )
    assert "accuracy by language" in labels
    assert "accuracy by language on the same problems" in labels
    shown = browser.js(
        "var control = document.querySelector('[data-filter=language]');"
        " control.value = 'cpp'; control.dispatchEvent(new Event('input'));"
        " [...document.querySelectorAll('.case')].filter(c => !c.hidden)"
        "  .map(c => c.querySelector('.nodeid').textContent)"
    )
    assert shown == [f"b.yaml::a[m-vp-cpp-i{i}]" for i in range(3)]
    assert browser.js("document.getElementById('case-count').textContent") == "3 of 6 tests shown"
    assert browser.problems() == []


def test_screenshot(browser: Browser, page_url: str, tmp_path: Path) -> None:
    browser.open(page_url)
    shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=browser.session)
    png = base64.b64decode(shot["data"])
    path = tmp_path / "report.png"
    path.write_bytes(png)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1280, 2000)
    assert len(png) > 50_000, "a near-empty screenshot"
    print(f"screenshot saved to {path}")
