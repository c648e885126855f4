"""What the PDF renderer may load: ``data:`` URIs, nothing else (docs/security.md,
"The PDF renderer is a browser"). The report embeds its stylesheet and chart, so a
normal render asks for nothing at all."""

from __future__ import annotations

import logging
from urllib.request import DataHandler, Request

import weasyprint
from weasyprint.urls import URLFetcherResponse

__all__ = ["FETCHER", "MAX_DATA_URI", "DataOnlyFetcher", "RefusedURL"]

logger = logging.getLogger(__name__)

MAX_DATA_URI = 2 * 1024 * 1024


class RefusedURL(ValueError):
    """The renderer asked for a URL outside what the report may load."""


class DataOnlyFetcher(weasyprint.URLFetcher):
    """Serves ``data:`` URIs and refuses everything else: no files, no network, no redirects.

    The report embeds its stylesheet and chart, so a normal render asks for
    nothing at all; a refusal is logged because it means some markup tried to
    load a resource.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)

    def fetch(self, url, headers=None):
        if not isinstance(url, str) or url[:5].lower() != "data:":
            logger.warning("PDF renderer refused to fetch %r", str(url)[:200])
            raise RefusedURL(f"The PDF renderer only loads data: URIs, not {str(url)[:100]!r}")
        if len(url) > MAX_DATA_URI:
            raise RefusedURL("data: URI too large")
        response = DataHandler().data_open(Request(url))  # noqa: S310 (data: only, checked above)
        return URLFetcherResponse(url, response.read(), headers=dict(response.headers.items()))


FETCHER = DataOnlyFetcher()
