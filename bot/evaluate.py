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


def expected_refs(pipeline: Pipeline, card_id: str | None) -> set[str]:
    if not card_id:
        return set()
    card = pipeline.pack.cards["en"][card_id]
    return {c for s in card.short + card.answer for c in s.cites}


def relevance(cited: list[str], expected: set[str]) -> float | None:
    return sum(c in expected for c in cited) / len(cited) if cited and expected else None


def score_item(pipeline: Pipeline, item: Item) -> dict[str, Any]:
    from bot.language import primary_subtag, to_simplified

    t0 = time.perf_counter()
    query = to_simplified(item.q) if pipeline.languages.detect(item.q).script else item.q  # as the pipeline does
    ranked = [r.ref for r in pipeline.retriever.search(query, kind="card", k=5)]
    outcome = pipeline.run(Question(item.q))
    seconds = time.perf_counter() - t0
    answer = outcome.answer
    # facts are written in Simplified characters; a Traditional reply carries the same facts in the other script
    text = (to_simplified(answer.answer) if answer.lang.endswith("Hant") else answer.answer).casefold()
    rank = ranked.index(item.card) + 1 if item.card in ranked else None
    cited = [f"{c.source_id}#{c.locator}" for c in answer.citations]
    return {
        "q": item.q, "lang": item.lang, "expected": item.card, "got": outcome.card_id, "rank": rank,
        "answered": outcome.card_id is not None, "confidence": answer.confidence,
        "facts": [f.casefold() in text for f in item.must_include],
        "forbidden": [f for f in item.must_not if f.casefold() in text],
        "intent_ok": answer.intent == item.intent, "intent": answer.intent,
        "referral_ok": (not item.referral) or bool(answer.referrals), "referred": bool(answer.referrals),
        "referral_needed": item.referral,
        "citations_ok": valid_citations(pipeline, answer, outcome.card_id),
        "lang_ok": primary_subtag(answer.lang) == item.lang,  # zh-Hant is Chinese, in the script the person wrote
        "relevance": relevance(cited, expected_refs(pipeline, item.card)),
        "seconds": seconds,
    }  # fmt: skip


def score_baseline(pipeline: Pipeline, rag: Any, item: Item) -> dict[str, Any]:
    """The plain RAG on the same item: its 'answer' is the top passages; a hit is a passage the expected card cites."""
    from bot.claims import violations

    got = rag.ask(item.q)
    expected = expected_refs(pipeline, item.card)
    rank = next((i + 1 for i, ref in enumerate(got.citations) if ref in expected), None)
    text = got.answer.casefold()
    return {
        "q": item.q, "lang": item.lang, "expected": item.card, "got": None, "rank": rank, "answered": True,
        "confidence": 1.0, "facts": [f.casefold() in text for f in item.must_include],
        "forbidden": [f for f in item.must_not if f.casefold() in text] + violations(got.answer, "en"),
        "intent_ok": item.intent == "information", "intent": "information", "referral_ok": not item.referral,
        "referred": False, "referral_needed": item.referral,
        "citations_ok": all(pipeline.pack.passage(c) is not None for c in got.citations), "lang_ok": item.lang == "en",
        "relevance": relevance(got.citations, expected), "seconds": got.seconds,
    }  # fmt: skip


def score_retrieval_only(retriever: Any, item: Item) -> dict[str, Any]:
    t0 = time.perf_counter()
    ranked = [r.ref for r in retriever.search(item.q, kind="card", k=5)]
    rank = ranked.index(item.card) + 1 if item.card in ranked else None
    return {"q": item.q, "lang": item.lang, "expected": item.card, "rank": rank, "seconds": time.perf_counter() - t0}


def share_of(xs: list[bool]) -> float | None:
    return round(sum(xs) / len(xs), 3) if xs else None


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["expected"]]
    unanswerable = [r for r in rows if not r["expected"]]
    if rows and "facts" not in rows[0]:  # retrieval-only baseline
        return {
            "n": len(rows),
            "recall@1": share_of([r["rank"] == 1 for r in answerable]),
            "recall@3": share_of([r["rank"] is not None and r["rank"] <= 3 for r in answerable]),
            "recall@5": share_of([r["rank"] is not None for r in answerable]),
        }
    facts = [f for r in answerable for f in r["facts"]]
    said_idk = [r for r in rows if not r["answered"]]

    return {
        "n": len(rows),
        "recall@1": share_of([r["rank"] == 1 for r in answerable]),
        "recall@3": share_of([r["rank"] is not None and r["rank"] <= 3 for r in answerable]),
        "recall@5": share_of([r["rank"] is not None for r in answerable]),
        "mrr": round(statistics.fmean([1 / r["rank"] if r["rank"] else 0 for r in answerable]), 3)
        if answerable
        else None,
        "answered_correct_card": share_of([r["got"] == r["expected"] for r in answerable]),
        "citation_validity": share_of([r["citations_ok"] for r in rows]),
        "fact_coverage": share_of(facts),
        "forbidden_claim_rate": share_of([bool(r["forbidden"]) for r in rows]),
        "intent_accuracy": share_of([r["intent_ok"] for r in rows]),
        "referral_recall": share_of([r["referral_ok"] for r in rows]),
        "referral_precision": share_of([r["referral_needed"] for r in rows if r["referred"]]),
        "reply_language": share_of([r["lang_ok"] for r in rows]),
        "idk_precision": share_of([not r["expected"] for r in said_idk]),
        "idk_recall": share_of([not r["answered"] for r in unanswerable]),
        "citation_relevance": round(statistics.fmean(rel), 3)
        if (rel := [r["relevance"] for r in rows if r.get("relevance") is not None])
        else None,
        "p50_ms": round(statistics.median(r["seconds"] for r in rows) * 1000, 1) if rows else None,
    }


def evaluate(pipeline: Pipeline, items: list[Item], progress: bool = False) -> dict[str, Any]:
    return _report([score_item(pipeline, item) for item in _bar(items, "bot", progress)])


def _bar(items: list[Item], desc: str, progress: bool) -> Any:
    if not progress:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="q")


def _report(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_lang: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_lang[row["lang"]].append(row)
    return {
        "overall": summarize(rows),
        "by_language": {lang: summarize(rs) for lang, rs in sorted(by_lang.items())},
        "misses": [r for r in rows if r.get("got", r["expected"]) != r["expected"]],
        "rows": rows,
    }


def run_eval(settings: Settings) -> int:
    """The bot, the plain LangChain RAG and the MiniLM retriever on the same golden questions, side by side."""
    import sys

    from bot.baseline import PlainRAG, minilm_retriever

    progress = sys.stderr.isatty()
    pipeline = Pipeline.from_settings(settings)
    items = load_golden()
    rag = PlainRAG(pipeline.pack, settings)
    minilm = minilm_retriever(pipeline.pack, settings)
    report: dict[str, Any] = {
        "bot": evaluate(pipeline, items, progress),
        "baseline_rag": _report([score_baseline(pipeline, rag, it) for it in _bar(items, "baseline", progress)]),
        "baseline_minilm": _report([score_retrieval_only(minilm, it) for it in _bar(items, "minilm", progress)]),
    }
    report["detection"] = detection(pipeline, items)
    report["intents"] = intent_pairs(pipeline)
    path = write_report(report)
    _write_html(report, path)
    return 0


def intent_pairs(pipeline: Pipeline) -> list[tuple[str, str]]:
    """(labelled, predicted) for every message in evals/intents, language detected as in production."""
    import yaml

    pairs: list[tuple[str, str]] = []
    for path in sorted((ROOT / "evals" / "intents").glob("*.yaml")):
        for row in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            pairs.append((str(row["intent"]), str(pipeline.run(Question(row["text"])).answer.intent)))
    return pairs


def _write_html(report: dict[str, Any], markdown_path: Path) -> None:
    from bot import plots

    rows = [r for r in report["bot"].get("rows", [])]
    images = {
        "Card recall@3 by language": plots.language_bars(report, "recall@3"),
        "Fact coverage by language": plots.language_bars(report, "fact_coverage"),
        "Intent confusion": plots.confusion([tuple(p) for p in report["intents"]]),  # type: ignore[misc]
    }
    if rows:
        images["Latency"] = plots.latency([r["seconds"] for r in rows])
    plots.write_html(markdown_path.with_suffix(".html"), markdown_path.stem, markdown_path.read_text(), images)


def detection(pipeline: Pipeline, items: list[Item]) -> dict[str, dict[str, float | None]]:
    """Language detection with no `lang` given, per language: on the golden questions, on the short labelled intent
    messages, and on the held-out sets (evals/heldout, written apart from the detector's training text) split into
    full questions and SMS-style messages. `zh_script` is the share of held-out Chinese messages whose script
    (Simplified or Traditional) was recognised too."""
    import yaml

    detect = pipeline.languages.detect
    sets: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for it in items:
        sets["questions"][it.lang].append(detect(it.q).lang == it.lang)
    for path in sorted((ROOT / "evals" / "intents").glob("*.yaml")):
        for row in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            sets["messages"][row["lang"]].append(detect(row["text"]).lang == row["lang"])
    for path in sorted((ROOT / "evals" / "heldout").glob("detect-*.yaml")):
        for row in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            choice = detect(row["text"])
            sets[f"heldout_{row['kind']}"][row["lang"]].append(choice.lang == row["lang"])
            if row["lang"] == "zh":
                sets["zh_script"]["zh"].append(choice.code == ("zh-Hant" if row.get("script") == "hant" else "zh"))
    langs = sorted(set().union(*(set(by_lang) for by_lang in sets.values())))
    return {
        lang: {name: share_of(by_lang[lang]) for name, by_lang in sets.items() if lang in by_lang} for lang in langs
    }


def write_report(report: dict[str, Any]) -> Path:
    """evals/reports/<date>.md (side by side) and .json (every number and every miss)."""
    day = dt.date.today().isoformat()
    out = ROOT / "evals" / "reports"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{day}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    systems = [k for k, v in report.items() if isinstance(v, dict) and "overall" in v]
    metrics = [k for k in report["bot"]["overall"] if k != "n"]
    lines = [f"# Evaluation {day}", "", f"{report['bot']['overall']['n']} golden questions.", "",
             "| metric | " + " | ".join(systems) + " |", "|---" * (len(systems) + 1) + "|"]  # fmt: skip
    for m in metrics:
        lines.append(f"| {m} | " + " | ".join(str(report[s]["overall"].get(m, "")) for s in systems) + " |")
    for m in ("recall@3", "answered_correct_card", "fact_coverage", "reply_language", "intent_accuracy"):
        lines += ["", f"## {m} by language", "", "| language | n | " + " | ".join(systems) + " |",
                  "|---" * (len(systems) + 2) + "|"]  # fmt: skip
        for lang, summary in report["bot"]["by_language"].items():
            cells = [str(report[s]["by_language"].get(lang, {}).get(m, "")) for s in systems]
            lines.append(f"| {lang} | {summary['n']} | " + " | ".join(cells) + " |")
    pairs = report.get("intents") or []
    if pairs:
        labels = sorted({t for t, _ in pairs})
        lines += ["", f"## Intent precision and recall ({len(pairs)} labelled messages, evals/intents)", "",
                  "| intent | n | precision | recall |", "|---|---|---|---|"]  # fmt: skip
        for label in labels:
            tp = sum(1 for t, g in pairs if t == label and g == label)
            predicted = sum(1 for _, g in pairs if g == label)
            actual = sum(1 for t, _ in pairs if t == label)
            lines.append(
                f"| {label} | {actual} | {share_of([True] * tp + [False] * (predicted - tp))} | {tp / actual:.3f} |"
            )
    if "detection" in report:
        columns = ["questions", "messages", "heldout_question", "heldout_sms", "zh_script"]
        lines += ["", "## Language detection (no lang given)", "",
                  "| language | golden questions | intent messages | held-out questions | held-out SMS | zh script |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        lines += [
            f"| {lang} | " + " | ".join(str(d.get(c, "")) for c in columns) + " |"
            for lang, d in report["detection"].items()
        ]
    lines += ["", f"{len(report['bot']['misses'])} questions answered from a different card than expected (see JSON)."]
    path = out / f"{day}.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return path
