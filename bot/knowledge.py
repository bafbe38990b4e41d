"""Read the knowledge pack (knowledge/FORMAT.md) into typed records, collecting every problem with file and line.

Loading never stops at the first problem: it records a Problem and skips the bad record, so `knowledge check` can
report everything at once. The semantic checks (support, translations, freshness) live in check.py.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import KnowledgeError, Problem
from bot.types import Card, ReferralEntry, Section, Sentence, Source

SOURCE_TYPES = {"statute", "agreement", "court", "agency", "oversight", "legal-aid", "news"}
SOURCE_STATUS = {"current", "superseded", "on appeal"}
CARD_TOPICS = {"agreement", "law", "cases", "numbers", "itin", "rights", "referrals", "personal", "myths"}
CARD_INTENTS = {"information", "personal_situation"}
CARD_REFERRALS = {"none", "immigration", "tax", "both"}
REFERRAL_KINDS = {"tax", "immigration", "hotline", "directory"}
REFERRAL_FOR = {"tax", "immigration", "emergency", "personal_situation"}
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Map(dict):  # type: ignore[type-arg]
    line = 0


class _LineLoader(yaml.SafeLoader):
    """A safe loader whose mappings remember their 1-based line, for precise error messages."""


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> _Map:
    m = _Map(loader.construct_mapping(node, deep=True))
    m.line = node.start_mark.line + 1
    return m


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
# Dates stay strings: the pack compares and prints them as YYYY-MM-DD.
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Pack:
    """Everything in knowledge/, loaded. `cards[lang][card_id]`."""

    root: Path
    as_of: str
    languages: tuple[str, ...]
    stale_after_days: int
    sources: dict[str, Source] = field(default_factory=dict)
    cards: dict[str, dict[str, Card]] = field(default_factory=dict)
    referrals: list[ReferralEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def card(self, card_id: str, lang: str) -> Card:
        """The card in `lang`, else in English (the reply's language then follows the card)."""
        return self.cards.get(lang, {}).get(card_id) or self.cards["en"][card_id]

    def passage(self, cite: str) -> Section | None:
        source_id, _, locator = cite.partition("#")
        src = self.sources.get(source_id)
        return src.sections.get(locator) if src else None

    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _yaml(path: Path, root: Path, problems: list[Problem], text: str | None = None) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8") if text is None else text, Loader=_LineLoader)  # noqa: S506
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(_rel(path, root), (mark.line + 1) if mark else 1, f"invalid YAML: {exc}"))
        return None


def _need(d: _Map, keys: list[str], where: str, problems: list[Problem]) -> bool:
    missing = [k for k in keys if d.get(k) in (None, "", [])]
    for k in missing:
        problems.append(Problem(where, d.line, f"missing required field '{k}'"))
    return not missing


def load_source(path: Path, root: Path, problems: list[Problem]) -> Source | None:
    where = _rel(path, root)
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        problems.append(Problem(where, 1, "a source must start with '---' front matter"))
        return None
    end = text.find("\n---\n", 4)
    if end < 0:
        problems.append(Problem(where, 1, "front matter is not closed with '---'"))
        return None
    meta = _yaml(path, root, problems, text[4:end])
    if not isinstance(meta, _Map):
        problems.append(Problem(where, 1, "front matter must be a mapping"))
        return None
    meta.line += 1
    ok = _need(meta, ["id", "title", "publisher", "type", "date", "url", "status", "verified_on"], where, problems)
    if not ok:
        return None
    bad = False
    if meta["id"] != path.stem:
        problems.append(Problem(where, meta.line, f"id '{meta['id']}' does not match the file name '{path.stem}'"))
        bad = True
    for key, allowed in (("type", SOURCE_TYPES), ("status", SOURCE_STATUS)):
        if meta[key] not in allowed:
            problems.append(Problem(where, meta.line, f"{key} '{meta[key]}' is not one of {sorted(allowed)}"))
            bad = True
    for key in ("date", "verified_on"):
        if not _valid_date(str(meta[key])):
            problems.append(Problem(where, meta.line, f"{key} '{meta[key]}' is not a YYYY-MM-DD date"))
            bad = True
    if not str(meta["url"]).startswith(("https://", "http://")):
        problems.append(Problem(where, meta.line, f"url '{meta['url']}' is not an http(s) URL"))
        bad = True
    body_start = text[: end + 5].count("\n") + 1
    sections = _sections(text[end + 5 :], body_start, where, problems)
    if not sections:
        problems.append(Problem(where, body_start, "a source needs at least one '## pinpoint' section"))
        bad = True
    if bad:
        return None
    return Source(
        id=meta["id"], title=str(meta["title"]), publisher=str(meta["publisher"]), type=meta["type"],
        date=str(meta["date"]), url=str(meta["url"]), status=meta["status"], verified_on=str(meta["verified_on"]),
        sections=sections, path=where, docket=meta.get("docket"), caveat=meta.get("caveat"),
    )  # fmt: skip


def _valid_date(s: str) -> bool:
    if not DATE_RE.match(s):
        return False
    try:
        dt.date.fromisoformat(s)
    except ValueError:
        return False
    return True


def _sections(body: str, first_line: int, where: str, problems: list[Problem]) -> dict[str, Section]:
    out: dict[str, Section] = {}
    current: tuple[str, int] | None = None
    lines: list[str] = []

    def close() -> None:
        if current is None:
            return
        text = " ".join(" ".join(lines).split())
        if not text:
            problems.append(Problem(where, current[1], f"section '{current[0]}' is empty"))
        elif current[0] in out:
            problems.append(Problem(where, current[1], f"duplicate pinpoint heading '{current[0]}'"))
        else:
            out[current[0]] = Section(current[0], text, current[1])

    for i, line in enumerate(body.splitlines()):
        if line.startswith("## "):
            close()
            current, lines = (line[3:].strip(), first_line + i), []
        elif current is not None:
            lines.append(line)
    close()
    return out


def _sentences(items: Any, where: str, translated: bool, problems: list[Problem]) -> tuple[Sentence, ...] | None:
    if not isinstance(items, list) or not items:
        problems.append(Problem(where, getattr(items, "line", 1), "expected a non-empty list of sentences"))
        return None
    out = []
    for item in items:
        if translated:
            if not isinstance(item, str) or not item.strip():
                problems.append(Problem(where, 1, f"translated sentences must be non-empty strings, got {item!r}"))
                return None
            out.append(Sentence(item.strip(), ()))
            continue
        if not isinstance(item, _Map) or not isinstance(item.get("text"), str):
            problems.append(Problem(where, getattr(item, "line", 1), "each sentence needs 'text' (and 'cite')"))
            return None
        cites = item.get("cite") or []
        if isinstance(cites, str):
            cites = [cites]
        kind = item.get("kind", "fact")
        out.append(Sentence(item["text"].strip(), tuple(str(c) for c in cites), kind, item.line))
    return tuple(out)


def load_card(path: Path, root: Path, lang: str, problems: list[Problem]) -> Card | None:
    where = _rel(path, root)
    d = _yaml(path, root, problems)
    if not isinstance(d, _Map):
        if d is not None:
            problems.append(Problem(where, 1, "a card must be a YAML mapping"))
        return None
    translated = lang != "en"
    required = ["id", "questions", "short", "answer"] + ([] if translated else ["topic", "intent", "referral"])
    if not _need(d, required, where, problems):
        return None
    if d["id"] != path.stem:
        problems.append(Problem(where, d.line, f"id '{d['id']}' does not match the file name '{path.stem}'"))
        return None
    if not translated:
        for key, allowed in (("topic", CARD_TOPICS), ("intent", CARD_INTENTS), ("referral", CARD_REFERRALS)):
            if d[key] not in allowed:
                problems.append(Problem(where, d.line, f"{key} '{d[key]}' is not one of {sorted(allowed)}"))
                return None
    questions = d["questions"]
    if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
        problems.append(Problem(where, d.line, "questions must be a list of non-empty strings"))
        return None
    short = _sentences(d["short"], where, translated, problems)
    answer = _sentences(d["answer"], where, translated, problems)
    if short is None or answer is None:
        return None
    return Card(
        id=d["id"], lang=lang, topic=d.get("topic", ""), intent=d.get("intent", ""), referral=d.get("referral", ""),
        questions=tuple(q.strip() for q in questions), short=short, answer=answer, path=where,
    )  # fmt: skip


def load_referrals(path: Path, root: Path, problems: list[Problem]) -> list[ReferralEntry]:
    where = _rel(path, root)
    d = _yaml(path, root, problems)
    if not isinstance(d, _Map) or not isinstance(d.get("entries"), list):
        problems.append(Problem(where, 1, "a referral file needs 'organization' and a list of 'entries'"))
        return []
    out = []
    for e in d["entries"]:
        if not isinstance(e, _Map):
            problems.append(Problem(where, 1, "each referral entry must be a mapping"))
            continue
        if not _need(e, ["id", "name", "kind", "url", "languages", "states", "for", "reason"], where, problems):
            continue
        if e["kind"] not in REFERRAL_KINDS:
            problems.append(Problem(where, e.line, f"kind '{e['kind']}' is not one of {sorted(REFERRAL_KINDS)}"))
            continue
        unknown_for = set(e["for"]) - REFERRAL_FOR
        if unknown_for:
            problems.append(Problem(where, e.line, f"unknown 'for' values {sorted(unknown_for)}"))
            continue
        if not isinstance(e["reason"], dict):
            problems.append(Problem(where, e.line, "reason must map language codes to text"))
            continue
        out.append(
            ReferralEntry(
                id=e["id"],
                name=e["name"],
                kind=e["kind"],
                url=e["url"],
                phone=str(e["phone"]) if e.get("phone") else None,
                languages=tuple(e["languages"]),
                states=tuple(e["states"]),
                for_=tuple(e["for"]),
                can=e.get("can", ""),
                cannot=e.get("cannot", ""),
                reason=dict(e["reason"]),
                organization=str(d.get("organization", path.stem)),
                source=e.get("source"),
                verify_note=e.get("verify_note"),
            )  # fmt: skip
        )
    return out


def load_pack(root: Path) -> Pack:
    """Load knowledge/ from `root`. Problems are collected in `pack.problems`; nothing is raised for bad content."""
    problems: list[Problem] = []
    meta = _yaml(root / "pack.yaml", root, problems) if (root / "pack.yaml").exists() else None
    if not isinstance(meta, _Map) or not _valid_date(str(meta.get("as_of", ""))):
        problems.append(Problem(_rel(root / "pack.yaml", root), 1, "pack.yaml needs as_of (YYYY-MM-DD) and languages"))
        meta = _Map(as_of="1970-01-01", languages=["en"])
    pack = Pack(
        root=root, as_of=str(meta["as_of"]), languages=tuple(meta.get("languages") or ["en"]),
        stale_after_days=int(meta.get("stale_after_days", 180)), problems=problems,
    )  # fmt: skip
    for path in sorted((root / "sources").glob("*.md")):
        src = load_source(path, root, problems)
        if src is None:
            continue
        if src.id in pack.sources:
            problems.append(Problem(src.path, 1, f"duplicate source id '{src.id}'"))
        pack.sources[src.id] = src
    for lang_dir in sorted(p for p in (root / "cards").glob("*") if p.is_dir()):
        lang = lang_dir.name
        bucket = pack.cards.setdefault(lang, {})
        for path in sorted(lang_dir.glob("*.yaml")):
            card = load_card(path, root, lang, problems)
            if card is not None:
                bucket[card.id] = card
    seen: set[str] = set()
    for path in sorted((root / "referrals").glob("*.yaml")):
        for entry in load_referrals(path, root, problems):
            if entry.id in seen:
                problems.append(Problem(_rel(path, root), 1, f"duplicate referral id '{entry.id}'"))
                continue
            seen.add(entry.id)
            pack.referrals.append(entry)
    return pack


def load_valid_pack(root: Path) -> Pack:
    """Load and fully check the pack; raise KnowledgeError if anything is an error (warnings are kept)."""
    from bot.check import check_pack

    pack = load_pack(root)
    check_pack(pack)
    if pack.errors():
        raise KnowledgeError(pack.errors())
    return pack
