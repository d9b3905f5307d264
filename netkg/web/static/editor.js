// netkg SPARQL editor: a textarea with a light highlighter underneath, example queries, results as
// a table with links, downloads in every format, and the query kept in the page address (#query=)
// so it can be shared. No dependencies: it must work offline, served by netkg itself.
(function () {
  "use strict";
  const form = document.getElementById("query-form");
  const query = document.getElementById("query");
  const code = document.getElementById("query-highlight");
  const format = document.getElementById("format");
  const out = document.getElementById("results");
  const share = document.getElementById("share");
  const shareStatus = document.getElementById("share-status");
  const examples = JSON.parse(document.getElementById("examples").textContent);
  const config = JSON.parse(document.getElementById("editor-config").textContent);
  const S = config.strings;

  // --- highlighting ---------------------------------------------------------------------------
  const KEYWORDS = new Set(("select construct describe ask where prefix base distinct reduced from named " +
    "optional union minus graph service filter bind values as order by asc desc limit offset group " +
    "having not exists in a true false count sum min max avg sample group_concat separator str lang " +
    "langmatches datatype bound iri uri bnode rand abs ceil floor round concat strlen ucase lcase " +
    "encode_for_uri contains strstarts strends strbefore strafter year month day hours minutes " +
    "seconds timezone tz now uuid struuid md5 sha1 sha256 sha384 sha512 coalesce if strlang strdt " +
    "sameterm isiri isuri isblank isliteral isnumeric regex substr replace").split(" "));
  const TOKEN = new RegExp([
    "(#[^\\n]*)",                                   // 1 comment
    "(\"\"\"[\\s\\S]*?\"\"\"|'''[\\s\\S]*?'''|\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*')", // 2 string
    "(<[^<>\"{}|^`\\\\\\s]*>)",                      // 3 IRI
    "([?$][\\w]+)",                                  // 4 variable
    "(@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)",                // 5 language tag
    "([A-Za-z][\\w.-]*)?:([\\w.%-]*)",               // 6,7 prefixed name
    "(\\b\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?\\b)",    // 8 number
    "([A-Za-z_]\\w*)",                               // 9 word
  ].join("|"), "g");

  function escapeHtml(text) {
    return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" })[c]);
  }

  function highlight(text) {
    let html = "";
    let last = 0;
    text.replace(TOKEN, (match, comment, string, iri, variable, langtag, prefix, local, number, word, offset) => {
      html += escapeHtml(text.slice(last, offset));
      let cls = null;
      if (comment) cls = "tok-comment";
      else if (string) cls = "tok-string";
      else if (iri) cls = "tok-iri";
      else if (variable) cls = "tok-var";
      else if (langtag) cls = "tok-lang";
      else if (number) cls = "tok-number";
      else if (word) cls = KEYWORDS.has(word.toLowerCase()) ? "tok-keyword" : null;
      else cls = "tok-pname";
      html += cls ? `<span class="${cls}">${escapeHtml(match)}</span>` : escapeHtml(match);
      last = offset + match.length;
      return match;
    });
    return html + escapeHtml(text.slice(last)) + "\n";
  }

  function refresh() {
    code.innerHTML = highlight(query.value);
    syncScroll();
  }
  function syncScroll() {
    code.parentElement.scrollTop = query.scrollTop;
    code.parentElement.scrollLeft = query.scrollLeft;
  }
  document.body.classList.add("js");
  query.addEventListener("input", refresh);
  query.addEventListener("scroll", syncScroll);

  // Tab indents; Esc then Tab leaves the editor (no keyboard trap); Ctrl/Cmd+Enter runs.
  let escaped = false;
  query.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { escaped = true; return; }
    if (event.key === "Tab" && !escaped && !event.shiftKey) {
      event.preventDefault();
      const start = query.selectionStart;
      query.setRangeText("  ", start, query.selectionEnd, "end");
      refresh();
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
    escaped = false;
  });

  // --- examples and the shareable address -----------------------------------------------------
  document.getElementById("example").addEventListener("change", (event) => {
    if (event.target.value === "") return;
    query.value = examples[Number(event.target.value)];
    refresh();
    remember();
  });

  function shareUrl() {
    const url = new URL(window.location.href);
    url.hash = "query=" + encodeURIComponent(query.value);
    return url.toString();
  }
  function remember() {
    history.replaceState(null, "", shareUrl());
  }
  function restore() {
    const hash = window.location.hash;
    if (hash.startsWith("#query=")) {
      query.value = decodeURIComponent(hash.slice("#query=".length));
      return true;
    }
    return false;
  }
  share.hidden = false;
  share.addEventListener("click", async () => {
    remember();
    try {
      await navigator.clipboard.writeText(shareUrl());
      shareStatus.textContent = S.copied;
    } catch (error) {
      shareStatus.textContent = shareUrl();
    }
  });

  // --- results --------------------------------------------------------------------------------
  function isGraphQuery(text) {
    const body = text.replace(/#[^\n]*/g, "").replace(/<[^>]*>/g, "<>").replace(/"[^"]*"|'[^']*'/g, "\"\"");
    const form = /\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(body);
    return form !== null && /^(construct|describe)$/i.test(form[1]);
  }

  function localHref(iri) {
    return iri.startsWith(config.base) ? "/" + iri.slice(config.base.length) : iri;
  }
  function compact(iri) {
    let best = null;
    for (const [prefix, ns] of Object.entries(config.prefixes)) {
      if (iri.startsWith(ns) && (!best || ns.length > best[1].length)) best = [prefix, ns];
    }
    return best ? best[0] + ":" + iri.slice(best[1].length) : iri;
  }
  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const a = document.createElement("a");
      a.href = localHref(term.value);
      a.textContent = compact(term.value);
      a.title = term.value;
      td.append(a);
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
      td.className = "muted";
    } else {
      const span = document.createElement("span");
      span.textContent = term.value;
      if (term["xml:lang"]) span.lang = term["xml:lang"];
      td.append(span);
      const tag = term["xml:lang"] ? "@" + term["xml:lang"] : (term.datatype ? compact(term.datatype) : "");
      if (tag) {
        const small = document.createElement("span");
        small.className = "term-tag";
        small.textContent = " " + tag;
        td.append(small);
      }
    }
    return td;
  }

  function downloads(graph) {
    const p = document.createElement("p");
    p.className = "downloads";
    p.append(S.download + ": ");
    const names = graph ? config.graphs : config.solutions;
    names.forEach((name, i) => {
      const a = document.createElement("a");
      a.href = "/sparql?" + new URLSearchParams({ query: query.value, format: name }).toString();
      a.download = "netkg-results." + name;
      a.className = "download";
      a.textContent = name.toUpperCase();
      if (i) p.append(" · ");
      p.append(a);
    });
    return p;
  }

  function clear() {
    for (const node of [...out.childNodes]) if (node.id !== "results-title") node.remove();
  }

  async function run() {
    clear();
    const status = document.createElement("p");
    status.className = "muted";
    status.textContent = S.running;
    out.append(status);
    out.setAttribute("aria-busy", "true");
    const graph = isGraphQuery(query.value);
    let response;
    try {
      response = await fetch("/sparql", {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: graph ? "text/turtle" : "application/sparql-results+json",
        },
        body: new URLSearchParams({ query: query.value }),
      });
    } catch (error) {
      status.textContent = S.error + ": " + error;
      out.removeAttribute("aria-busy");
      return;
    }
    out.removeAttribute("aria-busy");
    status.remove();
    if (!response.ok) {
      const text = await response.text();
      let message = text;
      try { message = JSON.parse(text).error; } catch (error) { /* not JSON */ }
      const p = document.createElement("p");
      p.className = "error";
      p.setAttribute("role", "alert");
      p.textContent = `${S.error} (${response.status}): ${message}`;
      out.append(p);
      return;
    }
    const type = response.headers.get("content-type") || "";
    if (!type.startsWith("application/sparql-results+json")) {
      const pre = document.createElement("pre");
      pre.className = "graph-result";
      pre.tabIndex = 0; // scrollable: reachable by keyboard
      pre.textContent = await response.text();
      out.append(downloads(true), pre);
      return;
    }
    const data = await response.json();
    if ("boolean" in data) {
      const p = document.createElement("p");
      p.className = "boolean-result";
      p.textContent = data.boolean ? S.yes : S.no;
      out.append(p, downloads(false));
      return;
    }
    const count = document.createElement("p");
    count.className = "row-count";
    count.textContent = `${data.results.bindings.length} ${S.rows}`;
    const wrap = document.createElement("div");
    wrap.className = "table-wrap";
    wrap.tabIndex = 0;
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-labelledby", "results-title");
    const table = document.createElement("table");
    table.className = "results-table";
    const head = table.createTHead().insertRow();
    for (const name of data.head.vars) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = "?" + name;
      head.append(th);
    }
    const body = table.createTBody();
    for (const row of data.results.bindings) {
      const tr = body.insertRow();
      for (const name of data.head.vars) tr.append(cell(row[name]));
    }
    wrap.append(table);
    out.append(count, downloads(false), wrap);
  }

  form.addEventListener("submit", (event) => {
    if (format.value) return; // a chosen format: the browser shows or saves the raw answer
    event.preventDefault();
    remember();
    run();
  });

  // a page the server filled in (GET /sparql?query=…) keeps its results; a #query= link runs
  const restored = !out.hasAttribute("data-server-rendered") && restore();
  refresh();
  if (restored) run();
})();
