"""Page templates through Flask's Jinja environment with Flask-Babel's gettext: each
request gets its own language, and translated texts are escaped as Jinja's newstyle gettext
does."""

from __future__ import annotations

from flask import url_for
from flask_babel import force_locale


def test_one_process_serves_each_language_its_own_page(client, app):
    dutch = client.get("/inloggen").get_data(as_text=True)
    client.post("/taal/en", data={"next": "/inloggen"})
    english = client.get("/inloggen").get_data(as_text=True)
    client.post("/taal/nl", data={"next": "/inloggen"})
    dutch_again = client.get("/inloggen").get_data(as_text=True)
    assert "Wachtwoord" in dutch
    assert "Wachtwoord" in dutch_again
    assert "Password" in english
    assert "Wachtwoord" not in english


def test_placeholders_escaped_percent_signs_and_escaping_work_as_in_jinjas_gettext(app):
    source = ('{{ _("wachtlijst, plaats %(n)d", n=3) }} | {{ _("100%% zeker") }} | '
              '{{ _("<b>vet</b>") }} | {{ _(naam) }}')
    with app.test_request_context("/"), force_locale("en"):
        rendered = app.jinja_env.from_string(source).render(naam="<i>")
    assert rendered == "waiting list, number 3 | 100% zeker | <b>vet</b> | <i>"


def test_template_links_equal_url_for_whatever_the_script_root(app):
    links = [("programme.event_page", {"event_id": 7}), ("main.home", {}),
             ("static", {"filename": "css/leerhuis.css"}),
             ("programme.programme_home", {"maand": 3}), ("main.home", {"_external": True})]
    template = app.jinja_env.from_string("|".join(
        f"{{{{ url_for({endpoint!r}, **values[{index}]) }}}}"
        for index, (endpoint, _values) in enumerate(links)))
    for host, root in [("portaal.test", ""), ("leerhuis.test", "/leerhuis"),
                       ("portaal.test", "")]:
        with app.test_request_context("/", base_url=f"http://{host}{root}"):
            expected = "|".join(url_for(endpoint, **values) for endpoint, values in links)
            assert template.render(values=[values for _endpoint, values in links]) == expected
            assert f"http://{host}{root}/" in expected
