"""The client address the login throttle counts: X-Forwarded-For only as far as it is trusted."""

import pytest
from django.test import RequestFactory

from riskassess.accounts.clientip import client_ip


def request(remote="10.9.9.9", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/login/", **extra)


def test_it_ignores_the_header_when_no_proxy_is_trusted(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(forwarded="203.0.113.7")) == "10.9.9.9"


@pytest.mark.parametrize(
    "proxies, forwarded, expected",
    [
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # the client wrote 1.2.3.4 itself
        (2, "1.2.3.4, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_it_takes_the_address_the_nearest_trusted_proxy_saw(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request(forwarded=forwarded)) == expected


@pytest.mark.parametrize("forwarded", [None, "", "203.0.113.7", "not-an-address, 10.0.0.2"])
def test_it_falls_back_to_the_peer_when_the_chain_is_short_or_garbled(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request(forwarded=forwarded)) == "10.9.9.9"
