import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


@pytest.fixture
def repo() -> Path:
    return REPO


def auditor_cmd() -> list[str]:
    return [sys.executable, "-m", "auditor"]
