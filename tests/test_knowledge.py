"""`knowledge check` names the file, the line and the reason for every kind of broken knowledge."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.check import check_pack, numbers
from bot.cli import main
from bot.config import ROOT
from bot.errors import KnowledgeError
from bot.knowledge import load_pack, load_valid_pack


def problems(root: Path, today: dt.date | None = None) -> list[str]:
    pack = load_pack(root)
    check_pack(pack, today=today or dt.date(2026, 7, 1))
    return [str(p) for p in pack.problems]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_fixture_pack_is_clean(pack_dir: Path) -> None:
    assert problems(pack_dir) == []


def test_bad_front_matter_is_reported_with_line(pack_dir: Path) -> None:
    edit(pack_dir / "sources/law-a.md", "type: statute", "type: statute\n  bad: [unclosed")
    found = problems(pack_dir)
    assert any(p.startswith("knowledge/sources/law-a.md:") and "invalid YAML" in p for p in found), found


@pytest.mark.parametrize("field", ["url", "date"])
def test_source_without_url_or_date(pack_dir: Path, field: str) -> None:
    path = pack_dir / "sources/ruling-b.md"
    path.write_text("\n".join(line for line in path.read_text().splitlines() if not line.startswith(field + ":")))
    found = problems(pack_dir)
    assert any("sources/ruling-b.md:2:" in p and f"missing required field '{field}'" in p for p in found), found


def test_card_citing_unknown_source(pack_dir: Path) -> None:
    edit(
        pack_dir / "cards/en/court-order.yaml",
        'cite: ["ruling-b#Holding"]\nanswer',
        'cite: ["ruling-z#Holding"]\nanswer',
    )
    found = problems(pack_dir)
    assert any("cards/en/court-order.yaml:10:" in p and "unknown source 'ruling-z'" in p for p in found), found


def test_card_citing_unknown_pinpoint(pack_dir: Path) -> None:
    edit(pack_dir / "cards/en/address-sharing.yaml", 'cite: ["law-a#§1(a)"]', 'cite: ["law-a#§9(z)"]')
    found = problems(pack_dir)
    assert any("address-sharing.yaml:13:" in p and "no pinpoint '§9(z)'" in p for p in found), found


def test_factual_sentence_without_support(pack_dir: Path) -> None:
    edit(pack_dir / "cards/en/address-sharing.yaml", "    kind: guidance\n", "")
    found = problems(pack_dir)
    assert any("address-sharing.yaml:19:" in p and "no citation" in p for p in found), found


def test_number_not_in_cited_passage(pack_dir: Path) -> None:
    edit(pack_dir / "cards/en/court-order.yaml", "It said no court order is needed.", "It said 12 judges agreed.")
    found = problems(pack_dir)
    assert any("court-order.yaml:15:" in p and "['12']" in p for p in found), found


def test_duplicate_referral_id(pack_dir: Path) -> None:
    (pack_dir / "referrals/local.yaml").write_text((pack_dir / "referrals/national.yaml").read_text())
    assert any("duplicate referral id 'immigration-help'" in p for p in problems(pack_dir))


def test_id_must_match_file_name(pack_dir: Path) -> None:
    edit(pack_dir / "cards/en/court-order.yaml", "id: court-order", "id: address-sharing")
    assert any("does not match the file name" in p for p in problems(pack_dir))


def test_translation_problems(pack_dir: Path) -> None:
    edit(pack_dir / "cards/es/address-sharing.yaml", "47.289", "47")
    edit(pack_dir / "cards/es/court-order.yaml", '  - "Dijo que no se necesita una orden judicial."\n', "")
    found = problems(pack_dir)
    assert any("es/address-sharing.yaml" in p and "drops number(s) ['47289']" in p for p in found), found
    assert any("es/court-order.yaml" in p and "has 1 sentences; the English card has 2" in p for p in found), found


def test_missing_translation(pack_dir: Path) -> None:
    (pack_dir / "cards/es/court-order.yaml").unlink()
    assert any("card 'court-order' has no 'es' version" in p for p in problems(pack_dir))


def test_short_answer_limit(pack_dir: Path) -> None:
    edit(pack_dir / "cards/en/court-order.yaml", "A court said no court order is needed for an address.", "x" * 301)
    assert any("short answer is 301 characters" in p for p in problems(pack_dir))


def test_stale_source_is_a_warning_not_an_error(pack_dir: Path) -> None:
    found = problems(pack_dir, today=dt.date(2027, 6, 1))
    assert any("warning: not verified for" in p for p in found)
    pack = load_pack(pack_dir)
    check_pack(pack, today=dt.date(2027, 6, 1))
    assert pack.errors() == []


def test_load_valid_pack_raises_with_all_problems(pack_dir: Path) -> None:
    (pack_dir / "cards/es/court-order.yaml").unlink()
    edit(pack_dir / "cards/en/address-sharing.yaml", 'cite: ["law-a#§1(a)"]', 'cite: ["law-a#§9(z)"]')
    with pytest.raises(KnowledgeError) as err:
        load_valid_pack(pack_dir)
    assert len(err.value.problems) == 2


def test_cli_check_exit_codes(pack_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["knowledge", "check", "--path", str(pack_dir)]) == 0
    (pack_dir / "cards/es/court-order.yaml").unlink()
    assert main(["knowledge", "check", "--path", str(pack_dir)]) == 1
    assert "1 errors" in capsys.readouterr().out


def test_numbers_ignore_separators() -> None:
    assert numbers("47,289 and 47.289 and 3.7% on April 7, 2025") == ["47289", "47289", "37", "7", "2025"]


def test_the_project_pack_passes_the_check() -> None:
    pack = load_valid_pack(ROOT / "knowledge")
    assert len(pack.sources) >= 10 and pack.cards["en"]
