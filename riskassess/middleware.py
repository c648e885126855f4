"""Project-wide response headers that the views need not repeat."""

from django.core.exceptions import BadRequest
from django.utils.cache import patch_cache_control


class PrivateNoStoreMiddleware:
    """Every page this app renders is private and not to be stored.

    Nearly every page shows a team's data (dashboard, questionnaire, results,
    history, team pages), and a shared or browser cache that keeps one can hand
    it to the next user of the machine or the proxy. Static files never get
    here (WhiteNoise answers them first), so only app pages are affected; a
    view that sets its own Cache-Control keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


class RejectNulMiddleware:
    """A NUL byte in a URL's path or query is a bad request, refused before any view.

    No URL of this app can contain one, and PostgreSQL refuses a string with a
    NUL in it with an error: any parameter that reaches a query unchecked (an
    admin list filter, say) would be a 500. Converters and forms check what
    our own views read (riskassess/converters.py); this covers the rest.
    Bodies are left to the forms, which name the field at fault.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            raise BadRequest("A NUL byte in the URL.")
        return self.get_response(request)
