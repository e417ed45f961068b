"""Plot of build time and peak memory against corpus size, from bench_batch.py's JSON.

    python benchmarks/plot_scaling.py benchmarks/out/bench_batch.json benchmarks/scaling.svg

Two log-log panels (wall seconds; peak memory of all processes), one line per kind of run
(``--workers 1``, ``--workers 2``, Dask, a memory budget), with a dotted line of slope 1 (time
proportional to size) through the first ``--workers 2`` point. Plain SVG, no dependencies.
"""
from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

UNITS = {"B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
W, H, PAD = 330, 250, 52  # one panel, and its margin for the axes


def parse_bytes(text: str | None) -> float | None:
    """'1.9 GB' -> 1.9e9 (mentropy's summary line writes decimal units)."""
    m = re.match(r"([\d.]+)\s*([kKMGT]?B)", text or "")
    return float(m.group(1)) * UNITS[m.group(2)] if m else None


def kind(args: list[str]) -> str:
    """A run's label without its sizes: '--workers 2 --memory 1G' -> 'workers 2, budget'."""
    text = " ".join(args)
    if "--backend dask" in text:
        return "Dask (2 workers)"
    workers = re.search(r"--workers (\d+)", text)
    label = f"--workers {workers.group(1)}" if workers else "default"
    return label + (" + --memory" if "--memory" in text else "")


def series(result: dict) -> dict[str, list[tuple[float, float, float]]]:
    """kind -> [(bytes, wall seconds, peak bytes)] in size order."""
    out: dict[str, list] = {}
    for size in result["scaling"]:
        for run in size["runs"]:
            if "wall_s" not in run:
                continue
            peak = parse_bytes(run.get("peak_memory"))
            out.setdefault(kind(run["args"]), []).append((size["bytes"], run["wall_s"], peak))
    return out


def panel(x0: float, title: str, unit: str, points: dict, which: int, ref: bool) -> list[str]:
    xs = [p[0] for v in points.values() for p in v]
    ys = [p[which] for v in points.values() for p in v if p[which]]
    lx0, lx1 = math.log10(min(xs)) - 0.15, math.log10(max(xs)) + 0.15
    ly0, ly1 = math.log10(min(ys)) - 0.2, math.log10(max(ys)) + 0.2

    def px(x: float) -> float:
        return x0 + PAD + (math.log10(x) - lx0) / (lx1 - lx0) * (W - PAD - 10)

    def py(y: float) -> float:
        return H - PAD + 10 - (math.log10(y) - ly0) / (ly1 - ly0) * (H - PAD - 10)

    svg = [f'<text x="{x0 + W / 2 + PAD / 2}" y="14" text-anchor="middle" '
           f'font-weight="bold">{title}</text>',
           f'<rect x="{x0 + PAD}" y="10" width="{W - PAD - 10}" height="{H - PAD}" '
           'fill="none" stroke="#888"/>']
    for e in range(math.ceil(lx0), math.floor(lx1) + 1):
        x = px(10 ** e)
        svg.append(f'<line x1="{x}" y1="{H - PAD + 10}" x2="{x}" y2="{H - PAD + 15}" '
                   'stroke="#888"/>')
        label = {6: "1 MB", 7: "10 MB", 8: "100 MB", 9: "1 GB", 10: "10 GB"}.get(e, f"1e{e}")
        svg.append(f'<text x="{x}" y="{H - PAD + 28}" text-anchor="middle">{label}</text>')
    for e in range(math.ceil(ly0), math.floor(ly1) + 1):
        for m in (1, 2, 5):
            v = m * 10 ** e
            if not ly0 <= math.log10(v) <= ly1:
                continue
            y = py(v)
            svg.append(f'<line x1="{x0 + PAD - 5}" y1="{y}" x2="{x0 + PAD}" y2="{y}" '
                       'stroke="#888"/>')
            text = f"{v / 1e9:g} GB" if unit == "B" and v >= 1e9 else \
                f"{v / 1e6:g} MB" if unit == "B" else f"{v:g} s"
            svg.append(f'<text x="{x0 + PAD - 8}" y="{y + 4}" text-anchor="end">{text}</text>')
    for i, (name, pts) in enumerate(sorted(points.items())):
        pts = [p for p in pts if p[which]]
        colour = COLOURS[i % len(COLOURS)]
        path = " ".join(f"{px(p[0]):.1f},{py(p[which]):.1f}" for p in pts)
        svg.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        svg += [f'<circle cx="{px(p[0]):.1f}" cy="{py(p[which]):.1f}" r="3" fill="{colour}"/>'
                for p in pts]
    base = points.get("--workers 2")
    if ref and base:
        b, t = base[0][0], base[0][which]
        x1 = max(xs)
        svg.append(f'<line x1="{px(b):.1f}" y1="{py(t):.1f}" x2="{px(x1):.1f}" '
                   f'y2="{py(t * x1 / b):.1f}" stroke="#555" stroke-dasharray="3,3"/>')
    svg.append(f'<text x="{x0 + W / 2 + PAD / 2}" y="{H + 2}" text-anchor="middle">'
               'corpus size</text>')
    return svg


def plot(result: dict) -> str:
    """The SVG text of the two panels and a legend."""
    points = series(result)
    body = panel(0, "wall time", "s", points, 1, True) + \
        panel(W + 20, "peak memory, all processes", "B", points, 2, False)
    y = H + 22
    for i, name in enumerate(sorted(points)):
        colour = COLOURS[i % len(COLOURS)]
        x = 20 + i * 160
        body += [f'<line x1="{x}" y1="{y}" x2="{x + 20}" y2="{y}" stroke="{colour}" '
                 'stroke-width="2"/>', f'<text x="{x + 25}" y="{y + 4}">{name}</text>']
    body.append(f'<text x="{20 + len(points) * 160}" y="{y + 4}" fill="#555">dotted: time '
                '∝ size</text>')
    width, height = 2 * W + 30, H + 36
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'font-family="sans-serif" font-size="11">\n<rect width="100%" height="100%" '
            'fill="white"/>\n' + "\n".join(body) + "\n</svg>\n")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    result = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    Path(argv[1]).write_text(plot(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
