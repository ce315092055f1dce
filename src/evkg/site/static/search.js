/* evkg report, search page: MiniSearch (static/minisearch.js) indexes the documents of
   static/search-index.js in the browser; results link to the page and place that shows each one. */
(function () {
  "use strict";
  // MiniSearch has no stemmer: fold plurals and common suffixes so that "prohibition" finds
  // "prohibited", "cosmetics" finds "cosmetic", "authorization" finds "authorized".
  var SUFFIXES = ["ations", "ation", "ators", "ator", "ions", "ion", "ings", "ing", "ated", "ate", "als", "al", "ed", "es", "e"];
  function fold(term) {
    var t = term.toLowerCase();
    if (t.length > 4 && /sses$/.test(t)) t = t.slice(0, -2);
    else if (t.length > 4 && /ies$/.test(t)) t = t.slice(0, -3) + "y";
    else if (t.length > 3 && /[^su]s$/.test(t)) t = t.slice(0, -1);
    for (var i = 0; i < SUFFIXES.length; i++) {
      var s = SUFFIXES[i];
      if (t.length - s.length >= 4 && t.slice(-s.length) === s) return t.slice(0, -s.length);
    }
    return t;
  }
  var docs = window.EVKG_SEARCH_DOCS || [];
  var index = new MiniSearch({
    fields: ["title", "jurisdiction", "names", "kind", "text"],
    storeFields: ["title", "kind", "jurisdiction", "url"],
    processTerm: fold,
    searchOptions: {
      boost: { title: 3, jurisdiction: 2, names: 2 },
      prefix: function (term, i, terms) { return i === terms.length - 1; },
      fuzzy: function (term) { return term.length > 4 ? 0.2 : false; },
      combineWith: "AND"
    }
  });
  index.addAll(docs);
  var input = document.getElementById("q");
  var list = document.getElementById("results");
  var status = document.getElementById("search-status");
  function show(query) {
    list.textContent = "";
    query = query.trim();
    if (!query) { status.textContent = docs.length + " things to search: type a name, a code or a few words."; return; }
    var hits = index.search(query);
    if (!hits.length) hits = index.search(query, { combineWith: "OR" });
    status.textContent = hits.length ? hits.length + " found" + (hits.length > 50 ? ", the first 50 shown" : "") : "Nothing found.";
    hits.slice(0, 50).forEach(function (h) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = h.url;
      a.textContent = h.title;
      var meta = document.createElement("span");
      meta.className = "q";
      meta.textContent = " " + h.kind + (h.jurisdiction ? " · " + h.jurisdiction : "");
      li.appendChild(a);
      li.appendChild(meta);
      list.appendChild(li);
    });
  }
  var params = new URLSearchParams(window.location.search);
  input.value = params.get("q") || "";
  input.addEventListener("input", function () { show(input.value); });
  document.getElementById("search-form").addEventListener("submit", function (e) {
    e.preventDefault();
    show(input.value);
  });
  show(input.value);
  input.focus();
})();
