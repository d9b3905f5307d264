"""The release: complete, faithful in every syntax, described (VoID/DCAT), deterministic, atomic."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, SH, VOID

from netkg.curate.load import load_sources
from netkg.errors import SourceError, ValidationFailed
from netkg.release.build import (
    DATA_GRAPH,
    ONTOLOGY_GRAPH,
    RELEASE_FILES,
    VOID_GRAPH,
    BuildError,
    build_release,
    recover,
    release_date,
)
from netkg.release.context import make_context

SRC = Path(__file__).parent / "fixtures" / "release" / "src"
NET = Namespace("https://w3id.org/netkg/ontology#")
ID = Namespace("https://w3id.org/netkg/id/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
NV = Namespace("https://w3id.org/netkg/void#")
DATE = "2026-01-31"

# Plain namespaces: rdflib's closed DCAT and XSD warn on names they do not list (dcat:version is
# DCAT 3), and on the attributes pytest probes when it collects a module.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes; the store folder (RocksDB files, not byte-stable) by its quads, blank
    nodes unlabelled (the bulk loader labels them at random)."""
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
    quads = re.sub(rb"_:[A-Za-z0-9]+", b"_:", store_nquads(folder / "store"))
    return {**files, "store/": b"".join(sorted(quads.splitlines(keepends=True)))}


def store_nquads(store: Path) -> bytes:
    """The store's quads as sorted N-Quads, read in a fresh process (read-only, as the service)."""
    code = (
        "import sys, pyoxigraph as ox; store = ox.Store.read_only(sys.argv[1]); "
        "sys.stdout.buffer.write(store.dump(format=ox.RdfFormat.N_QUADS))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(store)], capture_output=True, check=True)
    return b"".join(sorted(done.stdout.splitlines(keepends=True)))


@pytest.fixture
def src(tmp_path: Path) -> Path:
    """A writable copy of the fixture source tree."""
    return Path(shutil.copytree(SRC, tmp_path / "src"))


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_release(SRC, tmp_path_factory.mktemp("rel") / "dist", date=DATE)


def merged_sources() -> Graph:
    return load_sources(SRC).merged


# --- content ------------------------------------------------------------------------------------


def test_release_has_every_file_of_the_contract(dist: Path) -> None:
    assert sorted(p.name for p in dist.iterdir() if p.is_file()) == sorted(RELEASE_FILES)
    assert sorted(p.name for p in dist.iterdir() if p.is_dir()) == ["store"]


def test_the_store_opens_read_only_in_a_fresh_process_and_holds_the_nquads(dist: Path) -> None:
    index = json.loads((dist / "release.json").read_text(encoding="utf-8"))
    assert index["store"] == "store" and "store" not in index["files"]  # not a download
    code = (
        "import sys, pyoxigraph as ox; store = ox.Store.read_only(sys.argv[1]); "
        "query = 'SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }'; "
        "print(next(iter(store.query(query)))[0].value)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(dist / "store")],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = (dist / "netkg.nq").read_bytes().splitlines()
    assert int(done.stdout) == len(lines) > 50
    # exactly what Oxigraph makes of netkg.nq (it normalises literals, e.g. xsd:nonNegativeInteger
    # to xsd:integer, and the loader renames blank nodes): compared graph by graph, up to labels
    reference = pyoxigraph.Store()
    reference.load(path=dist / "netkg.nq", format=pyoxigraph.RdfFormat.N_QUADS)
    expected = Dataset().parse(
        data=reference.dump(format=pyoxigraph.RdfFormat.N_QUADS), format="nquads"
    )
    stored = Dataset().parse(data=store_nquads(dist / "store"), format="nquads")
    for graph_iri in (ONTOLOGY_GRAPH, DATA_GRAPH, VOID_GRAPH):
        assert isomorphic(Graph() + stored.graph(graph_iri), Graph() + expected.graph(graph_iri))


@pytest.mark.parametrize(
    ("name", "fmt"), [("netkg.ttl", "turtle"), ("netkg.nt", "nt"), ("netkg.jsonld", "json-ld")]
)
def test_each_syntax_holds_exactly_the_merged_sources(dist: Path, name: str, fmt: str) -> None:
    graph = Graph().parse(dist / name, format=fmt)
    assert len(graph) == len(merged_sources()) > 50
    assert isomorphic(graph, merged_sources())


def test_nquads_put_ontology_data_and_void_in_their_named_graphs(dist: Path) -> None:
    ds = Dataset()
    ds.parse(dist / "netkg.nq", format="nquads")
    ontology, data, void = ds.graph(ONTOLOGY_GRAPH), ds.graph(DATA_GRAPH), ds.graph(VOID_GRAPH)
    assert (NET.Treatment, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in ontology
    assert (ID.surgery, RDF.type, NET.Treatment) in data
    assert (ID.surgery, RDF.type, NET.Treatment) not in ontology
    assert (NV.netkg, RDF.type, VOID.Dataset) in void
    source = load_sources(SRC)
    assert isomorphic(Graph() + ontology, source.ontology)
    assert isomorphic(Graph() + data, source.data)


def test_line_formats_are_sorted_and_blank_nodes_canonical(dist: Path) -> None:
    for name in ("netkg.nt", "netkg.nq"):
        lines = (dist / name).read_text(encoding="utf-8").splitlines()
        assert lines == sorted(lines)
    # the ontology's restriction and the data's list are blank nodes of their own graph, never
    # merged: labelled from their content, `o…` in the ontology graph and `d…` in the data graph
    labels: dict[str, set[str]] = {}
    for line in (dist / "netkg.nq").read_text(encoding="utf-8").splitlines():
        graph = line[line.rindex("<") + 1 : line.rindex(">")]
        labels.setdefault(graph, set()).update(re.findall(r"_:(\S+)", line))
    assert labels[str(ONTOLOGY_GRAPH)] and labels[str(DATA_GRAPH)]
    assert all(re.fullmatch("o[0-9a-f]{20}", label) for label in labels[str(ONTOLOGY_GRAPH)])
    assert all(re.fullmatch("d[0-9a-f]{20}", label) for label in labels[str(DATA_GRAPH)])


def test_jsonld_is_compacted_with_netkgs_context(dist: Path) -> None:
    document = json.loads((dist / "netkg.jsonld").read_text(encoding="utf-8"))
    context = json.loads((dist / "context.jsonld").read_text(encoding="utf-8"))
    assert document["@context"] == context["@context"]
    usage = next(n for n in document["@graph"] if n["@id"] == "id:usage-surgery-usual")
    assert usage["treatment"] == "id:surgery"  # the term and its @id coercion are used
    ids = [n["@id"] for n in document["@graph"]]
    assert ids == sorted(ids, key=lambda i: (i.startswith("_:"), i))  # blank nodes last


def test_jsonld_reads_the_same_in_a_full_jsonld_processor(dist: Path) -> None:
    """pyld (JSON-LD 1.1) turns the file back into exactly the merged graph."""
    from pyld import jsonld

    document = json.loads((dist / "netkg.jsonld").read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    assert isomorphic(Graph().parse(data=nquads, format="nt"), merged_sources())


def test_jsonld_is_pyld_compaction_with_the_generated_context(dist: Path) -> None:
    """The file is what pyld makes of it again: compacted by pyld with context.jsonld, no more."""
    from pyld import jsonld

    document = json.loads((dist / "netkg.jsonld").read_text(encoding="utf-8"))
    context = json.loads((dist / "context.jsonld").read_text(encoding="utf-8"))
    again = jsonld.compact(jsonld.expand(document), context, {"graph": True})
    assert again["@context"] == document["@context"] == context["@context"]
    nodes = sorted(again["@graph"], key=lambda n: (n["@id"].startswith("_:"), n["@id"]))
    assert nodes == document["@graph"]
    assert any("@list" in json.dumps(node) for node in nodes)  # RDF lists as JSON-LD lists


def test_context_comes_from_the_ontology() -> None:
    ontology = load_sources(SRC).ontology
    context = make_context(ontology)["@context"]
    assert context["id"] == "https://w3id.org/netkg/id/"
    assert context["treatment"] == {"@id": "net:treatment", "@type": "@id"}
    assert context["listPosition"] == {"@id": "net:listPosition", "@type": "xsd:integer"}
    assert context["Treatment"] == "net:Treatment"


def test_release_json_indexes_every_file_with_its_sha256(dist: Path) -> None:
    index = json.loads((dist / "release.json").read_text(encoding="utf-8"))
    assert index["version"] == "0.1.0"  # the ontology's owl:versionInfo
    assert index["built"] == "2026-01-31T00:00:00Z"
    assert set(index["files"]) == set(RELEASE_FILES) - {"release.json"}
    for name, digest in index["files"].items():
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest


def test_void_counts_and_partitions(dist: Path) -> None:
    void = Graph().parse(dist / "void.ttl")
    merged = merged_sources()
    ds = NV.netkg
    assert void.value(ds, VOID.triples) == Literal(len(merged))
    assert void.value(ds, VOID.entities) == Literal(5)  # IRIs under id/ described as subjects
    assert void.value(ds, VOID.distinctSubjects) == Literal(len(set(merged.subjects())))
    assert void.value(ds, VOID.sparqlEndpoint) == URIRef("https://w3id.org/netkg/sparql")
    assert void.value(ds, VOID.uriSpace) == Literal("https://w3id.org/netkg/id/")
    assert void.value(ds, VOID.exampleResource) == ID["neuroendocrine-tumour"]
    assert (ds, VOID.vocabulary, URIRef("http://www.w3.org/2004/02/skos/core#")) in void
    treatments = NV["class-net-Treatment"]
    assert (ds, VOID.classPartition, treatments) in void
    assert void.value(treatments, VOID["class"]) == NET.Treatment
    assert void.value(treatments, VOID.entities) == Literal(2)
    labels = NV["property-skos-prefLabel"]
    assert void.value(labels, VOID.property) == URIRef(
        "http://www.w3.org/2004/02/skos/core#prefLabel"
    )
    assert void.value(labels, VOID.triples) == Literal(4)


def test_dcat_describes_every_other_file_with_size_and_checksum(dist: Path) -> None:
    void = Graph().parse(dist / "void.ttl")
    ds = NV.netkg
    assert void.value(ds, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert void.value(ds, DCTERMS.issued) == Literal("2026-01-31T00:00:00Z", datatype=XSD.dateTime)
    assert str(void.value(ds, DCAT.version)) == "0.1.0"
    checked = {}
    for dist_node in void.objects(ds, DCAT.distribution):
        name = str(void.value(dist_node, DCTERMS.title))
        url = void.value(dist_node, DCAT.downloadURL)
        assert url == URIRef(f"https://w3id.org/netkg/download/{name}")
        checksum = void.value(dist_node, SPDX.checksum)
        if checksum is not None:
            assert void.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
            checked[name] = str(void.value(checksum, SPDX.checksumValue))
            data = (dist / name).read_bytes()
            size = Literal(len(data), datatype=XSD.nonNegativeInteger)
            assert void.value(dist_node, DCAT.byteSize) == size
    expected = set(RELEASE_FILES) - {"void.ttl", "release.json"}
    assert set(checked) == expected  # everything but itself (and the index written after it)
    for name, digest in checked.items():
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest
    assert "cannot contain its own checksum" in (dist / "void.ttl").read_text(encoding="utf-8")


def test_validation_report_is_written_in_both_forms(dist: Path) -> None:
    report = json.loads((dist / "validation-report.json").read_text(encoding="utf-8"))
    assert report["conforms"] is True
    graph = Graph().parse(dist / "validation-report.ttl")
    assert (None, SH.conforms, Literal(True)) in graph


def test_a_tree_without_shapes_builds_and_says_nothing_was_checked(
    src: Path, tmp_path: Path
) -> None:
    shutil.rmtree(src / "shapes")
    out = build_release(src, tmp_path / "dist", date=DATE)
    report = json.loads((out / "validation-report.json").read_text(encoding="utf-8"))
    assert report == {"checked": False, "conforms": True, "note": "no shapes/ to check"}


# --- determinism --------------------------------------------------------------------------------


def test_two_builds_give_identical_bytes(dist: Path, tmp_path: Path) -> None:
    again = build_release(SRC, tmp_path / "elsewhere" / "release", date=DATE)
    assert snapshot(again) == snapshot(dist)


def test_builds_in_processes_with_different_hash_seeds_give_identical_bytes(tmp_path: Path) -> None:
    outs = []
    for seed in ("1", "4242"):
        out = tmp_path / f"seed{seed}"
        code = (
            f"from pathlib import Path; from netkg.release.build import build_release; "
            f"build_release(Path({str(SRC)!r}), Path({str(out)!r}), date={DATE!r})"
        )
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", code], check=True, env=env)
        outs.append(snapshot(out))
    assert outs[0] == outs[1]


def test_date_comes_from_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert release_date(SRC) == "2023-11-14T22:13:20Z"
    assert release_date(SRC, "2025-02-03") == "2025-02-03T00:00:00Z"  # --date wins


def test_date_comes_from_the_last_git_commit_of_the_sources(
    src: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_COMMITTER_DATE": "2024-05-06T07:08:09+00:00",
        "GIT_AUTHOR_DATE": "2024-05-06T07:08:09+00:00",
    }
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "sources"]):
        subprocess.run(["git", "-C", str(src), *args], check=True, env=env)
    assert release_date(src) == "2024-05-06T07:08:09Z"


def test_a_bad_date_is_refused() -> None:
    with pytest.raises(BuildError, match="expected an ISO date"):
        release_date(SRC, "last tuesday")


# --- refusing and atomicity ---------------------------------------------------------------------


def break_a_rule(src: Path) -> None:
    path = src / "data" / "treatments.ttl"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('skos:prefLabel "surgery"@en ;', ""), encoding="utf-8")


def test_a_violation_builds_nothing(src: Path, tmp_path: Path) -> None:
    break_a_rule(src)
    with pytest.raises(ValidationFailed, match="1 violation"):
        build_release(src, tmp_path / "dist", date=DATE)
    assert not (tmp_path / "dist").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["src"]  # no temporary folder left behind


def test_a_violation_leaves_the_previous_release_byte_identical(src: Path, tmp_path: Path) -> None:
    out = build_release(src, tmp_path / "dist", date=DATE)
    before = snapshot(out)
    break_a_rule(src)
    with pytest.raises(ValidationFailed):
        build_release(src, out, date=DATE)
    assert snapshot(out) == before


def test_a_syntax_error_leaves_the_previous_release_byte_identical(
    src: Path, tmp_path: Path
) -> None:
    out = build_release(src, tmp_path / "dist", date=DATE)
    before = snapshot(out)
    (src / "data" / "broken.ttl").write_text(
        "@prefix id: <https://w3id.org/netkg/id/> .\nid:x id:y \n", encoding="utf-8"
    )
    with pytest.raises(SourceError, match=r"broken\.ttl"):
        build_release(src, out, date=DATE)
    assert snapshot(out) == before


KILL_AFTER_FIRST_FILE = """
import os, signal, sys
from pathlib import Path
from netkg.release.build import build_release

def die(name: str) -> None:
    if name == "netkg.ttl":  # killed half-way: some files written, the rest not
        os.kill(os.getpid(), signal.SIGKILL)

build_release(Path(sys.argv[1]), Path(sys.argv[2]), date="2030-01-01", progress=die)
"""


def test_a_build_killed_half_way_leaves_the_previous_release_whole(
    src: Path, tmp_path: Path
) -> None:
    out = build_release(src, tmp_path / "dist", date=DATE)
    before = snapshot(out)
    (src / "data" / "more.ttl").write_text(
        "@prefix id: <https://w3id.org/netkg/id/> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        'id:extra skos:prefLabel "extra"@en .\n',
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, "-c", KILL_AFTER_FIRST_FILE, str(src), str(out)])
    assert done.returncode == -9
    assert snapshot(out) == before
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".dist.tmp-")]
    assert len(leftovers) == 1 and (leftovers[0] / "netkg.nt").is_file()
    # the next build cleans up after the killed one and replaces the release
    build_release(src, out, date=DATE)
    assert snapshot(out) != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "src"]


def test_recover_restores_a_release_cut_off_between_the_two_renames(tmp_path: Path) -> None:
    out = build_release(SRC, tmp_path / "dist", date=DATE)
    before = snapshot(out)
    out.rename(tmp_path / ".dist.old-abc")  # the state after the first rename of the swap
    (tmp_path / ".dist.tmp-def").mkdir()  # and a half-written new release
    recover(out)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_an_unwritable_destination_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(BuildError, match="cannot write the release"):
        build_release(SRC, blocker / "dist", date=DATE)


def test_a_folder_that_is_not_a_source_tree_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="nothing to load"):
        build_release(tmp_path, tmp_path / "dist", date=DATE)


WARNING_SHAPE = """
@prefix net: <https://w3id.org/netkg/ontology#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/netkg/shapes#DefinitionShape> a sh:NodeShape ;
    sh:targetClass net:Treatment ;
    sh:property [ sh:path skos:definition ; sh:minCount 1 ; sh:severity sh:Warning ;
                  sh:message "Define every treatment in our words." ] .
"""


def test_warnings_are_reported_and_the_report_is_deterministic(src: Path, tmp_path: Path) -> None:
    """A report with results (blank nodes) still gives the same bytes build after build."""
    (src / "shapes" / "warnings.ttl").write_text(WARNING_SHAPE, encoding="utf-8")
    first = build_release(src, tmp_path / "one", date=DATE)
    second = build_release(src, tmp_path / "two", date=DATE)
    assert snapshot(first) == snapshot(second)
    report = Graph().parse(first / "validation-report.ttl")
    warned = set(report.objects(None, SH.focusNode))
    assert warned == {ID["radiation-therapy"]}
    assert (None, SH.resultSeverity, SH.Warning) in report
    document = json.loads((first / "validation-report.json").read_text(encoding="utf-8"))
    # the shape's warning, and netkg's own: the fixture's usage statement has no rdf:type
    assert document["counts"]["Warning"] == 2


def test_the_named_queries_ship_in_the_release_and_are_published_as_examples(
    tmp_path: Path,
) -> None:
    """dist/api is what the service's /api and the editor read; the graph carries the same text."""
    repo = Path(__file__).resolve().parent.parent
    out = build_release(repo, tmp_path / "dist", validate=False)
    shipped = sorted(p.name for p in (out / "api").glob("*.rq"))
    assert shipped == sorted(p.name for p in (repo / "api").glob("*.rq"))
    dataset = Dataset()
    dataset.parse(out / "netkg.nq", format="nquads")
    examples = dataset.graph(URIRef("https://w3id.org/netkg/graph/queries"))
    executables = set(examples.subjects(RDF.type, SH.SPARQLExecutable))
    assert {str(node).rsplit("/", 1)[1] + ".rq" for node in executables} == set(shipped)
    for node in executables:
        text = str(examples.value(node, SH.select))
        name = str(node).rsplit("/", 1)[1]
        assert text.strip() in (out / "api" / f"{name}.rq").read_text(encoding="utf-8")


# --- bulk input: streamed by pyoxigraph, syntax-checked, not SHACL -------------------------------

LABEL, A = f"<{RDFS.label}>", f"<{RDF.type}>"
BULK = (
    "# a comment line\n"
    f'<{ID}bulk-1> {LABEL} "bulk one"@en .\n'
    f"<{ID}bulk-1> {A} <{NET.Treatment}> .\n"
    "\n"
    f"<{ID}bulk-1> <{NET.note}> _:n1 .\n"
    f'_:n1 <{RDFS.comment}> "a \\"quoted\\" note\\non two lines" .\n'
    f'<{ID}bulk-2> <{NET.listPosition}> "3"^^<{XSD.integer}> .\n'
    # a repeat, and a triple the curated data already has: each is one triple in the release
    f'<{ID}bulk-1> {LABEL} "bulk one"@en .\n'
    f"<{ID}surgery> {A} <{NET.Treatment}> .\n"
)


def bulk_graph() -> Graph:
    return Graph().parse(data=BULK, format="nt")


@pytest.fixture(scope="module")
def bulk_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bulk")
    (folder / "extra.nt").write_text(BULK, encoding="utf-8")
    return build_release(SRC, folder / "dist", date=DATE, bulk=[folder / "extra.nt"])


@pytest.mark.parametrize(
    ("name", "fmt"), [("netkg.ttl", "turtle"), ("netkg.nt", "nt"), ("netkg.jsonld", "json-ld")]
)
def test_a_bulk_build_holds_the_sources_and_the_bulk_triples_in_each_syntax(
    bulk_dist: Path, name: str, fmt: str
) -> None:
    expected = merged_sources() + bulk_graph()
    graph = Graph().parse(bulk_dist / name, format=fmt)
    assert len(graph) == len(expected) == len(merged_sources()) + 5
    assert isomorphic(graph, expected)


def test_a_bulk_jsonld_reads_the_same_in_a_full_jsonld_processor(bulk_dist: Path) -> None:
    from pyld import jsonld

    document = json.loads((bulk_dist / "netkg.jsonld").read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    assert isomorphic(Graph().parse(data=nquads, format="nt"), merged_sources() + bulk_graph())


def test_bulk_triples_go_to_the_data_graph_and_the_store_and_are_counted(bulk_dist: Path) -> None:
    ds = Dataset().parse(bulk_dist / "netkg.nq", format="nquads")
    data = Graph() + ds.graph(DATA_GRAPH)
    assert isomorphic(data, load_sources(SRC).data + bulk_graph())
    for name in ("netkg.nt", "netkg.nq"):
        lines = (bulk_dist / name).read_text(encoding="utf-8").splitlines()
        assert lines == sorted(set(lines))
    index = json.loads((bulk_dist / "release.json").read_text(encoding="utf-8"))
    nt_lines = (bulk_dist / "netkg.nt").read_bytes().count(b"\n")
    assert index["triples"] == nt_lines == len(merged_sources() + bulk_graph())
    void = Graph().parse(bulk_dist / "void.ttl")
    assert void.value(NV.netkg, URIRef("http://rdfs.org/ns/void#triples")).toPython() == nt_lines
    stored = store_nquads(bulk_dist / "store")
    assert stored.count(b"\n") == (bulk_dist / "netkg.nq").read_bytes().count(b"\n")
    assert b'"bulk one"@en <https://w3id.org/netkg/graph/data>' in stored


def test_a_bulk_build_is_deterministic(bulk_dist: Path, tmp_path: Path) -> None:
    (tmp_path / "extra.nt").write_text(BULK, encoding="utf-8")
    again = build_release(SRC, tmp_path / "dist", date=DATE, bulk=[tmp_path / "extra.nt"])
    assert snapshot(again) == snapshot(bulk_dist)


def test_blank_nodes_of_two_bulk_files_stay_two_nodes(tmp_path: Path) -> None:
    line = '_:b1 <http://www.w3.org/2000/01/rdf-schema#label> "{}" .\n'
    (tmp_path / "one.nt").write_text(line.format("one") + line.format("also one"), encoding="utf-8")
    (tmp_path / "two.nt").write_text(line.format("two"), encoding="utf-8")
    out = build_release(
        SRC, tmp_path / "dist", date=DATE, bulk=[tmp_path / "one.nt", tmp_path / "two.nt"]
    )
    graph = Graph().parse(out / "netkg.nt", format="nt")
    label = URIRef(str(RDFS) + "label")
    one, two = (graph.value(None, label, Literal(text)) for text in ("one", "two"))
    assert one is not None and two is not None and one != two
    assert graph.value(None, label, Literal("also one")) == one


def test_bulk_nquads_in_the_data_or_default_graph_are_accepted(tmp_path: Path) -> None:
    data = f"<{DATA_GRAPH}>"
    (tmp_path / "extra.nq").write_text(
        f'<{ID}q1> {LABEL} "q1" {data} .\n<{ID}q2> {LABEL} "q2" .\n',
        encoding="utf-8",
    )
    out = build_release(SRC, tmp_path / "dist", date=DATE, bulk=[tmp_path / "extra.nq"])
    ds = Dataset().parse(out / "netkg.nq", format="nquads")
    labels = set(ds.graph(DATA_GRAPH).objects(None, URIRef(str(RDFS) + "label")))
    assert {Literal("q1"), Literal("q2")} <= labels


@pytest.mark.parametrize(
    ("name", "text", "where", "message"),
    [
        (
            "bad.nt",
            f'# fine so far\n<{ID}a> {LABEL} "a" .\n<{ID}b> {LABEL} "unterminated .\n',
            r"bad\.nt:3:\d+: not valid N-Triples",
            "Fix the statement on that line",
        ),
        (
            "bad.nt",
            '<https://w3id.org/netkg/id/a> <label> "a" .\n',
            r"bad\.nt:1:\d+: not valid N-Triples",
            "IRI",
        ),
        (
            "other.nq",
            '\n<https://w3id.org/netkg/id/a> <http://www.w3.org/2000/01/rdf-schema#label> "a" .\n'
            "# the next quad names another graph\n"
            '<https://w3id.org/netkg/id/a> <http://www.w3.org/2000/01/rdf-schema#label> "a" '
            "<https://w3id.org/netkg/graph/ontology> .\n",
            r"other\.nq:4: the quad is in graph <https://w3id.org/netkg/graph/ontology>",
            "Drop the graph name",
        ),
        (
            "data.ttl",
            "<a> <b> <c> .\n",
            r"data\.ttl: a bulk file must be N-Triples",
            "--to-file data.nt",
        ),
        ("missing.nt", None, r"missing\.nt: cannot read the bulk file", "No such file"),
    ],
)
def test_a_bad_bulk_file_is_refused_at_its_line_and_leaves_the_release_whole(
    tmp_path: Path, name: str, text: str | None, where: str, message: str
) -> None:
    out = build_release(SRC, tmp_path / "dist", date=DATE)
    before = snapshot(out)
    if text is not None:
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match=where) as caught:
        build_release(SRC, out, date=DATE, bulk=[tmp_path / name])
    assert message in caught.value.message
    assert snapshot(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dist")]  # no temp left
