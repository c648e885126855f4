"""Fail early, in words, when a system library WeasyPrint needs is missing.

Run by `make run` and `make test` before anything else, so a newcomer sees the
package to install instead of a ctypes traceback from deep inside WeasyPrint.
"""

import sys


def main() -> int:
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:
        print(
            "WeasyPrint cannot load a system library it needs (Pango).\n"
            "On Debian/Ubuntu install it with:\n"
            "    sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0\n"
            f"(the error was: {exc})",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
