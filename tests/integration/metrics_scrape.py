"""Reading a role's /metrics (Prometheus text exposition 0.0.4) and /health over loopback HTTP."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from typing import Optional

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def http_get(url: str, timeout: float = 10.0) -> tuple[int, str, str]:
    """(status, content type, body); a 503 is an answer, not an exception."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


def parse_exposition(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample as {(name, frozenset of (label, value)): value}; comments are skipped."""
    samples: dict[tuple[str, frozenset], float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        assert match, f"not a Prometheus sample line: {line!r}"
        name, labels, value = match.groups()
        samples[(name, frozenset(_LABEL.findall(labels or "")))] = float(value)
    return samples


def scrape(port: int) -> dict[tuple[str, frozenset], float]:
    status, content_type, body = http_get(f"http://127.0.0.1:{port}/metrics")
    assert status == 200, f"/metrics answered {status}: {body[:500]}"
    assert content_type.startswith("text/plain; version=0.0.4"), content_type
    return parse_exposition(body)


def sample(samples: dict, name: str, **labels: str) -> Optional[float]:
    return samples.get((name, frozenset(labels.items())))


def health(port: int) -> tuple[int, dict]:
    status, _, body = http_get(f"http://127.0.0.1:{port}/health")
    return status, json.loads(body)


def wait_for_sample(port: int, name: str, expected: float, timeout: float = 30.0, **labels: str) -> dict:
    """Scrapes until `name{labels}` equals `expected`; returns the last scrape either way for the assert."""
    deadline = time.monotonic() + timeout
    while True:
        samples = scrape(port)
        if sample(samples, name, **labels) == expected or time.monotonic() > deadline:
            return samples
        time.sleep(0.2)
