"""Regenerate the fonts the PDFs embed (leerhuis/static/fonts) from Debian's DejaVu Sans.

Why bundled: a certificate looks the same on every server, whatever fonts it has, and
WeasyPrint subsets a 950-glyph font for every PDF far faster than the 6,000-glyph system
font (a quarter less work per certificate). Kept: Latin with every accent used in European
names (Latin-1, Extended-A and -B, Vietnamese), punctuation, € and a few symbols; Pango
falls back to the system's fonts for anything else.

    .venv/bin/python scripts/make_pdf_fonts.py
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

SOURCE = Path("/usr/share/fonts/truetype/dejavu")
TARGET = Path(__file__).resolve().parent.parent / "leerhuis" / "static" / "fonts"
UNICODES = ("U+0020-007E,U+00A0-024F,U+0259,U+02BB-02BC,U+02C6-02C7,U+02D8-02DD,U+0300-0308,"
            "U+030A-030C,U+0327-0328,U+1E00-1EFF,U+2010-2027,U+2030-203A,U+2044,U+20AC,"
            "U+2116,U+2122,U+2190-2193,U+2212,U+FB01-FB02")
# source file → (target file, style): the subsets are renamed "Leerhuis Sans", so a PDF shows
# which font it embeds, and no one mistakes a subset for the full DejaVu Sans.
FONTS = {"DejaVuSans.ttf": ("LeerhuisSans-Regular.ttf", "Regular"),
         "DejaVuSans-Bold.ttf": ("LeerhuisSans-Bold.ttf", "Bold")}
FAMILY = "Leerhuis Sans"


def rename(path: Path, style: str) -> None:
    font = TTFont(path)
    names = font["name"]
    full = FAMILY if style == "Regular" else f"{FAMILY} {style}"
    postscript = f"{FAMILY.replace(' ', '')}-{style}"
    for name_id in (16, 17):  # typographic family/subfamily: the plain ones say it all
        names.removeNames(nameID=name_id)
    version = (names.getDebugName(5) or "").removeprefix("Version ").strip()  # "2.37"
    for name_id, value in {1: FAMILY, 2: style,
                           3: f"{postscript} (subset of DejaVu Sans {version})",
                           4: full, 6: postscript}.items():
        names.setName(value, name_id, 3, 1, 0x409)
        names.setName(value, name_id, 1, 0, 0)
    font.save(path)


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    for source, (target, style) in FONTS.items():
        subset.main([str(SOURCE / source), f"--unicodes={UNICODES}", "--layout-features=*",
                     "--name-IDs=*", "--name-legacy", "--name-languages=*", "--glyph-names",
                     "--notdef-outline", "--no-hinting", "--drop-tables+=MATH,FFTM",
                     f"--output-file={TARGET / target}"])
        rename(TARGET / target, style)
        print(f"{target}: {(TARGET / target).stat().st_size:,} bytes")
    # LICENSE-DejaVu.txt beside the fonts carries DejaVu's licence (Bitstream Vera and Arev):
    # both ask modified fonts to be renamed, which rename() does.


if __name__ == "__main__":
    main()
