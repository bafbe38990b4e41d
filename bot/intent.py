"""Intent: information, personal_situation, emergency, out_of_scope, greeting or unsafe, in every language.

Two signals. Rules catch the unmistakable (an instruction to ignore instructions, "ICE is at my door", a bare
"hello"). Then nearest prototypes: the message is compared, with the multilingual model, to seed examples of each
intent (bot/lang/intents.yaml), which carries the shape of an intent into languages the rules do not cover.

Emergency fails closed: the rules treat any wording that could describe agents at the door or a detention as an
emergency, even in the past tense, and similarity adds messages the rules miss when they are closest to emergency.
A person with agents at the door who gets a hotline they did not need loses little; one who gets an explanation of
§6103 instead of a hotline may lose a great deal. tests/test_guardrails.py pins this.
The pipeline refines the result with retrieval: a trusted card turns out_of_scope into information, and no trusted
card turns information into out_of_scope.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import yaml

from bot.embeddings import Embedder
from bot.types import Intent

PROTOTYPES = Path(__file__).parent / "lang" / "intents.yaml"
# By similarity alone, an emergency must lead every other eligible intent by this much (the rules are the wide net).
# On the labelled sets of 2026-11-21 every emergency the rules missed led by 0.0116 or more; half the lead is kept
# as a cushion, to fail closed.
EMERGENCY_LEAD = 0.005
EMERGENCY_FLOOR = 0.85  # ...and at least this similar to an emergency example
DOMAIN_FLOOR = 0.78  # below this similarity to every in-domain example, a message is not about our subject
PERSONAL_LEAD = 0.02  # with no card to answer it, "personal" must beat "out of scope" by this much
UNSAFE_FLOOR = 0.91
GREETING_MAX_WORDS = 4

_UNSAFE = re.compile(
    r"(?i)(ignore|disregard|forget|override|bypass)\W+(?:\w+\W+){0,3}(instructions?|rules|prompt|guidelines)"
    r"|^\W*(?:system|sistema|admin)\s*:|\breveal\b.{0,20}\b(?:config\w*|instructions|prompt|secrets?)\b"
    r"|\brevela\b.{0,20}\b(?:configuraci[oó]n|instrucciones|prompt)\b"
    r"|system\s*prompt|developer\s*mode|jailbreak|pretend\s+(?:you\s+are|to\s+be)|\bact\s+as\b|role-?play"
    r"|(ignora|olvida|olvídate\s+de)\W+(?:\w+\W+){0,3}(instrucciones|reglas|indicaciones)|finge\s+que|act[uú]a\s+como"
    r"|hide\s+(?:my\s+)?income|evade\s+(?:taxes|the\s+irs)|fake\s+(?:itin|ssn|social|documents?|w-?2)"
    r"|escond\w*\s+(?:mis\s+)?ingresos|(itin|seguro\s+social|papeles|documentos)\s+fals[oa]s?"
    r"|(?<![a-z])prompt(?![a-z])|扮演|假装你是|假的?(?:社安号|社会安全号|身份|证件|地址|文件|ITIN)"
    r"|fingir|finja|finge\b|esquece\w*\s+(?:as\s+)?regras|esconder\s+(?:dinheiro|renda|minha renda)|\bfals[oa]s?\b"
    r"|kunwari|huwag\s+(?:mong\s+)?pansinin|pekeng|itatago\s+ang\s+kita"
    r"|fè\s+kòm\s+si|inyore\s+règ|fo\s+papye|kache\s+revni"
    r"|đóng vai|giả làm|gia lam|giấy tờ giả|giay to gia|giấu thu nhập|giau thu nhap"
    r"|притворись|забудь.{0,30}(?:инструкци|правил)|промпт|поддельн|спрятать\s+доход"
    r"|تخيل\s+انك|تظاهر|انس.{0,3}\s+قواعد|مزور|إخفاء\s+الدخل"
    r"|개발자\s*모드|너는\s+변호사|규칙.{0,8}(?:무시|신경\s*쓰지)|가짜|위조|소득.{0,6}숨기|숨기는\s+방법"
    r"|忽略.{0,6}(指令|指示|规则)|무시하고|bỏ qua.{0,12}(hướng dẫn|chỉ dẫn)|игнорируй|проигнорируй|تجاهل"
)
# Emergency wording. Three nets, any one is enough: a detention word; an agent near a door or a "right now" place
# (either order); and phrases in scripts without spaces. Verb forms are listed in the shapes people text them.
_AGENT = (
    r"ice|immigration|inmigraci[oó]n|la migra|migra|agentes?|officers?|polic[eií]a|imigra[cç][aã]o|imigrasyon|"
    r"ajan|di tr[uú]|c[oô]ng an|immigration po|pulis|иммиграц\w*|полиц\w*|айс|الهجرة|ضباط|الشرطة|شرطة"
)
_AT_DOOR = (
    r"door|puerta|porta|port[aã]o|p[oò]t|pinto|c[uử]a nh[aà]|tr[uư][oớ]c c[uử]a|"
    r"дв[её]р\w*|dver\w*|подъезд\w*|الباب|باب|"
    r"outside|afuera|l[aá] fora|deyò|labas|ngo[aà]i nh[aà]|у дома|برا|بره|"
    r"here|aqu[ií]|dito|[oở] [dđ][aâ]y|здесь|тут|هنا|هون|"
    r"right now|ahora mismo|agora mesmo|kounye a la a|ngayon din|ngay b[aâ]y gi[oờ]|прямо сейчас|"
    r"at (?:my|the) (?:house|home|work|job)|en (?:mi|la) (?:casa|trabajo|chamba)|"
    r"(?:em|na) (?:minha )?casa|no (?:meu )?trabalho|"
    r"lakay|nan travay|sa bahay|sa trabaho|[oở] nh[aà]|ch[oỗ] l[aà]m"
)
_DETAINED = (
    r"detained|arrested|detenid[oa]s?|arrestad[oa]s?|se\s+llevaron|took\s+my|raid|redada|detuvieron|detener|"
    r"arrestaron|agarraron|deti(?:do|da|veram|ver)|deter|pres[oa]s?|prenderam|levaram|batida|arete|arestasyon|detansyon|"
    r"kenbe .{0,20}detansyon|dinampot|hinuli|dinakip|kinulong|na-?detain|inaresto|raid|"
    r"b[iị] b[aắ]t|b[aắ]t (?:đi|di|mất|mat)|b[iị] gi[uữ]|tr[aạ]i giam|t[aạ]m gi[uữ]|"
    r"задержа\w*|арестова\w*|забрали|схватили|облав\w*|"
    r"اعتقل\w*|احتجز\w*|مسكو\w*|قبضوا|اخدو\w*|أخذوا|اخذوا|مداهمة"
)
_EMERGENCY = re.compile(
    rf"(?i)\b(?:{_AGENT})\b\W+(?:\w+\W+){{0,6}}(?:{_AT_DOOR})\b"
    rf"|\b(?:{_AT_DOOR})\W+(?:\w+\W+){{0,6}}\b(?:{_AGENT})\b"
    rf"|\b(?:{_DETAINED})\b"
    r"|(在我家门口|在我家門口|被抓|抓走|被拘留|拘留了|敲门|敲門|突袭|突襲|拉人|"
    r"구금|체포|잡혀\s?갔|잡아\s?갔|문 앞|단속\s*(?:요원|나왔|왔)|"
    r"على الباب|عند الباب|يطرقون|у двери|стучат в дверь)"
)
_GREETING = re.compile(
    r"(?i)^\W*(hi|hello|hey|thanks?|thank you|bye|good (?:morning|afternoon|evening)|ok|okay|hola|gracias|"
    r"muchas gracias|buenos d[ií]as|buenas(?: tardes| noches)?|adi[oó]s|你好|谢谢|xin ch[aà]o|c[aả]m [oơ]n|"
    r"안녕하세요|감사합니다|kumusta|salamat(?: po)?|bonjou|bonswa|m[eè]si|ol[aá]|obrigad[oa]|oi|مرحبا|شكرا|"
    r"السلام عليكم|привет|здравствуйте|спасибо)\W*$"
)


def load_prototypes(path: Path = PROTOTYPES) -> dict[str, list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(k): [str(x) for x in v] for k, v in data.items()}


class IntentClassifier:
    def __init__(self, embedder: Embedder, prototypes: dict[str, list[str]] | None = None) -> None:
        self.embedder = embedder
        protos = prototypes or load_prototypes()
        self.labels: list[str] = []
        texts: list[str] = []
        for label, examples in protos.items():
            self.labels += [label] * len(examples)
            texts += examples
        self.matrix = embedder.embed_passages(texts) if texts else np.zeros((0, 1))
        self.label_array = np.array(self.labels)

    def similarities(self, vector: np.ndarray) -> dict[str, float]:
        sims = self.matrix @ vector
        return {label: float(sims[self.label_array == label].max()) for label in dict.fromkeys(self.labels)}

    def classify(self, text: str, vector: np.ndarray | None = None) -> tuple[Intent, dict[str, float]]:
        """The intent, and the per-intent similarities the pipeline uses to weigh it against retrieval."""
        rule = rule_intent(text)
        if rule is not None:
            return rule, {}
        if vector is None:
            vector = self.embedder.embed_query(text)
        sims = self.similarities(vector)
        ranked = sorted(sims, key=lambda k: -sims[k])
        # Each intent has its own bar: an unsafe message needs a close match, a greeting is short, and similarity
        # alone makes an emergency only at or above the floor (the rules are the wide net). The answer is the
        # nearest intent that clears its bar; an emergency that clears it wins ties, to fail closed.
        passes = {
            "emergency": sims.get("emergency", 0.0) >= EMERGENCY_FLOOR,
            "unsafe": sims.get("unsafe", 0.0) >= UNSAFE_FLOOR,
            "greeting": _length_in_words(text) <= GREETING_MAX_WORDS,
        }
        eligible = [label for label in ranked if passes.get(label, True)]
        others = [sims[label] for label in eligible if label != "emergency"]
        if passes["emergency"] and sims["emergency"] >= max(others, default=0.0) + EMERGENCY_LEAD:
            return "emergency", sims
        return next(label for label in eligible if label != "emergency"), sims  # type: ignore[return-value,misc]


def _length_in_words(text: str) -> float:
    """Words, counting two characters as a word in scripts written without spaces (Chinese, Japanese)."""
    spaced = len(text.split())
    dense = sum(1 for ch in text if "\u3040" <= ch <= "\u9fff")
    return max(spaced, dense / 2)


def in_domain(sims: dict[str, float]) -> bool:
    """Whether a message looks like it is about our subject at all (rules decided: no opinion, so True)."""
    if not sims:
        return True
    return max(sims.get(k, 0.0) for k in ("information", "personal_situation", "emergency")) >= DOMAIN_FLOOR


def personal_without_card(sims: dict[str, float]) -> bool:
    """A personal question the pack has no card for still deserves a referral, if it is clearly personal."""
    return not sims or sims.get("personal_situation", 0.0) >= sims.get("out_of_scope", 0.0) + PERSONAL_LEAD


def rule_intent(text: str) -> Intent | None:
    """The unmistakable cases; None when the rules have nothing certain to say."""
    if _UNSAFE.search(text):
        return "unsafe"
    if _EMERGENCY.search(text):
        return "emergency"  # fail closed: wording that could be an emergency is treated as one
    if _GREETING.match(text):
        return "greeting"
    return None
