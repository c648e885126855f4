#!/usr/bin/env bash
# Run riskassess as in production: gunicorn (sync workers) + WhiteNoise, DEBUG off,
# and the task workers that render PDFs.
# Every setting comes from the environment (README, "Configuration"). For a
# first try on this machine, missing values get local defaults, said out loud.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

export DEBUG=0
if [ -z "${SECRET_KEY:-}" ]; then
  # Kept in var/ (git-ignored) so sessions survive restarts.
  [ -s var/secret_key ] || (umask 077; "$PY" -c 'import secrets; print(secrets.token_urlsafe(64))' > var/secret_key)
  SECRET_KEY="$(cat var/secret_key)"
  export SECRET_KEY
  echo "serve: SECRET_KEY not set; using the key kept in var/secret_key" >&2
fi
if [ -z "${ALLOWED_HOSTS:-}" ]; then
  export ALLOWED_HOSTS=127.0.0.1,localhost
  echo "serve: ALLOWED_HOSTS not set; serving 127.0.0.1 and localhost only" >&2
fi
if [ -z "${SECURE_SSL_REDIRECT:-}" ]; then
  export SECURE_SSL_REDIRECT=0
  echo "serve: SECURE_SSL_REDIRECT not set; not redirecting to HTTPS (terminate TLS in front of this server)" >&2
fi

BIND="${BIND:-127.0.0.1:8000}"
WORKERS="${WEB_CONCURRENCY:-2}"
case "$WORKERS" in (*[!0-9]*|'') echo "serve: WEB_CONCURRENCY=$WORKERS is not a whole number" >&2; exit 2;; esac
TIMEOUT="${GUNICORN_TIMEOUT:-60}"
# Task workers (manage.py db_worker) beside the web server, for the database task
# queue (TASK_BACKEND, default "database" here): PDFs are rendered there. 0 runs
# none here, when workers run on other machines (README, "Running on several servers").
TASK_WORKERS="${TASK_WORKERS:-1}"
case "$TASK_WORKERS" in (*[!0-9]*|'') echo "serve: TASK_WORKERS=$TASK_WORKERS is not a whole number" >&2; exit 2;; esac

"$PY" manage.py migrate --noinput
"$PY" manage.py load_checklist --if-missing
"$PY" manage.py collectstatic --noinput -v0

pids=()
if [ "${TASK_BACKEND:-database}" = database ] && [ "$TASK_WORKERS" -gt 0 ]; then
  for _ in $(seq 1 "$TASK_WORKERS"); do
    # At a lower priority than the web workers: a burst of PDF renders must not
    # slow every page down (docs/performance.md, "PDFs off the request path").
    nice -n "${TASK_NICE:-19}" "$PY" manage.py db_worker --no-reload --interval 1 &
    pids+=($!)
  done
  echo "serve: $TASK_WORKERS task worker(s) (manage.py db_worker)" >&2
fi
echo "serve: http://$BIND with $WORKERS sync workers" >&2
.venv/bin/gunicorn riskassess.wsgi:application \
  --bind "$BIND" --workers "$WORKERS" --worker-class sync --timeout "$TIMEOUT" \
  --access-logfile - --error-logfile - --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" &
pids+=($!)
# One command runs them all: a stop signal stops them all, and so does any of them exiting.
trap 'kill -TERM "${pids[@]}" 2>/dev/null' INT TERM
status=0
wait -n "${pids[@]}" || status=$?
kill -TERM "${pids[@]}" 2>/dev/null || true
wait || true
exit "$status"
