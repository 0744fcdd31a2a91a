"""One layout for many one-page documents that differ only in a few marked texts: a bulk
run's certificates differ only in the participant's name and number, the certificate code
and its QR code. WeasyPrint lays out the first document of such a group; for each of the
others, the marked texts are shaped again in place on that page and the page is written
anew. Layout is two thirds of a certificate's cost, writing the other third.

A template marks such an element with ``data-field``: an element whose only content is
text on one line, or an ``img`` whose ``src`` differs. Documents share a layout only if
everything else is the same, element for element. A document is laid out on its own
whenever sharing could make it differ from a layout of its own: a text that would not fit
on its line, or that would change the line's height or baseline; a text that is not plain
single-spaced left-to-right text; an image of another size. tests/test_shared_layout.py
compares the PDFs made both ways, byte for byte.

This reaches into WeasyPrint's layout objects (boxes and Pango layouts), which are not its
public API: pyproject.toml keeps WeasyPrint to one major version, and the tests fail on a
version whose boxes work otherwise.
"""

from __future__ import annotations

import types
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree import ElementTree

FIELD = "data-field"


@dataclass
class Parsed:
    """A parsed document: its tree, the key that documents sharing its layout have in
    common (None: it cannot share one), and its fields' values in document order."""

    root: ElementTree.Element
    key: bytes | None
    values: list[str]


def parse(root: ElementTree.Element) -> Parsed:
    fields = [element for element in root.iter() if FIELD in element.attrib]
    values = []
    for element in fields:
        if element.tag == "img":
            values.append(element.get("src") or "")
        elif len(element) or not plain_text(element.text):
            return Parsed(root, None, [])
        else:
            values.append(element.text)
    # The document without its fields' values: equal for documents that share a layout.
    for element in fields:
        _set_value(element, "")
    key = ElementTree.tostring(root)
    for element, value in zip(fields, values, strict=True):
        _set_value(element, value)
    return Parsed(root, key, values)


def _set_value(element: ElementTree.Element, value: str) -> None:
    if element.tag == "img":
        element.set("src", value)
    else:
        element.text = value


def plain_text(text: str | None) -> bool:
    """Text that WeasyPrint lays out as it is: single spaces between words, none at either
    end, no other white space, control or format characters, and no right-to-left script
    (which Pango would reorder)."""
    if not text or text.strip(" ") != text or "  " in text:
        return False
    return all(char == " " or (unicodedata.category(char)[0] not in "CZ"
                               and unicodedata.bidirectional(char) not in ("R", "AL", "AN"))
               for char in text)


class SharedPage:
    """The laid-out page of a group's first document, with the boxes of its fields."""

    def __init__(self, document, slots: list[_TextSlot | _ImageSlot]):
        self.document = document
        self.slots = slots

    @classmethod
    def of(cls, document, parsed: Parsed, load_image: Callable) -> SharedPage | None:
        """The page to share, or None if the layout cannot be shared: more than one page, or
        a field whose boxes are not one text on one line (or one image)."""
        if len(document.pages) != 1:
            return None
        fields = [element for element in parsed.root.iter() if FIELD in element.attrib]
        found: dict[int, list] = {id(element): [] for element in fields}
        _collect(document.pages[0]._page_box, [], found)
        slots = []
        for element, value in zip(fields, parsed.values, strict=True):
            boxes = found[id(element)]
            if len(boxes) != 1 or not _independent(*boxes[0]):
                return None
            box, ancestors = boxes[0]
            if element.tag == "img":
                slot = _ImageSlot.of(box, load_image)
            else:
                slot = _TextSlot.of(box, ancestors, value)
            if slot is None:
                return None
            slots.append(slot)
        return cls(document, slots)

    def fill(self, values: list[str]) -> bool:
        """Put one document's values into the page; False if its layout would differ (the
        page is then in no fixed state until the next fill)."""
        return all(slot.fill(value) for slot, value in zip(self.slots, values, strict=True))


def _independent(box, ancestors: list) -> bool:
    """Nothing on the page depends on the field's text or width: it sits in blocks in normal
    flow whose width does not depend on their content (not a float, table cell, inline
    block, flex or grid item, nor in columns), and neither it nor a box around it is a link,
    an anchor, a bookmark, a running string or transformed (those read its text or size when
    the page is made)."""
    from weasyprint.formatting_structure import boxes

    for ancestor in ancestors:
        if type(ancestor) not in (boxes.PageBox, boxes.BlockBox, boxes.LineBox, boxes.InlineBox):
            return False
        if isinstance(ancestor, boxes.BlockBox) and not ancestor.is_in_normal_flow():
            return False
        if ancestor.style["column_count"] != "auto" or ancestor.style["column_width"] != "auto":
            return False
    return all(getattr(each, "link", None) is None and each.style["anchor"] is None
               and each.style["bookmark_level"] == "none" and each.style["string_set"] == "none"
               and not each.style["transform"] for each in (*ancestors, box))


def _collect(box, ancestors: list, found: dict[int, list]) -> None:
    """The text and image boxes of the field elements, with their ancestors on the page."""
    from weasyprint.formatting_structure import boxes

    element = getattr(box, "element", None)
    # Generated content (::before, ::marker) counts too, so that such a field is not shared.
    if id(element) in found and (isinstance(box, (boxes.TextBox, boxes.ReplacedBox))
                                 or "::" in (box.element_tag or "")):
        found[id(element)].append((box, list(ancestors)))
    ancestors.append(box)
    for child in getattr(box, "children", ()):
        _collect(child, ancestors, found)
    ancestors.pop()


# Pango's layouts need a layout context only for hyphenation dictionaries ('hyphens: auto',
# which a field may not use).
_NO_HYPHENATION = types.SimpleNamespace(dictionaries={})


@dataclass
class _TextSlot:
    box: object
    inline_ancestors: list  # the inline boxes around it in its line, and the line box
    is_line_start: bool

    @classmethod
    def of(cls, box, ancestors: list, text: str) -> _TextSlot | None:
        from weasyprint.formatting_structure import boxes

        style = box.style
        if (style["direction"] != "ltr" or style["hyphens"] == "auto"
                or style["text_align_all"] not in ("start", "left")
                or style["text_align_last"] not in ("auto", "start", "left")
                or style["white_space"] != "normal" or style["text_transform"] != "none"
                or style["letter_spacing"] != "normal" or style["word_spacing"] != 0
                or box.justification_spacing or box.text != text):
            return None
        lines = [i for i, ancestor in enumerate(ancestors) if isinstance(ancestor, boxes.LineBox)]
        if not lines:
            return None
        line = ancestors[lines[-1]]
        leaves = list(_leaves(line))
        # Last on its line: a longer or shorter text moves nothing after it.
        if leaves[-1] is not box:
            return None
        slot = cls(box, ancestors[lines[-1]:], is_line_start=leaves[0] is box)
        # Shaping the text again must give the box exactly as layout left it.
        return slot if slot._shape(text) == (text, box.width, box.height, box.baseline) else None

    def _shape(self, text: str):
        from weasyprint.text.line_break import split_first_line, strut

        box = self.box
        max_width = box.pango_layout.max_width
        layout, _, resume_index, width, height, baseline = split_first_line(
            text, box.style, _NO_HYPHENATION, max_width, 0, is_line_start=self.is_line_start)
        if resume_index is not None or max_width is None or width > max_width:
            return None
        self._layout = layout
        # As the inline layout sets it: from the top of the margin box, with half the
        # leading above the text.
        line_height, _ = strut(box.style)
        return layout.text, width, height, baseline + (line_height - height) / 2

    def fill(self, text: str) -> bool:
        box = self.box
        if text == box.text:
            return True
        if not plain_text(text):
            return False
        shaped = self._shape(text)
        if shaped is None or shaped[0] != text or shaped[2:] != (box.height, box.baseline):
            return False
        delta = shaped[1] - box.width
        box.text, box.pango_layout, box.width = text, self._layout, shaped[1]
        for ancestor in self.inline_ancestors:
            ancestor.width += delta
        return True


def _leaves(box):
    children = getattr(box, "children", None)
    if not children:
        yield box
        return
    for child in children:
        yield from _leaves(child)


@dataclass
class _ImageSlot:
    box: object
    load_image: Callable
    size: tuple

    @classmethod
    def of(cls, box, load_image: Callable) -> _ImageSlot | None:
        size = _raster_size(box.replacement)
        return cls(box, load_image, size) if size is not None else None

    def fill(self, src: str) -> bool:
        image = self.load_image(src, self.box.style["image_orientation"])
        if image is None or _raster_size(image) != self.size:
            return False
        self.box.replacement = image
        return True


def _raster_size(image) -> tuple | None:
    from weasyprint.images import RasterImage

    return (image.width, image.height) if isinstance(image, RasterImage) else None
