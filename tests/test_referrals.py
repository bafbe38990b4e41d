"""Referrals: by intent, language and state; an organization's own file puts its local partners first."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge import load_valid_pack
from bot.referrals import PackReferrals, needs_for

LOCAL = """organization: example-legal-aid
entries:
  - id: example-ca-clinic
    name: Example Immigrant Legal Clinic (California)
    kind: immigration
    url: https://example.org/clinic
    phone: "555-0100"
    languages: [es, en]
    states: [CA]
    for: [immigration, personal_situation, emergency]
    can: "Free consultations with an immigration attorney."
    cannot: "No tax preparation."
    reason: {en: "A local clinic that offers free consultations.", es: "Una clínica local con consultas gratis."}
"""


def test_local_partner_first_in_its_state_only(pack_dir: Path) -> None:
    (pack_dir / "referrals" / "example.yaml").write_text(LOCAL)
    pack = load_valid_pack(pack_dir)
    directory = PackReferrals(pack.referrals)
    in_ca = directory.pick(needs_for("immigration", "personal_situation"), "es", "ca")
    assert in_ca[0].name.startswith("Example Immigrant Legal Clinic") and in_ca[0].reason.startswith("Una clínica")
    in_tx = directory.pick(needs_for("immigration", "personal_situation"), "es", "TX")
    assert all(not r.name.startswith("Example") for r in in_tx) and in_tx


def test_needs_follow_intent() -> None:
    assert needs_for("none", "information") == set()
    assert needs_for("tax", "information") == {"tax"}
    assert needs_for("none", "personal_situation") == {"immigration", "tax"}
    assert "emergency" in needs_for(None, "emergency")


def test_a_broken_org_file_is_refused_with_a_reason(pack_dir: Path) -> None:
    (pack_dir / "referrals" / "broken.yaml").write_text(LOCAL.replace("kind: immigration", "kind: lawyer"))
    from bot.check import check_pack
    from bot.knowledge import load_pack

    pack = load_pack(pack_dir)
    check_pack(pack)
    assert any("kind 'lawyer'" in str(p) for p in pack.errors())
