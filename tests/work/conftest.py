import pytest
from django.test import Client
from django.urls import reverse

from riskassess.accounts.models import Membership, Role
from riskassess.work import services

ITEM = "INQ-01"
CATEGORY = "inequity"


@pytest.fixture
def client_for():
    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def rita(team, django_user_model):
    """The team's reviewer: reads and comments, never answers."""
    user = django_user_model.objects.create_user("rita", password="correct horse battery staple")
    Membership.objects.create(team=team, user=user, role=Role.REVIEWER)
    return user


@pytest.fixture
def assign_url(assessment):
    def url(**target) -> str:
        kind, key = next(iter(target.items()))
        return f"{reverse('assign', args=[assessment.pk])}?{kind}={key}"

    return url


@pytest.fixture
def give(assessment, alice):
    """give(assignee, **fields): alice assigns ITEM (or what fields say) to assignee."""

    def assign(assignee, **fields):
        values = {"item_key": ITEM, **fields} if "category_key" not in fields else fields
        return services.assign(assessment=assessment, assignee=assignee, user=alice, **values)

    return assign
