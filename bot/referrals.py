"""Pick referrals: who can help with the person's question, in their language and state.

A card says which counsel its answer needs (immigration, tax, both or none); a question with no reliable answer, or
about a person's own situation, always gets both. An organization's own file (knowledge/referrals/<org>.yaml) adds
local partners; for a given state those come first, then the national entries.
"""

from __future__ import annotations

from typing import Protocol

from bot.types import Referral, ReferralEntry

MAX_REFERRALS = 4


class ReferralDirectory(Protocol):
    def pick(self, needs: set[str], lang: str, state: str | None) -> list[Referral]: ...


def needs_for(card_referral: str | None, intent: str) -> set[str]:
    """Map a card's `referral` field and the intent to the kinds of help needed."""
    if intent in ("personal_situation", "emergency") or card_referral is None:
        base = {"immigration", "tax"}
    else:
        base = {"both": {"immigration", "tax"}, "immigration": {"immigration"}, "tax": {"tax"}}.get(
            card_referral, set()
        )
    if intent == "emergency":
        base = base | {"emergency"}
    return base


class PackReferrals:
    """The referral directory built from the pack's referral files."""

    def __init__(self, entries: list[ReferralEntry]) -> None:
        self.entries = entries

    def pick(self, needs: set[str], lang: str, state: str | None) -> list[Referral]:
        if not needs:
            return []
        state = state.upper() if state else None

        def usable(e: ReferralEntry) -> bool:
            in_state = "*" in e.states or (state is not None and state in e.states)
            return in_state and bool(needs & (set(e.for_) | {e.kind}))

        def rank(e: ReferralEntry) -> tuple[int, int, int]:
            local = 0 if state and state in e.states else 1
            speaks = 0 if (lang in e.languages or "*" in e.languages) else 1
            urgent = 0 if ("emergency" in needs and "emergency" in e.for_) else 1
            return (urgent, local, speaks)

        chosen = sorted((e for e in self.entries if usable(e)), key=rank)[:MAX_REFERRALS]
        return [
            Referral(
                name=e.name,
                kind=e.kind,
                url=e.url,
                phone=e.phone,
                languages=list(e.languages),
                reason=e.reason.get(lang) or e.reason.get("en", ""),
            )
            for e in chosen
        ]
