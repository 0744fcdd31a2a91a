"""The PDF renderer as a process sees it: fonts, layout processes, and what a process
leaves behind when it ends."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from io import BytesIO
from pathlib import Path

import pytest
from conftest import ROOT
from pypdf import PdfReader

from leerhuis.services import pdf


def test_processes_that_render_pdfs_leave_no_font_folders_behind(tmp_path):
    """WeasyPrint copies the bundled fonts into a temporary folder per process; the main
    process and its layout processes remove theirs when they end, and say nothing at
    shutdown."""
    script = textwrap.dedent("""
        import sys
        from leerhuis.services import pdf

        if __name__ == "__main__":
            page = ('<html lang="nl"><title>t</title><style>{% include "_fonts.css" %}'
                    'body { font-family: "Leerhuis Sans" }</style>'
                    '<p>Bewijs <b>van</b> deelname</p>')
            html = pdf.environment().from_string(page).render()
            assert pdf.write_pdf(html).startswith(b"%PDF")
            with pdf.layout_processes(2):  # two layout processes, each with its own fonts
                pdf.warm_pool()
                batches = pdf.start_pdfs_many([[html], [html]])()
                assert [len(pdfs) for pdfs in batches] == [1, 1]
                print(len(list(__import__("pathlib").Path(sys.argv[1]).iterdir())))
    """)
    env = {"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=ROOT, env=env,
                            check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 3  # while running, each process has its font folder
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
    script = textwrap.dedent("""
        import os, time
        from leerhuis.services import pdf

        if __name__ == "__main__":
            with pdf.layout_processes(1):
                pdf.warm_pool()
                pool = pdf._layout_pool()
                print(pool.submit(os.getpid).result(), flush=True)
                time.sleep(120)
    """)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
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
        "total_hours": "4", "organiser": "Jeugdhulp Gooi",
        "organiser_contact": "Plein 1, Hilversum",
        "trainer": "Ervaringsdeskundige van Samenkracht!",
        "summary": "Een ochtend in een gezinshuis en een anonieme bespreking.",
        "learning_goals": ["Je kent het dagelijks leven in een gezinshuis.",
                           "Je bespreekt een casus zonder herleidbare gegevens."],
        "statement": "Informeel leren: registreer dit zelf in Mijn SKJ.",
        "signatory_name": "Programmamanager", "signatory_function": "Regio Gooi en Vechtstreek",
        "issued_on": "4 maart 2026", "verify_url": "https://leerhuis.example.org/bewijs/ABCD"}]},
    "presence_list.html": {
        "title": "Gesprekstechnieken", "leerhuis": "Regionaal Leerhuis",
        "organiser": "Jeugdhulp Gooi",
        "when": "dinsdag 3 maart 2026, 9:30–12:00", "session_title": "Ochtend 1",
        "place": "Plein 1, Hilversum", "accredited": True,
        "rows": [{"name": f"Deelnemer {i}", "organisation": "Gemeente Hilversum",
                  "skj_number": f"1000{i:05d}"} for i in range(60)]},
    "progress_report.html": {
        "region": "Gooi en Vechtstreek", "half_year": "2026, halfjaar 1",
        "actions": [{"number": 1, "title": "Zo thuis mogelijk",
                     "measures": ["Gezinshuizen", "Leerhuis"],
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


EXPECTED_TEXT = {"certificate.html": "Joëlle de Vries", "presence_list.html": "Deelnemer 59",
                 "progress_report.html": "Zo thuis mogelijk",
                 "region_report.html": "Per organisatie",
                 "skj_overview.html": "Werkbezoek De Linde"}


@pytest.mark.parametrize("template", sorted(TEMPLATE_SAMPLES))
def test_every_pdf_template_renders_with_its_sample_data(app, template):
    """Each template, filled with the data its service gives it, is a PDF with the title,
    language and text of that data."""
    assert set(TEMPLATE_SAMPLES) == {p.name for p in pdf.PDF_TEMPLATES.glob("[!_]*.html")}
    content = pdf.write_pdf(pdf.render_html(template, TEMPLATE_SAMPLES[template]))
    reader = PdfReader(BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert reader.metadata.title
    assert reader.trailer["/Root"]["/Lang"] == "nl"
    assert EXPECTED_TEXT[template] in " ".join(text.split())


def test_a_pdf_template_missing_data_names_what_is_missing_every_time(app):
    data = dict(TEMPLATE_SAMPLES["presence_list.html"])
    del data["place"], data["rows"]
    for _ in range(2):  # the second time from the names remembered per template
        with pytest.raises(KeyError, match="presence_list.html mist gegevens: place, rows"):
            pdf.render_html("presence_list.html", data)
    sample = TEMPLATE_SAMPLES["presence_list.html"]
    assert pdf.missing_placeholders("presence_list.html", sample) == set()
