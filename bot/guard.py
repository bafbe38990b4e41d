"""The guard runs first: size limits, identifier scrubbing and language detection.

Scrubbing happens before anything else sees the text: retrieval embeds the scrubbed question, logs never receive
message text at all, and the answer never repeats what the person wrote. Intent is intent.py's job.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.errors import InputError

# Identifiers people may type. Order matters: specific shapes first, then any long run of digits.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("a_number", re.compile(r"(?i)\bA[-\s#.]?\d{3}[-\s.]?\d{3}[-\s.]?\d{2,3}\b")),
    ("ssn_or_itin", re.compile(r"(?<!\d)\d{3}[-\s.]?\d{2}[-\s.]?\d{4}(?!\d)")),
    ("phone", re.compile(r"(?<!\w)(?:\+?\d{1,3}[-\s.]?)?\(?\d{3}\)?[-\s.]?\d{3}[-\s.]?\d{4}(?!\d)")),
    (
        "document_number",
        re.compile(
            r"(?i)(passport|pasaporte|passaporte|visa|visto|i-?94|green\s*card|license|licencia|n[uú]mero de caso|"
            r"case number|receipt)\W{0,3}(?:no\.?|number|n[uú]mero|#)?\W{0,3}[A-Z]{0,3}\d[A-Z0-9-]{5,14}"
        ),
    ),
    (
        "date_of_birth",
        re.compile(r"(?<!\d)(?:\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}|(?:19|20)\d{2}[/.-]\d{1,2}[/.-]\d{1,2})(?!\d)"),
    ),
    (
        "street_address",
        re.compile(
            r"(?i)\b\d{1,6}\s+(?:[A-Za-zÀ-ÿ0-9.]+\s){0,4}(?:st|street|ave|avenue|rd|road|blvd|boulevard|dr|drive|"
            r"ln|lane|way|ct|court|pl|place|calle|avenida|rua|apt|apartment)\b\.?(?:\s*(?:apt|#|unit)\s*\w+)?"
        ),
    ),
    (
        "name",
        re.compile(
            r"(?i)(?:my name is|i am called|me llamo|mi nombre es|meu nome [eé]|me chamo|mwen rele|non mwen se|"
            r"ang pangalan ko ay|pangalan ko ay|tên tôi là|tôi tên là|меня зовут|اسمي)\s+[\w'-]+(?:\s+[\w'-]+)?"
            r"|(?:我叫|我的名字是|제 이름은|저는)\s*\S{1,8}"
        ),
    ),
    ("long_number", re.compile(r"(?<!\d)\d(?:[-\s.]?\d){6,}(?!\d)")),
]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SCRIPTS = [
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),  # kana: Japanese, not a supported language
    ("zh", re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("other", re.compile(r"[\u0900-\u0dff\u0e00-\u0eff\u1200-\u137f\u0590-\u05ff\u0370-\u03ff\u0530-\u058f]")),
]
SHORT_MESSAGE_CHARS = 15  # "ok", "gracias", "mesi": too short to switch a person's language on


@dataclass(frozen=True)
class Screened:
    """A question after the guard: safe to embed and match; `found` counts identifier kinds (never their values)."""

    text: str
    found: tuple[str, ...]


def screen(raw: object, max_chars: int) -> Screened:
    """Validate and scrub one question; raise InputError with a reason a person can act on."""
    if not isinstance(raw, str):
        raise InputError("question must be a string")
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", raw)).strip()
    if not text:
        raise InputError("question is empty")
    if len(text) > max_chars:
        raise InputError(f"question is too long ({len(text)} characters; the limit is {max_chars})")
    return scrub(text)


def scrub(text: str) -> Screened:
    found = []
    for kind, pattern in _PATTERNS:
        text, n = pattern.subn(f"[{kind}]", text)
        if n:
            found.append(kind)
    return Screened(" ".join(text.split()), tuple(found))


@dataclass(frozen=True)
class LanguageChoice:
    lang: str  # the language to answer in (always supported)
    unsupported: bool = False  # the person wrote in a language the bot does not carry


def detect_language(
    text: str, supported: tuple[str, ...], requested: str | None = None, remembered: str | None = None
) -> LanguageChoice:
    """Explicit `lang` wins; then script (Hangul, Han, Arabic, Cyrillic); then langid restricted to the supported
    languages. A short or ambiguous message keeps the session's remembered language rather than flipping."""
    if requested:
        primary = requested.replace("_", "-").split("-")[0].lower()
        return LanguageChoice(primary) if primary in supported else LanguageChoice("en", unsupported=True)
    for lang, pattern in _SCRIPTS:
        if pattern.search(text):
            if lang in supported:
                return LanguageChoice(lang)
            if lang in ("ja", "other"):
                return LanguageChoice(remembered or "en", unsupported=remembered is None)
    letters = sum(ch.isalpha() for ch in text)
    if remembered in supported and letters < SHORT_MESSAGE_CHARS:
        return LanguageChoice(remembered)  # type: ignore[arg-type]
    if len(supported) == 1:
        return LanguageChoice(supported[0])
    if letters >= UNSUPPORTED_MIN_LETTERS and _clearly_unsupported(text, supported):
        return LanguageChoice(remembered or "en", unsupported=remembered is None)
    marked = _marker_language(text, supported)
    lang = marked or str(_identifier(supported).classify(text)[0])
    if remembered in supported and letters < 2 * SHORT_MESSAGE_CHARS and lang != remembered:
        return LanguageChoice(remembered)  # type: ignore[arg-type]
    return LanguageChoice(str(lang) if lang in supported else "en")


_IDENTIFIERS: dict[object, object] = {}
# Languages langid tells apart reliably from every supported one. Close relatives of supported languages (Italian,
# Galician, Catalan next to Spanish and Portuguese) are left out on purpose: a misspelled Spanish message must
# never be told its language is unsupported.
# Function words that langid's character n-grams miss when people type without diacritics (Vietnamese) or in
# Creole and Tagalog SMS style. Only used when one language clearly leads.
_MARKERS: dict[str, set[str]] = {
    "vi": {
        "khong",
        "cua",
        "toi",
        "duoc",
        "nhung",
        "cho",
        "nguoi",
        "thue",
        "phai",
        "minh",
        "gi",
        "nay",
        "la",
        "co",
        "bi",
        "ban",
        "lam",
        "sao",
        "neu",
        "chi",
        "dia",
        "voi",
        "tien",
        "roi",
        "hay",
        "ve",
    },
    "ht": {
        "mwen",
        "ou",
        "yo",
        "ka",
        "pa",
        "pou",
        "eske",
        "kisa",
        "kijan",
        "nan",
        "sa",
        "li",
        "gen",
        "fe",
        "taks",
        "konnen",
        "bay",
        "adres",
        "kounye",
        "lajan",
        "m",
        "si",
        "kòman",
        "ki",
        "fè",
        "èske",
        "map",
        "paske",
    },
    "tl": {
        "ang",
        "ng",
        "po",
        "ba",
        "ko",
        "mo",
        "sa",
        "na",
        "pwede",
        "paano",
        "kung",
        "hindi",
        "ako",
        "yung",
        "kasi",
        "ito",
        "ano",
        "lang",
        "naman",
        "nila",
        "siya",
        "kapag",
        "magkano",
        "bang",
        "akin",
    },
}


def _marker_language(text: str, supported: tuple[str, ...]) -> str | None:
    words = re.findall(r"[\w']+", text.lower())
    scores = {lang: sum(w in markers for w in words) for lang, markers in _MARKERS.items() if lang in supported}
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    top, hits = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    return top if hits >= 3 and hits >= 2 * runner_up + 1 else None


_DISTINCT_UNSUPPORTED = {"fr", "de", "nl", "pl", "tr", "id", "ms", "sw", "hu", "cs", "ro", "sv", "da", "no", "fi"}
UNSUPPORTED_MIN_LETTERS = 25


def _clearly_unsupported(text: str, supported: tuple[str, ...]) -> bool:
    from langid.langid import LanguageIdentifier, model

    if "full" not in _IDENTIFIERS:
        _IDENTIFIERS["full"] = LanguageIdentifier.from_modelstring(model, norm_probs=True)  # type: ignore[index]
    lang, prob = _IDENTIFIERS["full"].classify(text)  # type: ignore[index,attr-defined]
    return lang in _DISTINCT_UNSUPPORTED and lang not in supported and prob >= 0.99


def _identifier(supported: tuple[str, ...]):  # type: ignore[no-untyped-def]
    from langid.langid import LanguageIdentifier, model

    if supported not in _IDENTIFIERS:
        ident = LanguageIdentifier.from_modelstring(model, norm_probs=False)
        ident.set_languages([s for s in supported if s in ident.nb_classes] or ["en"])
        _IDENTIFIERS[supported] = ident
    return _IDENTIFIERS[supported]
