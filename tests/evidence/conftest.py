import pytest
from django.test import Client

from riskassess.checklist.models import Item

ITEM = "INQ-01"


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    """Evidence files go to a directory of the test's own, never under var/."""
    root = tmp_path / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root},
        },
    }
    return root


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def category_key(assessment) -> str:
    return Item.objects.get(checklist=assessment.checklist, key=ITEM).category.key
