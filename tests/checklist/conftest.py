"""Checklist versions in each status, beside tests/conftest.py's published `checklist`."""

import dataclasses

import pytest

from riskassess.checklist.models import Checklist, Status
from riskassess.checklist.services import load_checklist


@pytest.fixture
def draft(db, default_spec) -> Checklist:
    """The default checklist's content as a draft v2: the only kind of version the admin edits.

    Version 2, so that it can stand beside `checklist` (v1, published).
    """
    return load_checklist(dataclasses.replace(default_spec, version=2), status=Status.DRAFT)[0]


@pytest.fixture
def retired(db, default_spec) -> Checklist:
    """The default checklist's v1, retired; v2 is published and current."""
    v1 = load_checklist(default_spec, status=Status.RETIRED)[0]
    load_checklist(dataclasses.replace(default_spec, version=2))
    return v1
