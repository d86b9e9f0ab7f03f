"""AI Act classification of each AI system, and the obligations that follow from it, with reasons.

Rules over the inventory's attributes (read with the ``ai-systems`` named query), each citing the
provision that decides it:

- Article 5(1): a prohibited practice: the system must not be placed on the market, put into
  service or used (from 2 February 2025, Article 113(a)); no obligation list follows, since no
  compliance makes it lawful;
- Article 6(1): a safety component of (or itself) a product under Annex I legislation that needs a
  third-party conformity assessment: high-risk;
- Article 6(2) with Annex III: high-risk, unless the provider documented an Article 6(3) condition
  and the system does not profile natural persons (then Article 6(4) duties remain);
- Article 50: transparency cases, alongside any other class, each citing its paragraph;
- otherwise minimal risk.

Where the intended purpose and the declared Annex III point disagree in a way the Annex's own text
settles (a fraud-detection tool declared under point 5(b), which excludes fraud detection), the
class is kept as declared and a question for the user opens with "review:" (``questions``).

An obligation (``obligations/``) applies to a system when it binds one of the organization's roles
for it and all its conditions hold. A condition the inventory cannot decide (whether the deployer
controls the input data, say) makes the obligation *conditional*: it is reported with the question
to answer, and not counted as applying.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

from .coverage import DEFAULT_RULE, PathRule
from .law import LawView, law_view
from .namespaces import AIMS, BASE, GRAPH
from .queries import QueryCatalog
from .store import GraphStore, Source

DPV = "https://w3id.org/dpv/legal/eu/aiact#"
CONDITION = BASE + "eli/reg/2024/1689/condition/"
DERIVED_GRAPH = GRAPH + "derived/classification"


@dataclass(frozen=True)
class Reason:
    provision: str  # the notation that decides it, e.g. "Article 6(2), Annex III(4)(a)"
    text: str

    def __str__(self) -> str:
        return f"{self.provision}: {self.text}"


@dataclass
class SystemFacts:
    iri: str
    name: str
    roles: set[str]
    prohibited: str | None  # point letter of Article 5(1)
    annex_i: str | None
    third_party: bool
    annex_iii: str | None  # "4(a)", "2"
    exception: str | None  # point letter of Article 6(3)
    profiling: bool
    transparency: set[str]
    gpai: str | None
    public_service: bool
    personal_data: bool
    purpose: str = ""

    @property
    def annex_iii_area(self) -> int | None:
        return int(self.annex_iii[0]) if self.annex_iii else None


@dataclass
class Classification:
    system: SystemFacts
    classes: list[str] = field(default_factory=list)  # prohibited, high-risk, transparency, ...
    risk_levels: list[str] = field(default_factory=list)  # DPV IRIs
    reasons: list[Reason] = field(default_factory=list)
    obligations: list[ObligationStatus] = field(default_factory=list)
    verdict: str = ""  # what follows, when a class decides it (prohibited)
    questions: list[str] = field(default_factory=list)  # "review: ..." for the user

    @property
    def prohibited(self) -> bool:
        return "prohibited" in self.classes

    @property
    def high_risk_6_1(self) -> bool:
        return DPV + "HighRiskAISystem-A6-1" in self.risk_levels

    @property
    def high_risk_6_2(self) -> bool:
        return DPV + "HighRiskAISystem-A6-2" in self.risk_levels


@dataclass(frozen=True)
class ObligationStatus:
    obligation: str
    title: str
    provision: str
    notation: str
    role: str
    applicable_from: date
    in_force: bool
    open_questions: tuple[str, ...]  # conditions the data cannot decide; empty when it applies
    amended_by: str | None = None  # the amendment that set its date or added it, if any

    @property
    def applies(self) -> bool:
        return not self.open_questions


# -- facts --------------------------------------------------------------------------------------

def system_facts(store: GraphStore, queries: QueryCatalog | None = None) -> list[SystemFacts]:
    queries = queries or QueryCatalog()
    facts = []
    for r in queries.get("ai-systems").run(store).records():
        point = None
        if r["annexIIINotation"]:
            match = re.fullmatch(r"Annex III\((\d)\)(?:\(([a-z])\))?", r["annexIIINotation"])
            point = (match[1] + (f"({match[2]})" if match[2] else "")) if match else None
        facts.append(SystemFacts(
            iri=r["system"] or "", name=r["name"] or r["system"] or "",
            roles=set((r["roles"] or "").split()),
            prohibited=_last_letter(r["prohibited"]), annex_i=r["annexI"],
            third_party=r["thirdParty"] == "true", annex_iii=point,
            exception=_last_letter(r["exception"]), profiling=r["profiling"] == "true",
            transparency=set((r["transparency"] or "").split()), gpai=r["gpai"],
            public_service=r["publicService"] == "true",
            personal_data=r["personalData"] == "true", purpose=r["purpose"] or ""))
    return facts


def _last_letter(iri: str | None) -> str | None:
    return iri.rsplit("pnt_", 1)[-1] if iri else None


# -- risk class ---------------------------------------------------------------------------------

#: Article 113(a): Chapters I and II (Article 5) apply from 2 February 2025
PROHIBITIONS_APPLY = date(2025, 2, 2)

#: Article 50 cases (inventory ``transparency`` values): the paragraph and what it requires
ARTICLE_50 = {
    "interacts-with-persons": ("Article 50(1)", "the provider designs it so that the persons "
                               "interacting with it are informed that they interact with an AI "
                               "system"),
    "synthetic-content": ("Article 50(2)", "the provider marks its synthetic audio, image, video "
                          "or text output in a machine-readable format, detectable as "
                          "artificially generated or manipulated"),
    "emotion-recognition": ("Article 50(3)", "the deployer of an emotion recognition system "
                            "informs the persons exposed to it"),
    "biometric-categorisation": ("Article 50(3)", "the deployer of a biometric categorisation "
                                 "system informs the persons exposed to it"),
    "deep-fake": ("Article 50(4)", "the deployer discloses that the image, audio or video "
                  "content (a deep fake) has been artificially generated or manipulated"),
    "public-interest-text": ("Article 50(4)", "the deployer discloses that text published to "
                             "inform the public on matters of public interest has been "
                             "artificially generated or manipulated"),
}

#: Annex III points whose own text excludes a use: (point, pattern of the excluded use in the
#: intended purpose, the Annex's words, the question)
ANNEX_III_EXCLUSIONS = (
    ("5(b)", re.compile(r"\bfraud", re.IGNORECASE),
     "with the exception of AI systems used for the purpose of detecting financial fraud",
     "does it evaluate creditworthiness or establish credit scores (high-risk), or detect "
     "financial fraud (excluded)?"),
    ("1(a)", re.compile(r"\b(verif|authenticat|confirm (?:the |their |a )?identity)",
                        re.IGNORECASE),
     "this shall not include AI systems intended to be used for biometric verification the sole "
     "purpose of which is to confirm that a specific natural person is the person he or she "
     "claims to be",
     "does it identify persons remotely (high-risk), or only verify a claimed identity "
     "(excluded)?"),
    ("5(c)", re.compile(r"\b(motor|car|vehicle|property|home|travel|liability|pet) insurance",
                        re.IGNORECASE),
     "in the case of life and health insurance",
     "is it used for life or health insurance (high-risk), or only other insurance (not "
     "covered by point 5(c))?"),
)


def review_questions(s: SystemFacts) -> list[str]:
    """Questions where the intended purpose contradicts the declared Annex III point."""
    questions = []
    for point, pattern, words, question in ANNEX_III_EXCLUSIONS:
        found = pattern.search(s.purpose)
        if s.annex_iii == point and found:
            questions.append(
                f"review: the intended purpose mentions '{found[0].strip()}', but the declared "
                f"Annex III({point[0]}){point[1:]} reads '... {words}': {question} The class "
                "below follows the declared point until the inventory says otherwise.")
    return questions


def classify_system(s: SystemFacts) -> Classification:
    c = Classification(s)
    c.questions = review_questions(s)
    if s.prohibited:
        c.classes.append("prohibited")
        c.risk_levels.append(f"{DPV}ProhibitedAISystem-A5-1-{s.prohibited}")
        c.verdict = ("must not be placed on the market, put into service or used: prohibited "
                     f"from {PROHIBITIONS_APPLY.day} {PROHIBITIONS_APPLY:%B %Y} (Article 113(a))")
        c.reasons.append(Reason(f"Article 5(1)({s.prohibited})",
                                "a prohibited AI practice: the system " + c.verdict))
        return c  # no class or obligation list could make it compliant
    if s.annex_i:
        if s.third_party:
            c.classes.append("high-risk")
            c.risk_levels.append(DPV + "HighRiskAISystem-A6-1")
            c.reasons.append(Reason("Article 6(1)", f"safety component of, or itself, a product "
                                    f"under Annex I legislation ({s.annex_i}) that needs a "
                                    "third-party conformity assessment"))
        else:
            c.reasons.append(Reason("Article 6(1)(b)", f"Annex I product ({s.annex_i}) without a "
                                    "third-party conformity assessment: not high-risk by 6(1)"))
    if s.annex_iii:
        where = f"Annex III({s.annex_iii[0]})" + (s.annex_iii[1:] if len(s.annex_iii) > 1 else "")
        if s.exception and not s.profiling:
            c.classes.append("annex-iii-not-high-risk")
            c.reasons.append(Reason(f"Article 6(3)({s.exception})", f"{where} use case, but the "
                                    "provider documented that it poses no significant risk; "
                                    "Article 6(4) documentation and registration remain"))
        else:
            c.classes.append("high-risk")
            c.risk_levels.append(DPV + "HighRiskAISystem-A6-2")
            area = s.annex_iii.replace("(", "-").rstrip(")")
            c.risk_levels.append(f"{DPV}HighRiskAISystem-AnnexIII-{area}")
            why = f"{where} use case"
            if s.exception and s.profiling:
                why += "; Article 6(3) cannot apply because it profiles natural persons"
            c.reasons.append(Reason(f"Article 6(2), {where}", why))
    if s.transparency:
        c.classes.append("transparency")
        c.risk_levels.append(DPV + "RiskLevelTransparencyRequired")
        for case in sorted(s.transparency, key=lambda k: (ARTICLE_50.get(k, ("Article 50",))[0],
                                                          k)):
            paragraph, duty = ARTICLE_50.get(case, ("Article 50", "transparency case"))
            c.reasons.append(Reason(paragraph, f"{case}: {duty}"))
    if s.gpai:
        c.classes.append("gpai-model" + ("-systemic" if s.gpai.endswith("systemic") else ""))
        c.reasons.append(Reason("Article 53" + (", 55" if s.gpai.endswith("systemic") else ""),
                                "the organization provides a general-purpose AI model in it"))
    if not c.classes or c.classes == ["annex-iii-not-high-risk"]:
        c.classes.append("minimal")
        c.risk_levels.append(DPV + "RiskLevelMinimal")
        if not c.reasons:
            c.reasons.append(Reason("Articles 5, 6, 50", "no prohibited practice, no Annex I or "
                                    "Annex III use, no Article 50 case: minimal risk"))
    return c


# -- conditions ---------------------------------------------------------------------------------

Check = Callable[[Classification], bool | None]  # True holds, False does not, None: undecided


def _area(*areas: int) -> Check:
    return lambda c: c.system.annex_iii_area in areas


CONDITIONS: dict[str, tuple[str, Check]] = {
    DPV + "AISystem": ("an AI system", lambda c: True),
    DPV + "HighRiskAISystem-A6-1": ("high-risk under Article 6(1)", lambda c: c.high_risk_6_1),
    DPV + "HighRiskAISystem-A6-2": ("high-risk under Article 6(2)", lambda c: c.high_risk_6_2),
    DPV + "GPAIModel": ("a general-purpose AI model it provides", lambda c: bool(c.system.gpai)),
    DPV + "EmotionRecognitionSystem": ("emotion recognition",
                                       lambda c: "emotion-recognition" in c.system.transparency),
    DPV + "BiometricCategorisationSystem": (
        "biometric categorisation", lambda c: "biometric-categorisation" in c.system.transparency),
    DPV + "PostRemoteBiometricIdentificationSystem": (
        "post-remote biometric identification", lambda c: None if _area(1)(c) else False),
    DPV + "SeriousIncident": ("when a serious incident occurs", lambda c: True),
    DPV + "SubstantialModification": ("when the system is substantially modified",
                                      lambda c: True),
    CONDITION + "annex-i-section-a": (
        "a product under Annex I Section A", lambda c: (c.system.annex_i or "").startswith("A")),
    CONDITION + "annex-iii-not-high-risk": (
        "Annex III use assessed not high-risk", lambda c: "annex-iii-not-high-risk" in c.classes),
    CONDITION + "annex-iii-point-1": ("Annex III point 1", _area(1)),
    CONDITION + "annex-iii-points-2-to-8": ("Annex III points 2 to 8", _area(2, 3, 4, 5, 6, 7, 8)),
    CONDITION + "not-annex-iii-point-2": ("not Annex III point 2",
                                          lambda c: c.system.annex_iii_area != 2),
    CONDITION + "decision-with-legal-effect": (
        "does a decision based on it have legal or similarly significant effects on a person?",
        lambda c: None),
    CONDITION + "decisions-on-natural-persons": (
        "does it make or assist decisions about natural persons?",
        lambda c: True if c.system.profiling else None),
    CONDITION + "deep-fake-content": ("deep fakes", lambda c: "deep-fake" in c.system.transparency),
    CONDITION + "public-interest-text": (
        "text published on matters of public interest",
        lambda c: "public-interest-text" in c.system.transparency),
    CONDITION + "intimate-imagery-or-csam-generation": (
        "can it generate or manipulate intimate imagery of an identifiable person without consent, "
        "or child sexual abuse material (Article 5(1)(ba), (bb) as amended)?",
        lambda c: None if "synthetic-content" in c.system.transparency else False),
    CONDITION + "synthetic-content-generation": (
        "synthetic content", lambda c: "synthetic-content" in c.system.transparency),
    CONDITION + "interacts-with-natural-persons": (
        "interacts with natural persons",
        lambda c: "interacts-with-persons" in c.system.transparency),
    CONDITION + "dpia-required": (
        "is a GDPR Article 35 data protection impact assessment required?",
        lambda c: None if c.system.personal_data else False),
    CONDITION + "employer-workplace-use": (
        "used at the workplace by an employer", lambda c: True if _area(4)(c) else None),
    CONDITION + "fria-required": (
        "a fundamental rights impact assessment is required (Article 27(1))",
        lambda c: c.high_risk_6_2 and c.system.annex_iii_area != 2 and (
            c.system.public_service or c.system.annex_iii in ("5(b)", "5(c)"))),
    CONDITION + "public-law-or-public-service-deployer": (
        "a body governed by public law or providing public services",
        lambda c: c.system.public_service),
    CONDITION + "public-authority-deployer": (
        "is the deployer a public authority or Union body?",
        lambda c: None if c.system.public_service else False),
    CONDITION + "gpai-systemic-risk": ("a GPAI model with systemic risk",
                                       lambda c: (c.system.gpai or "").endswith("systemic")),
    CONDITION + "gpai-high-impact-capabilities": (
        "a GPAI model with high-impact capabilities",
        lambda c: (c.system.gpai or "").endswith("systemic")),
    CONDITION + "law-enforcement-use": ("used for law enforcement",
                                        lambda c: True if _area(6)(c) else
                                        (None if _area(1, 7)(c) else False)),
    CONDITION + "input-data-control": ("does the deployer control the input data?",
                                       lambda c: None),
    CONDITION + "logs-under-control": ("are the logs under the organization's control?",
                                       lambda c: None),
    CONDITION + "non-conformity": ("when the system is found not in conformity", lambda c: True),
    CONDITION + "presents-risk": ("when the system presents a risk (Article 79(1))",
                                  lambda c: True),
    CONDITION + "special-category-bias-processing": (
        "are special categories of personal data processed to correct bias?",
        lambda c: None if c.system.personal_data else False),
    CONDITION + "third-country-provider": ("is the provider established outside the Union?",
                                           lambda c: None),
    CONDITION + "third-party-component-supply": (
        "does a third party supply components for it?", lambda c: None),
    CONDITION + "value-chain-provider-shift": (
        "has the organization rebranded, substantially modified or repurposed it (Article 25(1))?",
        lambda c: None),
}


def condition_check(condition: str) -> tuple[str, Check]:
    """The label and test of a condition IRI; an unknown condition is undecided, never assumed."""
    if condition in CONDITIONS:
        return CONDITIONS[condition]
    local = condition.removeprefix(DPV)
    prohibited = re.fullmatch(r"ProhibitedAISystem-A5-1-([a-h])", local)
    if prohibited:
        letter = prohibited[1]
        return (f"the Article 5(1)({letter}) practice", lambda c: c.system.prohibited == letter)
    annex_iii = re.fullmatch(r"HighRiskAISystem-AnnexIII-(\d)(?:-([a-z]))?", local)
    if annex_iii:
        point = annex_iii[1] + (f"({annex_iii[2]})" if annex_iii[2] else "")
        return (f"high-risk under Annex III({point})",
                lambda c: c.high_risk_6_2 and c.system.annex_iii == point)
    return (f"condition {condition}", lambda c: None)


# -- obligations --------------------------------------------------------------------------------

def classify(store: GraphStore, as_of: date | None = None,
             queries: QueryCatalog | None = None,
             law: LawView | None = None) -> list[Classification]:
    """Classify every AI system and list the obligations for the organization's roles, under the
    view of the law given (default: the change sets in force on ``as_of``)."""
    queries = queries or QueryCatalog()
    as_of = as_of or (law.as_of if law else date.today())
    law = law or law_view(store, as_of)
    obligations = law.obligations(list(queries.get("obligations").run(store).records()))
    results = []
    for facts in system_facts(store, queries):
        c = classify_system(facts)
        if c.prohibited:
            results.append(c)
            continue
        for o in obligations:
            roles = set((o["roles"] or "").split()) & facts.roles
            if not roles:
                continue
            verdicts = []
            for condition in (o["conditions"] or "").split():
                label, check = condition_check(condition)
                verdicts.append((label, check(c)))
            if any(v is False for _, v in verdicts):
                continue
            start = date.fromisoformat(o["applicableFrom"] or "9999-12-31")
            until = o["applicableUntil"]
            in_force = start <= as_of and (until is None or as_of <= date.fromisoformat(until))
            for role in sorted(roles):
                c.obligations.append(ObligationStatus(
                    o["obligation"] or "", o["title"] or "", o["provision"] or "",
                    o["notation"] or "", role, start, in_force,
                    tuple(label for label, v in verdicts if v is None), o["amendedBy"]))
        results.append(c)
    return results


def materialize(store: GraphStore, results: list[Classification],
                law_key: str = "as-enacted") -> None:
    """Record risk classes, reasons and in-force obligations in a derived graph of the store,
    with the view of the law they assume (``aims:lawView``: applied change set ids)."""
    g = ox.NamedNode(DERIVED_GRAPH)
    reach = Reach(store)
    quads = [ox.Quad(g, ox.NamedNode(AIMS + "lawView"), ox.Literal(law_key), g)]
    for c in results:
        system = ox.NamedNode(c.system.iri)
        for level in c.risk_levels:
            quads.append(ox.Quad(system, ox.NamedNode(AIMS + "riskClass"), ox.NamedNode(level), g))
        for reason in c.reasons:
            quads.append(ox.Quad(system, ox.NamedNode(AIMS + "classificationReason"),
                                 ox.Literal(str(reason)), g))
        for o in c.obligations:
            if o.applies and o.in_force:
                quads.append(ox.Quad(system, ox.NamedNode(AIMS + "hasObligation"),
                                     ox.NamedNode(o.obligation), g))
                if reach.reaches(c.system.iri, o.provision):
                    quads.append(ox.Quad(system, ox.NamedNode(AIMS + "reachedObligation"),
                                         ox.NamedNode(o.obligation), g))
    store.replace_quads(Source(Path("derived/classification"), DERIVED_GRAPH, "derived"), quads)


class Reach:
    """Whether an implemented control reaches a provision, for a given AI system: the control (or
    a legal provision an SoA line names as implemented, or a clause conformity line's clause) is
    the provision, or a part or container of it up to two levels away, or maps to one of those
    through one crosswalk mapping. What counts as implemented is the ``implemented-controls``
    named query, the one definition every answer uses. Only mappings the path rule admits count
    (confidence at least ``rule.min_confidence``, :class:`~aimsgraph.coverage.PathRule`): a weak
    topical link reaches nothing.

    Computed in Python over three small query results: as one SPARQL pattern the bounded
    part-of paths made the engine enumerate every pair of provisions.
    """

    def __init__(self, store: GraphStore, rule: PathRule = DEFAULT_RULE) -> None:
        queries = QueryCatalog()
        self.parent = {r["provision"]: r["parent"]
                       for r in queries.get("provision-index").run(store).records()}
        self.children: dict[str, list[str]] = {}
        for child, parent in self.parent.items():
            if parent:
                self.children.setdefault(parent, []).append(child or "")
        self.controls_for: dict[str, set[str]] = {}  # target provision -> source controls
        for r in queries.get("mapping-edges").run(store).records():
            if r["relation"] and not r["relation"].endswith(("NotRelated", "GuidanceFor")) \
                    and _admitted(rule, r["confidence"]):
                self.controls_for.setdefault(r["target"] or "", set()).add(r["source"] or "")
        self.implemented: dict[str, set[str | None]] = {}  # control -> systems (None: all)
        for r in queries.get("implemented-controls").run(store).records():
            self.implemented.setdefault(r["control"] or "", set()).add(r["system"])

    def related(self, provision: str) -> set[str]:
        found, up, down = {provision}, provision, [provision]
        for _ in range(2):
            up = self.parent.get(up) or ""
            if up:
                found.add(up)
            down = [c for d in down for c in self.children.get(d, [])]
            found.update(down)
        return found

    def implemented_for(self, control: str, system: str) -> bool:
        scopes = self.implemented.get(control, set())
        return None in scopes or system in scopes

    def reaches(self, system: str, provision: str) -> bool:
        for target in self.related(provision):
            if self.implemented_for(target, system):
                return True  # implemented directly
            if any(self.implemented_for(c, system) for c in self.controls_for.get(target, ())):
                return True
        return False

    def would_reach(self, control: str, provision: str) -> bool:
        """Whether implementing ``control`` would reach ``provision``."""
        return any(control in self.controls_for.get(t, ()) for t in self.related(provision))


def _admitted(rule: PathRule, confidence: str | None) -> bool:
    if confidence is None:
        return rule.min_confidence == 0
    return Decimal(confidence) >= rule.min_confidence
