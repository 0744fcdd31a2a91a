"""Server-side SVG charts (pygal), the same on screen and in PDFs."""

from __future__ import annotations

import base64
import sys

import pygal
from pygal.style import Style

# pygal installs an import hook for its optional map plugins that only has the pre-3.4
# find_module API; Python warns about it on every later import. We use no map plugins.
sys.meta_path[:] = [finder for finder in sys.meta_path
                    if type(finder).__name__ != "PluginImportFixer"]

STYLE = Style(background="white", plot_background="white", foreground="#1a1a1a",
              foreground_strong="#1a1a1a", foreground_subtle="#555555",
              colors=("#154273", "#3b7a57", "#a4161a", "#8a6d00"), font_family="DejaVu Sans",
              label_font_size=12, major_label_font_size=12, legend_font_size=12, title_font_size=14)


def bar_chart(title: str, labels: list[str], series: dict[str, list[float]]) -> bytes:
    chart = pygal.HorizontalBar(style=STYLE, width=720, height=max(220, 60 + 28 * len(labels)),
                                show_legend=len(series) > 1, legend_at_bottom=True,
                                print_values=False, disable_xml_declaration=False)
    chart.title = str(title)  # labels may be lazy translations
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(str(name), values)
    return chart.render()


def data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
