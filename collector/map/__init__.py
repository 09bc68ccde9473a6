"""The crew's coverage map: one self-contained HTML file (inline SVG, no tiles, no CDN) and a PNG.

A van has no mobile data at the depot and a clerk may open the file years later, so the map carries
everything it shows: the route's meters, the track, and the counts, drawn over the meters' own
coordinates rather than over a tile server's streets.
"""

from collector.map.render import MapMeter, render_html, render_png

__all__ = ["MapMeter", "render_html", "render_png"]
