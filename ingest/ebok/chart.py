"""Consumption per billing period as inline SVG bars (drawn on the server; no script, no CDN)."""

from __future__ import annotations

from html import escape


def bars_svg(points: list[tuple[str, float]], width: int = 640, height: int = 220) -> str:
    if not points:
        return ""
    top = max(v for _, v in points) or 1.0
    pad_l, pad_b, pad_t = 44, 36, 14
    inner_w, inner_h = width - pad_l - 10, height - pad_b - pad_t
    step = inner_w / len(points)
    bar = max(step * 0.6, 2)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}">']
    for frac in (0, 0.5, 1):
        y = pad_t + inner_h * (1 - frac)
        out.append(f'<line x1="{pad_l}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#ccd"/>'
                   f'<text x="{pad_l - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{top * frac:.1f}</text>')
    for i, (label, v) in enumerate(points):
        h = inner_h * v / top
        x = pad_l + i * step + (step - bar) / 2
        out.append(f'<rect x="{x:.1f}" y="{pad_t + inner_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                   f'fill="#2b6cb0"><title>{escape(label)}: {v:.3f} m³</title></rect>'
                   f'<text x="{x + bar / 2:.1f}" y="{height - pad_b + 14}" font-size="10" '
                   f'text-anchor="middle">{escape(label)}</text>'
                   f'<text x="{x + bar / 2:.1f}" y="{pad_t + inner_h - h - 3:.1f}" font-size="10" '
                   f'text-anchor="middle">{v:.1f}</text>')
    out.append("</svg>")
    return "".join(out)
