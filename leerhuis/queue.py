"""The task queue (Huey): SQLite storage by default, Redis when REDIS_URL is set, in memory
in tests. Made when this module is imported, before any app exists, from the same settings
(``load_config``) as the app; the consumer runs as ``huey_consumer leerhuis.tasks.huey``.

Tasks are registered by name (``task``), so that services queue them through
``leerhuis.background`` without importing ``leerhuis.tasks``, which sits above them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

from leerhuis.config import default_instance_path, load_config


def make_huey(config: dict) -> Huey:
    """The queue the settings ask for: in memory, on Redis, or in a SQLite file."""
    if config["HUEY_IN_MEMORY"]:
        return MemoryHuey("leerhuis", immediate=False)
    if config["REDIS_URL"]:
        return RedisHuey("leerhuis", url=config["REDIS_URL"])
    path = Path(config["HUEY_SQLITE_PATH"])
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("leerhuis", filename=str(path))


huey = make_huey(load_config(default_instance_path()))
# Task name → the callable that queues it; filled by leerhuis.tasks when it is imported.
TASKS: dict[str, Callable] = {}


def task(**options):
    """``huey.task(**options)``, registered under the function's name."""

    def register(function):
        queued = huey.task(**options)(function)
        TASKS[function.__name__] = queued
        return queued

    return register
