"""The session engine: Django's database sessions, refusing malformed keys before any query.

The session key comes from a cookie, which anyone can set to anything. Django's
database backend looks the key up as it is, and PostgreSQL refuses a string
with a NUL byte with an error that reaches the user as a 500, on every page,
before login (issue 10). A key we issued is 32 characters from
VALID_KEY_CHARS; any other cookie value is treated as no session at all, so
the visitor is simply logged out, never shown an error.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS

_KEY_CHARS = frozenset(VALID_KEY_CHARS)
# The database column's length; Django issues 32 characters.
_KEY_MAX = 40


class SessionStore(db.SessionStore):
    def _validate_session_key(self, key) -> bool:
        return isinstance(key, str) and 8 <= len(key) <= _KEY_MAX and _KEY_CHARS.issuperset(key)
