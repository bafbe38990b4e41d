"""`python -m bot eval`: score the bot on the golden questions in evals/golden, per language and overall.

Each golden item names the card that should answer it (or `card: null` for questions the pack cannot answer), facts
the answer must contain, claims it must not make, the expected intent and whether a referral is required. Metrics:
card recall@1/@3/@5 and MRR, citation validity (every citation exists in the pack and is the pinpoint the card's
sentence cites), fact coverage, forbidden-claim rate, intent accuracy, referral recall, "I don't know" precision and
recall, latency. Writes evals/reports/<date>.md and .json.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.config import ROOT, Settings
from bot.pipeline import Pipeline
from bot.types import Answer, Question

GOLDEN = ROOT / "evals" / "golden"


@dataclass
class Item:
    q: str
    lang: str
    card: str | None
    intent: str = "information"
    must_include: list[str] = field(default_factory=list)
    must_not: list[str] = field(default_factory=list)
    referral: bool = False
    source: str = ""


def load_golden(directory: Path = GOLDEN) -> list[Item]:
    items = []
    for path in sorted(directory.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            items.append(
                Item(
                    q=str(raw["q"]),
                    lang=str(raw["lang"]),
                    card=raw.get("card"),
                    intent=raw.get("intent", "information"),
                    must_include=[str(s) for s in raw.get("must_include") or []],
                    must_not=[str(s) for s in raw.get("must_not") or []],
                    referral=bool(raw.get("referral")),
                    source=path.name,
                )  # fmt: skip
            )
    return items


def valid_citations(pipeline: Pipeline, answer: Answer, card_id: str | None) -> bool:
    """Every citation exists in the pack and is one the answering card cites (sentence-to-pinpoint map)."""
    if card_id is None:
        return not answer.citations
    card = pipeline.pack.cards["en"][card_id]
    allowed = {c for s in card.short + card.answer for c in s.cites}
    return all(
        f"{c.source_id}#{c.locator}" in allowed and pipeline.pack.passage(f"{c.source_id}#{c.locator}") is not None
        for c in answer.citations
    )


def score_item(pipeline: Pipeline, item: Item) -> dict[str, Any]:
    t0 = time.perf_counter()
    ranked = [r.ref for r in pipeline.retriever.search(item.q, kind="card", k=5)]
    outcome = pipeline.run(Question(item.q))
    seconds = time.perf_counter() - t0
    answer = outcome.answer
    text = answer.answer.casefold()
    rank = ranked.index(item.card) + 1 if item.card in ranked else None
    return {
        "q": item.q, "lang": item.lang, "expected": item.card, "got": outcome.card_id, "rank": rank,
        "answered": outcome.card_id is not None, "confidence": answer.confidence,
        "facts": [f.casefold() in text for f in item.must_include],
        "forbidden": [f for f in item.must_not if f.casefold() in text],
        "intent_ok": answer.intent == item.intent, "intent": answer.intent,
        "referral_ok": (not item.referral) or bool(answer.referrals),
        "citations_ok": valid_citations(pipeline, answer, outcome.card_id), "lang_ok": answer.lang == item.lang,
        "seconds": seconds,
    }  # fmt: skip


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["expected"]]
    unanswerable = [r for r in rows if not r["expected"]]
    facts = [f for r in answerable for f in r["facts"]]
    said_idk = [r for r in rows if not r["answered"]]

    def share(xs: list[bool]) -> float | None:
        return round(sum(xs) / len(xs), 3) if xs else None

    return {
        "n": len(rows),
        "recall@1": share([r["rank"] == 1 for r in answerable]),
        "recall@3": share([r["rank"] is not None and r["rank"] <= 3 for r in answerable]),
        "recall@5": share([r["rank"] is not None for r in answerable]),
        "mrr": round(statistics.fmean([1 / r["rank"] if r["rank"] else 0 for r in answerable]), 3)
        if answerable
        else None,
        "answered_correct_card": share([r["got"] == r["expected"] for r in answerable]),
        "citation_validity": share([r["citations_ok"] for r in rows]),
        "fact_coverage": share(facts),
        "forbidden_claim_rate": share([bool(r["forbidden"]) for r in rows]),
        "intent_accuracy": share([r["intent_ok"] for r in rows]),
        "referral_recall": share([r["referral_ok"] for r in rows]),
        "reply_language": share([r["lang_ok"] for r in rows]),
        "idk_precision": share([not r["expected"] for r in said_idk]),
        "idk_recall": share([not r["answered"] for r in unanswerable]),
        "p50_ms": round(statistics.median(r["seconds"] for r in rows) * 1000, 1) if rows else None,
    }


def evaluate(pipeline: Pipeline, items: list[Item], progress: bool = False) -> dict[str, Any]:
    iterator: Any = items
    if progress:
        from tqdm import tqdm

        iterator = tqdm(items, desc="eval", unit="q")
    rows = [score_item(pipeline, item) for item in iterator]
    by_lang: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_lang[row["lang"]].append(row)
    return {
        "overall": summarize(rows),
        "by_language": {lang: summarize(rs) for lang, rs in sorted(by_lang.items())},
        "misses": [r for r in rows if r["got"] != r["expected"]],
    }


def run_eval(settings: Settings) -> int:
    import sys

    pipeline = Pipeline.from_settings(settings)
    report = evaluate(pipeline, load_golden(), progress=sys.stderr.isatty())
    write_report(report)
    return 0


def write_report(report: dict[str, Any]) -> Path:
    day = dt.date.today().isoformat()
    out = ROOT / "evals" / "reports"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{day}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    metrics = [k for k in report["overall"] if k != "n"]
    lines = [
        f"# Evaluation {day}",
        "",
        "| scope | n | " + " | ".join(metrics) + " |",
        "|---" * (len(metrics) + 2) + "|",
    ]
    for scope, s in [("overall", report["overall"]), *report["by_language"].items()]:
        lines.append(f"| {scope} | {s['n']} | " + " | ".join(str(s[m]) for m in metrics) + " |")
    lines += ["", f"{len(report['misses'])} questions answered from a different card than expected (see the JSON)."]
    path = out / f"{day}.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return path
