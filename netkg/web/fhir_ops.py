"""FHIR R4 terminology operations over the release's resources: read, search, `$lookup`,
`$expand`, `$validate-code`, `$translate`, and the CapabilityStatement. No web stack here
(netkg/web/fhir.py is the router): each function takes the parameters as strings and returns a FHIR
resource as a dict, or raises `FhirError`, which the router renders as an OperationOutcome.

Everything is computed from the resources `netkg build` wrote (`netkg.fhir.json`,
see netkg/release/terminology.py): the ValueSets' members from their `compose`, the
translations from the ConceptMaps, so an operation can never say
what the published resources don't.

>>> terms = Terminology.from_bundle(json.loads(Path("dist/netkg.fhir.json").read_text()))
>>> terms.lookup({"system": [CODE_SYSTEM_URL], "code": ["surgery"]})["parameter"][1]
{'name': 'version', 'valueString': '0.1.0'}
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netkg.labels import pick
from netkg.release.terminology import CODE_SYSTEM_URL, INVERSE

__all__ = [
    "FHIR_VERSION",
    "LANGUAGE_TAG",
    "LOOKUP_PROPERTIES",
    "MAX_VALUE",
    "RESOURCE_TYPES",
    "SEARCH_PARAMS",
    "FhirError",
    "Params",
    "Terminology",
    "operation_outcome",
]

FHIR_VERSION = "4.0.1"
RESOURCE_TYPES = ("CodeSystem", "ValueSet", "ConceptMap")
ALWAYS_ALLOWED = frozenset({"_format", "_pretty"})
SEARCH_PARAMS = ("_id", "url", "version", "name", "status")
LOOKUP_PROPERTIES = ("definition", "designation", "parent", "scheme")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_WHOLE_NUMBER = re.compile(r"^[0-9]{1,9}$")
MAX_VALUE = 2000

Params = Mapping[str, Sequence[str]]
"""Operation parameters as the query string gives them: name → its values, in order."""


class FhirError(Exception):
    """A request FHIR can't answer, with its HTTP status and OperationOutcome issue type."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def operation_outcome(code: str, message: str, severity: str = "error") -> dict[str, Any]:
    """An OperationOutcome with one issue (`code` from FHIR's IssueType)."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": message}],
    }


def _bad(message: str) -> FhirError:
    return FhirError(400, "invalid", message)


def _check_names(params: Params, allowed: Iterable[str], what: str) -> None:
    known = set(allowed)
    for name in params:
        if name not in known and name not in ALWAYS_ALLOWED:
            listed = ", ".join(sorted(known))
            raise FhirError(
                400, "not-supported", f"{what} has no parameter {name!r}; it takes: {listed}"
            )
    for name, values in params.items():
        if name != "property" and len(values) > 1:  # only $lookup's property repeats
            raise _bad(f"parameter {name!r} is given {len(values)} times; give it once")
        for value in values:
            if len(value) > MAX_VALUE:
                raise _bad(f"parameter {name!r} is longer than {MAX_VALUE} characters")


def _one(params: Params, name: str) -> str | None:
    """The value of parameter `name`, or None when it is absent or empty."""
    values = params.get(name) or []
    return values[0] if values and values[0] != "" else None


def _required(params: Params, name: str) -> str:
    value = _one(params, name)
    if value is None:
        raise _bad(f"parameter {name!r} is required")
    return value


def _boolean(params: Params, name: str) -> bool:
    value = _one(params, name)
    if value is None:
        return False
    if value not in ("true", "false"):
        raise _bad(f"parameter {name!r} must be true or false, not {value!r}")
    return value == "true"


def _integer(params: Params, name: str) -> int | None:
    value = _one(params, name)
    if value is None:
        return None
    if not _WHOLE_NUMBER.match(value):
        raise _bad(f"parameter {name!r} must be a whole number of 0 or more, not {value!r}")
    return int(value)


def _language(params: Params) -> str | None:
    """The primary subtag of `displayLanguage` (`fr-CA` → `fr`), checked as BCP 47."""
    value = _one(params, "displayLanguage")
    if value is None:
        return None
    if not LANGUAGE_TAG.match(value):
        raise _bad(f"displayLanguage {value!r} is not a language tag (e.g. en, fr, fr-CA)")
    return value.split("-")[0].lower()


@dataclass(frozen=True)
class Concept:
    """One concept of the netkg CodeSystem, as the CodeSystem resource states it."""

    code: str
    display: str
    definition: str | None
    designations: tuple[dict[str, Any], ...]
    properties: tuple[dict[str, Any], ...]

    def display_in(self, language: str | None) -> str:
        """The preferred label in `language` (its primary subtag), else the English display."""
        displays = [d for d in self.designations if d["use"]["code"] == "display"]
        english = {"language": "en", "value": self.display}
        found = pick([english, *displays], language or "en", lambda d: d.get("language"))
        return str(found["value"]) if found else self.display

    def labels(self) -> set[str]:
        """Every display and synonym, folded for matching."""
        found = {self.display.casefold()}
        for designation in self.designations:
            if designation["use"]["code"] != "900000000000550004":  # not a definition
                found.add(str(designation["value"]).casefold())
        return found


@dataclass(frozen=True)
class Terminology:
    """The release's FHIR resources, indexed for reads and operations."""

    resources: dict[tuple[str, str], dict[str, Any]]
    issued: str
    code_system: dict[str, Any]
    concepts: dict[str, Concept]

    @classmethod
    def from_bundle(cls, bundle: Mapping[str, Any]) -> Terminology:
        resources = {}
        for entry in bundle.get("entry", []):
            resource = entry["resource"]
            resources[(resource["resourceType"], resource["id"])] = resource
        code_system = next(
            (
                r
                for (k, _), r in resources.items()
                if k == "CodeSystem" and r["url"] == CODE_SYSTEM_URL
            ),
            None,
        )
        if code_system is None:
            raise FhirError(404, "not-found", "this release has no netkg CodeSystem")
        concepts = {
            concept["code"]: Concept(
                code=concept["code"],
                display=concept["display"],
                definition=concept.get("definition"),
                designations=tuple(concept.get("designation", [])),
                properties=tuple(concept.get("property", [])),
            )
            for concept in code_system.get("concept", [])
        }
        return cls(resources, str(bundle.get("timestamp", "")), code_system, concepts)

    @classmethod
    def from_file(cls, path: Path) -> Terminology:
        return cls.from_bundle(json.loads(path.read_text(encoding="utf-8")))

    @property
    def version(self) -> str:
        return str(self.code_system["version"])

    # --- read and search ------------------------------------------------------------------------

    def _type(self, kind: str) -> str:
        if kind not in RESOURCE_TYPES:
            supported = ", ".join(RESOURCE_TYPES)
            raise FhirError(
                404,
                "not-supported",
                f"this terminology server has no {kind!r} resources; it serves {supported}",
            )
        return kind

    def read(self, kind: str, resource_id: str) -> dict[str, Any]:
        resource = self.resources.get((self._type(kind), resource_id))
        if resource is None:
            raise FhirError(
                404, "not-found", f"no {kind}/{resource_id}; GET /fhir/{kind} lists them all"
            )
        return resource

    def search(self, kind: str, params: Params, *, base: str, self_url: str) -> dict[str, Any]:
        """A searchset Bundle of the `kind` resources matching every parameter given."""
        self._type(kind)
        _check_names(params, SEARCH_PARAMS, f"searching {kind}")
        wanted = {name: _one(params, name) for name in SEARCH_PARAMS}
        matches = []
        for (found_kind, resource_id), resource in sorted(self.resources.items()):
            if found_kind != kind:
                continue
            checks = {
                "_id": resource_id,
                "url": resource.get("url"),
                "version": resource.get("version"),
                "status": resource.get("status"),
            }
            if any(v is not None and checks[k] != v for k, v in wanted.items() if k in checks):
                continue
            name = wanted["name"]
            if name is not None and not str(resource.get("name", "")).casefold().startswith(
                name.casefold()
            ):
                continue
            matches.append(resource)
        bundle: dict[str, Any] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(matches),
            "link": [{"relation": "self", "url": self_url}],
        }
        if matches:
            bundle["entry"] = [
                {
                    "fullUrl": f"{base}/{kind}/{resource['id']}",
                    "resource": resource,
                    "search": {"mode": "match"},
                }
                for resource in matches
            ]
        return bundle

    def _by_url(self, kind: str, url: str, version: str | None) -> dict[str, Any]:
        for (found_kind, _), resource in sorted(self.resources.items()):
            if found_kind == kind and resource.get("url") == url:
                if version is not None and resource.get("version") != version:
                    raise FhirError(
                        404,
                        "not-found",
                        f"{kind} {url} is at version {resource.get('version')}, not {version}",
                    )
                return resource
        raise FhirError(404, "not-found", f"no {kind} with url {url}")

    def _concept(self, system: str, code: str, version: str | None = None) -> Concept:
        if system != CODE_SYSTEM_URL:
            raise FhirError(
                404,
                "not-found",
                f"this server defines only the code system {CODE_SYSTEM_URL}, not {system}",
            )
        if version is not None and version != self.version:
            raise FhirError(
                404, "not-found", f"the code system is at version {self.version}, not {version}"
            )
        concept = self.concepts.get(code)
        if concept is None:
            raise FhirError(404, "not-found", f"{code!r} is not a code of {CODE_SYSTEM_URL}")
        return concept

    # --- CodeSystem/$lookup ---------------------------------------------------------------------

    def lookup(self, params: Params) -> dict[str, Any]:
        """`$lookup`: display (in `displayLanguage`), designations and properties of a code."""
        _check_names(
            params, ("system", "code", "version", "displayLanguage", "property"), "$lookup"
        )
        system = _required(params, "system")
        code = _required(params, "code")
        concept = self._concept(system, code, _one(params, "version"))
        language = _language(params)
        asked = [p for p in params.get("property", []) if p]
        unknown = [p for p in asked if p not in LOOKUP_PROPERTIES]
        if unknown:
            raise FhirError(
                400,
                "not-supported",
                f"property {unknown[0]!r} is not one of this code system's: "
                + ", ".join(LOOKUP_PROPERTIES),
            )
        wanted = set(asked or LOOKUP_PROPERTIES)
        out: list[dict[str, Any]] = [
            {"name": "name", "valueString": str(self.code_system["title"])},
            {"name": "version", "valueString": self.version},
            {"name": "display", "valueString": concept.display_in(language)},
        ]
        if "definition" in wanted and concept.definition:
            out.append(_property("definition", {"valueString": concept.definition}))
        for prop in concept.properties:
            if prop["code"] in wanted:
                value = {k: v for k, v in prop.items() if k != "code"}
                out.append(_property(prop["code"], value))
        if "designation" in wanted:
            for designation in concept.designations:
                if language and designation.get("language") != language:
                    continue
                out.append(
                    {
                        "name": "designation",
                        "part": [
                            {"name": "language", "valueCode": designation["language"]},
                            {"name": "use", "valueCoding": designation["use"]},
                            {"name": "value", "valueString": designation["value"]},
                        ],
                    }
                )
        return {"resourceType": "Parameters", "parameter": out}

    # --- ValueSet/$expand and $validate-code ------------------------------------------------------

    def _value_set(self, params: Params, resource_id: str | None) -> dict[str, Any]:
        if resource_id is not None:
            if "url" in params:
                raise _bad("give the ValueSet by its id in the path or by url, not both")
            value_set = self.read("ValueSet", resource_id)
            version = _one(params, "valueSetVersion")
            if version is not None and version != value_set.get("version"):
                raise FhirError(
                    404, "not-found", f"ValueSet/{resource_id} is not at version {version}"
                )
            return value_set
        url = _required(params, "url")
        return self._by_url("ValueSet", url, _one(params, "valueSetVersion"))

    def members(self, value_set: Mapping[str, Any]) -> list[Concept]:
        """The concepts a ValueSet includes, in its compose order (a whole-system include lists
        every code of the CodeSystem in its order)."""
        found: list[Concept] = []
        for include in value_set.get("compose", {}).get("include", []):
            if include.get("system") != CODE_SYSTEM_URL:
                continue
            codes = [c["code"] for c in include.get("concept", [])] or list(self.concepts)
            found += [self.concepts[c] for c in codes if c in self.concepts]
        return found

    def expand(self, params: Params, resource_id: str | None = None) -> dict[str, Any]:
        """`$expand` with `filter` (any label contains it, case-insensitively), `offset`,
        `count`, `displayLanguage` and `includeDesignations`."""
        _check_names(
            params,
            (
                "url",
                "valueSetVersion",
                "filter",
                "offset",
                "count",
                "displayLanguage",
                "includeDesignations",
                "activeOnly",
            ),
            "$expand",
        )
        value_set = self._value_set(params, resource_id)
        language = _language(params)
        text = _one(params, "filter")
        offset = _integer(params, "offset") or 0
        count = _integer(params, "count")
        designations = _boolean(params, "includeDesignations")
        _boolean(params, "activeOnly")  # every netkg concept is active: nothing to leave out
        concepts = self.members(value_set)
        if text:
            needle = text.casefold()
            concepts = [c for c in concepts if any(needle in label for label in c.labels())]
        page = concepts[offset:] if count is None else concepts[offset : offset + count]
        used: list[dict[str, Any]] = []
        for name, kind in (
            ("filter", "valueString"),
            ("displayLanguage", "valueCode"),
            ("includeDesignations", "valueBoolean"),
        ):
            value = _one(params, name)
            if value is not None:
                used.append(
                    {"name": name, kind: value == "true" if kind == "valueBoolean" else value}
                )
        used.append({"name": "offset", "valueInteger": offset})
        if count is not None:
            used.append({"name": "count", "valueInteger": count})
        contains = []
        for concept in page:
            entry: dict[str, Any] = {
                "system": CODE_SYSTEM_URL,
                "version": self.version,
                "code": concept.code,
                "display": concept.display_in(language),
            }
            if designations and concept.designations:
                entry["designation"] = [
                    d for d in concept.designations if not language or d["language"] == language
                ] or list(concept.designations)
            contains.append(entry)
        expansion: dict[str, Any] = {
            "timestamp": self.issued,
            "total": len(concepts),
            "offset": offset,
            "parameter": used,
        }
        if contains:
            expansion["contains"] = contains
        keep = ("resourceType", "id", "url", "version", "name", "title", "status", "date")
        result = {k: value_set[k] for k in keep if k in value_set}
        result["expansion"] = expansion
        return result

    def validate_code(self, params: Params, resource_id: str | None = None) -> dict[str, Any]:
        """ValueSet `$validate-code`: is `system`+`code` in the value set, and is `display` one of
        the code's labels?"""
        _check_names(
            params,
            (
                "url",
                "valueSetVersion",
                "code",
                "system",
                "systemVersion",
                "display",
                "displayLanguage",
            ),
            "$validate-code",
        )
        value_set = self._value_set(params, resource_id)
        code = _required(params, "code")
        system = _one(params, "system")
        if system is None:
            raise _bad("parameter 'system' is required with 'code' (the code system's url)")
        language = _language(params)
        display = _one(params, "display")
        version = _one(params, "systemVersion")
        where = f"{value_set['url']}|{value_set.get('version')}"
        member = None
        if system == CODE_SYSTEM_URL and version in (None, self.version):
            member = next((c for c in self.members(value_set) if c.code == code), None)
        out: list[dict[str, Any]] = []
        if member is None:
            out += [
                {"name": "result", "valueBoolean": False},
                {"name": "message", "valueString": f"{system}#{code} is not in {where}"},
            ]
        elif display is not None and display.casefold() not in member.labels():
            shown = member.display_in(language)
            out += [
                {"name": "result", "valueBoolean": False},
                {
                    "name": "message",
                    "valueString": f"{display!r} is not a display of {code!r}; it is {shown!r}",
                },
                {"name": "display", "valueString": shown},
            ]
        else:
            out += [
                {"name": "result", "valueBoolean": True},
                {"name": "display", "valueString": member.display_in(language)},
            ]
        return {"resourceType": "Parameters", "parameter": out}

    # --- ConceptMap/$translate ------------------------------------------------------------------

    def translate(self, params: Params, resource_id: str | None = None) -> dict[str, Any]:
        """`$translate` of `system`+`code` through the ConceptMaps (one by id or `url`, else
        all), `targetsystem` to narrow, `reverse=true` to read the maps from target to source."""
        _check_names(
            params,
            (
                "url",
                "conceptMapVersion",
                "system",
                "code",
                "version",
                "source",
                "target",
                "targetsystem",
                "reverse",
            ),
            "$translate",
        )
        system = _required(params, "system")
        code = _required(params, "code")
        version = _one(params, "version")
        reverse = _boolean(params, "reverse")
        target_system = _one(params, "targetsystem")
        source_vs, target_vs = _one(params, "source"), _one(params, "target")
        if resource_id is not None:
            maps = [self.read("ConceptMap", resource_id)]
        elif (url := _one(params, "url")) is not None:
            maps = [self._by_url("ConceptMap", url, _one(params, "conceptMapVersion"))]
        else:
            maps = [r for (k, _), r in sorted(self.resources.items()) if k == "ConceptMap"]
        if reverse:
            source_vs, target_vs = target_vs, source_vs
        matches: list[dict[str, Any]] = []
        for concept_map in maps:
            declared_source, declared_target = (
                concept_map.get("sourceUri"),
                concept_map.get("targetUri"),
            )
            if reverse:
                declared_source, declared_target = declared_target, declared_source
            if source_vs and declared_source and source_vs != declared_source:
                continue
            if target_vs and declared_target and target_vs != declared_target:
                continue
            for group in concept_map.get("group", []):
                ends = (group["source"], group.get("sourceVersion"))
                other = (group.get("target"), group.get("targetVersion"))
                (from_system, from_version), (to_system, to_version) = (
                    (other, ends) if reverse else (ends, other)
                )
                if from_system != system or (target_system and to_system != target_system):
                    continue
                if version and from_version and version != from_version:
                    continue
                for found, display, equivalence in _pairs(group, code, reverse=reverse):
                    coding = {"system": to_system}
                    if to_version:
                        coding["version"] = to_version
                    coding["code"] = found
                    if display:
                        coding["display"] = display
                    matches.append(
                        {
                            "name": "match",
                            "part": [
                                {"name": "equivalence", "valueCode": equivalence},
                                {"name": "concept", "valueCoding": coding},
                                {"name": "source", "valueUri": concept_map["url"]},
                            ],
                        }
                    )
        out: list[dict[str, Any]] = [{"name": "result", "valueBoolean": bool(matches)}]
        if not matches:
            direction = " (reverse)" if reverse else ""
            out.append(
                {
                    "name": "message",
                    "valueString": f"no mapping of {system}#{code}{direction} in "
                    + ", ".join(m["url"] for m in maps),
                }
            )
        return {"resourceType": "Parameters", "parameter": out + matches}

    # --- the CapabilityStatement and TerminologyCapabilities ------------------------------------

    def metadata(self, params: Params, *, base: str, software_version: str) -> dict[str, Any]:
        """`GET /metadata`: the CapabilityStatement, or with `mode=terminology` the
        TerminologyCapabilities (what a terminology client asks a server first)."""
        _check_names(params, ("mode",), "metadata")
        mode = _one(params, "mode") or "full"
        if mode == "terminology":
            return self.terminology_capabilities(base=base, software_version=software_version)
        if mode not in ("full", "normative"):
            raise _bad(f"mode={mode!r}: use full, normative or terminology")
        return self.capability_statement(base=base, software_version=software_version)

    def terminology_capabilities(self, *, base: str, software_version: str) -> dict[str, Any]:
        languages = sorted(
            {str(d["language"]) for c in self.concepts.values() for d in c.designations}
        )
        version: dict[str, Any] = {"code": self.version, "isDefault": True}
        if languages:
            version["language"] = languages
        return {
            "resourceType": "TerminologyCapabilities",
            "id": "netkg",
            "name": "NetkgTerminologyCapabilities",
            "title": "netkg terminology capabilities",
            "status": "active",
            "experimental": False,
            "date": self.issued,
            "publisher": "netkg project",
            "kind": "instance",
            "software": {"name": "netkg", "version": software_version},
            "implementation": {"description": "netkg terminology service", "url": base},
            "codeSystem": [{"uri": CODE_SYSTEM_URL, "version": [version]}],
            "expansion": {
                "hierarchical": False,
                "paging": True,
                "incomplete": False,
                "textFilter": "Case-insensitive: the filter occurs in a display or synonym.",
            },
            "codeSearch": "explicit",
            "validateCode": {"translations": False},
            "translation": {"needsMap": False},
        }

    def capability_statement(self, *, base: str, software_version: str) -> dict[str, Any]:
        """What this server does (`kind: instance`: this installation at `base`)."""
        search = [
            {"name": "_id", "type": "token"},
            {"name": "url", "type": "uri"},
            {"name": "version", "type": "token"},
            {"name": "name", "type": "string"},
            {"name": "status", "type": "token"},
        ]
        operations = {
            "CodeSystem": [("lookup", "CodeSystem-lookup")],
            "ValueSet": [
                ("expand", "ValueSet-expand"),
                ("validate-code", "ValueSet-validate-code"),
            ],
            "ConceptMap": [("translate", "ConceptMap-translate")],
        }
        resources = []
        for kind in RESOURCE_TYPES:
            resources.append(
                {
                    "type": kind,
                    "profile": f"http://hl7.org/fhir/StructureDefinition/{kind}",
                    "interaction": [{"code": "read"}, {"code": "search-type"}],
                    "versioning": "no-version",
                    "readHistory": False,
                    "searchParam": search,
                    "operation": [
                        {
                            "name": name,
                            "definition": f"http://hl7.org/fhir/OperationDefinition/{definition}",
                        }
                        for name, definition in operations[kind]
                    ],
                }
            )
        return {
            "resourceType": "CapabilityStatement",
            "id": "netkg",
            "name": "NetkgTerminologyServer",
            "title": "netkg FHIR terminology server (read-only)",
            "status": "active",
            "experimental": False,
            "date": self.issued,
            "publisher": "netkg project",
            "description": (
                "netkg's concepts, value sets and mappings as FHIR R4 terminology resources, "
                "read-only, generated from the netkg knowledge graph release "
                f"{self.version}."
            ),
            "kind": "instance",
            "software": {"name": "netkg", "version": software_version},
            "implementation": {"description": "netkg terminology service", "url": base},
            "fhirVersion": FHIR_VERSION,
            "format": ["application/fhir+json", "json"],
            "rest": [
                {
                    "mode": "server",
                    "documentation": "Read-only: read, search and terminology operations.",
                    "resource": resources,
                }
            ],
        }


def _pairs(
    group: Mapping[str, Any], code: str, *, reverse: bool
) -> Iterator[tuple[str, str | None, str]]:
    """What `code` maps to in one ConceptMap group: (code, display, equivalence); read from
    the target side when `reverse`, with the equivalence turned round (wider ↔ narrower)."""
    for element in group.get("element", []):
        for target in element.get("target", []):
            if reverse and target["code"] == code:
                yield element["code"], element.get("display"), INVERSE[target["equivalence"]]
            elif not reverse and element["code"] == code:
                yield target["code"], target.get("display"), target["equivalence"]


def _property(code: str, value: Mapping[str, Any]) -> dict[str, Any]:
    """A $lookup `property` parameter: its code and its value[x] as parts."""
    return {
        "name": "property",
        "part": [{"name": "code", "valueCode": code}, {"name": "value", **value}],
    }
