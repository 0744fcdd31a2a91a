"""Where issued certificates live: the PDF is stored as issued, with its SHA-256, and
served from storage, never re-rendered. PDFs that no certificate record names (a worker
died between writing and recording) are cleaned up.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import Certificate, utcnow

# A run records a PDF seconds after writing it; an unrecorded PDF this old was left by a
# worker that died in between.
ORPHAN_AGE = timedelta(minutes=10)


def store(code: str, issued_at: datetime, content: bytes) -> str:
    """Write the PDF atomically under CERTIFICATE_DIR/<year>/<code>.pdf; returns the
    relative file name."""
    relative = f"{issued_at:%Y}/{code}.pdf"
    target = Path(current_app.config["CERTIFICATE_DIR"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    temporary.write_bytes(content)
    os.replace(temporary, target)
    return relative


def sha256_of(content: bytes) -> str:
    """The checksum recorded with a certificate, of the PDF exactly as stored."""
    return hashlib.sha256(content).hexdigest()


def stored_path(certificate: Certificate) -> Path:
    return Path(current_app.config["CERTIFICATE_DIR"]) / certificate.file_name


def remove_orphan_files(now: datetime | None = None) -> list[str]:
    """Remove PDFs from the certificate store that no certificate record names: written by a
    run whose worker died before the batch was recorded. Only files older than ORPHAN_AGE:
    a live run records each file seconds after writing it. The files are listed before the
    records are read, so a file recorded in between counts as recorded."""
    root = Path(current_app.config["CERTIFICATE_DIR"])
    if not root.is_dir():
        return []
    cutoff = ((now or utcnow()) - ORPHAN_AGE).timestamp()
    old = {path.relative_to(root).as_posix(): path for path in root.rglob("*")
           if path.suffix in (".pdf", ".tmp") and path.is_file()
           and path.stat().st_mtime < cutoff}
    names = list(old)
    recorded: set[str] = set()
    for start in range(0, len(names), 500):
        recorded.update(db.session.scalars(select(Certificate.file_name).where(
            Certificate.file_name.in_(names[start:start + 500]))))
    removed = sorted(set(old) - recorded)
    for name in removed:
        old[name].unlink(missing_ok=True)
    return removed
