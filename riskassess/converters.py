"""Path converters: a URL's parts are checked by shape before any view or query sees them.

A `<str:…>` parameter accepts anything but a slash, a NUL byte included, and
PostgreSQL refuses a string with a NUL in it with an error (a 500). A key
converter accepts only what a checklist key can be (checklist.models.KEY_VALIDATOR,
at most 50 characters), so anything else is "not found" before a query runs.
"""

from django.urls import register_converter

KEY_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,49}"


class KeyConverter:
    regex = KEY_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(KeyConverter, "key")
