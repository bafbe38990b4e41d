"""Fixed strings the bot says in every supported language: disclaimer, 'I don't know', labels.

Every key must exist in every language (tests/test_strings.py enforces it). Written for a general audience at a
plain reading level; agency names carry the English acronym people see on their documents.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "disclaimer": (
            "This is general information, not legal advice. Court cases are still changing. "
            "For your own situation, talk to an immigration attorney or a DOJ-accredited representative, "
            "and for tax problems a Low Income Taxpayer Clinic or the Taxpayer Advocate Service."
        ),
        "no_answer": (
            "I don't have reliable information to answer that question. I can only answer questions about "
            "the IRS–ICE data-sharing agreement, the tax privacy law, the court cases, ITINs and where to get help. "
            "A lawyer or a legal aid organization can help with your question."
        ),
        "as_of": "Information current as of {date}.",
        "sources": "Sources",
        "sources_in_english": "The sources are in English.",
        "referrals": "Where to get help",
    },
    "es": {
        "disclaimer": (
            "Esta es información general, no asesoría legal. Los casos en los tribunales siguen cambiando. "
            "Para su situación personal, hable con un abogado de inmigración o un representante acreditado por el "
            "Departamento de Justicia (DOJ), y para problemas de impuestos con una Clínica para Contribuyentes de "
            "Bajos Ingresos (LITC) o el Servicio del Defensor del Contribuyente (TAS)."
        ),
        "no_answer": (
            "No tengo información confiable para responder esa pregunta. Solo puedo responder preguntas sobre el "
            "acuerdo entre el Servicio de Impuestos Internos (IRS) y el Servicio de Inmigración y Control de Aduanas "
            "(ICE), la ley de privacidad de los impuestos, los casos en los tribunales, el ITIN y dónde buscar ayuda. "
            "Un abogado o una organización de ayuda legal puede ayudarle con su pregunta."
        ),
        "as_of": "Información vigente al {date}.",
        "sources": "Fuentes",
        "sources_in_english": "Las fuentes están en inglés.",
        "referrals": "Dónde buscar ayuda",
    },
}


def text(lang: str, key: str, **fmt: str) -> str:
    """The string `key` in `lang`, falling back to English for a language the pack does not carry yet."""
    table = STRINGS.get(lang) or STRINGS["en"]
    return (table.get(key) or STRINGS["en"][key]).format(**fmt)


def supported() -> tuple[str, ...]:
    return tuple(STRINGS)
