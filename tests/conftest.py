"""Shared fixtures: the public vectors and small helpers to build frames by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def load_vectors() -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / "wmbus-water.jsonl").read_text().splitlines() if line.strip()]


@pytest.fixture(scope="session")
def vectors() -> list[dict]:
    return load_vectors()
