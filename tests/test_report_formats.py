"""netkg.curate.report: text, JSON, JUnit XML and GitHub workflow commands, checked to spec."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime

from lxml import etree
from rich.console import Console

from netkg.curate.report import (
    OutputFormat,
    github_escape_data,
    github_escape_property,
    render,
    render_github,
    render_json,
    render_junit,
    render_text,
)
from netkg.curate.validate import Finding, Report

REPORT = Report(
    findings=[
        Finding(
            check="shacl",
            severity="Violation",
            file="data/drugs.ttl",
            line=7,
            message='Give exactly one skos:prefLabel, e.g. "Surgery"@en.\nSee docs.',
            focus="id:drug-therapy",
            path="skos:prefLabel",
            value='"Drug therapy"',
            shape="netsh:TreatmentPrefLabel",
        ),
        Finding(
            check="shacl",
            severity="Violation",
            file="data/drugs.ttl",
            line=9,
            message="100% wrong, again",
            focus="id:x",
            shape="netsh:TreatmentPrefLabel",
        ),
        Finding(
            check="split-subject",
            severity="Warning",
            file="data/a,b.ttl",
            line=3,
            message="id:surgery is also described in data/x.ttl:7",
            focus="id:surgery",
        ),
        Finding(
            check="shacl",
            severity="Info",
            file=None,
            line=None,
            message="just so you know",
            shape="netsh:Note",
        ),
    ],
    files=["data/drugs.ttl", "data/a,b.ttl"],
    curated_triples=12,
    tests=["syntax", "split-subject", "netsh:TreatmentPrefLabel", "netsh:Other", "netsh:Note"],
)
UNREADABLE = Report(
    findings=[
        Finding(
            check="syntax",
            severity="Error",
            file="data/bad.ttl",
            line=4,
            message="newline found in string literal",
        )
    ],
    files=["data/bad.ttl"],
    tests=["syntax"],
)

# The structure of the Jenkins/Ant JUnit XML report (testsuites > testsuite > testcase, with at
# most one failure, error or skipped per testcase), written out so lxml can enforce it.
JUNIT_XSD = b"""<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
  <xs:simpleType name="timestamp">
    <xs:restriction base="xs:dateTime">
      <xs:pattern value="[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:complexType name="problem">
    <xs:simpleContent>
      <xs:extension base="xs:string">
        <xs:attribute name="message" type="xs:string"/>
        <xs:attribute name="type" type="xs:string" use="required"/>
      </xs:extension>
    </xs:simpleContent>
  </xs:complexType>
  <xs:element name="testsuites">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="testsuite" minOccurs="0" maxOccurs="unbounded">
          <xs:complexType>
            <xs:sequence>
              <xs:element name="testcase" minOccurs="0" maxOccurs="unbounded">
                <xs:complexType>
                  <xs:choice minOccurs="0">
                    <xs:element name="error" type="problem"/>
                    <xs:element name="failure" type="problem"/>
                    <xs:element name="skipped" type="problem"/>
                  </xs:choice>
                  <xs:attribute name="name" type="xs:token" use="required"/>
                  <xs:attribute name="classname" type="xs:token" use="required"/>
                  <xs:attribute name="time" type="xs:decimal" use="required"/>
                </xs:complexType>
              </xs:element>
            </xs:sequence>
            <xs:attribute name="name" type="xs:token" use="required"/>
            <xs:attribute name="package" type="xs:token" use="required"/>
            <xs:attribute name="id" type="xs:int" use="required"/>
            <xs:attribute name="timestamp" type="timestamp" use="required"/>
            <xs:attribute name="hostname" type="xs:token" use="required"/>
            <xs:attribute name="tests" type="xs:int" use="required"/>
            <xs:attribute name="failures" type="xs:int" use="required"/>
            <xs:attribute name="errors" type="xs:int" use="required"/>
            <xs:attribute name="skipped" type="xs:int"/>
            <xs:attribute name="time" type="xs:decimal" use="required"/>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""


def junit(report: Report) -> etree._Element:
    xml = render_junit(report, timestamp=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), hostname="ci")
    schema = etree.XMLSchema(etree.fromstring(JUNIT_XSD))
    root = etree.fromstring(xml.encode("utf-8"))
    schema.assertValid(root)
    return root


def test_junit_is_valid_and_has_one_testcase_per_check_or_shape() -> None:
    root = junit(REPORT)
    suites = root.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert list(cases) == [
        "syntax",
        "split-subject",
        "netsh:TreatmentPrefLabel",
        "netsh:Other",
        "netsh:Note",
    ]
    assert suite.get("tests") == "5" and suite.get("failures") == "1"
    assert suite.get("errors") == "0" and suite.get("timestamp") == "2026-01-02T03:04:05"
    failure = cases["netsh:TreatmentPrefLabel"].find("failure")
    assert failure is not None and failure.get("type") == "Violation"
    assert failure.get("message", "").startswith("2 violation(s)")
    assert failure.text is not None and "data/drugs.ttl:7" in failure.text
    assert "data/drugs.ttl:9" in failure.text
    assert len(cases["split-subject"]) == 0  # a warning is not a failure
    assert len(cases["netsh:Note"]) == 0
    assert cases["netsh:TreatmentPrefLabel"].get("classname") == "netkg.curate.validate.shacl"


def test_junit_reports_unreadable_files_as_errors() -> None:
    suite = junit(UNREADABLE).find("testsuite")
    assert suite is not None
    assert suite.get("errors") == "1" and suite.get("failures") == "0"
    error = suite.find("testcase/error")
    assert error is not None and error.get("type") == "syntax"
    assert error.text is not None and error.text.startswith("data/bad.ttl:4: Error:")


def test_github_escaping_follows_the_runner() -> None:
    assert github_escape_data("50% a\r\nb") == "50%25 a%0D%0Ab"
    assert github_escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert github_escape_data("a:b,c") == "a:b,c"  # only properties escape : and ,


GITHUB_COMMAND = re.compile(r"^::(error|warning|notice)( [^:]*)?::(.*)$")


def test_github_annotations_one_per_finding_with_file_and_line() -> None:
    lines = render_github(REPORT).splitlines()
    commands = [GITHUB_COMMAND.match(line) for line in lines[:-1]]
    assert all(commands), lines
    assert lines[0] == (
        "::error file=data/drugs.ttl,line=7,title=netsh%3ATreatmentPrefLabel::"
        'Give exactly one skos:prefLabel, e.g. "Surgery"@en.%0ASee docs. (focus id:drug-therapy, '
        'path skos:prefLabel, value "Drug therapy")'
    )
    assert lines[1].endswith("::100%25 wrong, again (focus id:x)")
    assert lines[2].startswith("::warning file=data/a%2Cb.ttl,line=3,title=split-subject::")
    assert lines[3] == "::notice title=netsh%3ANote::just so you know"
    assert lines[-1] == REPORT.summary()
    for match in commands:
        assert match is not None
        for prop in (match.group(2) or "").strip().split(","):
            key, _, value = prop.partition("=")
            assert key in {"file", "line", "title", "col", "endLine", "endColumn"}
            assert ":" not in value and "\n" not in value


def test_json_is_stable_and_complete() -> None:
    data = json.loads(render_json(REPORT))
    assert data["counts"] == {"Error": 0, "Violation": 2, "Warning": 1, "Info": 1}
    assert data["conforms"] is False and data["exit_code"] == 1
    assert data["findings"][0] == {
        "check": "shacl",
        "severity": "Violation",
        "file": "data/drugs.ttl",
        "line": 7,
        "message": 'Give exactly one skos:prefLabel, e.g. "Surgery"@en.\nSee docs.',
        "focus": "id:drug-therapy",
        "path": "skos:prefLabel",
        "value": '"Drug therapy"',
        "shape": "netsh:TreatmentPrefLabel",
    }
    assert render_json(REPORT) == render_json(REPORT)


def test_text_shows_file_line_severity_shape_message_and_summary() -> None:
    buffer = io.StringIO()
    render_text(REPORT, Console(file=buffer, width=200, force_terminal=False))
    text = buffer.getvalue()
    assert "data/drugs.ttl:7: Violation [netsh:TreatmentPrefLabel] Give exactly one" in text
    assert 'focus id:drug-therapy, path skos:prefLabel, value "Drug therapy"' in text
    assert "\x1b[" not in text  # no colour codes when not on a terminal
    assert text.rstrip().splitlines()[-1] == REPORT.summary()
    assert REPORT.summary().startswith("FAIL: 2 violation(s), 1 warning(s), 1 info in 2 file(s)")


def test_text_is_coloured_on_a_terminal() -> None:
    buffer = io.StringIO()
    render_text(REPORT, Console(file=buffer, width=200, force_terminal=True))
    assert "\x1b[" in buffer.getvalue()


def test_render_dispatches_every_format() -> None:
    for fmt in OutputFormat:
        buffer = io.StringIO()
        render(UNREADABLE, fmt, Console(file=buffer, width=200))
        assert "data/bad.ttl" in buffer.getvalue()


def test_text_never_turns_line_numbers_into_emoji() -> None:
    report = Report(
        findings=[
            Finding(
                check="syntax",
                severity="Error",
                file="data/x.ttl",
                line=100,
                message="see :smile: and :100:",
            )
        ]
    )
    for terminal in (False, True):
        buffer = io.StringIO()
        render_text(report, Console(file=buffer, width=200, force_terminal=terminal))
        assert "data/x.ttl:100: " in buffer.getvalue()
        assert ":smile: and :100:" in buffer.getvalue()


def test_long_values_are_cut_for_people_but_not_for_machines() -> None:
    value = '"' + "x" * 300 + '"@en'
    report = Report(
        findings=[
            Finding(
                check="shacl", severity="Info", file="data/x.ttl", line=1, message="m", value=value
            )
        ]
    )
    assert "value " + value[:99] + "…" in render_github(report)
    assert json.loads(render_json(report))["findings"][0]["value"] == value
