"""A fast slice of the golden evaluation, with floors: a change that makes answers worse fails CI.

Floors sit a few points under what the full run measured on 2026-11-21 (see evals/reports/), so noise does not
fail the build but a real regression does. Citation validity and forbidden claims have no slack at all.
"""

from __future__ import annotations

from bot.evaluate import evaluate, load_golden
from bot.pipeline import Pipeline

FLOORS = {"recall@3": 0.85, "citation_validity": 1.0, "reply_language": 0.95, "referral_recall": 0.95}


def test_golden_slice_meets_floors(project_pipeline: Pipeline) -> None:
    languages = set(project_pipeline.pack.languages)
    items = [it for i, it in enumerate(load_golden()) if it.lang in languages and i % 2 == 0]
    report = evaluate(project_pipeline, items)
    overall = report["overall"]
    for metric, floor in FLOORS.items():
        assert overall[metric] >= floor, (metric, overall[metric], report["misses"][:5])
    assert overall["forbidden_claim_rate"] == 0.0
    for lang, summary in report["by_language"].items():
        if summary["recall@3"] is not None:
            assert summary["recall@3"] >= 0.75, (lang, summary)
