"""The production settings pass Django's deployment checks with no warning.

(That production refuses to start without a SECRET_KEY is tests/platform/test_env.py's.)
"""

import os
import secrets
import subprocess
import sys

from django.conf import settings


def test_check_deploy_passes_with_production_settings():
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "riskassess.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(48),  # 64 random characters
        "ALLOWED_HOSTS": "example.org",
    }
    assert len(environ["SECRET_KEY"]) == 64
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
