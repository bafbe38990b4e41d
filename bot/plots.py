"""The eval report's pictures: per-language bars (bot vs baselines), the intent confusion matrix, latency.

Rendered with matplotlib's Agg backend into PNGs embedded in one self-contained HTML page (no scripts, no outside
requests), written next to the Markdown report.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

INTENTS = ["information", "personal_situation", "emergency", "out_of_scope", "greeting", "unsafe"]


def _pyplot() -> Any:
    """pyplot on the file-only Agg backend (no display on servers or in CI)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def language_bars(report: dict[str, Any], metric: str) -> str:
    plt = _pyplot()
    langs = list(report["bot"]["by_language"])
    systems = [s for s in ("bot", "baseline_rag", "baseline_minilm") if s in report]
    fig, ax = plt.subplots(figsize=(9, 3.4))
    width = 0.8 / len(systems)
    for i, system in enumerate(systems):
        values = [report[system]["by_language"].get(lang, {}).get(metric) or 0 for lang in langs]
        ax.bar([x + i * width for x in range(len(langs))], values, width, label=system)
    ax.set_xticks([x + width * (len(systems) - 1) / 2 for x in range(len(langs))], langs)
    ax.set_ylim(0, 1)
    ax.set_title(f"{metric} by language")
    ax.legend(loc="lower right", fontsize=8)
    out = _png(fig)
    plt.close(fig)
    return out


def confusion(pairs: list[tuple[str, str]]) -> str:
    plt = _pyplot()
    grid = [[sum(1 for t, g in pairs if t == a and g == b) for b in INTENTS] for a in INTENTS]
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.imshow(grid, cmap="Blues")
    ax.set_xticks(range(len(INTENTS)), INTENTS, rotation=40, ha="right")
    ax.set_yticks(range(len(INTENTS)), INTENTS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("labelled")
    for i, row in enumerate(grid):
        for j, v in enumerate(row):
            ax.text(j, i, str(v), ha="center", va="center", fontsize=8)
    ax.set_title("Intent confusion (evals/intents)")
    out = _png(fig)
    plt.close(fig)
    return out


def latency(seconds: list[float]) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist([s * 1000 for s in seconds], bins=30)
    ax.set_xlabel("ms per answer (in process)")
    ax.set_title("Latency")
    out = _png(fig)
    plt.close(fig)
    return out


def write_html(path: Path, title: str, markdown: str, images: dict[str, str]) -> None:
    parts = [f"<!doctype html><meta charset=utf-8><title>{html.escape(title)}</title>",
             "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}pre{white-space:pre-wrap}</style>",
             f"<h1>{html.escape(title)}</h1>"]  # fmt: skip
    for caption, data in images.items():
        parts.append(
            f"<h2>{html.escape(caption)}</h2><img alt='{html.escape(caption)}' src='data:image/png;base64,{data}'>"
        )
    parts.append(f"<h2>Tables</h2><pre>{html.escape(markdown)}</pre>")
    path.write_text("\n".join(parts), encoding="utf-8")
