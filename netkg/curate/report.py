"""Render a validation Report for a person (text), a program (json), CI (junit) or a pull request.

One Report, four renderers, no logic of their own: what is a problem and how bad is decided in
`netkg.curate.validate`; here only how it reads. Formats follow their specifications:
- junit: the Jenkins xUnit schema (testsuites/testsuite/testcase with failure or error);
  one testcase per check or shape, a failure for Violations, an error for unreadable files.
  Warnings and Info do not fail a test, so they are not in the JUnit file (use json or text).
- github: workflow commands, `::error file=F,line=N,title=T::message`, escaped as the runner
  expects (data: % CR LF; properties: also : and ,) so each finding shows on the PR's diff.
"""

from __future__ import annotations

import json
import socket
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from netkg.curate.validate import Finding, Report

__all__ = [
    "OutputFormat",
    "github_escape_data",
    "github_escape_property",
    "render",
    "render_github",
    "render_json",
    "render_junit",
    "render_text",
]


class OutputFormat(StrEnum):
    """The --format choices."""

    text = "text"
    json = "json"
    junit = "junit"
    github = "github"


STYLE = {"Error": "bold red", "Violation": "red", "Warning": "yellow", "Info": "cyan"}
GITHUB_LEVEL = {"Error": "error", "Violation": "error", "Warning": "warning", "Info": "notice"}


def _short(term: str, limit: int = 100) -> str:
    """Long literals (definitions, citations) cut for people; JSON keeps them whole."""
    return term if len(term) <= limit else term[: limit - 1] + "…"


def _details(f: Finding) -> str:
    parts = [
        f"{label} {_short(term)}"
        for label, term in (("focus", f.focus), ("path", f.path), ("value", f.value))
        if term
    ]
    return ", ".join(parts)


# --- text ---------------------------------------------------------------------------------------


def render_text(report: Report, console: Console) -> None:
    """`file:line: Severity [shape] message` then the focus/path/value; a summary line last."""
    for f in report.findings:
        where = f"{f.where}: " if f.where else ""
        console.print(
            f"[bold]{escape(where)}[/bold][{STYLE[f.severity]}]{f.severity}[/] "
            f"[dim]\\[{escape(f.test)}][/dim] {escape(f.message)}",
            highlight=False,
            soft_wrap=True,
            emoji=False,
        )
        if details := _details(f):
            console.print(
                f"    {escape(details)}", style="dim", highlight=False, soft_wrap=True, emoji=False
            )
    style = "bold green" if report.conforms else "bold red"
    console.print(
        escape(report.summary()), style=style, highlight=False, soft_wrap=True, emoji=False
    )


# --- json ---------------------------------------------------------------------------------------


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


# --- junit --------------------------------------------------------------------------------------


def _finding_line(f: Finding) -> str:
    where = f"{f.where}: " if f.where else ""
    details = _details(f)
    return f"{where}{f.severity}: {f.message}" + (f" ({details})" if details else "")


def render_junit(
    report: Report, *, timestamp: datetime | None = None, hostname: str | None = None
) -> str:
    """One testsuite, one testcase per check or shape; Violations fail, Errors error."""
    by_test: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        by_test[f.test].append(f)
    names = list(dict.fromkeys([*report.tests, *by_test]))
    when = (timestamp or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S")
    host = hostname or socket.gethostname() or "localhost"
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites,
        "testsuite",
        {
            "name": "netkg validate",
            "package": "netkg",
            "id": "0",
            "timestamp": when,
            "hostname": host,
            "tests": str(len(names)),
            "time": "0",
        },
    )
    failures = errors = 0
    for name in names:
        found = by_test.get(name, [])
        check = found[0].check if found else ("shacl" if ":" in name else name)
        case = ET.SubElement(
            suite,
            "testcase",
            {"name": name, "classname": f"netkg.curate.validate.{check}", "time": "0"},
        )
        failing = [f for f in found if f.severity == "Violation"]
        broken = [f for f in found if f.severity == "Error"]
        if broken:
            errors += 1
            element = ET.SubElement(
                case,
                "error",
                {"type": check, "message": f"{len(broken)} file(s) could not be read"},
            )
            element.text = "\n".join(_finding_line(f) for f in broken)
        elif failing:
            failures += 1
            element = ET.SubElement(
                case,
                "failure",
                {
                    "type": "Violation",
                    "message": f"{len(failing)} violation(s): {failing[0].message}",
                },
            )
            element.text = "\n".join(_finding_line(f) for f in failing)
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", "0")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


# --- github -------------------------------------------------------------------------------------


def github_escape_data(text: str) -> str:
    """Escape a workflow command's message (the runner's escapeData)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_escape_property(text: str) -> str:
    """Escape a workflow command's property value (the runner's escapeProperty)."""
    return github_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report) -> str:
    """`::error file=…,line=…,title=…::message` per finding, so it shows on the PR's diff."""
    lines = []
    for f in report.findings:
        props = []
        if f.file:
            props.append(f"file={github_escape_property(f.file)}")
            if f.line:
                props.append(f"line={f.line}")
        props.append(f"title={github_escape_property(f.test)}")
        details = _details(f)
        message = f.message + (f" ({details})" if details else "")
        lines.append(
            f"::{GITHUB_LEVEL[f.severity]} {','.join(props)}::{github_escape_data(message)}"
        )
    lines.append(report.summary())
    return "\n".join(lines) + "\n"


def render(report: Report, fmt: OutputFormat, console: Console) -> None:
    """Write `report` in `fmt` to `console` (text is coloured only on a terminal)."""
    if fmt is OutputFormat.text:
        render_text(report, console)
        return
    text = {
        OutputFormat.json: render_json,
        OutputFormat.junit: render_junit,
        OutputFormat.github: render_github,
    }[fmt](report)
    console.file.write(text)
    console.file.flush()
