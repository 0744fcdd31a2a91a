"""Backup and restore: the database and the certificate store come back as they were."""

import hashlib
import io
import json
import shutil
import tarfile

import pytest
from conftest import MIGRATIONS, database_url_for, make_test_config
from flask_migrate import upgrade
from sqlalchemy import func, select

from leerhuis import create_app
from leerhuis.extensions import db
from leerhuis.models import (
    Event,
    EventStatus,
    EventType,
    GroupType,
    KlankbordGroup,
    KlankbordMeeting,
    MeetingDocument,
    Organisation,
    OrganisationType,
    Region,
    User,
)
from leerhuis.services import klankbordgroep
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


CRAFTED_ARCHIVES = {
    "outside the store": [("certificates/2026", "dir"), ("../buiten.pdf", "file")],
    "absolute": [("/tmp/absoluut.pdf", "file")],
    "a link": [("certificates/link", "symlink")],
    "another folder": [("elders/bewijs.pdf", "file")],
    "the store as a file": [("certificates", "file")],
    "a folder, then a file": [("certificates/a", "dir"), ("certificates/a", "file")],
    "a file, then inside it": [("certificates/a", "file"), ("certificates/a/b.pdf", "file")],
    "compressed": [("certificates/a.pdf", "gz")],
}


@pytest.mark.no_rollback
@pytest.mark.parametrize("case", sorted(CRAFTED_ARCHIVES))
def test_a_crafted_certificate_archive_is_refused_before_anything_is_touched(tmp_path, case):
    """A backup's manifest proves nothing against a crafted backup (it is crafted too): the
    archive may hold folders and files under certificates/ only, as create_backup writes it
    (uncompressed), and is unpacked beside the store before the database or the store is
    touched."""
    config = make_test_config(database_url_for(tmp_path, "crafted"), tmp_path)
    app = create_app(config)
    store = tmp_path / "certificates"
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        create_backup(tmp_path / "backup")
        region = Region(slug="c", name="Na de back-up", leerhuis_name="Leerhuis C")
        db.session.add(region)
        db.session.commit()
        (store / "2026").mkdir(parents=True)
        (store / "2026" / "BLIJF-STAAN.pdf").write_bytes(b"%PDF-1.7 bewijs")

        archive = tmp_path / "backup" / "certificates.tar"
        members = CRAFTED_ARCHIVES[case]
        with tarfile.open(archive, "w:gz" if members[0][1] == "gz" else "w") as tar:
            for name, kind in members:
                entry = tarfile.TarInfo(name)
                if kind == "dir":
                    entry.type = tarfile.DIRTYPE
                    tar.addfile(entry)
                elif kind == "symlink":
                    entry.type, entry.linkname = tarfile.SYMTYPE, "/etc/passwd"
                    tar.addfile(entry)
                else:
                    entry.size = 4
                    tar.addfile(entry, io.BytesIO(b"%PDF"))
        manifest_file = tmp_path / "backup" / "manifest.json"
        manifest = json.loads(manifest_file.read_text())
        manifest["files"]["certificates"]["sha256"] = hashlib.sha256(
            archive.read_bytes()
        ).hexdigest()
        manifest_file.write_text(json.dumps(manifest))

        with pytest.raises(BackupError, match="geen tar-archief" if members[0][1] == "gz"
                           else "alleen mappen en bestanden onder certificates/"):
            restore_backup(tmp_path / "backup")
        # The database and the store are as they were, and nothing was left beside them.
        assert db.session.scalar(select(func.count()).select_from(Region)) == 1
        assert (store / "2026" / "BLIJF-STAAN.pdf").read_bytes() == b"%PDF-1.7 bewijs"
        assert sorted(p.name for p in tmp_path.glob(".restore-*")) == []
        db.session.remove()
        db.engine.dispose()
    assert not (tmp_path.parent / "buiten.pdf").exists()


@pytest.mark.no_rollback
def test_an_uploaded_klankbordgroep_document_comes_back_after_a_restore(tmp_path):
    app = create_app(make_test_config(database_url_for(tmp_path, "uploads"), tmp_path))
    content = b"%PDF-1.7 verslag van de klankbordgroep"
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        region = Region(slug="u", name="Uploads", leerhuis_name="Leerhuis U")
        organisation = Organisation(name="Regio", type=OrganisationType.REGIO, region=region)
        user = User(email="regio@example.org", password_hash="x", first_name="R",
                    last_name="B", region=region, session_nonce="n", is_region_admin=True)
        db.session.add_all([region, organisation])
        db.session.flush()
        visit = db.session.scalars(select(EventType).where(EventType.code == "werkbezoek")).one()
        event = Event(
            region_id=region.id,
            type=visit,
            organisation=organisation,
            programme_year=2026,
            status=EventStatus.PUBLISHED,
            title="Klankbordgroep",
            address="A",
            city="B",
        )
        group = KlankbordGroup(region_id=region.id, name="Partners", type=GroupType.PARTNERS)
        meeting = KlankbordMeeting(group=group, event=event)
        db.session.add_all([user, meeting])
        db.session.flush()
        document = klankbordgroep.store_document(meeting, "verslag.pdf", content, by=user)
        db.session.commit()
        document_id = document.id

        manifest = create_backup(tmp_path / "backup")
        assert manifest["files"]["uploads"]["sha256"] == hashlib.sha256(
            (tmp_path / "backup" / "uploads.tar").read_bytes()).hexdigest()

        # Disaster: the upload folder is lost.
        shutil.rmtree(tmp_path / "uploads")
        restore_backup(tmp_path / "backup")
        restored = db.session.get(MeetingDocument, document_id)
        assert klankbordgroep.document_path(restored).read_bytes() == content

        # A crafted uploads archive is refused like a crafted certificate archive.
        archive = tmp_path / "backup" / "uploads.tar"
        with tarfile.open(archive, "w") as tar:
            entry = tarfile.TarInfo("uploads/link")
            entry.type, entry.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(entry)
        manifest_file = tmp_path / "backup" / "manifest.json"
        manifest = json.loads(manifest_file.read_text())
        manifest["files"]["uploads"]["sha256"] = hashlib.sha256(archive.read_bytes()).hexdigest()
        manifest_file.write_text(json.dumps(manifest))
        with pytest.raises(BackupError, match="alleen mappen en bestanden onder uploads/"):
            restore_backup(tmp_path / "backup")
        assert klankbordgroep.document_path(restored).read_bytes() == content
        db.session.remove()
        db.engine.dispose()


@pytest.mark.no_rollback
def test_the_restore_command_says_why_it_refuses_a_backup(tmp_path):
    app = create_app(make_test_config(database_url_for(tmp_path, "command"), tmp_path))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        create_backup(tmp_path / "backup")
        db.session.remove()
        db.engine.dispose()
    (tmp_path / "backup" / "certificates.tar").write_bytes(b"kapot")
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(tmp_path / "backup")])
    assert result.exit_code == 1
    assert "Error: certificates.tar is beschadigd: controlegetal klopt niet." in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
