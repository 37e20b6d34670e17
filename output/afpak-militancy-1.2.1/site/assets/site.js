// kdata site: small progressive enhancements, no network access, no external code.
// Reader: selecting a marked passage lists every row behind it; a link to a row
// (reader.html#<table>.<key>) marks that row's whole passage.
(function () {
  "use strict";
  function rowsOf(mark) { return (mark.getAttribute("data-rows") || "").split(" ").filter(Boolean); }
  function markRow(id) {
    document.querySelectorAll("mark.on, a.rowlink.on").forEach(function (m) { m.classList.remove("on"); });
    if (!id) return;
    document.querySelectorAll("mark[data-rows]").forEach(function (m) {
      if (rowsOf(m).indexOf(id) >= 0) m.classList.add("on");
    });
    var a = document.getElementById(id);
    if (a) a.classList.add("on");
  }
  function showRows(mark) {
    var box = document.getElementById("rowbox");
    if (!box) return;
    box.textContent = "";
    var h = document.createElement("strong");
    h.textContent = "Rows behind this passage:";
    box.appendChild(h);
    var ul = document.createElement("ul");
    rowsOf(mark).forEach(function (id) {
      var a0 = document.getElementById(id);
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = a0 ? a0.getAttribute("href") : "#" + id;
      a.textContent = a0 ? a0.getAttribute("aria-label") : id;
      li.appendChild(a);
      ul.appendChild(li);
    });
    box.appendChild(ul);
    box.hidden = false;
  }
  document.addEventListener("click", function (ev) {
    var m = ev.target.closest && ev.target.closest("mark[data-rows]");
    if (m && !ev.target.closest("a")) showRows(m);
  });
  // Keyboard: a row's link is focusable; focusing it lists the rows of its passage.
  document.addEventListener("focusin", function (ev) {
    var a = ev.target.closest && ev.target.closest("a.rowlink");
    var m = a && a.nextElementSibling;
    while (m && m.tagName !== "MARK") m = m.nextElementSibling;
    if (m) showRows(m);
  });
  // Network: the whole picture fits the page; the button shows it at full size.
  var zoom = document.getElementById("zoom"), netbox = document.getElementById("netbox");
  if (zoom && netbox) {
    zoom.hidden = false;
    zoom.addEventListener("click", function () {
      var on = netbox.classList.toggle("zoomed");
      zoom.setAttribute("aria-pressed", on ? "true" : "false");
      zoom.textContent = on ? "Fit to page" : "Show at full size";
    });
  }
  window.addEventListener("hashchange", function () { markRow(decodeURIComponent(location.hash.slice(1))); });
  if (location.hash) markRow(decodeURIComponent(location.hash.slice(1)));

  // Search over names, aliases and quotes (index: search-index.js, on the index page).
  var q = document.getElementById("q");
  if (q && window.KDATA_SEARCH) {
    var entries = window.KDATA_SEARCH.map(function (e) { return { kind: e[0], label: e[1], href: e[2], text: e[3].toLowerCase() }; });
    var out = document.getElementById("search-results");
    var status = document.getElementById("search-status");
    q.addEventListener("input", function () {
      var terms = q.value.toLowerCase().split(/\s+/).filter(Boolean);
      out.textContent = "";
      if (!terms.length) { status.textContent = ""; return; }
      var hits = entries.filter(function (e) { return terms.every(function (t) { return e.text.indexOf(t) >= 0; }); });
      status.textContent = hits.length + " match" + (hits.length === 1 ? "" : "es");
      hits.slice(0, 100).forEach(function (e) {
        var li = document.createElement("li");
        var k = document.createElement("span");
        k.className = "k";
        k.textContent = e.kind;
        var a = document.createElement("a");
        a.href = e.href;
        a.textContent = e.label;
        li.appendChild(k);
        li.appendChild(a);
        out.appendChild(li);
      });
    });
  }
})();
