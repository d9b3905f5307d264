"""`GET /api/<name>` over HTTP: formats, paging links, 400s, OpenAPI, start-up checks.

The app is the real one (`create_app`) on a release built from the curated sources; one test
runs a real `netkg serve`, one a real Oxigraph server behind the remote store.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from pyld import jsonld
from service_support import REMOTE_ENGINES, running_netkg, running_remote_store

from netkg.config import Settings
from netkg.curate.named_queries import QueryFileError, load_queries
from netkg.web.api_binding import MAX_OFFSET
from netkg.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/netkg/id/"


def test_index_lists_every_query(client: TestClient) -> None:
    response = client.get("/api")
    assert response.status_code == 200
    endpoints = {e["name"]: e for e in response.json()["endpoints"]}
    assert set(endpoints) == set(load_queries(ROOT / "api"))
    options = endpoints["treatment-options"]
    assert options["path"] == "/api/treatment-options"
    assert {p["name"] for p in options["params"]} == {
        "spread",
        "liver",
        "surgery",
        "functional",
        "site",
        "lang",
    }
    assert "disclaimer" in options["columns"]


def test_friendly_json_has_one_stable_shape(client: TestClient) -> None:
    response = client.get("/api/citations", params={"year": "2013"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {
        "query",
        "columns",
        "rows",
        "count",
        "limit",
        "offset",
        "truncated",
        "next",
        "links",
    }
    assert body["query"] == "citations"
    assert body["count"] == len(body["rows"]) == 3
    assert body["truncated"] is False
    assert body["next"] is None
    first = body["rows"][0]
    assert list(first) == body["columns"]
    assert first["citation"] == ID + "ref-cnets-2013"
    assert first["year"] == 2013 and first["position"] == 2  # numbers stay numbers
    assert first["doi"] is None  # an unbound column is null, never missing


def test_paging_with_next_links_until_the_end(client: TestClient) -> None:
    url: str | None = "/api/treatments?limit=3"
    seen: list[tuple[str, str | None, str | None]] = []
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        seen += [(r["treatment"], r["statement"], r["source"]) for r in body["rows"]]
        pages += 1
        if body["truncated"]:
            assert body["count"] == 3
            assert f'<{body["next"]}>; rel="next"' in response.headers["link"]
            assert response.headers["x-netkg-truncated"] == "true"
        else:
            assert 'rel="next"' not in response.headers["link"]
        url = body["next"]
    whole = client.get("/api/treatments").json()
    assert seen == [(r["treatment"], r["statement"], r["source"]) for r in whole["rows"]]
    assert pages == -(-whole["count"] // 3)


@pytest.mark.parametrize(
    ("how", "media"),
    [
        ({"suffix": ".csv"}, "text/csv"),
        ({"format": "tsv"}, "text/tab-separated-values"),
        ({"accept": "application/sparql-results+json"}, "application/sparql-results+json"),
        ({"suffix": ".srx"}, "application/sparql-results+xml"),
        ({"accept": "application/ld+json"}, "application/ld+json"),
        ({"accept": "*/*"}, "application/json"),
    ],
)
def test_formats_by_suffix_format_or_accept(
    client: TestClient, how: dict[str, str], media: str
) -> None:
    url = "/api/decision-factors" + how.get("suffix", "")
    params = {"format": how["format"]} if "format" in how else {}
    headers = {"Accept": how["accept"]} if "accept" in how else {}
    response = client.get(url, params=params, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    text = response.text
    if media == "text/csv":
        table = list(csv.DictReader(io.StringIO(text)))
        assert [r["position"] for r in table] == [str(n) for n in range(1, 8)]
        assert table[0]["reads"] == ID + "primary-site"
    elif media == "text/tab-separated-values":
        lines = text.strip().split("\n")
        assert lines[0].split("\t")[0] == "?factor"
        assert lines[1].split("\t")[0] == f"<{ID}factor-primary-site>"
    elif media == "application/sparql-results+json":
        body = json.loads(text)
        assert body["head"]["vars"][0] == "factor"
        assert body["results"]["bindings"][0]["factor"] == {
            "type": "uri",
            "value": ID + "factor-primary-site",
        }
    elif media == "application/sparql-results+xml":
        root = ElementTree.fromstring(response.content)
        ns = "{http://www.w3.org/2005/sparql-results#}"
        assert len(root.findall(f"{ns}results/{ns}result")) == 7
    elif media == "application/ld+json":
        expanded = jsonld.expand(json.loads(text))
        factor = "https://w3id.org/netkg/api/decision-factors#factor"
        assert {n[factor][0]["@id"] for n in expanded} >= {ID + "factor-spread"}
    else:
        assert response.json()["count"] == 7


def test_the_sparql_behind_an_endpoint_is_served(client: TestClient) -> None:
    response = client.get("/api/treatment-options.rq")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-query")
    assert response.text == (ROOT / "api" / "treatment-options.rq").read_text(encoding="utf-8")
    link = client.get("/api/decision-factors").headers["link"]
    assert 'rel="describedby"' in link and "/api/decision-factors.rq" in link


def test_caching_and_cors_headers_as_elsewhere(client: TestClient) -> None:
    response = client.get("/api/decision-factors")
    assert response.headers["access-control-allow-origin"] == "*"
    assert "max-age" in response.headers["cache-control"]
    etag = response.headers["etag"]
    again = client.get("/api/decision-factors", headers={"If-None-Match": etag})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("/api/treatments?colour=red", "colour"),
        ("/api/treatments?lang=de", "lang"),
        ("/api/citations?year=twenty", "year"),
        ("/api/citations?type=novel", "type"),
        ("/api/treatment-options?spread=maybe", "spread"),
        ("/api/treatment", "treatment"),
        ("/api/treatments?limit=5000", "limit"),
        ("/api/treatments?offset=-3", "offset"),
        ("/api/treatments?format=pdf", "format"),
    ],
)
def test_bad_input_is_400_naming_the_parameter(client: TestClient, url: str, named: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert f"'{named}'" in response.json()["error"]


def test_hostile_value_over_http_is_a_value(client: TestClient) -> None:
    hostile = '"} ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #'
    response = client.get("/api/label-lookup", params={"q": hostile, "match": "exact"})
    assert response.status_code == 200
    assert response.json()["rows"] == []
    still = client.get("/api/citations").json()
    assert still["count"] == 9


def test_unacceptable_accept_is_406(client: TestClient) -> None:
    response = client.get("/api/treatments", headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_unknown_query_is_404(client: TestClient) -> None:
    assert client.get("/api/no-such-query").status_code == 404


def test_openapi_has_one_operation_per_query_with_its_parameters(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for name, query in load_queries(ROOT / "api").items():
        operation = spec["paths"][f"/api/{name}"]["get"]
        assert operation["summary"] == query.summary
        params = {p["name"]: p for p in operation["parameters"]}
        assert set(params) == {p.name for p in query.params} | {"limit", "offset", "format"}
        for param in query.params:
            assert params[param.name]["required"] is param.required
        assert set(operation["responses"]["200"]["content"]) >= {
            "application/json",
            "text/csv",
            "application/ld+json",
            "application/sparql-results+json",
        }
    citations = {p["name"]: p for p in spec["paths"]["/api/citations"]["get"]["parameters"]}
    assert citations["year"]["schema"] == {"type": "integer", "minimum": 1900, "maximum": 2100}
    assert citations["type"]["schema"]["enum"][0] == "journal-article"
    assert citations["limit"]["schema"]["maximum"] == 1000


def test_the_openapi_document_states_what_the_service_checks(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/api/treatments"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert params["offset"]["schema"]["maximum"] == MAX_OFFSET
    assert params["lang"]["schema"]["pattern"].startswith("^")
    for status in ("400", "406"):
        error = operation["responses"][status]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/Error"}
    assert spec["components"]["schemas"]["Error"]["required"] == ["error", "status"]
    lookup = {p["name"]: p for p in spec["paths"]["/api/label-lookup"]["get"]["parameters"]}
    assert lookup["q"]["schema"]["minLength"] == 1


def test_offset_past_the_maximum_is_a_400(client: TestClient) -> None:
    response = client.get("/api/treatments", params={"offset": str(MAX_OFFSET + 1)})
    assert response.status_code == 400
    assert str(MAX_OFFSET) in response.json()["error"]
    assert client.get("/api/treatments", params={"offset": str(MAX_OFFSET)}).status_code == 200


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/treatments", "lang"),
        ("/api/external-codes", "concept"),
        ("/api/treatments", "format"),
    ],
)
def test_an_empty_value_is_a_400_not_the_default(client: TestClient, path: str, name: str) -> None:
    response = client.get(path, params={name: ""})
    assert response.status_code == 400
    assert name in response.json()["error"]


def test_a_bad_query_file_stops_start_up(dist: Path, tmp_path: Path) -> None:
    broken = tmp_path / "dist"
    shutil.copytree(dist, broken)
    (broken / "api").mkdir(exist_ok=True)
    (broken / "api" / "oops.rq").write_text(
        "#+ summary: broken\n#+ columns: [x]\nSELECT ?x ?_nope WHERE { ?x ?p ?_nope }\n",
        encoding="utf-8",
    )
    with pytest.raises(QueryFileError) as caught:
        create_app(Settings(dist=broken, workers=1))
    assert "oops.rq:3" in str(caught.value)


def test_real_server_answers_treatment_options(dist: Path) -> None:
    with running_netkg(dist) as base:
        response = httpx.get(
            base + "/api/treatment-options",
            params={"liver": "true", "surgery": "false"},
            timeout=30,
        )
    assert response.status_code == 200
    treatments = {r["treatment"] for r in response.json()["rows"]}
    assert ID + "liver-directed-therapy" in treatments
    assert ID + "surgery" not in treatments


@pytest.mark.parametrize("engine", REMOTE_ENGINES)
def test_remote_store_gives_the_same_answers(
    dist: Path, client: TestClient, tmp_path: Path, engine: str
) -> None:
    """A real Oxigraph server or Virtuoso binds through a VALUES block, and leaves a parameter
    that was not given unbound: the rows, and each value's RDF term (SPARQL JSON), must not
    change."""
    urls = [
        "/api/treatment-options?liver=true&surgery=false&lang=fr",
        "/api/treatment-options?spread=false&surgery=true",
        "/api/cancer-attributes?lang=fr",
        "/api/citations?year=2013&type=journal-article",
        "/api/citations?type=book-chapter",
        "/api/label-lookup?q=foie&lang=fr",
        "/api/label-lookup?q=liver&match=exact",
        "/api/concept-by-code?vocabulary=icdo&code=8240/3",
        "/api/external-codes",
        "/api/treatment?treatment=id:surgery",
        "/api/treatments?lang=fr",
    ]
    # treatment-options still meets Virtuoso 7.2's faults (docs/service.md)
    differs = set(urls[:2]) if engine == "virtuoso" else set()
    with running_remote_store(engine, dist, tmp_path) as endpoint:
        settings = Settings(dist=dist, store="remote", store_url=endpoint, workers=1)
        with TestClient(create_app(settings)) as remote:
            for url in urls:
                embedded = client.get(url).json()["rows"]
                over_http = remote.get(url).json()["rows"]
                assert embedded, url
                if url in differs:
                    assert over_http != embedded, f"{url}: now the same on {engine}"
                    continue
                assert over_http == embedded, url
                terms = url + ("&" if "?" in url else "?") + "format=srj"
                assert remote.get(terms).json() == client.get(terms).json(), terms
            for url in ("/partner/condition.jsonld?lang=fr", "/partner/treatments/surgery.jsonld"):
                assert remote.get(url).json() == client.get(url).json(), url


def test_api_docs_work_offline_from_our_own_swagger_ui(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/openapi.json" in page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/") for a in assets), assets  # no CDN
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_standard_results_formats_read_back_as_the_same_solutions(client: TestClient) -> None:
    """CSV, TSV, SPARQL JSON and XML of one page are the same rows (pyoxigraph reads them back);
    the query's `?_` inputs are not among the columns."""
    pages = {}
    for suffix in ("tsv", "srj", "srx"):
        response = client.get(f"/api/treatment-options.{suffix}", params={"liver": "true"})
        assert response.status_code == 200
        solutions = ox.parse_query_results(
            response.content,
            ox.QueryResultsFormat.from_media_type(response.headers["content-type"].split(";")[0]),
        )
        assert isinstance(solutions, ox.QuerySolutions)
        pages[suffix] = [v.value for v in solutions.variables], [list(s) for s in solutions]
    assert pages["tsv"] == pages["srj"] == pages["srx"]
    columns, rows = pages["tsv"]
    assert rows and not any(c.startswith("_") for c in columns)
    table = client.get("/api/treatment-options.csv", params={"liver": "true"}).text
    header, *lines = table.splitlines()
    assert header.split(",") == columns and len(lines) == len(rows)
