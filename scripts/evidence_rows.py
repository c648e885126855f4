"""The evidence files a database backup names, for scripts/backup.sh and restore.sh.

    recorded(kind, database) -> {storage name: SHA-256}

`kind` is "sqlite" (`database`: the backup file) or "postgres" (`database`: a
pg_dump --format=custom file, read with pg_restore). A database from before the
evidence app existed names none.
"""

import pathlib
import sqlite3
import subprocess


def recorded(kind: str, database: str) -> dict[str, str]:
    """{storage name: SHA-256} of every evidence file the database backup names."""
    if kind == "sqlite":
        db = sqlite3.connect(pathlib.Path(database).resolve().as_uri() + "?mode=ro", uri=True)
        try:
            rows = db.execute(
                "SELECT storage_name, sha256 FROM evidence_evidence WHERE kind = 'file'"
            ).fetchall()
        except sqlite3.OperationalError:  # a database from before evidence existed
            rows = []
        db.close()
        return dict(rows)
    # PostgreSQL: the table's rows as pg_restore writes them (COPY text format).
    # pg_restore from PATH, as scripts/backup.sh runs pg_dump; `database` is our own file.
    dump = subprocess.run(  # noqa: S603
        ["pg_restore", "--data-only", "--table=evidence_evidence", "--file=-", database],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows, columns = {}, None
    for line in dump.splitlines():
        if columns is None:
            if line.startswith("COPY ") and " FROM stdin;" in line:
                inside = line[line.index("(") + 1 : line.rindex(")")]
                columns = [column.strip() for column in inside.split(",")]
            continue
        if line == "\\.":
            break
        values = dict(zip(columns, line.split("\t"), strict=True))
        if values["kind"] == "file":
            rows[values["storage_name"]] = values["sha256"]
    return rows
