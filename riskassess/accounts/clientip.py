"""The client's address, as the login throttle counts it.

Behind a TLS-terminating proxy every request comes from the proxy's address,
so counting failed logins by REMOTE_ADDR alone locks every user out after five
failures by anyone (issue 10). X-Forwarded-For can say who the client was, but
any client can send that header: it is believed only as far as the operator
says proxies are in front (settings.TRUSTED_PROXY_COUNT). Each trusted proxy
appends the address it received the request from, so with N proxies the
client is the N-th address from the right; whatever stands further left was
written by the client and is ignored.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    forwarded = [
        part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < proxies:
        # Fewer hops than proxies configured: the request did not come through
        # them all (or the setting is wrong); the peer is all we know for sure.
        return remote
    return _address(forwarded[-proxies]) or remote
