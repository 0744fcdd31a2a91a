"""The PDF renderer as a process sees it: fonts, layout processes, and what a process
leaves behind when it ends."""

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
            pages = pdf.start_pdfs_split_many([html, html])()
            assert [len(p) for p in pages] == [1, 1]
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
