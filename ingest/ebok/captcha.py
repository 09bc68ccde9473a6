"""A picture code drawn locally: digits as jittered blocks of a 5×7 bitmap font in SVG.

No text nodes carry the code (a bot must recognise shapes, not read markup), no third-party service
sees the customer, and nothing is fetched from a CDN.
"""

from __future__ import annotations

import secrets

GLYPHS = {
    "2": ["01110", "10001", "00001", "00110", "01000", "10000", "11111"],
    "3": ["11110", "00001", "00001", "01110", "00001", "00001", "11110"],
    "4": ["00010", "00110", "01010", "10010", "11111", "00010", "00010"],
    "5": ["11111", "10000", "11110", "00001", "00001", "10001", "01110"],
    "6": ["00110", "01000", "10000", "11110", "10001", "10001", "01110"],
    "7": ["11111", "00001", "00010", "00100", "01000", "01000", "01000"],
    "8": ["01110", "10001", "10001", "01110", "10001", "10001", "01110"],
    "9": ["01110", "10001", "10001", "01111", "00001", "00010", "01100"],
}


def new_code(length: int = 5) -> str:
    return "".join(secrets.choice(list(GLYPHS)) for _ in range(length))


def render(code: str) -> str:
    """SVG of ``code`` with per-glyph offset/rotation and noise lines."""
    rnd = secrets.SystemRandom()
    cell = 5
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{len(code) * 40 + 20}" height="60" '
             'viewBox="0 0 {w} 60"><rect width="100%" height="100%" fill="#f3f1ea"/>'.replace(
                 "{w}", str(len(code) * 40 + 20))]
    for i, ch in enumerate(code):
        x0, y0 = 12 + i * 40 + rnd.randint(-3, 3), 10 + rnd.randint(-5, 5)
        angle = rnd.randint(-18, 18)
        rects = "".join(f'<rect x="{x0 + c * cell}" y="{y0 + r * cell}" width="{cell}" height="{cell}"/>'
                        for r, row in enumerate(GLYPHS[ch]) for c, bit in enumerate(row) if bit == "1")
        parts.append(f'<g fill="#23415f" transform="rotate({angle} {x0 + 12} {y0 + 17})">{rects}</g>')
    for _ in range(6):
        parts.append(f'<line x1="{rnd.randint(0, 40)}" y1="{rnd.randint(0, 60)}" x2="{rnd.randint(160, 220)}" '
                     f'y2="{rnd.randint(0, 60)}" stroke="#8a7" stroke-width="1.5"/>')
    parts.append("</svg>")
    return "".join(parts)
