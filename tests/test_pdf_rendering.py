"""The PDF renderer as a process sees it: fonts, layout processes, and what a process
leaves behind when it ends."""

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from leerhuis.services import pdf

ROOT = Path(__file__).resolve().parent.parent


def test_processes_that_render_pdfs_leave_no_font_folders_behind(tmp_path):
    """WeasyPrint copies the bundled fonts into a temporary folder per process; the main
    process and its layout processes remove theirs when they end, and say nothing at
    shutdown."""
    script = textwrap.dedent("""
        import sys
        from leerhuis.services import pdf

        if __name__ == "__main__":
            page = ('<html lang="nl"><title>t</title><style>{% include "_fonts.css" %}'
                    'body { font-family: "Leerhuis Sans" }</style><p>Bewijs <b>van</b> deelname</p>')
            html = pdf.environment().from_string(page).render()
            assert pdf.write_pdf(html).startswith(b"%PDF")
            pdf.warm_pool()  # two layout processes, each with its own fonts
            batches = pdf.start_pdfs_many([[html], [html]])()
            assert [len(pdfs) for pdfs in batches] == [1, 1]
            print(sorted(p.name for p in __import__("pathlib").Path(sys.argv[1]).iterdir()))
    """)
    env = {"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path), "PDF_WORKERS": "2",
           "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=ROOT, env=env,
                            check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "leerhuis-pdf-fonts-" in result.stdout  # while running, the folders exist
    assert list(tmp_path.iterdir()) == []
    assert "Exception ignored" not in result.stderr


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status  # ended; only its parent's bookkeeping is left


def test_layout_processes_end_when_the_worker_that_started_them_is_killed():
    """A worker killed with SIGKILL cannot shut its layout processes down: they notice that
    their parent is gone and end themselves."""
    import os
    import signal
    import time

    script = textwrap.dedent("""
        import os, time
        from leerhuis.services import pdf

        if __name__ == "__main__":
            with pdf.layout_processes():
                pdf.warm_pool()
                pool = pdf._layout_pool()
                print(pool.submit(os.getpid).result(), flush=True)
                time.sleep(120)
    """)
    env = {"PATH": "/usr/bin:/bin", "PDF_WORKERS": "1", "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, text=True)
    try:
        layout_pid = int(worker.stdout.readline())
        assert not _gone(layout_pid)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        worker.stdout.close()
    deadline = time.monotonic() + 20
    while not _gone(layout_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if not _gone(layout_pid):
        os.kill(layout_pid, signal.SIGKILL)
        pytest.fail("the layout process outlived its worker")


def test_the_pdf_url_fetcher_serves_only_the_apps_own_files():
    fetcher = pdf.safe_url_fetcher_class()()
    font = (pdf.STATIC / "fonts" / "LeerhuisSans-Regular.ttf").as_uri()
    response = fetcher.fetch(font)
    try:
        assert response.read(4) == b"\x00\x01\x00\x00"  # a TrueType font
    finally:
        response.close()
    escaped = f"{pdf.STATIC.as_uri()}/fonts/%2e%2e/%2e%2e/%2e%2e/pyproject.toml"
    for url in (escaped, (ROOT / "pyproject.toml").as_uri(), "file:///etc/hostname",
                "http://example.org/logo.png"):
        with pytest.raises(pdf.UnsafeURL):
            fetcher.fetch(url)


QR = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAAAAABX3VL4AAAADklEQVR4"
      "nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==")
TEMPLATE_SAMPLES = {
    "certificate.html": {"certificates": [{
        "leerhuis": "Regionaal Leerhuis Gooi en Vechtstreek", "participant": "Joëlle de Vries",
        "skj_number": "100012345", "code": "ABCD-EFGH-JKLM", "qr": QR,
        "parts": [{"type": "Werkbezoek", "title": "Gezinshuis De Linde",
                   "sessions": ["dinsdag 3 maart 2026, 9:30–12:00 (2,5 uur netto)"]},
                  {"type": "Casuïstiekbespreking", "title": "Anoniem: een plaatsing thuis",
                   "sessions": ["dinsdag 3 maart 2026, 13:00–14:30 (1,5 uur netto)"]}],
        "total_hours": "4", "organiser": "Jeugdhulp Gooi", "organiser_contact": "Plein 1, Hilversum",
        "trainer": "Ervaringsdeskundige van Samenkracht!",
        "summary": "Een ochtend in een gezinshuis en een anonieme bespreking.",
        "learning_goals": ["Je kent het dagelijks leven in een gezinshuis.",
                           "Je bespreekt een casus zonder herleidbare gegevens."],
        "statement": "Informeel leren: registreer dit zelf in Mijn SKJ.",
        "signatory_name": "Programmamanager", "signatory_function": "Regio Gooi en Vechtstreek",
        "issued_on": "4 maart 2026", "verify_url": "https://leerhuis.example.org/bewijs/ABCD"}]},
    "presence_list.html": {
        "title": "Gesprekstechnieken", "leerhuis": "Regionaal Leerhuis", "organiser": "Jeugdhulp Gooi",
        "when": "dinsdag 3 maart 2026, 9:30–12:00", "session_title": "Ochtend 1",
        "place": "Plein 1, Hilversum", "accredited": True,
        "rows": [{"name": f"Deelnemer {i}", "organisation": "Gemeente Hilversum",
                  "skj_number": f"1000{i:05d}"} for i in range(60)]},
    "progress_report.html": {
        "region": "Gooi en Vechtstreek", "half_year": "2026, halfjaar 1",
        "actions": [{"number": 1, "title": "Zo thuis mogelijk", "measures": ["Gezinshuizen", "Leerhuis"],
                     "progress": "Op schema.", "partners": [{"organisation": "Jeugdhulp Gooi",
                                                             "text": "Twee werkbezoeken."}]}],
        "held": [{"type": "Werkbezoek", "count": 3}], "participants": 41, "hours": "96,5",
        "grades": [{"type": "Training", "average": "8,1", "count": 12}],
        "held_chart": QR, "grade_chart": ""},
    "region_report.html": {
        "region": "Gooi en Vechtstreek", "start": "1 januari 2026", "end": "30 juni 2026",
        "header": ["Soort", "Activiteiten", "Deelnemers"],
        "sections": [{"title": "Per soort", "chart": QR, "rows": [["Werkbezoek", 3, 41]]},
                     {"title": "Per organisatie", "chart": "", "rows": []}]},
    "skj_overview.html": {
        "name": "Joëlle de Vries", "skj_number": "100012345", "kamer": "jeugdzorgwerker",
        "periods": [{"label": "2022–2027", "counted": 40, "norm": 120, "free_space": False,
                     "formal": 30, "formal_minimum": 70, "informal": 12, "informal_counted": 10,
                     "reflection": "2 van 8", "remaining": 80,
                     "activities": [{"date": "3 maart 2026", "title": "Werkbezoek De Linde",
                                     "category": "informeel leren", "points": 2,
                                     "code": "ABCD-EFGH-JKLM"}]}]},
}


def _layout(document) -> list:
    """Every box of every page: kind, text, position, size and the text's look."""
    def walk(box):
        style = box.style
        yield (type(box).__name__, getattr(box, "text", None), round(box.position_x, 2),
               round(box.position_y, 2), round(box.width, 2) if box.width != "auto" else None,
               round(box.height, 2) if box.height != "auto" else None,
               str(style["color"]), style["font_weight"], style["font_style"], style["font_size"],
               style["text_decoration_line"], str(style["background_color"]),
               tuple(style[f"border_{side}_width"] for side in ("top", "right", "bottom", "left")))
        for child in getattr(box, "children", ()):
            yield from walk(child)
    return [list(walk(page._page_box)) for page in document.pages]


def _tree(root) -> list:
    """Every element with its attributes and text, whitespace runs as one space (layout
    collapses them; the two parsers place some differently)."""
    def text(value):
        return " ".join((value or "").split())
    return [(element.tag, dict(element.attrib), text(element.text), text(element.tail))
            for element in root.iter() if isinstance(element.tag, str)]


def _assert_laid_out_as_by_weasyprint_itself(html: str) -> None:
    from weasyprint import HTML

    upstream = HTML(string=html, base_url=str(pdf.PDF_TEMPLATES) + "/",
                    url_fetcher=pdf.safe_url_fetcher_class()())
    document = pdf.html_document(html)
    assert {**vars(document), "wrapper_element": None, "etree_element": None,
            "url_fetcher": type(document.url_fetcher)} == {
        **vars(upstream), "wrapper_element": None, "etree_element": None,
        "url_fetcher": type(upstream.url_fetcher)}
    assert _tree(document.etree_element) == _tree(upstream.etree_element)
    ours = document.render(font_config=pdf.font_config())
    theirs = upstream.render(font_config=pdf.font_config())
    assert _layout(ours) == _layout(theirs)
    assert ours.make_bookmark_tree() == theirs.make_bookmark_tree()
    assert vars(ours.metadata) == vars(theirs.metadata)  # title, description, language
    assert len(ours.pages) >= 1 and sum(len(page) for page in _layout(ours)) > 20


@pytest.mark.parametrize("template", sorted(TEMPLATE_SAMPLES))
def test_every_pdf_template_lays_out_as_with_weasyprints_own_parser_and_stylesheet(app, template):
    """The PDF templates' lean user-agent stylesheet leaves out only what they never use,
    and libxml2 makes the tree WeasyPrint's own parser makes of them: a template that came to
    depend on something left out, or that the two parsers read differently, shows up here."""
    assert set(TEMPLATE_SAMPLES) == {p.name for p in pdf.PDF_TEMPLATES.glob("[!_]*.html")}
    _assert_laid_out_as_by_weasyprint_itself(pdf.render_html(template, TEMPLATE_SAMPLES[template]))


def test_text_as_people_type_it_is_laid_out_as_with_weasyprints_own_parser(app):
    """Names and titles come from forms and pasted text: markup characters, entities,
    control characters, line separators and emoji reach the page as WeasyPrint's own parser
    would give them."""
    sample = TEMPLATE_SAMPLES["certificate.html"]["certificates"][0]
    awkward = {**sample, "participant": "Jo\x0bëlle <b>de Vries</b> & \"Zn\" 😀\x1b",
               "summary": "Regel één\r\nregel twee\u2028regel drie &amp; &lt;p&gt; \x7f\x85 ﻿",
               "trainer": "<!-- geen commentaar --> <script>alert(1)</script>"}
    _assert_laid_out_as_by_weasyprint_itself(
        pdf.render_html("certificate.html", {"certificates": [awkward]}))


def test_html_that_is_not_valid_unicode_fails_instead_of_losing_the_rest_of_the_page():
    """libxml2 stops reading at a lone surrogate and would hand back half a page."""
    with pytest.raises(UnicodeEncodeError):
        pdf.html_document("<!doctype html><title>t</title><p>x\ud800y</p><p>rest</p>")


def test_a_very_long_text_does_not_cut_the_page_short():
    """libxml2 stops at a text of over 10 MB unless told otherwise (forms take 20 MB)."""
    root = pdf.parse_html(f"<!doctype html><title>t</title><p>{'a' * 11_000_000}</p><p>rest</p>")
    assert [p.text[:4] for p in root.iter("p")] == ["aaaa", "rest"]


def test_pdfs_are_laid_out_with_the_templates_own_user_agent_stylesheet(app, monkeypatch):
    """Guards the hook: WeasyPrint asks the document for its user-agent stylesheets, and gets
    the lean one."""
    asked = []
    document_class = pdf.template_html_class()
    own = document_class._ua_stylesheets
    monkeypatch.setattr(document_class, "_ua_stylesheets",
                        lambda self, forms=False: asked.append(own(self, forms)) or asked[-1])
    assert pdf.write_pdf("<!doctype html><title>t</title><p>Bewijs</p>").startswith(b"%PDF")
    assert asked and all(sheets == [document_class.user_agent_stylesheet] for sheets in asked)
    assert document_class.user_agent_stylesheet.base_url.endswith("/pdf/_user_agent.css")


def test_the_lean_user_agent_stylesheet_is_weasyprints_own_less_the_parts_it_names():
    """A copy of the installed WeasyPrint's stylesheet: after an upgrade that changes it,
    this fails until the copy is made again (the same cuts, nothing else)."""
    from importlib.resources import files

    import tinycss2
    import weasyprint.css

    upstream = (files(weasyprint.css) / "html5_ua.css").read_text("utf-8")
    for section in (r"/\* Notes \*/.*?(?=/\* Counters and bookmarks \*/)",
                    r"/\* Form fields \*/.*?(?=/\* Pages \*/)"):
        upstream = re.sub(section, "", upstream, flags=re.DOTALL)
    upstream = re.sub(r"^\s*@(footnote|note-area)\b.*\n", "", upstream, flags=re.MULTILINE)

    def rules(css: str) -> list[str]:
        return [tinycss2.serialize([rule]) for rule in
                tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
                if getattr(rule, "lower_at_keyword", None) != "counter-style"]

    ours = rules((pdf.PDF_TEMPLATES / "_user_agent.css").read_text("utf-8"))
    assert ours == rules(upstream) and len(ours) > 100
    assert not any("footnote" in rule or "input:is(" in rule for rule in ours)


def test_a_pdf_template_missing_data_names_what_is_missing_every_time(app):
    data = dict(TEMPLATE_SAMPLES["presence_list.html"])
    del data["place"], data["rows"]
    for _ in range(2):  # the second time from the names remembered per template
        with pytest.raises(KeyError, match="presence_list.html mist gegevens: place, rows"):
            pdf.render_html("presence_list.html", data)
    assert pdf.missing_placeholders("presence_list.html", TEMPLATE_SAMPLES["presence_list.html"]) == set()
