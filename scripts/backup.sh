#!/usr/bin/env bash
# Back up riskassess: the database named by DATABASE_URL (the app's default when
# unset: the SQLite file var/riskassess.sqlite3) and the evidence files in
# EVIDENCE_ROOT (read as the app reads it: the environment variable, or
# var/evidence; a relative path is taken from the repository root, where the
# server runs). Safe while the server runs.
#
#   scripts/backup.sh [OUT]
#
# Two files, side by side:
#   OUT                 the database, exactly as before (a ready-to-use SQLite file,
#                       or a pg_dump archive);
#   OUT.evidence.tar    the evidence files: files/<name as stored> for every file
#                       in EVIDENCE_ROOT, and SHA256SUMS listing each one's SHA-256
#                       (`tar -xf OUT.evidence.tar && sha256sum -c SHA256SUMS`).
# Keep and copy them together; scripts/restore.sh OUT restores both.
#
# SQLite: an online copy with SQLite's backup API (a consistent snapshot even
# while the server writes), checked with PRAGMA integrity_check.
#   Default OUT: $BACKUP_DIR/riskassess-<UTC timestamp>.sqlite3
# PostgreSQL: pg_dump --format=custom (one consistent snapshot), checked with
# pg_restore --list.
#   Default OUT: $BACKUP_DIR/riskassess-<UTC timestamp>.dump
# BACKUP_DIR defaults to var/backups. The database backup is the whole database:
# every table, including the audit history, users and sessions. The database is
# copied first, then the evidence files, each checked against the SHA-256 the
# copied database recorded for it: a file uploaded meanwhile is archived too
# (harmless: nothing names it), and one removed meanwhile is reported. Evidence
# the copied database names but that is not in EVIDENCE_ROOT is reported; if it
# names files and none of them is there, EVIDENCE_ROOT is likely not the
# server's and the backup fails (EVIDENCE_MISSING_OK=1 archives what there is
# anyway: restore.sh's safety backup does, to save a database whose files are
# lost). Both files are written to temporary files first and renamed
# when complete, the evidence archive first: OUT is never half-written, and once
# OUT exists its evidence archive does too. An existing OUT (or OUT.evidence.tar)
# is never overwritten. A deployment whose settings keep evidence in another
# storage backend (STORAGES["evidence"]) backs that up by its own means: this
# script archives the directory EVIDENCE_ROOT. Restore with scripts/restore.sh
# (docs/operations.md).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

die() { echo "backup: error: $*" >&2; exit 1; }
[ $# -le 1 ] || die "usage: scripts/backup.sh [OUT]"
[ -x "$PY" ] || die "$PY not found: run 'make run' or 'make test' once to set up .venv"

URL="${DATABASE_URL:-sqlite:///$PWD/var/riskassess.sqlite3}"
# The URL is read the way the app reads it (dj-database-url), then handed to the shell.
eval "$("$PY" scripts/dburl.py "$URL" backup)"
[ -n "$DB_KIND" ] || die "DATABASE_URL must start with sqlite:/// or postgres://"
# EVIDENCE_ROOT as settings.py reads it (riskassess.env: blank is unset).
EVIDENCE_DIR="$("$PY" -c 'import pathlib
from riskassess.env import env_str
print(pathlib.Path(env_str("EVIDENCE_ROOT") or "var/evidence").resolve())')" \
  || die "cannot read EVIDENCE_ROOT"
case "${STORAGE_URL:-}" in
  s3://*) echo "backup: warning: STORAGE_URL keeps the evidence files in the bucket, not in $EVIDENCE_DIR;" \
    "back the bucket up with the provider's tools (README, Running on several servers)" >&2 ;;
esac

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
BACKUP_DIR="${BACKUP_DIR:-var/backups}"
if [ "$DB_KIND" = sqlite ]; then EXT=sqlite3; else EXT=dump; fi
OUT="${1:-$BACKUP_DIR/riskassess-$STAMP.$EXT}"
EVIDENCE_OUT="$OUT.evidence.tar"
[ -e "$OUT" ] && die "$OUT already exists; not overwriting it"
[ -e "$EVIDENCE_OUT" ] && die "$EVIDENCE_OUT already exists; not overwriting it"
mkdir -p "$(dirname "$OUT")" || die "cannot create the directory of $OUT"
# Backups hold password hashes, session keys and the teams' evidence: owner only.
umask 077
TMP="$(dirname "$OUT")/.$(basename "$OUT").partial.$$"
EVIDENCE_TMP="$(dirname "$OUT")/.$(basename "$EVIDENCE_OUT").partial.$$"
trap 'rm -f "$TMP" "$EVIDENCE_TMP"' EXIT

if [ "$DB_KIND" = sqlite ]; then
  [ -f "$DB_NAME" ] || die "no SQLite database at $DB_NAME"
  "$PY" - "$DB_NAME" "$TMP" <<'EOF' || die "the SQLite backup failed; nothing was written"
import pathlib
import sqlite3
import sys

source, target = sys.argv[1], sys.argv[2]
# Read-only: a backup never changes (or creates) the database it copies.
src = sqlite3.connect(pathlib.Path(source).resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
dst = sqlite3.connect(target)
try:
    # One step (pages=-1) under a read lock: a consistent snapshot; writers wait briefly.
    src.backup(dst, pages=-1)
    result = dst.execute("PRAGMA integrity_check").fetchall()
    if result != [("ok",)]:
        sys.exit(f"backup: error: the copy fails PRAGMA integrity_check: {result[:5]}")
    tables = dst.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    if not dst.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
    ).fetchone():
        sys.exit(f"backup: error: {source} is not a riskassess database (no django_migrations)")
    print(f"backup: copied {tables} tables; integrity_check ok")
except sqlite3.Error as exc:
    sys.exit(f"backup: error: {exc}")
finally:
    dst.close()
    src.close()
EOF
  SOURCE="SQLite $DB_NAME"
else
  command -v pg_dump >/dev/null || die "pg_dump is not installed (Debian: apt-get install postgresql-client)"
  export PGHOST="$DB_HOST" PGPORT="$DB_PORT" PGUSER="$DB_USER" PGDATABASE="$DB_NAME"
  if [ -n "$DB_PASSWORD" ]; then export PGPASSWORD="$DB_PASSWORD"; fi
  if [ -n "$DB_SSLMODE" ]; then export PGSSLMODE="$DB_SSLMODE"; fi
  pg_dump --format=custom --no-password --file="$TMP" \
    || die "pg_dump of database $DB_NAME on ${DB_HOST:-local socket}:${DB_PORT:-5432} failed; nothing was written"
  ENTRIES="$(pg_restore --list "$TMP" | grep -c 'TABLE DATA' || true)"
  [ "${ENTRIES:-0}" -gt 0 ] || die "the dump has no table data: is $DB_NAME a riskassess database?"
  echo "backup: dumped $ENTRIES tables with their data (pg_dump --format=custom)"
  SOURCE="PostgreSQL database $DB_NAME on ${DB_HOST:-local socket}:${DB_PORT:-5432}"
fi

# The evidence files, after the database: every file the copy names existed when it
# was taken, and is still there unless it was removed since.
"$PY" - "$EVIDENCE_DIR" "$EVIDENCE_TMP" "$DB_KIND" "$TMP" <<'EOF' || die "the evidence archive failed; nothing was written"
import hashlib
import io
import os
import pathlib
import stat
import sys
import tarfile
import time

root, target, kind, database = sys.argv[1:5]
missing_ok = os.environ.get("EVIDENCE_MISSING_OK", "").strip() == "1"


def recorded() -> dict[str, str]:
    """{storage name: SHA-256} of every evidence file the database backup names."""
    sys.path.insert(0, "scripts")
    from evidence_rows import recorded as rows_of

    return rows_of(kind, database)


class Hashing:
    """A file read through its SHA-256."""

    def __init__(self, handle):
        self.handle, self.sha256 = handle, hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.sha256.update(data)
        return data


names = recorded()
archived: dict[str, str] = {}
skipped: list[str] = []
total = 0
with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as archive:
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for filename in sorted(files):
            path = os.path.join(folder, filename)
            name = os.path.relpath(path, root).replace(os.sep, "/")
            if "\n" in name or "\\" in name:
                skipped.append(f"{name!r} (a name SHA256SUMS cannot hold)")
                continue
            try:
                handle = open(path, "rb", opener=lambda p, f: os.open(p, f | os.O_NOFOLLOW))
            except FileNotFoundError:
                continue  # removed since it was listed: reported below if the database names it
            except OSError as exc:
                skipped.append(f"{name} ({exc.strerror})")
                continue
            with handle:
                info = os.fstat(handle.fileno())
                if not stat.S_ISREG(info.st_mode):
                    skipped.append(f"{name} (not a regular file)")
                    continue
                member = tarfile.TarInfo("files/" + name)
                member.size, member.mtime, member.mode = info.st_size, int(info.st_mtime), 0o600
                reader = Hashing(handle)
                archive.addfile(member, reader)
                archived[name] = reader.sha256.hexdigest()
                total += info.st_size
    sums = "".join(f"{digest}  files/{name}\n" for name, digest in archived.items()).encode()
    manifest = tarfile.TarInfo("SHA256SUMS")
    manifest.size, manifest.mode, manifest.mtime = len(sums), 0o600, int(time.time())
    archive.addfile(manifest, io.BytesIO(sums))

missing = sorted(set(names) - set(archived))
if names and len(missing) == len(names) and not missing_ok:
    sys.exit(
        f"backup: error: the database names {len(names)} evidence files and none is in {root}: "
        "is EVIDENCE_ROOT set as the server has it? (EVIDENCE_MISSING_OK=1 backs up anyway)"
    )
print(f"backup: evidence: {len(archived)} files ({total} bytes) from {root}")
for line in skipped:
    print(f"backup: warning: not archived: {line}", file=sys.stderr)
if missing:
    print(
        f"backup: warning: {len(missing)} evidence files the database names are not in {root} "
        f"(removed while the backup ran, or already missing): {', '.join(missing[:5])}",
        file=sys.stderr,
    )
damaged = sorted(n for n, digest in names.items() if n in archived and archived[n] != digest)
if damaged:
    print(
        f"backup: warning: {len(damaged)} evidence files differ from the SHA-256 the database "
        f"recorded (damaged on disk?): {', '.join(damaged[:5])}",
        file=sys.stderr,
    )
EOF

mv "$EVIDENCE_TMP" "$EVIDENCE_OUT"
mv "$TMP" "$OUT" || { rm -f "$EVIDENCE_OUT"; die "cannot write $OUT"; }
trap - EXIT
SIZE="$(wc -c < "$OUT" | tr -d ' ')"
EVIDENCE_SIZE="$(wc -c < "$EVIDENCE_OUT" | tr -d ' ')"
echo "backup: $SOURCE -> $OUT ($SIZE bytes)"
echo "backup: evidence $EVIDENCE_DIR -> $EVIDENCE_OUT ($EVIDENCE_SIZE bytes)"
