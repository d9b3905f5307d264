"""`GET /guide`: the source page's whole content, read back from the graph through the Store.

Nothing here knows a fact of the page: every sentence, label and link comes from a SPARQL answer, so
the guide shows exactly what the graph holds, and a fact missing from the graph is missing here too
(tests/test_guide.py checks the page against the source text, fact by fact).
`GET /guide/diagram.svg` is the same graph drawn as a picture (netkg.web.diagram).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from netkg import queries
from netkg.labels import pick_literal
from netkg.store import Store
from netkg.web import diagram, partner
from netkg.web.pages import base_iri, render, request_language, translate
from netkg.web.state import app_state

router = APIRouter()

RdfTerm = ox.NamedNode | ox.BlankNode | ox.Literal
Row = dict[str, RdfTerm]


def select(store: Store, name: str) -> list[Row]:
    """The solutions of `queries/guide/<name>.rq`, through the Store, each row by variable."""
    result = store.execute(queries.text(__name__, name), trusted=True)
    assert isinstance(result, ox.QuerySolutions), name
    names = [variable.value for variable in result.variables]
    return [{n: term for n in names if (term := row[n]) is not None} for row in result]


@dataclass(frozen=True)
class Text:
    """A label or sentence and the language it is written in (marked with `lang=` in the HTML)."""

    value: str
    lang: str | None

    def __str__(self) -> str:
        return self.value


class Texts:
    """Labels, alternative labels and definitions of every resource, picked in the page language."""

    def __init__(self, rows: Iterable[Row], lang: str) -> None:
        self.lang = lang
        self._by: dict[tuple[str, str], list[ox.Literal]] = defaultdict(list)
        for row in rows:
            text = row["o"]
            if isinstance(text, ox.Literal):
                self._by[(row["s"].value, _local(row["p"].value))].append(text)

    def _pick(self, iri: str, prop: str) -> Text | None:
        found = pick_literal(
            sorted(self._by.get((iri, prop), []), key=lambda t: t.value), self.lang
        )
        return Text(found.value, found.language) if found is not None else None

    def label(self, iri: str) -> Text:
        """prefLabel in the page language, else English, else the title, else the IRI's tail."""
        found = self._pick(iri, "prefLabel") or self._pick(iri, "title")
        return found or Text(iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " "), None)

    def definition(self, iri: str) -> Text | None:
        return self._pick(iri, "definition")

    def alt_labels(self, iri: str) -> list[Text]:
        terms = self._by.get((iri, "altLabel"), [])
        mine = [t for t in terms if t.language == self.lang] or [
            t for t in terms if t.language == "en"
        ]
        return [Text(t.value, t.language) for t in sorted(mine, key=lambda t: t.value.lower())]


@dataclass
class Node:
    """A resource on the guide: its IRI, with label and definition in the page language."""

    iri: str
    label: Text
    definition: Text | None = None


@dataclass
class Fact:
    """One statement of the graph, with the resources it links and the sources it cites."""

    iri: str
    kind: str
    label: Text
    definition: Text | None
    treatment: Node | None = None
    quote: str | None = None
    condition: list[Node] = field(default_factory=list)
    frequency: list[Node] = field(default_factory=list)
    situation: list[Node] = field(default_factory=list)
    when_used: list[Node] = field(default_factory=list)
    when_used_frequency: list[Node] = field(default_factory=list)
    indication: list[Node] = field(default_factory=list)
    indication_weight: list[Node] = field(default_factory=list)
    depends_on: list[Node] = field(default_factory=list)
    weight: list[Node] = field(default_factory=list)
    share: list[Node] = field(default_factory=list)
    site: list[Node] = field(default_factory=list)
    shared_among: list[Node] = field(default_factory=list)
    sources: list[Node] = field(default_factory=list)


# Statement property (local name) -> Fact field. The three frequencies of use, of a disease
# event and of a care practice share one field ("how often"); the frequency among those treated
# (net:whenUsedFrequency) does not: it is conditional on use.
_FACT_FIELDS = {
    "condition": "condition",
    "usageFrequency": "frequency",
    "eventFrequency": "frequency",
    "practiceFrequency": "frequency",
    "situation": "situation",
    "whenUsedSituation": "when_used",
    "whenUsedFrequency": "when_used_frequency",
    "indication": "indication",
    "indicationWeight": "indication_weight",
    "choiceDependsOn": "depends_on",
    "dependencyWeight": "weight",
    "benefitShare": "share",
    "site": "site",
    "sharedAmong": "shared_among",
    "source": "sources",
}


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _int(term: RdfTerm | None, default: int = 10_000) -> int:
    try:
        return int(term.value) if term else default
    except ValueError:
        return default


def _true(term: RdfTerm | None) -> bool:
    return term is not None and term.value.lower() in ("true", "1")


class GuideData:
    """Everything the guide shows, gathered with a handful of SELECTs (no text of its own)."""

    def __init__(self, store: Store, lang: str) -> None:
        self.texts = Texts(select(store, "texts"), lang)
        self.section_order: dict[str, int] = {}
        self._page(select(store, "page"))
        self._plan(select(store, "plan"))
        self._factors(select(store, "factors"))
        self.facts = self._statements(select(store, "statements"))
        self._treatments(select(store, "treatments"))
        self._references(select(store, "references"))
        self._disclaimer(select(store, "disclaimer"))

    def node(self, iri: str) -> Node:
        label = self.texts.label(iri)
        page = getattr(self, "page", None)
        if page is not None and iri in self.section_order:
            # "<page title>: overview" reads as "overview" next to the page title
            prefix = page.label.value + ": "
            if label.value.startswith(prefix):
                label = Text(label.value[len(prefix) :], label.lang)
        return Node(iri, label, self.texts.definition(iri))

    def _nodes(self, iris: Iterable[str]) -> list[Node]:
        return [self.node(i) for i in sorted(set(iris), key=self._source_key)]

    def _source_key(self, iri: str) -> tuple[int, str]:
        return (self.section_order.get(iri, 10_000), self.texts.label(iri).value.lower())

    def _page(self, rows: list[Row]) -> None:
        self.page: Node | None = None
        self.publisher: Node | None = None
        self.year: str | None = None
        for row in rows:
            self.page = self.node(row["page"].value)
            if "publisher" in row:
                self.publisher = self.node(row["publisher"].value)
            if "year" in row:
                self.year = row["year"].value
            if "section" in row:
                self.section_order[row["section"].value] = _int(row.get("sectionPos"))
        self.sections = [self.node(s) for s in sorted(self.section_order, key=self._source_key)]

    def _plan(self, rows: list[Row]) -> None:
        self.plan: Node | None = None
        self.plan_personalised = False
        based: set[str] = set()
        sources: set[str] = set()
        for row in rows:
            self.plan = self.node(row["plan"].value)
            self.plan_personalised = self.plan_personalised or _true(row.get("personalised"))
            if isinstance(row.get("basedOn"), ox.NamedNode):
                based.add(row["basedOn"].value)
            if "source" in row:
                sources.add(row["source"].value)
        self.plan_based_on = self._nodes(based)
        self.plan_sources = self._nodes(sources)

    def _factors(self, rows: list[Row]) -> None:
        factors: dict[str, dict[str, Any]] = {}
        for row in rows:
            item = factors.setdefault(
                row["factor"].value,
                {"position": _int(row.get("position")), "reads": set(), "sources": set()},
            )
            if "reads" in row:
                item["reads"].add(row["reads"].value)
            if "source" in row:
                item["sources"].add(row["source"].value)
        self.factors = [
            {
                "node": self.node(iri),
                "position": item["position"],
                "reads": self._nodes(item["reads"]),
                "sources": self._nodes(item["sources"]),
            }
            for iri, item in sorted(
                factors.items(), key=lambda kv: (kv[1]["position"], self.texts.label(kv[0]).value)
            )
        ]

    def _statements(self, rows: list[Row]) -> list[Fact]:
        values: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        kinds: dict[str, str] = {}
        for row in rows:
            iri = row["statement"].value
            kinds[iri] = _local(row["kind"].value)
            values[iri][_local(row["p"].value)].add(row["o"].value)
        facts = []
        for iri, props in values.items():
            fact = Fact(iri, kinds[iri], self.texts.label(iri), self.texts.definition(iri))
            treatments = sorted(props.get("treatment", set()) | props.get("followUp", set()))
            fact.treatment = self.node(treatments[0]) if treatments else None
            fields: dict[str, set[str]] = defaultdict(set)
            for prop, attr in _FACT_FIELDS.items():
                fields[attr] |= props.get(prop, set())
            for attr, iris in fields.items():
                setattr(fact, attr, self._nodes(iris))
            fact.quote = min(props.get("exact", set()), default=None)
            facts.append(fact)
        return sorted(facts, key=self._fact_key)

    def _fact_key(self, fact: Fact) -> tuple[int, int, str]:
        first = min((self._source_key(s.iri)[0] for s in fact.sources), default=10_000)
        kind = {
            "UsageStatement": 0,
            "ConditionalUseStatement": 0,
            "IndicationStatement": 0,
            "SpreadStatement": 1,
            "FollowUpStatement": 2,
        }
        return (first, kind.get(fact.kind, 3), fact.iri)

    def _treatments(self, rows: list[Row]) -> None:
        info: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for row in rows:
            item = info[row["treatment"].value]
            for name in ("condition", "broader", "source", "type"):
                if name in row:
                    item[name].add(row[name].value)
        self.conditions = self._nodes(c for i in info.values() for c in i.get("condition", set()))
        self.treatments: list[dict[str, Any]] = []
        self.follow_up: list[dict[str, Any]] = []
        for iri, item in info.items():
            entry: dict[str, Any] = {
                "node": self.node(iri),
                "alt_labels": self.texts.alt_labels(iri),
                "broader": self._nodes(item.get("broader", set())),
                "narrower": [],
                "sources": self._nodes(item.get("source", set())),
                "facts": [
                    f for f in self.facts if f.treatment is not None and f.treatment.iri == iri
                ],
            }
            if any(t.endswith("#FollowUpCare") for t in item.get("type", set())):
                self.follow_up.append(entry)
            else:
                self.treatments.append(entry)
        by_iri = {e["node"].iri: e for e in self.treatments}
        for entry in self.treatments:
            for parent in entry["broader"]:
                if parent.iri in by_iri:
                    by_iri[parent.iri]["narrower"].append(entry["node"])
        self.treatments.sort(key=self._entry_key)
        self.follow_up.sort(key=self._entry_key)
        self.spread_facts = [f for f in self.facts if f.kind == "SpreadStatement"]
        shown = {id(f) for e in self.treatments + self.follow_up for f in e["facts"]}
        self.other_facts = [
            f for f in self.facts if id(f) not in shown and f.kind != "SpreadStatement"
        ]

    def _entry_key(self, entry: Mapping[str, Any]) -> tuple[int, int, str]:
        first = min((self._source_key(s.iri)[0] for s in entry["sources"]), default=10_000)
        return (first, len(entry["broader"]), entry["node"].label.value.lower())

    def _references(self, rows: list[Row]) -> None:
        refs: dict[str, dict[str, Any]] = {}
        for row in rows:
            item = refs.setdefault(
                row["ref"].value,
                {"position": _int(row.get("position")), "about": set()},
            )
            for name in ("citation", "doi", "pmid"):
                if name in row:
                    item[name] = row[name].value
            if "about" in row:
                item["about"].add(row["about"].value)
        self.references = [
            {
                "node": self.node(iri),
                "position": item["position"],
                "citation": item.get("citation") or self.texts.label(iri).value,
                "doi": item.get("doi"),
                "pmid": item.get("pmid"),
                "about": self._nodes(item["about"]),
            }
            for iri, item in sorted(refs.items(), key=lambda kv: (kv[1]["position"], kv[0]))
        ]

    def _disclaimer(self, rows: list[Row]) -> None:
        self.disclaimer: Node | None = None
        comments: set[tuple[str, str | None]] = set()
        points: set[tuple[str, str | None]] = set()
        sources: set[str] = set()
        for row in rows:
            self.disclaimer = self.node(row["disclaimer"].value)
            for name, texts in (("comment", comments), ("point", points)):
                if isinstance(text := row.get(name), ox.Literal):
                    texts.add((text.value, text.language))
            if "source" in row:
                sources.add(row["source"].value)
        # the page's language when the graph has it, else English (never both)
        lang = self.texts.lang if any(t == self.texts.lang for _, t in points) else "en"
        comment = sorted(c for c in comments if c[1] == lang) or sorted(comments)
        self.disclaimer_comment = Text(*comment[0]) if comment else None
        self.disclaimer_points = [Text(v, t) for v, t in sorted(points) if t == lang]
        self.disclaimer_sources = self._nodes(sources)


def _partner_jsonld(request: Request, lang: str) -> str:
    """The schema.org JSON-LD partners get (netkg.web.partner), embedded in the guide too."""
    document = partner.condition_document(app_state(request).store, lang, base_iri(request))
    text = json.dumps(document, ensure_ascii=False, indent=1)
    return text.replace("</", "<\\/")  # never close the <script> it sits in


def diagram_data(store: Store, lang: str, data: GuideData | None = None) -> diagram.Diagram:
    """The diagram's nodes and edges, from the same graph (and answers) as the guide."""
    data = data or GuideData(store, lang)
    left = [
        diagram.Edge(
            source=diagram.Box(f["node"].iri, f["node"].label.value, f["node"].label.lang),
            target=diagram.Box(r.iri, r.label.value, r.label.lang),
        )
        for f in data.factors
        for r in f["reads"]
    ]
    right: list[diagram.Edge] = []
    for row in select(store, "diagram"):
        treatment = data.node(row["treatment"].value)
        where = (
            row.get("situation")
            or row.get("whenUsed")
            or row.get("indication")
            or row.get("condition")
        )
        target = data.node(where.value) if where else None
        share, frequency = row.get("share"), row.get("frequency")
        when_used, weight = row.get("whenUsedFrequency"), row.get("weight")
        how: str | None = None
        if share is not None:  # "most people benefit": the share is what the statement is about
            how = translate(lang, "diagram.benefit").format(data.node(share.value).label.value)
        elif when_used is not None:  # "if used, usually when…": among those treated
            how = translate(lang, "diagram.whenused").format(data.node(when_used.value).label.value)
        elif weight is not None:  # "mainly used when…": the main indication
            how = data.node(weight.value).label.value
        else:
            how = data.node(frequency.value).label.value if frequency else None
        right.append(
            diagram.Edge(
                source=diagram.Box(treatment.iri, treatment.label.value, treatment.label.lang),
                target=diagram.Box(target.iri, target.label.value, target.label.lang)
                if target
                else None,
                label=how,
                href=row["statement"].value,
            )
        )
    order = {e["node"].iri: n for n, e in enumerate(data.treatments)}
    right.sort(key=lambda e: (order.get(e.source.iri, 99), e.target.label if e.target else ""))
    return diagram.Diagram(left=left, right=right)


@router.get("/guide", include_in_schema=False)
def guide(request: Request) -> Response:
    """The treatment guide: the page's content as the graph states it, each fact linked."""
    lang = request_language(request)
    store = app_state(request).store
    data = GuideData(store, lang)
    svg = diagram.render_svg(diagram_data(store, lang, data), lang=lang, base=_base(request))
    return render(
        request,
        "guide.html",
        data=data,
        diagram_svg=svg,
        jsonld=_partner_jsonld(request, lang),
    )


@router.get("/guide/diagram.svg", include_in_schema=False)
def guide_diagram(request: Request) -> Response:
    """The diagram alone, as an SVG document whose boxes link to the resource pages."""
    lang = request_language(request)
    svg = diagram.render_svg(
        diagram_data(app_state(request).store, lang),
        lang=lang,
        base=_base(request),
        standalone=True,
    )
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"Content-Language": lang, "Vary": "Accept-Language, Cookie"},
    )


def _base(request: Request) -> str:
    return base_iri(request)
