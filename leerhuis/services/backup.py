"""Backup and restore of the database and every store of files.

A backup is a directory holding
- database.dump (PostgreSQL: pg_dump custom format) or database.sqlite (SQLite online
  backup API: consistent while the app runs),
- one archive per store of files (STORES): certificates.tar (the issued PDFs as stored)
  and uploads.tar (the klankbordgroep documents),
- manifest.json (time, database kind, Alembic revision, SHA-256 of every file).
Restore checks the manifest's hashes, the kind of database and every archive first, and
refuses a damaged or foreign backup before it touches anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from leerhuis.extensions import db


class BackupError(RuntimeError):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_args(url) -> tuple[list[str], dict]:
    args = ["-h", url.host or "localhost", "-p", str(url.port or 5432),
            "-U", url.username or "postgres"]
    env = {"PGPASSWORD": url.password} if url.password else {}
    return args, env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise BackupError(f"{name} niet gevonden: installeer postgresql-client.")


# Manifest key (also the archive's name and its one top folder) → the setting naming the
# folder. The database refers to these files by name: a restore without them is broken.
STORES = {"certificates": "CERTIFICATE_DIR", "uploads": "UPLOAD_DIR"}


def _store(key: str) -> Path:
    return Path(current_app.config[STORES[key]])


def create_backup(target: Path) -> dict:
    target.mkdir(parents=True, exist_ok=False)
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    files = {}
    if url.get_backend_name() == "sqlite":
        destination = target / "database.sqlite"
        source = sqlite3.connect(_database(url))
        with sqlite3.connect(destination) as copy:
            source.backup(copy)
        source.close()
        files["database"] = destination
    else:
        args, env = _pg_args(url)
        destination = target / "database.dump"
        subprocess.run([_pg_tool("pg_dump"), *args, "-Fc", "-f", str(destination), _database(url)],
                       check=True, env={**os.environ, **env})
        files["database"] = destination
    for key in STORES:
        archive = target / f"{key}.tar"
        store = _store(key)
        with tarfile.open(archive, "w") as tar:
            if store.exists():
                tar.add(store, arcname=key)
        files[key] = archive
    revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    manifest = {
        "created_at": datetime.now(UTC).isoformat(),
        "database": url.get_backend_name(),
        "alembic_revision": revision,
        "files": {key: {"name": path.name, "sha256": _sha256(path)} for key, path in files.items()},
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def restore_backup(source: Path) -> dict:
    """Bring back the database and the stores of files of a backup. What can be checked is
    checked before anything is touched: the hashes, the kind of database, and every
    archive, which is unpacked beside its store first. A store the backup has no archive
    for (a backup from before uploads were backed up) is left as it is. A database dump is
    restored as it is: restore only backups this portal made."""
    manifest = json.loads((source / "manifest.json").read_text())
    for info in manifest["files"].values():
        if _sha256(source / info["name"]) != info["sha256"]:
            raise BackupError(f"{info['name']} is beschadigd: controlegetal klopt niet.")
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if manifest["database"] != url.get_backend_name():
        raise BackupError("Deze back-up hoort bij een ander soort database.")
    staged: dict[str, Path] = {}
    try:
        for key in STORES:
            if key not in manifest["files"]:
                continue
            store = _store(key)
            store.parent.mkdir(parents=True, exist_ok=True)
            staged[key] = Path(tempfile.mkdtemp(prefix=".restore-", dir=store.parent))
            _unpack_store(key, source / manifest["files"][key]["name"], staged[key])
        _restore_database(url, source / manifest["files"]["database"]["name"])
        for key, staging in staged.items():
            store = _store(key)
            if store.exists():
                shutil.rmtree(store)
            unpacked = staging / key
            if unpacked.exists():
                unpacked.rename(store)
            else:  # the store was empty when the backup was made
                store.mkdir()
    finally:
        for staging in staged.values():
            shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _database(url: URL) -> str:
    if url.database is None:  # e.g. sqlite:// in memory: nothing on disk to copy
        raise BackupError("De database-URL noemt geen database om te kopiëren.")
    return url.database


def _restore_database(url: URL, database_file: Path) -> None:
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        target = Path(_database(url))
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        with sqlite3.connect(database_file) as backup, sqlite3.connect(target) as live:
            backup.backup(live)
    else:
        args, env = _pg_args(url)
        subprocess.run([_pg_tool("pg_restore"), *args, "--clean", "--if-exists", "--no-owner",
                        "-d", _database(url), str(database_file)], check=True,
                       env={**os.environ, **env})


def _unpack_store(key: str, archive: Path, into: Path) -> None:
    """Unpack ``<key>.tar`` into the new, empty folder ``into``: folders and regular files
    under ``<key>/`` only, written as this process's own (no links, devices, owners or
    modes from the archive), or BackupError.

    By hand rather than with tarfile.extractall, whose "data" filter exists from Python 3.11.4
    on (Debian 12's python3 is 3.11.2). The manifest's checksums prove nothing against a
    crafted backup, whose manifest is crafted too. The archive is read once, uncompressed
    ("r:", as create_backup writes it) and without sparse members: what it unpacks to is no
    larger than the archive itself."""
    try:
        with tarfile.open(archive, "r:") as tar:
            for member in tar:
                _unpack_member(key, tar, member, into)
    except tarfile.TarError as exc:
        raise BackupError(f"{key}.tar is geen tar-archief zoals een back-up het maakt "
                          "(ongecomprimeerd).") from exc


def _unpack_member(key: str, tar: tarfile.TarFile, member: tarfile.TarInfo, into: Path) -> None:
    path = PurePosixPath(member.name)
    if (path.is_absolute() or ".." in path.parts or path.parts[:1] != (key,)
            or not (member.isdir() or (member.isfile() and len(path.parts) > 1))
            or member.issparse()):
        raise _refused(key, member)
    target = into.joinpath(*path.parts)
    try:
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        content = tar.extractfile(member)
        assert content is not None  # a regular file: _unpack_member refused anything else
        with content, target.open("wb") as output:
            shutil.copyfileobj(content, output)
    except OSError as exc:  # a name that is a folder in one member, a file in another
        raise _refused(key, member) from exc


def _refused(key: str, member: tarfile.TarInfo) -> BackupError:
    return BackupError(f"{key}.tar bevat {member.name!r}: daarin horen alleen mappen en "
                       f"bestanden onder {key}/.")
