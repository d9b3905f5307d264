"""The OpenAPI document and the service agree: schemathesis (`--checks all`) against a real
`netkg serve`, with bounded examples so it stays under a minute.

Two declared allowances, where what the service checks is beyond JSON Schema, so a schema-valid
request may still be a 400; every other check stands there too:
- /sparql: a SPARQL query's grammar (a malformed query);
- POST of a FHIR operation: which members a Parameters resource needs, each once, with the
  value[x] type that name takes (the GET form declares each parameter and is checked fully).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from service_support import VENV_BIN, running_netkg, service_dist

__all__ = ["service_dist"]  # fixture used here

SCHEMATHESIS = VENV_BIN / "schemathesis"
ALSO_400 = """
checks.positive_data_acceptance.expected-statuses = [
  "2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx",
]
"""
CONFIG = f"""\
[[operations]]
include-path = "/sparql"
{ALSO_400}
[[operations]]
include-path-regex = "^/fhir/[A-Za-z]+/\\\\$"
include-method = "POST"
{ALSO_400}
"""


@pytest.fixture(scope="module")
def server(service_dist: Path) -> Iterator[str]:
    with running_netkg(service_dist) as base:
        yield base


def test_schemathesis_finds_no_mismatch(server: str, tmp_path: Path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    run = subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(config),
            "run",
            server + "/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "15",
            "--seed",
            "11",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "No issues found" in output or " passed" in output, output


def test_the_document_names_each_operation_once_and_no_422(server: str) -> None:
    document = httpx.get(server + "/openapi.json").json()
    ids = [
        operation["operationId"]
        for operations in document["paths"].values()
        for operation in operations.values()
    ]
    assert len(ids) == len(set(ids))
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "422" not in operation["responses"], (method, path)
    sparql = document["paths"]["/sparql"]
    assert set(sparql) == {"get", "post"}
    assert {"400", "406", "414"} <= set(sparql["get"]["responses"])
    assert "415" in sparql["post"]["responses"]


def test_options_on_sparql_names_every_method(server: str) -> None:
    response = httpx.options(server + "/sparql")
    assert response.status_code == 204
    assert {m.strip() for m in response.headers["allow"].split(",")} == {
        "GET",
        "HEAD",
        "POST",
        "OPTIONS",
    }
