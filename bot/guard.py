"""The guard runs first: size limits, identifier scrubbing, language detection and a first intent guess.

Scrubbing happens before anything else sees the text: retrieval embeds the scrubbed question, logs never receive
message text at all, and the answer never repeats what the person wrote. Intent here is rule-based and deliberately
conservative; anything that sounds like an emergency is treated as one (fail closed), because a person with ICE at
the door needs a hotline and counsel before any explanation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.errors import InputError
from bot.types import Intent

# Identifiers people may type. ITIN: 9NN-NN-NNNN with middle digits 50-65, 70-88, 90-92, 94-99; SSN otherwise.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")),
    ("ssn_or_itin", re.compile(r"(?<!\d)\d{3}[-\s.]?\d{2}[-\s.]?\d{4}(?!\d)")),
    ("a_number", re.compile(r"(?i)\bA[-\s#]?\d{3}[-\s]?\d{3}[-\s]?\d{2,3}\b")),
    ("phone", re.compile(r"(?<!\w)(?:\+?1[-\s.]?)?\(?\d{3}\)?[-\s.]?\d{3}[-\s.]?\d{4}(?!\d)")),
    ("date_of_birth", re.compile(r"(?<!\d)\d{1,2}[/-]\d{1,2}[/-](?:19|20)\d{2}(?!\d)")),
    (
        "street_address",
        re.compile(
            r"(?i)\b\d{1,6}\s+(?:[A-Za-zÀ-ÿ0-9.]+\s){0,4}(?:st|street|ave|avenue|rd|road|blvd|dr|drive|ln|lane|"
            r"way|ct|court|calle|avenida)\b\.?"
        ),
    ),
    ("name", re.compile(r"(?i)\b(?:my name is|me llamo|mi nombre es)\s+[\wÀ-ÿ'-]+(?:\s+[\wÀ-ÿ'-]+)?")),
]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_EMERGENCY = re.compile(
    r"(?i)(ice|immigration|la migra|migra|agentes?|officers?)\W+(?:\w+\W+){0,6}"
    r"(door|puerta|outside|afuera|here|aqu[ií]|house|casa|work|trabajo)"
    r"|\b(detained|arrested|detenid[oa]s?|arrestad[oa]s?|se llevaron|took my|raid|redada)\b"
)
_PERSONAL = re.compile(
    r"(?i)\b(should i|can i|will i|do i|am i|could i|i have|i've|i am|i'm|im|i got|i was|i filed|i need|"
    r"my (?:case|situation|husband|wife|spouse|son|daughter|kids|children|family|removal|deportation|order|"
    r"employer|boss|status|lawyer|hearing|parents?)|"
    r"tengo|debo|puedo|estoy|soy|me van|mi (?:caso|situaci[oó]n|esposo|esposa|hijo|hija|hijos|familia|orden|"
    r"patr[oó]n|jefe|estatus|abogado|audiencia|papás?|padres?))\b"
)
_GREETING = re.compile(r"(?i)^\W*(hi|hello|hey|hola|buenas|buenos d[ií]as|buenas tardes|good morning)\W*$")


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


def detect_language(text: str, supported: tuple[str, ...], requested: str | None = None) -> str:
    """The explicit `lang` wins (reduced to its primary subtag); else langid restricted to the supported set."""
    if requested:
        primary = requested.replace("_", "-").split("-")[0].lower()
        return primary if primary in supported else "en"
    if len(supported) == 1:
        return supported[0]
    identifier = _identifier(supported)
    lang, _score = identifier.classify(text)
    return str(lang) if lang in supported else "en"


_IDENTIFIERS: dict[tuple[str, ...], object] = {}


def _identifier(supported: tuple[str, ...]):  # type: ignore[no-untyped-def]
    from langid.langid import LanguageIdentifier, model

    if supported not in _IDENTIFIERS:
        ident = LanguageIdentifier.from_modelstring(model, norm_probs=False)
        ident.set_languages([s for s in supported if s in ident.nb_classes] or ["en"])
        _IDENTIFIERS[supported] = ident
    return _IDENTIFIERS[supported]


def guess_intent(text: str) -> Intent:
    """First-pass intent from the wording alone; the pipeline refines it with what retrieval finds."""
    if _EMERGENCY.search(text):
        return "emergency"  # fail closed: when the wording could be an emergency, treat it as one
    if _GREETING.match(text):
        return "greeting"
    if _PERSONAL.search(text):
        return "personal_situation"
    return "information"
