"""Every English short answer (the SMS answer) reads at or below U.S. grade 8 (Flesch–Kincaid, bot/readability.py)."""

from __future__ import annotations

from bot.config import ROOT
from bot.knowledge import load_pack
from bot.readability import fk_grade


def test_english_short_answers_read_at_or_below_grade_8() -> None:
    pack = load_pack(ROOT / "knowledge")
    grades = {c.id: fk_grade(" ".join(s.text for s in c.short)) for c in pack.cards["en"].values()}
    assert {k: round(v, 1) for k, v in grades.items() if v > 8.0} == {}


def test_grade_formula_orders_plain_and_dense_text() -> None:
    assert (
        fk_grade("The cat sat on the mat.")
        < 3
        < 12
        < fk_grade("Individual taxpayer identification numbers authorize nothing regarding employment eligibility.")
    )
