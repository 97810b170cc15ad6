import json
import os

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SHARED = os.path.join(ROOT, "..", "shared", "reference", "returns_cases.json")


@pytest.fixture(scope="session")
def reference():
    if not os.path.exists(SHARED):
        pytest.fail(f"reference cases not found at {SHARED}: shared/ must sit beside the checkout")
    with open(SHARED) as f:
        return json.load(f)


@pytest.fixture(scope="session")
def peer_cases():
    with open(os.path.join(ROOT, "crates", "core", "tests", "data", "peer_cases.json")) as f:
        return json.load(f)
