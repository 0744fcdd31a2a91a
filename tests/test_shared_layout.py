"""Certificates that share one layout (services/shared_layout.py) are the very PDFs each
would be when laid out on its own, byte for byte, whatever the participant is called."""

import shutil
import uuid
from collections import OrderedDict
from xml.etree import ElementTree

import pytest
import weasyprint.document

from leerhuis.services import certificates, pdf, shared_layout
from tests.test_pdf_rendering import TEMPLATE_SAMPLES

SAMPLE = TEMPLATE_SAMPLES["certificate.html"]["certificates"][0]

# Names as they reach the page from the register and from forms.
NAMES = [
    "Joëlle de Vries", "Jan Bakker", "Anne-Marie van den Heuvel-Ouwehand", "Ö", "Ng",
    "Françoise Çelik-Østergård", "Mohammed el Amrani", "Zoë", "Ilse ter Horst", "Tjitske Dijkstra",
    # wraps onto a second line: laid out on its own
    "Maria Magdalena Johanna Wilhelmina Theodora van Oldenbarnevelt-Hohenzollern tot Rechteren",
    "李小龍",  # another font: the line's height or baseline may change
    "محمد العمراني",  # right to left: laid out on its own
    "Jan  de  Wit", "Jan\u00a0de Wit", " Jan", "Jan\u00ad Wit",  # not plain single-spaced text
    "Jan 😀 de Wit",
    "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaftschaferswessenschafe",
]


def _certificate_html(number: int, name: str, **changes) -> str:
    code = f"ABCD-EFGH-{number:04d}"
    url = f"https://leerhuis.example.org/certificaat/{code}"
    data = {**SAMPLE, "participant": name, "skj_number": f"1{number:08d}", "code": code,
            "verify_url": url, "qr": certificates.qr_data_uri(url), **changes}
    return pdf.render_html("certificate.html", {"certificates": [data]})


@pytest.fixture
def layouts(monkeypatch):
    """How many times WeasyPrint lays a document out."""
    count = []
    layout_document = weasyprint.document.layout_document

    def counted(*args, **kwargs):
        count.append(None)
        return layout_document(*args, **kwargs)

    monkeypatch.setattr(weasyprint.document, "layout_document", counted)
    return count


def test_certificates_that_share_a_layout_are_the_pdfs_each_would_be_on_its_own(app, layouts):
    htmls = [_certificate_html(number, name) for number, name in enumerate(NAMES)]
    shared = pdf.write_pdfs(htmls)
    shared_layouts = len(layouts)
    assert shared == [pdf.write_pdf(html) for html in htmls]
    # The first layout is shared by every plain name that fits on its line, other scripts
    # and emoji included; the two that do not fit and the five that are not plain text
    # (right to left, spacing, a soft hyphen) are laid out on their own.
    assert shared_layouts == 1 + 2 + 5


def test_only_certificates_that_differ_in_their_fields_alone_share_a_layout(app, layouts):
    """Another activity, a second part, another date: another layout, with the same PDFs."""
    other_event = {"parts": SAMPLE["parts"][:1], "title": "Gezinshuis De Linde"}
    htmls = [_certificate_html(1, "Jan Bakker"), _certificate_html(2, "Zoë", **other_event),
             _certificate_html(3, "Ilse ter Horst"), _certificate_html(4, "Ng", **other_event),
             _certificate_html(5, "Ö", issued_on="5 maart 2026")]
    shared = pdf.write_pdfs(htmls)
    assert len(layouts) == 3
    assert shared == [pdf.write_pdf(html) for html in htmls]


def test_a_bulk_run_of_one_event_lays_the_page_out_once(app, layouts):
    """Guards the template: a field that is no longer one line of text at the end of its
    line (or an image) makes every certificate of a run lay out on its own again."""
    htmls = [_certificate_html(number, f"Deelnemer {number}") for number in range(6)]
    pdf.write_pdfs(htmls)
    assert len(layouts) == 1


def test_a_layout_process_keeps_a_page_from_batch_to_batch_and_only_a_few(app, layouts,
                                                                          monkeypatch):
    monkeypatch.setattr(pdf, "_kept_pages", OrderedDict())  # as in a layout process
    batches = [[_certificate_html(number, f"Deelnemer {number}") for number in range(start, start + 3)]
               for start in (0, 3)]
    kept = [pdf.write_pdfs(batch) for batch in batches]
    assert len(layouts) == 1
    assert kept == [[pdf.write_pdf(html) for html in batch] for batch in batches]
    # Another event's pages (here: another day) push the oldest out.
    for day in range(1, pdf.KEPT_PAGES + 1):
        pdf.write_pdfs([_certificate_html(day, "Jan", issued_on=f"{day} april 2026")])
    assert len(pdf._kept_pages) == pdf.KEPT_PAGES
    layouts.clear()
    assert pdf.write_pdfs(batches[0]) == kept[0]
    assert len(layouts) == 1


PAGE = ('<!doctype html><html lang="nl"><title>t</title><style>p { margin: 0 } '
        '.before::before { content: "Naam: " } .leader::after { content: leader(".") }'
        '</style><div style="height: 1cm"></div>BODY')
NAMES_3 = ["Jan", "Pietje Puk", "Klaas"]
LONG_FIRST = ["Wolfeschlegelstein", "Jan", "Klaas"]  # the first one wraps, the others fit
QR_A, QR_B = (certificates.qr_data_uri(f"https://leerhuis.example.org/{c}") for c in "ab")
# The same image with its base64 in lines of 76, as a MIME encoder writes it.
QR_B_IN_LINES = "data:image/png;base64," + "\n".join(
    QR_B.split(",")[1][i:i + 76] for i in range(0, len(QR_B.split(",")[1]), 76))
SUMMARY = "Een samenvatting van de activiteit die over meerdere regels loopt. " * 4


@pytest.mark.parametrize(("body", "values", "layouts_expected"), [
    ('<p>Naam: <b data-field>NAME</b></p>', NAMES_3, 1),
    ('<div style="height: 29cm"></div><p>Naam: <b data-field>NAME</b></p>', NAMES_3, 3),  # 2 pages
    ('<p>Naam: <b data-field><i>NAME</i></b></p>', NAMES_3, 3),  # markup in the field
    ('<p><b data-field>NAME</b> is aanwezig</p>', NAMES_3, 3),  # not last on its line
    ('<p style="width: 5cm">Naam: <b data-field>NAME</b> woont hier</p>', LONG_FIRST, 3),
    # the first one wraps: the next is laid out alone, and shares its layout with the rest
    ('<p style="width: 7cm">Naam van de deelnemer: <b data-field>NAME</b></p>', LONG_FIRST, 2),
    ('<div style="float: right; width: 10cm; height: 3cm"></div><p data-field>NAME</p>',
     ["A" * 39, "Jan", "Klaas"], 2),  # the first one is pushed below the float
    ('<p style="text-align: center" data-field>NAME</p>', NAMES_3, 3),
    ('<p style="text-align: center">Naam: <b style="text-align: left" data-field>NAME</b></p>',
     NAMES_3, 3),  # the line is aligned as its block says
    (('<p style="text-align: justify; text-align-last: center">Naam: '
      '<b style="text-align: left" data-field>NAME</b></p>'), NAMES_3, 3),
    ('<p dir="rtl">Naam: <span dir="ltr" data-field>NAME</span></p>', NAMES_3, 3),
    ('<p class="before" data-field>NAME</p>', NAMES_3, 3),  # generated content
    ('<p>Naam<span class="leader"></span><b data-field>NAME</b></p>', NAMES_3, 3),
    ('<p>Naam: <b style="background: yellow" data-field>NAME</b></p>', NAMES_3, 3),
    ('<p>Naam: <b style="box-shadow: 2px 2px red" data-field>NAME</b></p>', NAMES_3, 3),
    ('<div style="float: left"><p data-field>NAME</p></div>', NAMES_3, 3),  # width from content
    ('<table><tr><td data-field>NAME</td></tr></table>', NAMES_3, 3),
    ('<p>Naam: <span style="display: inline-block" data-field>NAME</span></p>', NAMES_3, 3),
    ('<div style="columns: 2"><p data-field>NAME</p></div>', NAMES_3, 3),
    ('<p><a href="https://leerhuis.example.org" data-field>NAME</a></p>', NAMES_3, 3),  # link area
    ('<h2 data-field>NAME</h2>', NAMES_3, 3),  # bookmark label
    ('<p style="string-set: naam content()" data-field>NAME</p>', NAMES_3, 3),  # running string
    # an ellipsis anywhere on the page is added to its text each time the page is drawn
    (f'<p style="line-clamp: 2">{SUMMARY}</p><p data-field>NAME</p>', NAMES_3, 3),
    ('<img data-field alt="QR" style="width: 2cm" src="NAME">', [QR_A, QR_B, QR_A], 1),
    # named in the PDF after its URL as WeasyPrint reads it, without the line breaks
    ('<img data-field alt="QR" style="width: 2cm" src="NAME">', [QR_A, QR_B_IN_LINES], 1),
    # the first image cannot be read and shows its alt text instead
    ('<img data-field alt="QR" style="width: 2cm" src="NAME">', ["", QR_A, QR_B], 2),
    # a style that selects by src: the src is more than a value
    ((f'<style>img[src*="{QR_B[-40:-20]}"] {{ opacity: .5 }}</style>'
      '<img data-field style="width: 2cm" src="NAME">'), [QR_A, QR_B], 2),
    # the second ends within WeasyPrint's hair of room for nested inline boxes: alone, it wraps
    ('<p style="width: 318.45312439854683px">Nr: <b data-field>NAME</b></p>',
     ["A", "ABCDEFGHIJ KLMNOPQRSTUV"], 2),
])
def test_only_a_field_that_nothing_else_depends_on_shares_a_layout(app, layouts, body, values,
                                                                    layouts_expected):
    htmls = [PAGE.replace("BODY", body).replace("NAME", value) for value in values]
    assert pdf.write_pdfs(htmls) == [pdf.write_pdf(html) for html in htmls]
    assert len(layouts) == layouts_expected + len(values)


def test_an_image_of_another_size_lays_out_on_its_own(app, layouts):
    short, long = (certificates.qr_data_uri(f"https://x.nl/{'a' * n}") for n in (5, 300))
    htmls = [_certificate_html(1, "Jan", qr=short), _certificate_html(2, "Piet", qr=long),
             _certificate_html(3, "Klaas", qr=short)]
    assert pdf.write_pdfs(htmls) == [pdf.write_pdf(html) for html in htmls]
    assert len(layouts) == 2 + 3


@pytest.mark.parametrize(("text", "plain"), [
    ("Jan de Vries", True), ("Joëlle", True), ("李小龍", True), ("", False), (None, False),
    (" Jan", False), ("Jan ", False), ("Jan  Wit", False), ("Jan\tWit", False),
    ("Jan\nWit", False), ("Jan\u00a0Wit", False), ("Jan\u00adWit", False),
    ("Jan\u200dWit", False), ("محمد", False), ("Jan\u202eWit", False),
])
def test_plain_text_is_single_spaced_left_to_right_text_without_control_characters(text, plain):
    assert shared_layout.plain_text(text) is plain


def test_reading_the_fields_leaves_the_document_as_it_was():
    root = pdf.parse_html('<!doctype html><title>t</title><img data-field alt="QR">'
                          '<p data-field>Jan</p><img data-field src="data:,x">')
    before = ElementTree.tostring(root)
    fields = shared_layout.read_fields(root)
    assert fields.values == [None, "Jan", "data:,x"] and fields.key is not None
    assert ElementTree.tostring(root) == before


@pytest.fixture
def images_in_static():
    """Two images of the same size among the app's own files, which PDFs may use."""
    from PIL import Image

    folder = pdf.STATIC / f"test-{uuid.uuid4().hex}"
    folder.mkdir()
    for name, shade in (("a.png", 0), ("b.png", 200)):
        Image.new("L", (30, 30), shade).save(folder / name)
    yield folder
    shutil.rmtree(folder)


def test_an_image_of_the_apps_own_is_shared_by_its_address_and_a_kept_page_follows_the_file(
        app, layouts, monkeypatch, images_in_static):
    monkeypatch.setattr(pdf, "_kept_pages", OrderedDict())  # as in a layout process
    relative = f"../../static/{images_in_static.name}"
    page = PAGE.replace("BODY", '<img src="LOGO" style="width: 1cm"><p>Naam: <b data-field>NAME</b>'
                                '</p><img data-field style="width: 1cm" src="IMAGE">')

    def batch(names):
        return [page.replace("LOGO", f"{relative}/a.png").replace("NAME", name)
                .replace("IMAGE", f"{relative}/{image}") for name, image in names]

    first = batch([("Jan", "a.png"), ("Piet", "b.png")])
    assert pdf.write_pdfs(first) == [pdf.write_pdf(html) for html in first]
    assert len(layouts) == 1 + 2
    # The logo the kept page was laid out with changes: the page is laid out again.
    from PIL import Image

    Image.new("L", (60, 20), 100).save(images_in_static / "a.png")
    layouts.clear()
    second = batch([("Klaas", "b.png")])
    assert pdf.write_pdfs(second) == [pdf.write_pdf(html) for html in second]
    assert len(layouts) == 1 + 1
