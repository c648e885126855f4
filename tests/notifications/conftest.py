import pytest
from django.test import Client

from riskassess.notifications.models import Kind
from riskassess.notifications.services import notify


@pytest.fixture
def client_for():
    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def with_emails(alice, bob, vera):
    """alice, bob and vera with e-mail addresses (the cast has none)."""
    for user in (alice, bob, vera):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])


@pytest.fixture
def tell(assessment, alice):
    """tell(users, **overrides): alice assigns each of them something in the assessment."""

    def send(recipients, **overrides):
        values = {
            "kind": Kind.ASSIGNED,
            "assessment": assessment,
            "actor": alice,
            "url": f"/a/{assessment.pk}/q/inequity/#item-INQ-01",
            **overrides,
        }
        return notify(recipients, **values)

    return send
