"""Templates compiled per language (leerhuis/templating.py) say exactly what the run-time
gettext lookup says, in whichever language the request asks for."""

from __future__ import annotations

from babel.messages.pofile import read_po
from flask_babel import force_locale, get_translations
from jinja2 import DictLoader

from leerhuis.templating import LocalisedEnvironment
from tests.test_translations import CATALOGUE


def constant_message_ids() -> list[str]:
    """Every catalogue text without placeholders: the ones translated at compile time."""
    with CATALOGUE.open("rb") as source:
        catalogue = read_po(source, locale="en")
    return [message.id for message in catalogue
            if message.id and isinstance(message.id, str) and "%" not in message.id]


def template_of(message_ids: list[str]) -> str:
    def literal(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return "\n".join("{{ _(" + literal(text) + ") }}" for text in message_ids)


def environment_with(app, templates: dict[str, str], lookups: list | None = None):
    """The app's kind of environment, with its gettext, over the given templates; each
    run-time lookup is noted in ``lookups``."""
    environment = LocalisedEnvironment(app, loader=DictLoader(templates), autoescape=True,
                                       extensions=["jinja2.ext.i18n"])

    def gettext(text):
        if lookups is not None:
            lookups.append(text)
        return get_translations().ugettext(text)

    environment.install_gettext_callables(
        gettext=gettext,
        ngettext=lambda one, many, n: get_translations().ungettext(one, many, n), newstyle=True)
    return environment


def test_compiled_translations_equal_the_run_time_lookup_for_every_catalogue_text(app):
    source = template_of(constant_message_ids())
    environment = environment_with(app, {"all.html": source})
    for language in ("en", "nl"):
        with app.test_request_context("/"), force_locale(language):
            compiled = environment.get_template("all.html").render()
            looked_up = environment.from_string(source).render()  # no language: run time
        assert compiled == looked_up
    with app.test_request_context("/"), force_locale("en"):
        assert "Log in" in environment.get_template("all.html").render()


def test_one_process_serves_each_language_its_own_compiled_page(client, app):
    dutch = client.get("/inloggen").get_data(as_text=True)
    client.post("/taal/en", data={"next": "/inloggen"})
    english = client.get("/inloggen").get_data(as_text=True)
    client.post("/taal/nl", data={"next": "/inloggen"})
    dutch_again = client.get("/inloggen").get_data(as_text=True)
    assert "Wachtwoord" in dutch and "Wachtwoord" in dutch_again
    assert "Password" in english and "Wachtwoord" not in english


def test_placeholders_escaped_percent_signs_and_escaping_work_as_before(app):
    source = ('{{ _("wachtlijst, plaats %(n)d", n=3) }} | {{ _("100%% zeker") }} | '
              '{{ _("<b>vet</b>") }} | {{ _(naam) }}')
    environment = environment_with(app, {"t.html": source})
    with app.test_request_context("/"), force_locale("en"):
        compiled = environment.get_template("t.html").render(naam="<i>")
        looked_up = environment.from_string(source).render(naam="<i>")
    assert compiled == looked_up == "waiting list, number 3 | 100% zeker | <b>vet</b> | <i>"


def test_constant_texts_are_not_looked_up_while_rendering(app):
    lookups = []
    environment = environment_with(app, {"t.html": '{{ _("Inloggen") }} {{ _(naam) }}'},
                                   lookups)
    with app.test_request_context("/"), force_locale("en"):
        environment.get_template("t.html").render(naam="Programma")
        assert environment.get_template("t.html").render(naam="Programma") == "Log in Programme"
    assert lookups == ["Programma", "Programma"]


def test_template_links_equal_url_for_whatever_the_script_root(app):
    from flask import url_for

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
