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
