/* The query page: a small SPARQL highlighter over a textarea, the example queries, and results as a table.
   Self-contained (no libraries, no network but this service). MIT licence, part of integration-kg. */
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  var textarea = document.getElementById("query");
  var code = document.getElementById("highlight");
  var results = document.getElementById("results");
  var status = document.getElementById("status");
  var formatSelect = document.getElementById("format");
  var root = form.dataset.root || "";
  var base = form.dataset.base || "";
  var prefixes = JSON.parse(form.dataset.prefixes || "{}");

  var KEYWORDS = ("SELECT ASK CONSTRUCT DESCRIBE WHERE FROM NAMED PREFIX BASE DISTINCT REDUCED OPTIONAL UNION MINUS " +
    "GRAPH FILTER BIND VALUES AS GROUP BY ORDER ASC DESC HAVING LIMIT OFFSET NOT EXISTS IN UNDEF A COUNT SUM MIN MAX " +
    "AVG SAMPLE GROUP_CONCAT SEPARATOR STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND " +
    "CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY HOURS " +
    "MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG STRDT SAMETERM " +
    "ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE TRUE FALSE").split(" ");
  var TOKEN = new RegExp([
    "(#[^\\n]*)",                                   // 1 comment
    "(\"\"\"[\\s\\S]*?\"\"\"|'''[\\s\\S]*?'''|\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*')", // 2 string
    "(<[^<>\"{}|^`\\\\\\s]*>)",                    // 3 IRI
    "([?$][\\w]+)",                                 // 4 variable
    "([A-Za-z_][\\w\\-.]*)?:([\\w\\-.]*)",          // 5,6 prefixed name
    "(@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)",               // 7 language tag
    "(\\b\\d+(?:\\.\\d+)?\\b)",                     // 8 number
    "([A-Za-z_]\\w*)"                               // 9 word
  ].join("|"), "g");

  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function highlight(text) {
    var out = "", last = 0, match;
    TOKEN.lastIndex = 0;
    while ((match = TOKEN.exec(text)) !== null) {
      if (match[0] === "") { TOKEN.lastIndex++; continue; }
      out += escapeHtml(text.slice(last, match.index));
      var cls = match[1] ? "c" : match[2] ? "s" : match[3] ? "i" : match[4] ? "v" :
        (match[5] !== undefined || match[6] !== undefined) && match[0].indexOf(":") >= 0 ? "p" :
        match[7] ? "l" : match[8] ? "n" : KEYWORDS.indexOf(match[0].toUpperCase()) >= 0 ? "k" : "";
      out += cls ? '<span class="tok-' + cls + '">' + escapeHtml(match[0]) + "</span>" : escapeHtml(match[0]);
      last = match.index + match[0].length;
    }
    return out + escapeHtml(text.slice(last)) + "\n";
  }

  function refresh() {
    code.innerHTML = highlight(textarea.value);
    code.parentNode.scrollTop = textarea.scrollTop;
    code.parentNode.scrollLeft = textarea.scrollLeft;
  }

  textarea.addEventListener("input", refresh);
  textarea.addEventListener("scroll", refresh);
  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Tab") {
      event.preventDefault();
      var start = textarea.selectionStart;
      textarea.setRangeText("  ", start, textarea.selectionEnd, "end");
      refresh();
    } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });

  Array.prototype.forEach.call(document.querySelectorAll("button.example"), function (button) {
    button.addEventListener("click", function () {
      textarea.value = button.dataset.query;
      refresh();
      run();
    });
  });

  document.getElementById("add-prefixes").addEventListener("click", function () {
    var head = "";
    Object.keys(prefixes).forEach(function (name) {
      if (!new RegExp("PREFIX\\s+" + name + ":", "i").test(textarea.value)) {
        head += "PREFIX " + name + ": <" + prefixes[name] + ">\n";
      }
    });
    textarea.value = head + textarea.value;
    refresh();
  });

  var ACCEPT = {
    html: "application/sparql-results+json, text/turtle;q=0.9",
    json: "application/sparql-results+json", xml: "application/sparql-results+xml", csv: "text/csv",
    tsv: "text/tab-separated-values", turtle: "text/turtle", jsonld: "application/ld+json",
    ntriples: "application/n-triples", rdfxml: "application/rdf+xml"
  };

  function link(iri) {
    if (base && iri.indexOf(base) === 0) { return root + "/" + iri.slice(base.length); }
    return iri;
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var a = document.createElement("a");
      a.href = link(term.value);
      a.textContent = term.value;
      td.appendChild(a);
    } else {
      td.textContent = term.value;
      if (term["xml:lang"]) {
        var tag = document.createElement("small");
        tag.className = "tag";
        tag.textContent = " " + term["xml:lang"];
        td.appendChild(tag);
      }
    }
    return td;
  }

  function showTable(data) {
    results.innerHTML = "";
    if (typeof data.boolean === "boolean") {
      var p = document.createElement("p");
      p.className = "boolean";
      p.textContent = data.boolean ? "true" : "false";
      results.appendChild(p);
      return;
    }
    var table = document.createElement("table");
    table.className = "results";
    var head = table.createTHead().insertRow();
    data.head.vars.forEach(function (name) {
      var th = document.createElement("th");
      th.textContent = "?" + name;
      head.appendChild(th);
    });
    var body = table.createTBody();
    data.results.bindings.forEach(function (row) {
      var tr = body.insertRow();
      data.head.vars.forEach(function (name) { tr.appendChild(cell(row[name])); });
    });
    results.appendChild(table);
    var count = data.results.bindings.length;
    status.textContent = count + " " + (count === 1 ? results.dataset.rowLabel : results.dataset.rowsLabel);
  }

  function shown() {
    var box = results.getBoundingClientRect();
    if (box.top < 0 || box.top > window.innerHeight - 80) {
      results.scrollIntoView({ block: "start" });
    }
  }

  function errorMessage(text) {
    try {
      var parsed = JSON.parse(text);
      if (parsed && parsed.error) { return parsed.error; }
    } catch (ignored) { /* plain text already */ }
    return text.trim();
  }

  function showText(text) {
    results.innerHTML = "";
    var pre = document.createElement("pre");
    pre.className = "raw";
    pre.textContent = text;
    results.appendChild(pre);
  }

  function run(event) {
    if (event) { event.preventDefault(); }
    var format = formatSelect.value;
    status.textContent = "…";
    var started = performance.now();
    fetch(root + "/sparql", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT[format] || ACCEPT.html },
      body: "query=" + encodeURIComponent(textarea.value)
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      return response.text().then(function (text) {
        var seconds = ((performance.now() - started) / 1000).toFixed(2) + " s";
        if (!response.ok) {
          results.innerHTML = "";
          var error = document.createElement("p");
          error.className = "error";
          error.setAttribute("role", "alert");
          error.textContent = errorMessage(text);
          results.appendChild(error);
          status.textContent = seconds;
          shown();
          return;
        }
        if (type.indexOf("application/sparql-results+json") === 0 && (format === "html" || format === "")) {
          showTable(JSON.parse(text));
          status.textContent += " · " + seconds;
        } else {
          showText(text);
          status.textContent = seconds;
        }
        shown();
      });
    }).catch(function (error) {
      status.textContent = String(error);
    });
  }

  form.addEventListener("submit", run);
  refresh();
}());
