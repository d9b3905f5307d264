"""HTML rendering shared by every page: one jinja2 environment, the UI language, the UI strings.

Pages speak English or French. The language comes from `?lang=` (which also sets a cookie, so a
person's choice sticks as they follow links), then that cookie, then `Accept-Language`, then
English (`netkg.web.negotiate.choose_language` reads the header's q-values).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from netkg.prefixes import BASE as DEFAULT_BASE
from netkg.web.negotiate import choose_language
from netkg.web.state import app_state

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
LANG_COOKIE = "netkg_lang"
TEMPLATES = Path(__file__).parent / "templates"

#: UI strings (not data: the graph's labels come from the graph). Every key is in every language
#: (tests/test_french_pages.py checks it); a missing one shows its key, never another language's
#: text, so a template never fails on a string and never passes English off as French.
STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "site.name": "netkg",
        "colon": ":",
        "site.tagline": "Treatments for neuroendocrine tumours, as linked data",
        "skip": "Skip to main content",
        "nav.label": "Main",
        "nav.home": "Home",
        "nav.guide": "Treatment guide",
        "nav.diagram": "Diagram",
        "nav.ontology": "Ontology",
        "nav.sparql": "SPARQL editor",
        "nav.api": "API",
        "nav.downloads": "Downloads",
        "lang.label": "Language",
        "lang.en": "English",
        "lang.fr": "Français",
        "footer.disclaimer": "Medical disclaimer",
        "footer.source": "Source: Canadian Cancer Society",
        "footer.note": "This is information, not medical advice. Talk to your healthcare team.",
        "footer.license": "Licence and rights",
        "untranslated.en": "in English",
        "untranslated.fr": "in French",
        "footer.release": "Release",
        "footer.partners": "For partner sites",
        "guide.title": "Treatments for neuroendocrine tumours (NETs)",
        "guide.intro": (
            "Everything on this page is read from the netkg graph. Each statement links to the "
            "part of the source page it comes from and to its own record in the graph."
        ),
        "guide.contents": "On this page",
        "guide.plan": "Your treatment plan",
        "guide.plan.personalised": "Personalised",
        "guide.plan.basedon": "It is based on",
        "guide.factors": "What the healthcare team considers",
        "guide.factors.intro": (
            "When deciding which treatments to offer, the healthcare team weighs:"
        ),
        "guide.reads": "reads",
        "guide.treatments": "Treatments",
        "guide.alsocalled": "Also called",
        "guide.narrower": "Includes",
        "guide.broader": "A kind of",
        "guide.usage": "How and when it is used",
        "guide.fact": "Statement",
        "guide.frequency": "How often",
        "guide.situation": "Among people for whom",
        "guide.whenused": "If it is used",
        "guide.indication": "Main indication",
        "guide.quote": "The page says",
        "guide.condition": "For",
        "guide.dependson": "Choice depends on",
        "guide.benefit": "Who benefits",
        "guide.spread": "Where NETs spread",
        "guide.site": "Site",
        "guide.followup": "Follow-up care",
        "guide.sharedamong": "Shared among",
        "guide.references": "Expert review and references",
        "guide.disclaimer": "Medical disclaimer",
        "guide.diagram": "At a glance",
        "guide.diagram.intro": (
            "How the decision factors read the cancer, and which treatments apply in which "
            "situations. Every box is a link."
        ),
        "guide.diagram.open": "Open the diagram on its own (SVG)",
        "guide.source": "source",
        "guide.record": "record",
        "guide.sourcepage": "Source page",
        "guide.jsonld": "schema.org JSON-LD for this page",
        "guide.publisher": "Published by",
        "diagram.title": "Decision factors and treatments for neuroendocrine tumours",
        "diagram.factors": "Decision factors",
        "diagram.attributes": "What they read",
        "diagram.treatments": "Treatments",
        "diagram.situations": "Situations",
        "diagram.always": "in general",
        "diagram.benefit": "{} benefit",
        "diagram.whenused": "if used: {}",
        "notfound.title": "Not found",
        "home.explore": "Explore",
        "home.guide": "the source page's content, read from the graph.",
        "home.net": "Neuroendocrine tumour",
        "home.net.text": "a resource, with its links.",
        "home.ontology": "the classes and properties, documented.",
        "home.sparql": "ask your own questions.",
        "home.api": "REST API",
        "home.api.text": "named queries, documented with OpenAPI.",
        "home.downloads": "the release files, with checksums.",
        "home.release": "This release",
        "home.version": "Version",
        "home.built": "Built",
        "home.triples": "Triples",
        "home.void": "Dataset description",
        "home.void.link": "VoID and DCAT",
        "home.context": "JSON-LD context",
        "home.rights": "Licence and rights",
        "home.rights.intro": (
            "What netkg licenses, and what stays with its owners. The same statements are in "
            "the dataset description (dcterms:license, dcterms:rights) and in every partner "
            "document."
        ),
        "home.license": "Licence of netkg's own work",
        "resource.type": "Type",
        "resource.properties": "Properties",
        "resource.mappings": "Mappings to other vocabularies",
        "resource.relation": "Relation",
        "resource.target": "Target",
        "resource.targetlabel": "Target label",
        "resource.justification": "Justification",
        "resource.record": "Record",
        "resource.incoming": "Linked from",
        "resource.of": "of",
        "resource.formats": "Other formats",
        "resource.retired": "This resource is retired; its IRI stays resolvable.",
        "resource.replacedby": "Use instead:",
        "ontology.contents": "Contents",
        "ontology.classes": "Classes",
        "ontology.hierarchy": "Class hierarchy",
        "ontology.subclassof": "Subclass of",
        "ontology.subpropertyof": "Subproperty of",
        "ontology.equivalent": "Equivalent to",
        "ontology.subclasses": "Subclasses",
        "ontology.domain": "Domain",
        "ontology.range": "Range",
        "ontology.inverse": "Inverse of",
        "ontology.characteristics": "Characteristics",
        "ontology.licence": "Licence",
        "ontology.version": "version",
        "ontology.deprecated": "deprecated",
        "ontology.object-properties": "Object properties",
        "ontology.datatype-properties": "Datatype properties",
        "ontology.annotation-properties": "Annotation properties",
        "ontology.other-properties": "Other properties",
        "notfound.start": "Start from:",
        "downloads.intro": (
            "The files of release {version}. Each checksum is the SHA-256 of the file, as "
            "release.json and the VoID description list them."
        ),
        "downloads.file": "File",
        "downloads.size": "Size (bytes)",
        "downloads.rights": (
            "netkg's files are under CC BY 4.0; the copy of the source page's text (.txt) is the "
            "Canadian Cancer Society's, and the SNOMED CT codes in the mappings come under "
            "SNOMED International's terms."
        ),
        "editor.title": "SPARQL query editor",
        "editor.intro": (
            "Ask the netkg graph anything with SPARQL 1.1. Start from an example, run it, follow "
            "the links in the results, download them, or share the query's address."
        ),
        "editor.limits": (
            "Read-only. Queries stop after {timeout} s (up to {max_timeout} s with timeout=) "
            "and return at most {rows} rows. The default graph is the union of all graphs."
        ),
        "editor.examples": "Example queries",
        "editor.choose": "Choose an example…",
        "editor.query": "Query",
        "editor.help": "Tab inserts two spaces; Ctrl+Enter runs the query; Esc leaves the editor.",
        "editor.run": "Run query",
        "editor.format": "Show as",
        "editor.table": "table",
        "editor.share": "Copy link",
        "editor.copied": "Link copied. The page address now holds the query.",
        "editor.prefixes": "Prefixes you can use",
        "editor.results": "Results",
        "editor.running": "Running…",
        "editor.rows": "rows",
        "editor.download": "Download",
        "editor.error": "The query failed",
        "editor.true": "yes",
        "editor.false": "no",
    },
    "fr": {
        "site.name": "netkg",
        "lang.en": "English",
        "lang.fr": "Français",
        "site.tagline": "Traitements des tumeurs neuroendocrines, en données liées",
        "colon": "\u00a0:",
        "skip": "Aller au contenu principal",
        "nav.label": "Principal",
        "nav.home": "Accueil",
        "nav.guide": "Guide des traitements",
        "nav.diagram": "Schéma",
        "nav.ontology": "Ontologie",
        "nav.sparql": "Éditeur SPARQL",
        "nav.api": "API",
        "nav.downloads": "Téléchargements",
        "lang.label": "Langue",
        "footer.disclaimer": "Avis de non-responsabilité médicale",
        "footer.source": "Source : Société canadienne du cancer",
        "footer.note": (
            "Ceci est de l\u2019information, pas un avis médical. "
            "Parlez-en à votre équipe soignante."
        ),
        "footer.license": "Licence et droits",
        "untranslated.en": "en anglais",
        "untranslated.fr": "en français",
        "footer.release": "Version",
        "footer.partners": "Pour les sites partenaires",
        "guide.title": "Traitements des tumeurs neuroendocrines (TNE)",
        "guide.intro": (
            "Tout ce qui figure sur cette page est lu dans le graphe netkg. Chaque énoncé renvoie "
            "à la partie de la page source dont il provient et à sa propre fiche dans le graphe."
        ),
        "guide.contents": "Sur cette page",
        "guide.plan": "Votre plan de traitement",
        "guide.plan.personalised": "Personnalisé",
        "guide.plan.basedon": "Il repose sur",
        "guide.factors": "Ce que l\u2019équipe soignante prend en compte",
        "guide.factors.intro": (
            "Pour décider des traitements à proposer, l\u2019équipe soignante prend en compte :"
        ),
        "guide.reads": "porte sur",
        "guide.treatments": "Traitements",
        "guide.alsocalled": "Aussi appelé",
        "guide.narrower": "Comprend",
        "guide.broader": "Une forme de",
        "guide.usage": "Quand et à quelle fréquence",
        "guide.fact": "Énoncé",
        "guide.frequency": "Fréquence",
        "guide.situation": "Chez les personnes pour qui",
        "guide.whenused": "Lorsqu\u2019il est utilisé",
        "guide.indication": "Indication principale",
        "guide.quote": "La page dit (en anglais)",
        "guide.condition": "Pour",
        "guide.dependson": "Le choix dépend de",
        "guide.benefit": "Qui en bénéficie",
        "guide.spread": "Où les TNE se propagent",
        "guide.site": "Siège",
        "guide.followup": "Suivi",
        "guide.sharedamong": "Partagé entre",
        "guide.references": "Révision par des experts et références",
        "guide.disclaimer": "Avis de non-responsabilité médicale",
        "guide.diagram": "En un coup d\u2019œil",
        "guide.diagram.intro": (
            "Comment les facteurs de décision portent sur le cancer, et quels traitements "
            "s\u2019appliquent dans quelles situations. Chaque case est un lien."
        ),
        "guide.diagram.open": "Ouvrir le schéma seul (SVG)",
        "guide.source": "source",
        "guide.record": "fiche",
        "guide.sourcepage": "Page source",
        "guide.jsonld": "JSON-LD schema.org de cette page",
        "guide.publisher": "Publié par",
        "diagram.title": "Facteurs de décision et traitements des tumeurs neuroendocrines",
        "diagram.factors": "Facteurs de décision",
        "diagram.attributes": "Ce qu\u2019ils examinent",
        "diagram.treatments": "Traitements",
        "diagram.situations": "Situations",
        "diagram.always": "en général",
        "diagram.benefit": "{} en bénéficient",
        "diagram.whenused": "si utilisé : {}",
        "notfound.title": "Introuvable",
        "home.explore": "Explorer",
        "home.guide": "le contenu de la page source, lu dans le graphe.",
        "home.net": "Tumeur neuroendocrine",
        "home.net.text": "une ressource, avec ses liens.",
        "home.ontology": "les classes et les propriétés, documentées.",
        "home.sparql": "posez vos propres questions.",
        "home.api": "API REST",
        "home.api.text": "requêtes nommées, documentées avec OpenAPI.",
        "home.downloads": "les fichiers de la version, avec leurs sommes de contrôle.",
        "home.release": "Cette version",
        "home.version": "Version",
        "home.built": "Construite le",
        "home.triples": "Triplets",
        "home.void": "Description du jeu de données",
        "home.void.link": "VoID et DCAT",
        "home.context": "Contexte JSON-LD",
        "home.rights": "Licence et droits",
        "home.rights.intro": (
            "Ce que netkg met sous licence, et ce qui reste à ses propriétaires. Les mêmes "
            "énoncés figurent dans la description du jeu de données (dcterms:license, "
            "dcterms:rights) et dans chaque document pour les partenaires."
        ),
        "home.license": "Licence du travail propre de netkg",
        "resource.type": "Type",
        "resource.properties": "Propriétés",
        "resource.mappings": "Correspondances avec d\u2019autres vocabulaires",
        "resource.relation": "Relation",
        "resource.target": "Cible",
        "resource.targetlabel": "Libellé de la cible",
        "resource.justification": "Justification",
        "resource.record": "Fiche",
        "resource.incoming": "Liens entrants",
        "resource.of": "de",
        "resource.formats": "Autres formats",
        "resource.retired": "Cette ressource est retirée\u00a0; son IRI reste résoluble.",
        "resource.replacedby": "Utilisez plutôt\u00a0:",
        "ontology.contents": "Sommaire",
        "ontology.classes": "Classes",
        "ontology.hierarchy": "Hiérarchie des classes",
        "ontology.subclassof": "Sous-classe de",
        "ontology.subpropertyof": "Sous-propriété de",
        "ontology.equivalent": "Équivalent à",
        "ontology.subclasses": "Sous-classes",
        "ontology.domain": "Domaine",
        "ontology.range": "Portée",
        "ontology.inverse": "Inverse de",
        "ontology.characteristics": "Caractéristiques",
        "ontology.licence": "Licence",
        "ontology.version": "version",
        "ontology.deprecated": "obsolète",
        "ontology.object-properties": "Propriétés d\u2019objet",
        "ontology.datatype-properties": "Propriétés de type de données",
        "ontology.annotation-properties": "Propriétés d\u2019annotation",
        "ontology.other-properties": "Autres propriétés",
        "notfound.start": "Pour continuer :",
        "downloads.intro": (
            "Les fichiers de la version {version}. Chaque somme de contrôle est le SHA-256 du "
            "fichier, comme l\u2019indiquent release.json et la description VoID."
        ),
        "downloads.file": "Fichier",
        "downloads.size": "Taille (octets)",
        "downloads.rights": (
            "Les fichiers de netkg sont sous CC BY 4.0\u00a0; la copie du texte de la page source "
            "(.txt) appartient à la Société canadienne du cancer, et les codes SNOMED CT des "
            "correspondances relèvent des conditions de SNOMED International."
        ),
        "editor.title": "Éditeur de requêtes SPARQL",
        "editor.intro": (
            "Interrogez le graphe netkg en SPARQL 1.1. Partez d\u2019un exemple, exécutez-le, "
            "suivez les liens des résultats, téléchargez-les ou partagez l\u2019adresse de la "
            "requête."
        ),
        "editor.limits": (
            "Lecture seule. Les requêtes s\u2019arrêtent après {timeout} s (jusqu\u2019à "
            "{max_timeout} s avec timeout=) et renvoient au plus {rows} lignes. Le graphe par "
            "défaut est l\u2019union de tous les graphes."
        ),
        "editor.examples": "Exemples de requêtes",
        "editor.choose": "Choisir un exemple…",
        "editor.query": "Requête",
        "editor.help": (
            "Tab insère deux espaces ; Ctrl+Entrée exécute la requête ; "
            "Échap quitte l\u2019éditeur."
        ),
        "editor.run": "Exécuter",
        "editor.format": "Afficher en",
        "editor.table": "tableau",
        "editor.share": "Copier le lien",
        "editor.copied": "Lien copié. L\u2019adresse de la page contient la requête.",
        "editor.prefixes": "Préfixes utilisables",
        "editor.results": "Résultats",
        "editor.running": "Exécution…",
        "editor.rows": "lignes",
        "editor.download": "Télécharger",
        "editor.error": "La requête a échoué",
        "editor.true": "oui",
        "editor.false": "non",
    },
}


def translate(lang: str, key: str) -> str:
    """The UI string `key` in `lang`, else the key itself (a visible gap, not a fallback)."""
    return STRINGS.get(lang, {}).get(key) or key


def request_language(request: Request) -> str:
    """`?lang=`, then the cookie a previous `?lang=` set, then Accept-Language."""
    asked = request.query_params.get("lang", "").lower()
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get(LANG_COOKIE, "").lower()
    if cookie in LANGUAGES:
        return cookie
    return choose_language(request.headers.get("accept-language"), LANGUAGES) or DEFAULT_LANGUAGE


def base_iri(request: Request) -> str:
    """The configured IRI base (settings.base)."""
    return app_state(request).settings.base


def local_href(iri: str, base: str = DEFAULT_BASE) -> str:
    """Where a person reads about `iri`: our own IRIs map to paths here, others stay as they are.

    >>> local_href("https://w3id.org/netkg/id/surgery")
    '/id/surgery'
    >>> local_href("http://purl.obolibrary.org/obo/NCIT_C15329")
    'http://purl.obolibrary.org/obo/NCIT_C15329'
    """
    if iri.startswith(base):
        return "/" + iri[len(base) :]
    return iri


def _lang_url(request: Request, lang: str) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", lang))
    return request.url.path + "?" + urlencode(params)


def _release_version(request: Request) -> str | None:
    return app_state(request).release.version or None


environment = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(["html", "svg", "xml"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["capfirst"] = lambda text: str(text)[:1].upper() + str(text)[1:]


def context_for(request: Request, **context: Any) -> dict[str, Any]:
    """What every template may use: `lang`, `t(key)`, `href(iri)`, the language-switch URLs."""
    lang = request_language(request)
    base = base_iri(request)
    values: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "languages": LANGUAGES,
        "t": lambda key: translate(lang, key),
        "href": lambda iri: local_href(str(iri), base),
        "base": base,
        "lang_urls": {code: _lang_url(request, code) for code in LANGUAGES},
        "path": request.url.path,
        "release_version": _release_version(request),
    }
    values.update(context)
    return values


def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render `template` in the request's language; remember an explicit `?lang=` in a cookie."""
    values = context_for(request, **context)
    body = environment.get_template(template).render(values)
    response = HTMLResponse(body, status_code=status_code, headers=dict(headers or {}))
    response.headers["Content-Language"] = values["lang"]
    vary = [v.strip() for v in response.headers.get("vary", "").split(",") if v.strip()]
    for name in ("Accept-Language", "Cookie"):
        if name not in vary:
            vary.append(name)
    response.headers["Vary"] = ", ".join(vary)
    asked = request.query_params.get("lang", "").lower()
    if asked in LANGUAGES:
        response.set_cookie(LANG_COOKIE, asked, max_age=365 * 24 * 3600, samesite="lax")
    return response
