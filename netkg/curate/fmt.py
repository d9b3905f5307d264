"""Canonical Turtle for curated files, so a diff shows only real changes, and comments survive.

Canonical form: the file's header comment; every declared prefix, sorted; then one block per
subject, sorted by IRI (blank-node subjects last), predicates and objects in rdflib's stable
order (rdf:type first). rdflib writes the blocks; netkg owns the prefix block, the subject order
and the comments, which rdflib drops. A light tokenizer finds each comment and statement:
- comments before/among the prefix declarations stay on top (the header);
- a comment block on its own lines between two statements belongs to the next subject and moves
  with it; comments after the last statement stay at the end;
- a comment inside a statement, at the end of a line, or above a blank-node subject has no such
  home, so fmt refuses to rewrite that file and says where the comment is.
Formatting is checked (the result parses to an isomorphic graph) before a file is replaced,
atomically. `canonical(canonical(x)) == canonical(x)`.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from rdflib import Graph
from rdflib.plugins.parsers.notation3 import BadSyntax

from netkg.curate.bnodes import canonical_graph
from netkg.curate.load import SourceProblem, find_sources, parse_turtle, syntax_problem
from netkg.curate.syntax import UnreadableTurtle, turtle_tokens
from netkg.errors import NetkgError

__all__ = ["CommentWouldBeLost", "FmtOutcome", "canonical", "format_paths"]


class CommentWouldBeLost(NetkgError):
    """fmt can't keep a comment where it is, so it leaves the file as it was."""

    exit_code = 1


@dataclass
class FmtOutcome:
    changed: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    refused: list[tuple[Path, str]] = field(default_factory=list)
    unreadable: list[SourceProblem] = field(default_factory=list)


# --- tokenizer ----------------------------------------------------------------------------------


@dataclass
class _Statement:
    start: int
    end: int
    line: int
    tokens: list[str]
    subject: str | None = None  # resolved IRI; None for a blank node or collection

    @property
    def directive(self) -> bool:
        return self.tokens[0].lower() in ("@prefix", "@base", "prefix", "base")


@dataclass
class _Comment:
    line: int
    text: str
    inside: bool  # within a statement, or after a token on the same line


@dataclass
class _Scan:
    statements: list[_Statement]
    comments: list[tuple[_Comment, int]]  # (comment, index of the next statement)
    prefixes: dict[str, str]


def _tokens(text: str, file: Path) -> list[tuple[str, str, int, int]]:
    try:
        return turtle_tokens(text)
    except UnreadableTurtle as error:
        raise CommentWouldBeLost(
            f"{file}:{error.line}: fmt can't read this Turtle; file left as is"
        ) from None


def _resolve(token: str, prefixes: dict[str, str], base: str) -> str | None:
    if token.startswith("<") and token.endswith(">"):
        return urljoin(base, token[1:-1])
    if ":" in token and not token.startswith("_:"):
        prefix, local = token.split(":", 1)
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


def _scan(text: str, file: Path, base: str) -> _Scan:
    statements: list[_Statement] = []
    comments: list[tuple[_Comment, int]] = []
    prefixes: dict[str, str] = {}
    current: _Statement | None = None
    depth = 0
    last_token_line = 0
    for kind, value, offset, line in _tokens(text, file):
        if kind == "comment":
            inside = current is not None or last_token_line == line
            comments.append((_Comment(line, value, inside), len(statements)))
            continue
        last_token_line = line + value.count("\n")
        if current is None:
            current = _Statement(offset, offset, line, [])
        current.tokens.append(value)
        current.end = offset + len(value)
        if value in ("[", "("):
            depth += 1
        elif value in ("]", ")"):
            depth -= 1
        toks = current.tokens
        sparql_style = toks[0].lower() in ("prefix", "base") and not toks[0].startswith("@")
        done = (value == "." and depth == 0) or (
            sparql_style and len(toks) == (3 if toks[0].lower() == "prefix" else 2)
        )
        if not done:
            continue
        if current.directive:
            if toks[0].lower() in ("@prefix", "prefix") and len(toks) >= 3:
                prefixes[toks[1].rstrip(":")] = urljoin(base, toks[2][1:-1])
            elif len(toks) >= 2:
                base = urljoin(base, toks[1][1:-1])
        else:
            current.subject = _resolve(toks[0], prefixes, base)
        statements.append(current)
        current = None
    return _Scan(statements, comments, prefixes)


# --- formatting ---------------------------------------------------------------------------------


def _same_graph(a: Graph, b: Graph) -> bool:
    """Isomorphism: equal canonical forms (linear for tree-shaped blank nodes)."""
    return set(canonical_graph(a, "b")) == set(canonical_graph(b, "b"))


def _parse(text: str, file: Path) -> tuple[Graph, dict[str, str]]:
    graph = Graph(bind_namespaces="core")  # rdf:, rdfs:, xsd:, owl: rather than ns1:
    _count, prefixes = parse_turtle(text, graph, file, {})
    return graph, prefixes


def canonical(text: str, file: Path) -> str:
    """The canonical form of Turtle `text` (from `file`, named in messages).

    Raises BadSyntax if it doesn't parse, CommentWouldBeLost if a comment has no place to go.
    """
    base = file.resolve().as_uri()
    graph, declared = _parse(text, file)
    scan = _scan(text, file, base)
    for comment, _next in scan.comments:
        if comment.inside:
            raise CommentWouldBeLost(
                f"{file}:{comment.line}: comment inside a statement or after code on its line "
                f"would be lost; move it onto its own line above the subject, then run fmt again"
            )
    first_triples = next(
        (i for i, s in enumerate(scan.statements) if not s.directive), len(scan.statements)
    )
    last_directive = max(
        (i for i, s in enumerate(scan.statements[:first_triples]) if s.directive), default=-1
    )
    header: list[str] = []
    footer: list[str] = []
    attached: dict[str, list[str]] = {}
    for comment, nxt in scan.comments:
        if nxt <= last_directive:
            header.append(comment.text)
        elif nxt >= len(scan.statements):
            footer.append(comment.text)
        elif scan.statements[nxt].directive:  # above a later @prefix: prefixes go on top
            header.append(comment.text)
        else:
            statement = scan.statements[nxt]
            if statement.subject is None:
                raise CommentWouldBeLost(
                    f"{file}:{comment.line}: comment above a blank-node subject (line "
                    f"{statement.line}) can't be kept; give the node an IRI or move the comment"
                )
            attached.setdefault(statement.subject, []).append(comment.text)

    graph = canonical_graph(graph, "b")
    for prefix, ns in declared.items():
        graph.bind(prefix, ns, override=True, replace=True)
    body = graph.serialize(format="turtle")
    out_scan = _scan(body, file, base)
    prefixes = dict(declared)
    for prefix, ns in out_scan.prefixes.items():
        prefixes.setdefault(prefix, ns)
    blocks: list[tuple[tuple[int, str, int], str]] = []
    for i, statement in enumerate(out_scan.statements):
        if statement.directive:
            continue
        block = body[statement.start : statement.end]
        if statement.subject is not None:
            comment_lines = attached.pop(statement.subject, [])
            block = "\n".join([*comment_lines, block])
            blocks.append(((0, statement.subject, 0), block))
        else:
            blocks.append(((1, "", i), block))
    if attached:  # a commented subject rdflib did not write as a block: keep, don't drop
        subject = next(iter(attached))
        raise CommentWouldBeLost(f"{file}: comment above <{subject}> has no block to go with")
    parts: list[str] = []
    if header:
        parts.append("\n".join(header))
    if prefixes:
        parts.append("\n".join(f"@prefix {p}: <{ns}> ." for p, ns in sorted(prefixes.items())))
    parts.extend(block for _key, block in sorted(blocks, key=lambda kb: kb[0]))
    if footer:
        parts.append("\n".join(footer))
    result = "\n\n".join(parts) + "\n" if parts else ""
    kept = sorted(c.text for c, _ in _scan(result, file, base).comments)
    if kept != sorted(c.text for c, _ in scan.comments):  # a bug in fmt must not eat comments
        raise CommentWouldBeLost(
            f"{file}: formatting would lose a comment; file left as is (please report this)"
        )
    return result


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def format_paths(root: Path, paths: Sequence[Path] = (), *, check: bool = False) -> FmtOutcome:
    """Format (or, with `check`, only inspect) the Turtle files under `paths` or the project.

    Files that can't be parsed are listed in `unreadable`, files fmt can't keep comments in
    in `refused`; both are left unchanged and the others are still formatted. Raises SourceError
    only when the paths themselves are missing or hold no Turtle.
    """
    files = [f for f in find_sources(root, paths) if f.suffix == ".ttl"]
    outcome = FmtOutcome()
    problems = outcome.unreadable
    for file in files:
        shown = _shown(root, file)
        try:
            text = file.read_bytes().decode("utf-8-sig")
            formatted = canonical(text, shown)
        except UnicodeDecodeError:
            problems.append(SourceProblem(shown, None, "not UTF-8 text, so not Turtle", "not-rdf"))
            continue
        except BadSyntax as error:
            problems.append(syntax_problem(shown, error, text))
            continue
        except CommentWouldBeLost as error:
            outcome.refused.append((shown, error.message))
            continue
        if formatted == text:
            outcome.unchanged.append(shown)
            continue
        original, _ = _parse(text, shown)
        again, _ = _parse(formatted, shown)
        if not _same_graph(original, again):  # a bug in fmt must never reach a curator's file
            outcome.refused.append(
                (
                    shown,
                    f"{shown}: formatting would change the graph; "
                    "file left as is (please report this)",
                )
            )
            continue
        if not check:
            _write_atomically(file, formatted)
        outcome.changed.append(shown)
    return outcome


def _shown(root: Path, file: Path) -> Path:
    try:
        return file.resolve().relative_to(root.resolve())
    except ValueError:
        return file
