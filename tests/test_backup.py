"""Backup and restore: the database and the certificate store come back as they were."""

import hashlib
import json

import pytest
from conftest import MIGRATIONS, database_url_for, make_test_config
from flask_migrate import upgrade
from sqlalchemy import func, select

from leerhuis import create_app
from leerhuis.extensions import db
from leerhuis.models import Region, User
from leerhuis.services.backup import BackupError, create_backup, restore_backup


@pytest.mark.no_rollback
def test_backup_and_restore_bring_back_database_and_certificates(tmp_path):
    config = make_test_config(database_url_for(tmp_path, "backup"), tmp_path)
    app = create_app(config)
    store = tmp_path / "certificates"
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        region = Region(slug="b", name="Back-up", leerhuis_name="Leerhuis B")
        db.session.add(region)
        db.session.flush()
        db.session.add(User(email="bewaard@example.org", password_hash="x", first_name="B",
                            last_name="W", region_id=region.id, session_nonce="n"))
        db.session.commit()
        (store / "2026").mkdir(parents=True)
        pdf = store / "2026" / "AAAA-BBBB-CCCC.pdf"
        pdf.write_bytes(b"%PDF-1.7 bewijs")
        digest = hashlib.sha256(pdf.read_bytes()).hexdigest()

        manifest = create_backup(tmp_path / "backup")
        assert manifest["alembic_revision"]

        # Disaster: data and files lost.
        db.session.query(User).delete()
        db.session.commit()
        pdf.unlink()

        restore_backup(tmp_path / "backup")
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
        assert hashlib.sha256(pdf.read_bytes()).hexdigest() == digest

        # A damaged backup is refused before anything is touched.
        (tmp_path / "backup" / "certificates.tar").write_bytes(b"kapot")
        with pytest.raises(BackupError, match="beschadigd"):
            restore_backup(tmp_path / "backup")
        db.session.remove()
        db.engine.dispose()
    assert json.loads((tmp_path / "backup" / "manifest.json").read_text())["files"]


@pytest.mark.no_rollback
@pytest.mark.parametrize("member", ["../buiten.pdf", "/tmp/absoluut.pdf", "certificates/link",
                                    "elders/bewijs.pdf"])
def test_a_crafted_certificate_archive_is_refused_before_anything_is_touched(tmp_path, member):
    """A backup's manifest proves nothing against a crafted backup (it is crafted too): the
    archive may hold folders and files under certificates/ only, and is checked first."""
    import io
    import tarfile

    config = make_test_config(database_url_for(tmp_path, "crafted"), tmp_path)
    app = create_app(config)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        create_backup(tmp_path / "backup")
        region = Region(slug="c", name="Na de back-up", leerhuis_name="Leerhuis C")
        db.session.add(region)
        db.session.commit()

        archive = tmp_path / "backup" / "certificates.tar"
        with tarfile.open(archive, "w") as tar:
            entry = tarfile.TarInfo(member)
            if member.endswith("link"):
                entry.type, entry.linkname = tarfile.SYMTYPE, "/etc/passwd"
                tar.addfile(entry)
            else:
                entry.size = 4
                tar.addfile(entry, io.BytesIO(b"%PDF"))
        manifest_file = tmp_path / "backup" / "manifest.json"
        manifest = json.loads(manifest_file.read_text())
        manifest["files"]["certificates"]["sha256"] = hashlib.sha256(archive.read_bytes()).hexdigest()
        manifest_file.write_text(json.dumps(manifest))

        with pytest.raises(BackupError, match="alleen mappen en bestanden onder certificates/"):
            restore_backup(tmp_path / "backup")
        # The database is as it was: the region made after the backup is still there.
        assert db.session.scalar(select(func.count()).select_from(Region)) == 1
        db.session.remove()
        db.engine.dispose()
    assert not (tmp_path.parent / "buiten.pdf").exists()
