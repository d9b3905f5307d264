"""Draw the guide's picture as SVG on the server: no JavaScript, no external service, works offline.

Two panels side by side as two-column graphs: decision factors → the cancer attributes (or personal
factors) they read; treatments → the situations in which the graph says they are used, each edge
labelled with how often. Every box and edge is a link to its resource page, so the picture is also
a way in. Layout is deliberately simple (columns in the graph's own order), so it is stable.
"""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import wrap

from markupsafe import Markup, escape

from netkg.prefixes import BASE as DEFAULT_BASE
from netkg.web.pages import local_href, translate

WIDTH = 900
COLUMN = 270  # width of a box
ROW = 44  # height of a one-line box
LINE = 17  # extra height per extra line
GAP = 14
TOP = 64
CHARS = 34  # characters per line at 14px in a COLUMN-wide box
PANEL_GAP = 56


@dataclass(frozen=True)
class Box:
    """A node: the IRI it links to, its label and the label's language."""

    iri: str
    label: str
    lang: str | None = None


@dataclass(frozen=True)
class Edge:
    """An arrow from source to target (None: "in general"), optionally labelled and linked."""

    source: Box
    target: Box | None
    label: str | None = None
    href: str | None = None


@dataclass(frozen=True)
class Diagram:
    """Left panel: factors → what they read. Right panel: treatments → situations."""

    left: list[Edge]
    right: list[Edge]


@dataclass
class _Placed:
    box: Box
    x: float
    y: float
    lines: list[str]

    @property
    def height(self) -> float:
        return ROW + LINE * (len(self.lines) - 1)


def _lines(label: str) -> list[str]:
    text = label[:1].upper() + label[1:]
    return wrap(text, CHARS) or [text]


def _column(boxes: list[Box], x: float, top: float) -> dict[str, _Placed]:
    placed: dict[str, _Placed] = {}
    y = top
    for box in boxes:
        if box.iri in placed:
            continue
        item = _Placed(box, x, y, _lines(box.label))
        placed[box.iri] = item
        y += item.height + GAP
    return placed


def _unique(boxes: list[Box]) -> list[Box]:
    seen: dict[str, Box] = {}
    for box in boxes:
        seen.setdefault(box.iri, box)
    return list(seen.values())


def _box_svg(item: _Placed, css: str, base: str, page_lang: str) -> str:
    """One box; a label in another language than the page's is tagged and says so."""
    box = item.box
    foreign = bool(box.lang) and box.lang != page_lang
    lang = f' lang="{escape(box.lang or "")}"' if foreign else ""
    texts = "".join(
        f'<tspan x="{item.x + 12:.0f}" dy="{0 if n == 0 else LINE}">{escape(line)}</tspan>'
        for n, line in enumerate(item.lines)
    )
    if foreign:
        marker = escape(f"({translate(page_lang, f'untranslated.{box.lang}')})")
        texts += f'<tspan class="untranslated" lang="{escape(page_lang)}"> {marker}</tspan>'
    text_y = item.y + ROW / 2 + 5
    return (
        f'<a href="{escape(local_href(box.iri, base))}" class="node {css}">'
        f'<rect x="{item.x:.0f}" y="{item.y:.0f}" width="{COLUMN}" height="{item.height:.0f}" '
        f'rx="7"/><text x="{item.x + 12:.0f}" y="{text_y:.0f}"{lang}>{texts}</text></a>'
    )


def _edge_svg(start: _Placed, end: _Placed, label: str | None, href: str | None, base: str) -> str:
    x1, y1 = start.x + COLUMN, start.y + start.height / 2
    x2, y2 = end.x, end.y + end.height / 2
    mid = (x1 + x2) / 2
    path = f"M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {x2 - 6:.0f},{y2:.0f}"
    parts = [f'<path d="{path}" class="edge" marker-end="url(#netkg-arrow)"/>']
    if label:
        lx, ly = mid, (y1 + y2) / 2 + 4
        parts.append(f'<text x="{lx:.0f}" y="{ly:.0f}" class="edge-label">{escape(label)}</text>')
    body = "".join(parts)
    if href:
        return f'<a href="{escape(local_href(href, base))}" class="edge-link">{body}</a>'
    return f"<g>{body}</g>"


def _panel(
    edges: list[Edge],
    top: float,
    heads: tuple[str, str],
    css: tuple[str, str],
    base: str,
    lang: str,
) -> tuple[str, float]:
    """One two-column graph starting at `top`; targets ordered to keep edges from crossing."""
    sources = _column(_unique([e.source for e in edges]), 0, top + TOP)
    rank = {iri: n for n, iri in enumerate(sources)}
    weights: dict[str, list[int]] = {}
    for edge in edges:
        if edge.target is not None:
            weights.setdefault(edge.target.iri, []).append(rank[edge.source.iri])
    targets_in_order = sorted(
        _unique([e.target for e in edges if e.target]),
        key=lambda b: (sum(weights[b.iri]) / len(weights[b.iri]), min(weights[b.iri])),
    )
    targets = _column(targets_in_order, WIDTH - COLUMN, top + TOP)
    merged: dict[tuple[str, str], tuple[list[str], str | None]] = {}
    for edge in edges:
        if edge.target is None:
            continue
        labels, href = merged.setdefault((edge.source.iri, edge.target.iri), ([], edge.href))
        if edge.label and edge.label not in labels:
            labels.append(edge.label)
    out = [
        f'<text x="0" y="{top + TOP - 16:.0f}" class="column-head">{escape(heads[0])}</text>',
        f'<text x="{WIDTH - COLUMN}" y="{top + TOP - 16:.0f}" class="column-head">'
        f"{escape(heads[1])}</text>",
    ]
    for (source, target), (labels, href) in merged.items():
        out.append(
            _edge_svg(sources[source], targets[target], " · ".join(labels) or None, href, base)
        )
    out += [_box_svg(item, css[0], base, lang) for item in sources.values()]
    out += [_box_svg(item, css[1], base, lang) for item in targets.values()]
    bottom = max([p.y + p.height for p in [*sources.values(), *targets.values()]], default=top)
    return "".join(out), bottom


STYLE = """
.node rect{stroke-width:1.5}
.node text{font:14px system-ui,'Liberation Sans','DejaVu Sans',sans-serif;fill:#1d2a33}
.n-factor rect{fill:#e4f0f1;stroke:#0b5563}
.n-attr rect{fill:#ffffff;stroke:#0b5563}
.n-treat rect{fill:#eaf2e3;stroke:#2f5a14}
.n-sit rect{fill:#fbf3e4;stroke:#7a4b0c}
.node:hover rect,.node:focus rect{stroke-width:3}
.rule{stroke:#d9dedf;stroke-width:1}
.edge{fill:none;stroke:#6b7a84;stroke-width:1.5}
.edge-link:hover .edge,.edge-link:focus .edge{stroke:#0b5563;stroke-width:3}
.edge-label{font:600 13px system-ui,'Liberation Sans','DejaVu Sans',sans-serif;fill:#2f3d46;
 text-anchor:middle;paint-order:stroke;stroke:#ffffff;stroke-width:4px;stroke-linejoin:round}
.column-head{font:700 13px system-ui,'Liberation Sans','DejaVu Sans',sans-serif;fill:#4a5a66;
 letter-spacing:.04em;text-transform:uppercase}
.panel-title{font:650 17px system-ui,'Liberation Sans','DejaVu Sans',sans-serif;fill:#1d2a33}
a:focus{outline:3px solid #b35c00}
"""


def render_svg(
    diagram: Diagram, *, lang: str = "en", base: str = DEFAULT_BASE, standalone: bool = False
) -> Markup:
    """The diagram as an `<svg>` element (inline in the guide) or a whole SVG document."""
    left, left_bottom = _panel(
        diagram.left,
        0,
        (translate(lang, "diagram.factors"), translate(lang, "diagram.attributes")),
        ("n-factor", "n-attr"),
        base,
        lang,
    )
    right, right_bottom = _panel(
        diagram.right,
        left_bottom + PANEL_GAP,
        (translate(lang, "diagram.treatments"), translate(lang, "diagram.situations")),
        ("n-treat", "n-sit"),
        base,
        lang,
    )
    rule = f'<path d="M0,{left_bottom + PANEL_GAP / 2 + 4:.0f} H{WIDTH}" class="rule"/>'
    left += rule
    height = right_bottom + 16
    title = escape(translate(lang, "diagram.title"))
    desc = escape(translate(lang, "guide.diagram.intro"))
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' if standalone else ""
    xmlns = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    svg = (
        f'{head}<svg{xmlns} viewBox="-8 0 {WIDTH + 16} {height:.0f}" width="{WIDTH + 16}" '
        f'height="{height:.0f}" role="group" aria-labelledby="netkg-diagram-title" '
        f'aria-describedby="netkg-diagram-desc" lang="{escape(lang)}" class="netkg-diagram">'
        f'<title id="netkg-diagram-title">{title}</title>'
        f'<desc id="netkg-diagram-desc">{desc}</desc>'
        f"<style>{STYLE}</style>"
        '<defs><marker id="netkg-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#6b7a84"/></marker></defs>'
        f'<rect x="-8" y="0" width="{WIDTH + 16}" height="{height:.0f}" fill="#ffffff"/>'
        f"<g class='panel panel-factors'>{left}</g>"
        f"<g class='panel panel-treatments'>{right}</g>"
        "</svg>"
    )
    return Markup(svg)
