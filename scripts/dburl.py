"""Print DATABASE_URL's parts as shell assignments, read the way the app reads it.

Used by backup.sh and restore.sh:  eval "$(python scripts/dburl.py URL NAME)"
where NAME is the calling script, for the error message.
"""

import shlex
import sys

import dj_database_url

KINDS = {"django.db.backends.sqlite3": "sqlite", "django.db.backends.postgresql": "postgres"}


def main(url: str, caller: str) -> None:
    try:
        config = dj_database_url.parse(url)
    except ValueError as exc:
        message = f"{caller}: error: DATABASE_URL is not valid: {exc}"
        print(f"echo {shlex.quote(message)} >&2; exit 2")
        return
    values = {
        "DB_KIND": KINDS.get(config.get("ENGINE", ""), ""),
        "DB_NAME": config.get("NAME") or "",
        "DB_HOST": config.get("HOST") or "",
        "DB_PORT": str(config.get("PORT") or ""),
        "DB_USER": config.get("USER") or "",
        "DB_PASSWORD": config.get("PASSWORD") or "",
        "DB_SSLMODE": (config.get("OPTIONS") or {}).get("sslmode", ""),
    }
    for name, value in values.items():
        print(f"{name}={shlex.quote(str(value))}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
