"""Every setting is read once, by ``load_config``, and honoured where it is used: also by
the task queue, which is made before any app exists."""

import subprocess
import sys
from pathlib import Path

from conftest import ROOT
from huey import MemoryHuey, RedisHuey, SqliteHuey

from leerhuis.config import default_instance_path, load_config
from leerhuis.queue import make_huey


def test_HUEY_SQLITE_PATH_decides_the_queue_file_of_the_consumer(tmp_path):
    queue = tmp_path / "queues" / "leerhuis.sqlite"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "LEERHUIS_HUEY": "",
           "HUEY_SQLITE_PATH": str(queue)}
    result = subprocess.run(
        [sys.executable, "-c", "from leerhuis.tasks import huey; print(huey.storage.filename)"],
        cwd=tmp_path, env=env, check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(queue)
    assert queue.exists()


def test_without_HUEY_SQLITE_PATH_the_queue_is_in_the_apps_instance_folder(app, monkeypatch):
    monkeypatch.delenv("HUEY_SQLITE_PATH", raising=False)
    assert default_instance_path() == app.instance_path
    config = load_config(default_instance_path())
    assert config["HUEY_SQLITE_PATH"] == str(Path(app.instance_path) / "huey.sqlite")


def test_the_queue_is_in_memory_on_redis_or_in_sqlite_as_configured(tmp_path, monkeypatch):
    monkeypatch.setenv("HUEY_SQLITE_PATH", str(tmp_path / "huey.sqlite"))
    monkeypatch.setenv("LEERHUIS_HUEY", "memory")
    assert isinstance(make_huey(load_config(str(tmp_path))), MemoryHuey)
    monkeypatch.setenv("LEERHUIS_HUEY", "")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # connects on first use only
    assert isinstance(make_huey(load_config(str(tmp_path))), RedisHuey)
    monkeypatch.setenv("REDIS_URL", "")
    assert isinstance(make_huey(load_config(str(tmp_path))), SqliteHuey)


def test_PDF_WORKERS_and_CERTIFICATE_BATCH_SIZE_are_read_from_the_environment(
        tmp_path, monkeypatch):
    monkeypatch.setenv("PDF_WORKERS", "3")
    monkeypatch.setenv("CERTIFICATE_BATCH_SIZE", "7")
    config = load_config(str(tmp_path))
    assert (config["PDF_WORKERS"], config["CERTIFICATE_BATCH_SIZE"]) == (3, 7)
    monkeypatch.delenv("PDF_WORKERS")
    monkeypatch.delenv("CERTIFICATE_BATCH_SIZE")
    config = load_config(str(tmp_path))
    assert config["PDF_WORKERS"] >= 1
    assert config["CERTIFICATE_BATCH_SIZE"] == 50
