"""Server-side SVG charts (pygal), the same on screen and in PDFs."""

from __future__ import annotations

import base64
import functools
import sys


@functools.cache
def _pygal():
    """pygal on first use (a web worker that draws no chart does not carry it)."""
    import pygal  # noqa: PLC0415 - pygal (70 ms) only in a worker that draws a chart
    from pygal.style import Style  # noqa: PLC0415 - pygal (70 ms) only in a worker that draws a chart

    # pygal installs an import hook for its optional map plugins that only has the pre-3.4
    # find_module API; Python warns about it on every later import. We use no map plugins.
    sys.meta_path[:] = [finder for finder in sys.meta_path
                        if type(finder).__name__ != "PluginImportFixer"]
    style = Style(background="white", plot_background="white", foreground="#1a1a1a",
                  foreground_strong="#1a1a1a", foreground_subtle="#555555",
                  colors=("#154273", "#3b7a57", "#a4161a", "#8a6d00"),
                  font_family="DejaVu Sans", label_font_size=12, major_label_font_size=12,
                  legend_font_size=12, title_font_size=14)
    return pygal, style


def bar_chart(title: str, labels: list[str], series: dict[str, list[float]], *,
              scale_max: float | None = None, whole_numbers: bool = False) -> bytes:
    """A horizontal bar chart. ``scale_max`` fixes the axis (a grade runs to 10, not to the
    highest average); ``whole_numbers`` puts ticks on integers only (counts of activities)."""
    pygal, style = _pygal()
    chart = pygal.HorizontalBar(style=style, width=720, height=max(220, 60 + 28 * len(labels)),
                                show_legend=len(series) > 1, legend_at_bottom=True,
                                print_values=False, disable_xml_declaration=False)
    highest = max((v for values in series.values() for v in values if v is not None), default=0)
    top = scale_max if scale_max is not None else highest
    if scale_max is not None:
        chart.range = (0, scale_max)
    if whole_numbers or scale_max is not None:
        top = max(1, int(-(-top // 1)))
        step = max(1, top // 10)
        chart.y_labels = list(range(0, top + 1, step))
    chart.title = str(title)  # labels may be lazy translations
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(str(name), values)
    return chart.render()


def data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
