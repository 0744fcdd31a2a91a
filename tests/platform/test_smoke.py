def test_home_page_is_dutch(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="nl"' in response.text
    assert "Regionaal Leerhuis" in response.text


def test_login_works_for_deelnemer(client, auth, deelnemer):
    response = auth.login(deelnemer)
    assert response.status_code == 302
    assert client.get("/profiel").status_code == 200
