"""The lab's results plots as inline SVG (no JS library): perplexity against bits, decode
speed against size on disk. Every label is escaped; the admin's results page shows them."""

from __future__ import annotations

import math
from typing import Any

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#2a7ae2", "#d9342b", "#2e9e44", "#b07b00", "#8e44ad", "#16a2b8", "#555"]
W, H, PAD, LEGEND = 600, 300, 50, 110


def results_plots(data: dict[str, Any]) -> dict[str, str]:
    """Two SVG plots: perplexity vs bits (one line per method and group), tokens/s vs size."""
    ppl: dict[str, list[tuple[float, float]]] = {}
    speed: dict[str, list[tuple[float, float]]] = {}
    baselines = [r["ppl_baseline"] for r in data["quantization"] if r.get("ppl_baseline")]
    for row in data["quantization"]:
        label = f"{row['method']} g{row['group_size']}"
        if row.get("ppl_quantized"):
            ppl.setdefault(label, []).append((row["bits"], row["ppl_quantized"]))
        if row.get("size_mb") and row.get("decode_tok_s"):
            speed.setdefault(label, []).append((row["size_mb"], row["decode_tok_s"]))
    for row in data["benchmarks"]:
        if row.get("size_mb") and row.get("tokens_per_s"):
            speed.setdefault("benchmarks", []).append((row["size_mb"], row["tokens_per_s"]))
    return {
        "ppl_plot": line_plot(
            ppl,
            "bits per weight code",
            "perplexity",
            log_y=True,
            hline=min(baselines) if baselines else None,
            hline_label="baseline",
        ),
        "speed_plot": line_plot(speed, "size on disk (MB)", "decode tokens/s", connect=False),
    }


def _ticks(values: list[float], low: float, high: float, log: bool) -> list[float]:
    distinct = sorted(set(values))
    if len(distinct) <= 6:
        return distinct
    if log:
        return [
            math.exp(math.log(low) + i * (math.log(high) - math.log(low)) / 4) for i in range(5)
        ]
    return [low + i * (high - low) / 4 for i in range(5)]


def _span(values: list[float], log: bool) -> tuple[float, float]:
    if log:
        low, high = math.log(min(values)), math.log(max(values))
        margin = (high - low) * 0.08 or 0.1
        return math.exp(low - margin), math.exp(high + margin)
    low, high = min(values), max(values)
    margin = (high - low) * 0.08 or abs(high) * 0.1 or 1.0
    return max(low - margin, 0.0) if low >= 0 else low - margin, high + margin


class _Axes:
    """Maps data to pixels inside the plot area; y may be logarithmic."""

    def __init__(self, xs: list[float], ys: list[float], log_y: bool) -> None:
        self.log_y = log_y
        (self.x0, self.x1), (self.y0, self.y1) = _span(xs, False), _span(ys, log_y)

    def x(self, value: float) -> float:
        return PAD + (value - self.x0) / (self.x1 - self.x0) * (W - 2 * PAD - LEGEND)

    def y(self, value: float) -> float:
        f = math.log if self.log_y else float
        return H - PAD - (f(value) - f(self.y0)) / (f(self.y1) - f(self.y0)) * (H - 2 * PAD)


def _frame(ax: _Axes, xs: list[float], ys: list[float], x_label: str, y_label: str) -> list[str]:
    right = W - PAD - LEGEND
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" role="img" '
        f'aria-label="{escape(y_label)} vs {escape(x_label)}" '
        'style="font:11px sans-serif;background:#fff">',
        f'<line x1="{PAD}" y1="{H - PAD}" x2="{right}" y2="{H - PAD}" stroke="#333"/>',
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{H - PAD}" stroke="#333"/>',
        f'<text x="{(PAD + right) / 2}" y="{H - 12}" text-anchor="middle">{escape(x_label)}</text>',
        f'<text x="12" y="{H / 2}" transform="rotate(-90 12 {H / 2})" '
        f'text-anchor="middle">{escape(y_label)}{" (log scale)" if ax.log_y else ""}</text>',
    ]
    parts += [
        f'<text x="{ax.x(x):.1f}" y="{H - PAD + 14}" text-anchor="middle">{x:.3g}</text>'
        for x in _ticks(xs, ax.x0, ax.x1, False)
    ]
    parts += [
        f'<text x="{PAD - 4}" y="{ax.y(y) + 4:.1f}" text-anchor="end">{y:.4g}</text>'
        for y in _ticks(ys, ax.y0, ax.y1, ax.log_y)
    ]
    return parts


def line_plot(
    series: dict[str, list[tuple[float, float]]],
    x_label: str,
    y_label: str,
    hline: float | None = None,
    hline_label: str = "",
    connect: bool = True,
    log_y: bool = False,
) -> SafeString:
    """An SVG chart: one colour per series (joined by lines if ``connect``), axes, a legend."""
    points = [p for pts in series.values() for p in pts]
    if not points:
        return format_html('<p class="help">No finished jobs to plot yet.</p>')
    xs, ys = [p[0] for p in points], [p[1] for p in points] + ([hline] if hline else [])
    ax = _Axes(xs, ys, log_y)
    parts = _frame(ax, xs, ys, x_label, y_label)
    if hline:
        parts.append(
            f'<line x1="{PAD}" x2="{W - PAD - LEGEND}" y1="{ax.y(hline):.1f}" '
            f'y2="{ax.y(hline):.1f}" stroke="#999" stroke-dasharray="4 3"/>'
            f'<text x="{PAD + 4}" y="{ax.y(hline) - 4:.1f}">'
            f"{escape(hline_label)} {hline:.3g}</text>"
        )
    for i, (label, pts) in enumerate(sorted(series.items())):
        colour = PALETTE[i % len(PALETTE)]
        pts = sorted(pts)
        if connect and len(pts) > 1:
            coords = " ".join(f"{ax.x(x):.1f},{ax.y(y):.1f}" for x, y in pts)
            parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}"/>')
        parts += [
            f'<circle cx="{ax.x(x):.1f}" cy="{ax.y(y):.1f}" r="3.5" fill="{colour}">'
            f"<title>{escape(label)}: ({x:.4g}, {y:.4g})</title></circle>"
            for x, y in pts
        ]
        parts.append(
            f'<text x="{W - LEGEND - PAD + 14}" y="{PAD + 14 * i}" fill="{colour}">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label above is escaped
