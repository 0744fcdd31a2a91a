"""One layout for many one-page documents that differ only in a few marked texts: a bulk
run's certificates differ only in the participant's name and number, the certificate code
and its QR code. WeasyPrint lays out one document of such a group; for each of the others,
the marked texts are shaped again in place on that page and the page is written anew.
Layout is two thirds of a certificate's cost, writing the other third.

A template marks such an element with ``data-field``: an element whose only content is
text, or an ``img`` whose ``src`` differs. Documents share a layout only if everything else
is the same, element for element, and only where nothing else on the page depends on a
field's text or width. A document is laid out on its own:
- if a field's text is not plain single-spaced left-to-right text, does not fit on its
  line (with a hundredth of a pixel to spare), or changes the line's height or baseline
  (another font); or if an image field is not an image of the same size;
- if a field is not the only line of its block, at the block's top, and the last thing on
  that line, left-aligned; or if it sits in anything whose size follows its content (a
  float, table, inline block, flex or grid item, columns), in or around a link, anchor,
  bookmark, running string, leader, background, shadow or transform;
- if anything on the page is drawn differently each time it is written (an ellipsis), or
  a style selects an image by its src (or comes from a linked stylesheet, unseen here).
tests/test_shared_layout.py compares the PDFs made both ways, byte for byte, and shows
each of these cases.

This reaches into WeasyPrint's layout objects (boxes and Pango layouts), which are not its
public API: pyproject.toml keeps WeasyPrint to one major version, and the tests fail on a
version whose boxes work otherwise.
"""

from __future__ import annotations

import types
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple
from xml.etree import ElementTree

FIELD = "data-field"


@dataclass
class Fields:
    """A parsed document's fields in document order with their values, and the key that
    documents sharing its layout have in common (None: it cannot share one)."""

    root: ElementTree.Element
    elements: list[ElementTree.Element]
    values: list[str | None]
    key: bytes | None


def read_fields(root: ElementTree.Element) -> Fields:
    """The fields of a parsed document (which is left as it was)."""
    elements = [element for element in root.iter() if FIELD in element.attrib]
    values = []
    for element in elements:
        if element.tag == "img":
            values.append(element.get("src"))
        elif len(element) or not plain_text(element.text):
            return Fields(root, elements, [], None)
        else:
            values.append(element.text)
    # A style may select an image by its src ([src$=".png"]), which then is more than a
    # value: such a document is laid out alone.
    if any("[src" in (style.text or "").lower() for style in root.iter("style")) or any(
            "stylesheet" in (link.get("rel") or "").lower() for link in root.iter("link")):
        return Fields(root, elements, [], None)
    # The document without its fields' values: equal for documents that share a layout.
    for element in elements:
        _set_value(element, "")
    key = ElementTree.tostring(root)
    for element, value in zip(elements, values, strict=True):
        _set_value(element, value)
    return Fields(root, elements, values, key)


def _set_value(element: ElementTree.Element, value: str | None) -> None:
    if element.tag != "img":
        element.text = value
    elif value is None:
        element.attrib.pop("src", None)
    else:
        element.set("src", value)


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
    """A laid-out one-page document whose fields' boxes are filled in for each document that
    shares its layout; write it after each fill."""

    def __init__(self, document, slots: list[_TextSlot | _ImageSlot]):
        self.document = document
        self.slots = slots

    @classmethod
    def of(cls, document, fields: Fields, load_image: Callable) -> SharedPage | None:
        """The document's page to share, or None if its layout cannot be shared.
        ``load_image(src, orientation)`` loads an image as the layout did."""
        if fields.key is None or len(document.pages) != 1:
            return None
        found: dict[int, list] = {id(element): [] for element in fields.elements}
        if not _collect(document.pages[0]._page_box, [], found):
            return None
        slots = []
        for element, value in zip(fields.elements, fields.values, strict=True):
            if len(found[id(element)]) != 1:
                return None
            [(box, ancestors)] = found[id(element)]
            if not _independent(box, ancestors):
                return None
            if element.tag == "img":
                slot = _ImageSlot.of(box, load_image)
            else:
                slot = _TextSlot.of(box, ancestors, value)
            if slot is None:
                return None
            slots.append(slot)
        return cls(document, slots)

    def fill(self, values: list[str | None]) -> bool:
        """Put one document's values into the page; False if its layout would differ (the
        page then holds some of them, and the next fill sets every field again)."""
        return all(slot.fill(value) for slot, value in zip(self.slots, values, strict=True))


def _collect(box, ancestors: list, found: dict[int, list]) -> bool:
    """Gather the field elements' text and image boxes with the boxes around them; False
    if something on the page is drawn differently each time it is written (WeasyPrint
    appends an ellipsis to the layout's text while drawing it)."""
    from weasyprint.formatting_structure import boxes

    if box.style["block_ellipsis"] != "none" or box.style["text_overflow"] != "clip":
        return False
    element = getattr(box, "element", None)
    # Generated content (::before, ::marker) counts too, so that such a field is not shared.
    if id(element) in found and (isinstance(box, (boxes.TextBox, boxes.ReplacedBox))
                                 or "::" in (box.element_tag or "")):
        found[id(element)].append((box, list(ancestors)))
    ancestors.append(box)
    try:
        return all(_collect(child, ancestors, found) for child in getattr(box, "children", ()))
    finally:
        ancestors.pop()


def _independent(box, ancestors: list) -> bool:
    """The boxes around a field do not take their size from it (blocks in normal flow, not
    a float, table cell, inline block, flex or grid item, nor in columns), and neither it
    nor a box around it is a link, an anchor, a bookmark, a running string or transformed
    (Page reads their text or size once, when it is made); the inline boxes around it,
    whose width follows the text, have no background or shadow (laid out for the first
    text's width)."""
    from weasyprint.formatting_structure import boxes

    for ancestor in ancestors:
        if type(ancestor) not in (boxes.PageBox, boxes.BlockBox, boxes.LineBox, boxes.InlineBox):
            return False
        if isinstance(ancestor, boxes.BlockBox) and not ancestor.is_in_normal_flow():
            return False
        if ancestor.style["column_count"] != "auto" or ancestor.style["column_width"] != "auto":
            return False
    if not all(getattr(each, "link", None) is None and each.style["anchor"] is None
               and each.style["bookmark_level"] == "none" and each.style["string_set"] == "none"
               and not each.style["transform"] for each in (*ancestors, box)):
        return False
    sized_by_text = [each for each in (*ancestors, box)
                     if isinstance(each, (boxes.InlineBox, boxes.TextBox))]
    return all(getattr(each, "background", None) is None and not each.style["box_shadow"]
               for each in sized_by_text)


# split_first_line reads the layout context only for hyphenation dictionaries ('hyphens:
# auto', which a field may not use).
_NO_HYPHENATION = types.SimpleNamespace(dictionaries={})


class _Shaped(NamedTuple):
    layout: object
    text: str
    width: float
    height: float
    baseline: float  # from the top of the margin box, as the inline layout sets it


@dataclass
class _TextSlot:
    box: object
    inline_boxes: list  # the line box and the inline boxes around the text in it
    is_line_start: bool

    @classmethod
    def of(cls, box, ancestors: list, text: str) -> _TextSlot | None:
        from weasyprint.formatting_structure import boxes

        style = box.style
        if (style["hyphens"] == "auto" or style["white_space"] != "normal"
                or style["text_transform"] != "none" or style["letter_spacing"] != "normal"
                or style["word_spacing"] != 0 or box.justification_spacing or box.text != text):
            return None
        lines = [i for i, ancestor in enumerate(ancestors) if isinstance(ancestor, boxes.LineBox)]
        if not lines or lines[-1] == 0:
            return None
        block, line = ancestors[lines[-1] - 1], ancestors[lines[-1]]
        inline_boxes = ancestors[lines[-1]:]
        # The only line of its block, where the block starts (not pushed down by a float):
        # laid out alone, a text that fits there would be there too, and nothing follows.
        if (len(block.children) != 1 or block.children[0] is not line
                or line.position_y != block.content_box_y()):
            return None
        # Left to right and left-aligned (the line's own style says how it is aligned), and
        # last on its line: a longer or shorter text moves nothing else.
        if (line.style["text_align_all"] not in ("start", "left")
                or line.style["text_align_last"] not in ("auto", "start", "left")
                or any(each.style["direction"] != "ltr" for each in (*inline_boxes, box))):
            return None
        contents = list(line.descendants())[1:]
        leaves = [each for each in contents if not getattr(each, "children", None)]
        if leaves[-1] is not box or any(getattr(each, "is_leader", False) for each in contents):
            return None
        slot = cls(box, inline_boxes, is_line_start=leaves[0] is box)
        # Shaping the text again must give the box exactly as layout left it.
        shaped = slot._shape(text)
        if shaped is None or (shaped.text, shaped.width, shaped.height, shaped.baseline) != (
                text, box.width, box.height, box.baseline):
            return None
        return slot

    def _shape(self, text: str) -> _Shaped | None:
        """The text on one line at the box's place, as the inline layout would shape it;
        None if it does not fit."""
        from weasyprint.text.line_break import split_first_line, strut

        box = self.box
        max_width = box.pango_layout.max_width
        layout, _, resume_index, width, height, baseline = split_first_line(
            text, box.style, _NO_HYPHENATION, max_width, 0, is_line_start=self.is_line_start)
        # With room to spare: WeasyPrint lets each nested inline box overflow its limit by a
        # hair (1e-9 of it), and a text that ends within that hair may wrap when laid out
        # alone. A hundredth of a pixel is far above it and below anything visible.
        if resume_index is not None or max_width is None or width > max_width - 0.01:
            return None
        line_height, _ = strut(box.style)
        return _Shaped(layout, layout.text, width, height, baseline + (line_height - height) / 2)

    def fill(self, text: str) -> bool:
        box = self.box
        if text == box.text:
            return True
        if not plain_text(text):
            return False
        shaped = self._shape(text)
        if (shaped is None or shaped.text != text
                or (shaped.height, shaped.baseline) != (box.height, box.baseline)):
            return False
        for each in self.inline_boxes:
            each.width += shaped.width - box.width
        box.text, box.pango_layout, box.width = text, shaped.layout, shaped.width
        return True


@dataclass
class _ImageSlot:
    box: object
    load_image: Callable
    size: tuple

    @classmethod
    def of(cls, box, load_image: Callable) -> _ImageSlot | None:
        from weasyprint.formatting_structure import boxes

        if not isinstance(box, boxes.ReplacedBox):  # the alt text of an image that failed
            return None
        size = _raster_size(box.replacement)
        return cls(box, load_image, size) if size is not None else None

    def fill(self, src: str | None) -> bool:
        image = self.load_image(src, self.box.style["image_orientation"])
        if image is None or _raster_size(image) != self.size:
            return False
        self.box.replacement = image
        return True


def _raster_size(image) -> tuple | None:
    from weasyprint.images import RasterImage

    return (image.width, image.height) if isinstance(image, RasterImage) else None
