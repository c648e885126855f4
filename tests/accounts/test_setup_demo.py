from io import StringIO

import pytest
from django.core.management import call_command

from riskassess.accounts.models import Membership, User

pytestmark = pytest.mark.django_db


def test_it_creates_a_demo_owner_and_prints_a_working_password(client):
    out = StringIO()
    call_command("setup_demo", stdout=out)
    password = out.getvalue().split("password: ")[1].split()[0]
    response = client.post("/login/", {"username": "demo", "password": password})
    assert response.status_code == 302 and response.url == "/"
    assert Membership.objects.get(user__username="demo").role == "owner"


def test_running_it_again_keeps_the_account_and_its_password():
    call_command("setup_demo", stdout=StringIO())
    before = User.objects.get(username="demo").password
    out = StringIO()
    call_command("setup_demo", stdout=out)
    assert "password: " not in out.getvalue()
    assert User.objects.get(username="demo").password == before


def test_it_says_how_to_get_an_administrator_login():
    out = StringIO()
    call_command("setup_demo", stdout=out)
    assert "manage.py createsuperuser" in out.getvalue()
    User.objects.create_superuser("root", password="correct horse battery staple")
    out = StringIO()
    call_command("setup_demo", stdout=out)
    assert "an administrator account exists" in out.getvalue()
