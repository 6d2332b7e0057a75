"""Small SVG charts drawn on the server for the leader's dashboard (no charting library, no script).

Each chart is a self-contained SVG document: `role="img"` with a `<title>` and a `<desc>` that say
in words what the bars say (the console also shows the same numbers as a table), every text
escaped, colours with enough contrast on white, no script, no external reference. The console shows
it through an `<img>` from a data: URL, like the process diagrams.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

# Colours (contrast ≥ 4.5:1 on white for text; bars ≥ 3:1).
INK, MUTED, GRID = "#1f2933", "#52606d", "#d9e2ec"
GOOD, BAD, NONE = "#1b7a43", "#b42318", "#7b8794"
FONT = "font-family='Segoe UI, Roboto, Noto Sans, Arial, sans-serif'"


def _pct(rate: float | None) -> str:
    return "N/A" if rate is None else f"{rate * 100:.0f}%".replace(".", ",")


def _svg(width: int, height: int, title: str, desc: str, body: list[str]) -> str:
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}' role='img' {FONT} font-size='12'>"
            f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
            f"<rect width='{width}' height='{height}' fill='#ffffff'/>" + "".join(body) + "</svg>")


def trend(points: list[dict], title: str, threshold: float = 1.0) -> str:
    """Bars of a rate per month: points = [{label, rate (0–1 or None), numerator, denominator}].
    A month below the threshold is drawn red, at or above it green, without dossiers grey."""
    width, height = 640, 240
    left, right, top, bottom = 44, 12, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    body = []
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        body.append(f"<line x1='{left}' y1='{y:.1f}' x2='{width - right}' y2='{y:.1f}' stroke='{GRID}'/>")
        body.append(f"<text x='{left - 6}' y='{y + 4:.1f}' text-anchor='end' fill='{MUTED}'>{_pct(tick)}</text>")
    n = max(1, len(points))
    slot = plot_w / n
    bar = min(36.0, slot * 0.7)
    words = []
    for i, p in enumerate(points):
        x = left + slot * i + (slot - bar) / 2
        rate = p.get("rate")
        label = escape(str(p["label"]))
        if rate is None:
            body.append(f"<rect x='{x:.1f}' y='{top + plot_h - 2:.1f}' width='{bar:.1f}' height='2' fill='{NONE}'/>")
        else:
            h = plot_h * max(0.0, min(1.0, rate))
            colour = GOOD if rate >= threshold else BAD
            body.append(f"<rect x='{x:.1f}' y='{top + plot_h - h:.1f}' width='{bar:.1f}' height='{h:.1f}' "
                        f"fill='{colour}'><title>{label}: {_pct(rate)} ({p.get('numerator')}/"
                        f"{p.get('denominator')})</title></rect>")
            body.append(f"<text x='{x + bar / 2:.1f}' y='{top + plot_h - h - 4:.1f}' text-anchor='middle' "
                        f"fill='{INK}' font-size='11'>{_pct(rate)}</text>")
        body.append(f"<text x='{x + bar / 2:.1f}' y='{height - bottom + 16}' text-anchor='middle' "
                    f"fill='{MUTED}' font-size='11'>{label}</text>")
        words.append(f"{p['label']}: {_pct(rate)}")
    body.append(f"<line x1='{left}' y1='{top + plot_h}' x2='{width - right}' y2='{top + plot_h}' stroke='{INK}'/>")
    return _svg(width, height, title, "; ".join(words), body)


def indicators(items: list[dict], title: str) -> str:
    """Horizontal bars, one per measured indicator: its rate against its threshold (a tick), with
    numerator/denominator written beside it; an unmeasured or N/A indicator is listed without a bar."""
    row, left, bar_w = 26, 64, 380
    width, height = left + bar_w + 150, 20 + row * max(1, len(items))
    body, words = [], []
    for i, ind in enumerate(items):
        y = 12 + row * i
        rate = ind.get("rate")
        code = escape(str(ind["code"]))
        body.append(f"<text x='8' y='{y + 13}' fill='{INK}' font-weight='600'>{code}</text>")
        body.append(f"<rect x='{left}' y='{y}' width='{bar_w}' height='16' fill='#f0f4f8' stroke='{GRID}'/>")
        if not ind.get("measured"):
            text = "chưa đo được"
        elif rate is None:
            text = "N/A (mẫu số 0)"
        else:
            threshold = float(ind.get("threshold") or 1.0)
            colour = GOOD if rate >= threshold else BAD
            body.append(f"<rect x='{left}' y='{y}' width='{bar_w * max(0.0, min(1.0, rate)):.1f}' height='16' "
                        f"fill='{colour}'/>")
            tx = left + bar_w * min(1.0, threshold)
            body.append(f"<line x1='{tx:.1f}' y1='{y - 3}' x2='{tx:.1f}' y2='{y + 19}' stroke='{INK}' "
                        f"stroke-dasharray='3 2'/>")
            num = ind.get("numerator")
            num = f"{num:g}" if isinstance(num, float) else num
            text = f"{_pct(rate)} ({num}/{ind.get('denominator')})"
        body.append(f"<text x='{left + bar_w + 8}' y='{y + 13}' fill='{INK}'>{escape(text)}</text>")
        words.append(f"{ind['code']}: {text}")
    return _svg(width, height, title, "; ".join(words), body)
