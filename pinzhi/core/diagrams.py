"""A workflow drawn from its declaration (issue 7 item 1): an SVG made on the server, without
scripts or a layout engine, in the reader's language.

States are boxes in layers by their distance from the start (the record's creation); a step
that changes the state is a labelled arrow from each state it starts from to each state it may
lead to (steps between the same two states share one arrow); a step that keeps the state is
listed inside the box of each state it may be taken from ("↻"). Arrows going back (to an
earlier layer, or within one) bend round the right-hand side.
"""

from collections import deque
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from pinzhi.lib.workflow import Workflow

START = "__start__"
FONT = 14
SMALL = 12
LINE = 18
LAYER_GAP = 120
NODE_GAP = 60
MARGIN = 30
PAD = 10


def _width(text: str, size: int) -> int:
    """An estimate of the drawn width: a CJK character is about one em, others half."""
    return int(sum(size if ord(c) > 0x2E80 else size * 0.6 for c in text))


@dataclass
class Node:
    key: str
    title: str
    loops: list[str] = field(default_factory=list)
    final: bool = False
    layer: int = 0
    x: float = 0
    y: float = 0
    w: float = 0
    h: float = 0


@dataclass
class Edge:
    source: str
    target: str
    labels: list[str]


def _graph(workflow: Workflow) -> tuple[dict[str, Node], list[Edge]]:
    nodes: dict[str, Node] = {}
    if any(step.creates for step in workflow.steps):
        nodes[START] = Node(START, str(workflow.initial or _("Start")))
    for state, label in workflow.states.items():
        nodes[state] = Node(state, str(label))
    edges: dict[tuple[str, str], Edge] = {}
    for step in workflow.steps:
        label = str(step.label)
        sources = list(step.sources) if step.sources else [START]
        for source in sorted(sources, key=list(nodes).index):
            keeps = not step.targets or source in step.targets
            if keeps and source != START:
                nodes[source].loops.append(label)
            for target in step.targets:
                if target == source:
                    continue
                edge = edges.setdefault((source, target), Edge(source, target, []))
                edge.labels.append(label)
    leaving = {edge.source for edge in edges.values()}
    for key, node in nodes.items():
        node.final = key != START and key not in leaving
    return nodes, list(edges.values())


def _layout(nodes: dict[str, Node], edges: list[Edge]) -> tuple[int, int]:
    """Layers by breadth-first distance from the start (or the first state); returns the
    drawing's width and height."""
    following: dict[str, list[str]] = {key: [] for key in nodes}
    for edge in edges:
        following[edge.source].append(edge.target)
    first = next(iter(nodes))
    depth = {first: 0}
    queue = deque([first])
    while queue:
        key = queue.popleft()
        for nxt in following[key]:
            if nxt not in depth:
                depth[nxt] = depth[key] + 1
                queue.append(nxt)
    last = max(depth.values(), default=0)
    for key in nodes:
        if key not in depth:
            last += 1
            depth[key] = last
    for key, node in nodes.items():
        node.layer = depth[key]
        lines = [node.title] + [f"↻ {loop}" for loop in node.loops]
        node.w = (
            max([_width(node.title, FONT)] + [_width(text, SMALL) for text in lines[1:]] + [80])
            + 2 * PAD
        )
        node.h = LINE + PAD * 2 + LINE * len(node.loops) - (4 if node.loops else 0)
    layers: dict[int, list[Node]] = {}
    for node in nodes.values():
        layers.setdefault(node.layer, []).append(node)
    widths = {
        layer: sum(n.w for n in row) + NODE_GAP * (len(row) - 1) for layer, row in layers.items()
    }
    width = int(max(widths.values()) + 2 * MARGIN + 220)
    y: float = MARGIN
    for layer in sorted(layers):
        row = layers[layer]
        x = MARGIN + (width - 220 - 2 * MARGIN - widths[layer]) / 2
        for node in row:
            node.x, node.y = x, y
            x += node.w + NODE_GAP
        y += max(n.h for n in row) + LAYER_GAP
    return width, int(y - LAYER_GAP + MARGIN)


def _label(x: float, y: float, text: str) -> str:
    w = _width(text, SMALL) + 8
    return (
        f'<rect x="{x - w / 2:.0f}" y="{y - 10:.0f}" width="{w:.0f}" height="18" rx="3" '
        f'fill="#fff" fill-opacity="0.9"/>'
        f'<text x="{x:.0f}" y="{y + 3:.0f}" font-size="{SMALL}" text-anchor="middle" '
        f'fill="#0d6efd" class="wf-step">{escape(text)}</text>'
    )


def workflow_svg(workflow: Workflow) -> SafeString:
    """The SVG of `workflow`, every state and every step named in the active language."""
    nodes, edges = _graph(workflow)
    width, height = _layout(nodes, edges)
    title = escape(str(workflow.label))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{title}" '
        f'data-testid="workflow-diagram" font-family="sans-serif">',
        f"<title>{title}</title>",
        '<defs><marker id="wf-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#495057"/></marker></defs>',
    ]
    # Spread the ends of several arrows along a box's edge.
    outgoing: dict[str, list[Edge]] = {}
    incoming: dict[str, list[Edge]] = {}
    for edge in edges:
        outgoing.setdefault(edge.source, []).append(edge)
        incoming.setdefault(edge.target, []).append(edge)
    bend = 0
    for edge in edges:
        a, b = nodes[edge.source], nodes[edge.target]
        text = "、".join(edge.labels)
        if b.layer > a.layer:
            out = outgoing[edge.source]
            inc = incoming[edge.target]
            x1 = a.x + a.w * (out.index(edge) + 1) / (len(out) + 1)
            x2 = b.x + b.w * (inc.index(edge) + 1) / (len(inc) + 1)
            y1, y2 = a.y + a.h, b.y
            mid = (y1 + y2) / 2
            parts.append(
                f'<path d="M{x1:.0f},{y1:.0f} C{x1:.0f},{mid:.0f} {x2:.0f},{mid:.0f} '
                f'{x2:.0f},{y2:.0f}" fill="none" stroke="#495057" stroke-width="1.5" '
                f'marker-end="url(#wf-arrow)"/>'
            )
            parts.append(_label((x1 + x2) / 2, mid, text))
        else:
            # Back (or sideways): round the right-hand side.
            bend += 1
            x1, y1 = a.x + a.w, a.y + a.h / 2
            x2, y2 = b.x + b.w, b.y + b.h / 2 + 6
            side = max(x1, x2) + 40 + 30 * bend
            parts.append(
                f'<path d="M{x1:.0f},{y1:.0f} C{side:.0f},{y1:.0f} {side:.0f},{y2:.0f} '
                f'{x2:.0f},{y2:.0f}" fill="none" stroke="#6c757d" stroke-width="1.5" '
                f'stroke-dasharray="5 3" marker-end="url(#wf-arrow)"/>'
            )
            parts.append(_label(side - 10, (y1 + y2) / 2, text))
    for node in nodes.values():
        if node.key == START:
            fill, stroke = "#212529", "#212529"
            colour = "#fff"
        elif node.final:
            fill, stroke, colour = "#e9ecef", "#6c757d", "#212529"
        else:
            fill, stroke, colour = "#e7f1ff", "#0d6efd", "#212529"
        parts.append(
            f'<g class="wf-state" data-state="{escape(node.key)}">'
            f'<rect x="{node.x:.0f}" y="{node.y:.0f}" width="{node.w:.0f}" height="{node.h:.0f}" '
            f'rx="{14 if node.key == START else 6}" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{2.5 if node.final else 1.5}"/>'
            f'<text x="{node.x + node.w / 2:.0f}" y="{node.y + PAD + FONT:.0f}" '
            f'font-size="{FONT}" font-weight="bold" text-anchor="middle" fill="{colour}">'
            f"{escape(node.title)}</text>"
        )
        for index, loop in enumerate(node.loops):
            y = node.y + PAD + FONT + LINE * (index + 1)
            parts.append(
                f'<text x="{node.x + PAD:.0f}" y="{y:.0f}" font-size="{SMALL}" fill="#495057" '
                f'class="wf-step">↻ {escape(loop)}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped
