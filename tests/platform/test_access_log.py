"""The access log as gunicorn writes it with gunicorn.conf.py: secret links redacted."""

import datetime
import runpy
from types import SimpleNamespace

from conftest import ROOT
from gunicorn.config import Config


def _access_line(tmp_path, path: str, referer: str) -> str:
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config = Config()
    config.set("logger_class", settings["logger_class"])
    log_file = tmp_path / "access.log"
    config.set("accesslog", str(log_file))
    logger = config.logger_class(config)
    environ = {"REQUEST_METHOD": "POST", "RAW_URI": path, "PATH_INFO": path,
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "192.0.2.7",
               "HTTP_REFERER": referer, "HTTP_USER_AGENT": "test"}
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[])
    request = SimpleNamespace(headers=[("REFERER", referer)])
    logger.access(response, request, environ, datetime.timedelta(milliseconds=12))
    for handler in list(logger.access_log.handlers):
        handler.close()
        logger.access_log.removeHandler(handler)
    return log_file.read_text()


def test_the_access_log_line_redacts_an_evaluation_token(tmp_path):
    token = "Xq3V8s-7mZpL0aR2bC4dE6fG8hJ0kL2mN4pQ6rS8tU0"
    line = _access_line(tmp_path, f"/evaluatie/{token}",
                        f"https://leerhuis.example/evaluatie/{token}")
    assert token not in line
    assert 'POST /evaluatie/[verborgen] HTTP/1.1" 200 1234' in line
    assert '"https://leerhuis.example/evaluatie/[verborgen]"' in line


def test_the_access_log_keeps_ordinary_paths(tmp_path):
    line = _access_line(tmp_path, "/programma/gooi-en-vechtstreek/2026?thema=pleegzorg", "-")
    assert "POST /programma/gooi-en-vechtstreek/2026?thema=pleegzorg HTTP/1.1" in line
