"""Error pages: an unreachable database gives a Dutch 503 page without a traceback."""

import pytest
from conftest import free_port, make_test_config

from leerhuis import create_app


@pytest.mark.no_rollback
def test_an_unreachable_database_gives_a_dutch_503_page(tmp_path):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/leerhuis?connect_timeout=2"
    app = create_app(make_test_config(url, tmp_path))
    client = app.test_client()
    response = client.get("/programma/gooi-en-vechtstreek/2026")
    assert response.status_code == 503
    assert "Tijdelijk niet beschikbaar" in response.text
    assert "Traceback" not in response.text
    assert "psycopg" not in response.text
    assert response.headers["Retry-After"] == "30"
    api = client.get("/api/v1/evenementen")
    assert api.status_code == 503
    assert api.json == {"error": "Service Unavailable", "status": 503}
