"""Shared fixtures for the curation tests: a small good project, and the same with one bad file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "curation"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "good", tmp_path, dirs_exist_ok=True)
    return tmp_path


@pytest.fixture
def bad(project: Path) -> Path:
    shutil.copy(FIXTURES / "bad" / "drugs.ttl", project / "data" / "drugs.ttl")
    return project
