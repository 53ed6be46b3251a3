/* auditor exposure map: hover or click an element to see its findings and source, filter by
   severity or rule, search, follow #<finding id> or #<element id> links. Plain DOM, no fetch:
   every text goes in through textContent, never as markup. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("auditor-data").textContent);
  var F = data.findings, E = data.elements, G = data.edges;
  var RANK = {note: 1, warning: 2, error: 3};
  var SEVS = ["error", "warning", "note"];
  var state = {sev: {error: true, warning: true, note: true}, rules: {}, pinned: null};
  Object.keys(F).forEach(function (k) { state.rules[F[k].rule] = true; });
  var svg = document.getElementById("exposure-map");
  var panel = document.getElementById("panel");

  function visible(fid) {
    var f = F[fid];
    return !!f && state.sev[f.severity] && state.rules[f.rule];
  }
  function shown(ids) { return (ids || []).filter(visible); }
  function worst(ids) {
    var best = null;
    shown(ids).forEach(function (i) {
      if (!best || RANK[F[i].severity] > RANK[best]) { best = F[i].severity; }
    });
    return best;
  }
  function setSeverity(node, ids) {
    SEVS.forEach(function (s) { node.classList.remove("sev-" + s); });
    var w = worst(ids);
    if (w) { node.classList.add("sev-" + w); }
    var badge = node.querySelector(":scope > .badge");
    if (badge) {
      var n = shown(ids).length;
      badge.classList.toggle("hidden", n === 0);
      var t = badge.querySelector("text");
      if (t) { t.textContent = String(n); }
    }
  }
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text !== undefined && text !== null) { n.textContent = String(text); }
    return n;
  }

  function paint() {
    document.querySelectorAll("[data-el]").forEach(function (n) {
      var e = E[n.getAttribute("data-el")];
      if (e) { setSeverity(n, e.findings); }
    });
    document.querySelectorAll("[data-edge]").forEach(function (n) {
      var g = G[n.getAttribute("data-edge")];
      if (g) { setSeverity(n, g.findings); }
    });
    document.querySelectorAll("[data-finding]").forEach(function (n) {
      n.classList.toggle("hidden", !visible(n.getAttribute("data-finding")));
    });
    document.querySelectorAll(".file-group").forEach(function (n) {
      n.classList.toggle("hidden", !n.querySelector("[data-finding]:not(.hidden)"));
    });
    var counts = {error: 0, warning: 0, note: 0};
    Object.keys(F).forEach(function (k) { if (visible(k)) { counts[F[k].severity] += 1; } });
    SEVS.forEach(function (s) {
      var c = document.getElementById("count-" + s);
      if (c) { c.textContent = String(counts[s]); }
    });
    if (state.pinned) { show(state.pinned); }
  }

  function findingItem(fid) {
    var f = F[fid];
    var li = el("li", "finding-item sev-" + f.severity);
    var head = el("div", "finding-head");
    head.appendChild(el("span", "sev-tag sev-" + f.severity, f.severity));
    head.appendChild(el("code", "rule", f.rule));
    head.appendChild(el("span", "rule-name", f.name));
    li.appendChild(head);
    li.appendChild(el("div", "message", f.message));
    li.appendChild(el("div", "where", f.path + ":" + f.line + ":" + f.column));
    (f.related || []).slice(0, 5).forEach(function (r) {
      li.appendChild(el("div", "related", "\u2192 " + r.path + ":" + r.line + (r.message ? "  " + r.message : "")));
    });
    if (f.fix) { li.appendChild(el("div", "fix", "Fix: " + f.fix)); }
    var id = el("div", "fid", "id " + fid);
    li.appendChild(id);
    if (document.getElementById("finding-" + fid)) {
      var a = el("a", "goto", "in the report \u2193");
      a.setAttribute("href", "#finding-" + fid);
      li.appendChild(a);
    }
    return li;
  }

  function show(id) {
    var e = E[id], g = G[id];
    panel.textContent = "";
    if (!e && !g) {
      panel.appendChild(el("p", "hint", "Hover or click an element of the map to see its findings and source."));
      return;
    }
    var ids;
    if (e) {
      panel.appendChild(el("div", "kind", e.kind));
      panel.appendChild(el("h2", "", e.label));
      if (e.sub) { panel.appendChild(el("div", "sub", e.sub)); }
      var dl = el("dl");
      (e.details || []).forEach(function (d) {
        dl.appendChild(el("dt", "", d[0]));
        dl.appendChild(el("dd", "", d[1]));
      });
      panel.appendChild(dl);
      ids = e.findings;
    } else {
      panel.appendChild(el("div", "kind", "connection"));
      panel.appendChild(el("h2", "", (E[g.source] || {}).label + " \u2192 " + (E[g.target] || {}).label));
      if (g.label) { panel.appendChild(el("div", "sub", g.label)); }
      ids = g.findings;
      if (ids.length) { panel.appendChild(el("p", "hint", "Findings on the path this connection belongs to:")); }
    }
    var list = shown(ids);
    var hidden = (ids || []).length - list.length;
    if (!list.length) {
      panel.appendChild(el("p", "none", hidden ? hidden + " finding(s) hidden by the filters" : "No findings here."));
      return;
    }
    var ul = el("ul", "findings");
    list.forEach(function (fid) { ul.appendChild(findingItem(fid)); });
    panel.appendChild(ul);
    if (hidden) { panel.appendChild(el("p", "none", hidden + " more hidden by the filters")); }
  }

  function highlight(id) {
    svg.querySelectorAll(".hl").forEach(function (n) { n.classList.remove("hl"); });
    svg.classList.toggle("dim", !!id);
    if (!id) { return; }
    var target = document.getElementById(id);
    if (!target || !svg.contains(target)) { svg.classList.remove("dim"); return; }
    target.classList.add("hl");
    var node = target.closest(".node");
    var nodeId = node ? node.id : id;
    if (node) { node.classList.add("hl"); }
    svg.querySelectorAll("[data-edge]").forEach(function (p) {
      var row = G[p.getAttribute("data-edge")] || {};
      var touches = p.getAttribute("data-source") === nodeId || p.getAttribute("data-target") === nodeId;
      if (target.classList.contains("row")) { touches = row.source_row === id || p.getAttribute("data-target") === nodeId; }
      if (p.id === id || touches) {
        p.classList.add("hl");
        [p.getAttribute("data-source"), p.getAttribute("data-target")].forEach(function (n) {
          var x = document.getElementById(n);
          if (x) { x.classList.add("hl"); }
        });
      }
    });
    if (target.classList.contains("group")) {
      svg.classList.remove("dim");
    }
  }

  function select(id, scroll) {
    state.pinned = id;
    show(id);
    highlight(id);
    var t = id && document.getElementById(id);
    if (scroll && t && svg.contains(t) && t.scrollIntoView) {
      t.scrollIntoView({block: "center", inline: "center"});
    }
  }

  function targetOf(node) {
    while (node && node !== svg) {
      if (node.getAttribute && (node.getAttribute("data-el") || node.getAttribute("data-edge"))) {
        return node.getAttribute("data-el") || node.getAttribute("data-edge");
      }
      node = node.parentNode;
    }
    return null;
  }

  svg.addEventListener("mouseover", function (ev) {
    if (state.pinned) { return; }
    var id = targetOf(ev.target);
    show(id);
  });
  svg.addEventListener("click", function (ev) {
    var id = targetOf(ev.target);
    select(id === state.pinned ? null : id, false);
  });

  function fromHash() {
    var h = decodeURIComponent((location.hash || "").slice(1));
    if (!h) { return; }
    if (h.indexOf("finding-") === 0) { h = h.slice(8); }
    if (F[h]) {
      var els = F[h].elements || [];
      select(els.length ? els[0] : null, true);
      if (!els.length) {
        panel.textContent = "";
        panel.appendChild(el("p", "hint", "This finding has no element on the map:"));
        var ul = el("ul", "findings");
        ul.appendChild(findingItem(h));
        panel.appendChild(ul);
      }
      var art = document.getElementById("finding-" + h);
      if (art) { art.classList.add("current"); }
      return;
    }
    if (E[h] || G[h]) { select(h, true); return; }
    // Anything else (`docker-compose.yml:191`, a name): search for it.
    var search = document.getElementById("search");
    if (search) {
      search.value = h;
      search.dispatchEvent(new Event("input"));
    }
  }
  window.addEventListener("hashchange", fromHash);

  document.querySelectorAll("input[data-sev]").forEach(function (box) {
    box.addEventListener("change", function () { state.sev[box.getAttribute("data-sev")] = box.checked; paint(); });
  });
  document.querySelectorAll("input[data-rule]").forEach(function (box) {
    box.addEventListener("change", function () { state.rules[box.getAttribute("data-rule")] = box.checked; paint(); });
  });
  var search = document.getElementById("search");
  if (search) {
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      var hits = [];
      svg.querySelectorAll(".match").forEach(function (n) { n.classList.remove("match"); });
      if (!q) { return; }
      Object.keys(E).forEach(function (id) {
        var e = E[id];
        // A finding's file:line too: a reviewer holding a SARIF alert types where it points.
        var text = [id, e.label, e.sub, e.where].concat((e.findings || []).map(function (f) {
          return F[f] ? f + " " + F[f].rule + " " + F[f].path + ":" + F[f].line + " " + F[f].message : f;
        })).join(" ").toLowerCase();
        if (text.indexOf(q) >= 0) {
          hits.push(id);
          var n = document.getElementById(id);
          if (n) { n.classList.add("match"); }
        }
      });
      var c = document.getElementById("search-count");
      if (c) { c.textContent = hits.length + " match" + (hits.length === 1 ? "" : "es"); }
      if (hits.length === 1) { select(hits[0], true); }
    });
  }
  var zoom = 1;
  var baseW = parseFloat(svg.getAttribute("width")), baseH = parseFloat(svg.getAttribute("height"));
  document.querySelectorAll("button[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      var z = b.getAttribute("data-zoom");
      zoom = z === "fit" ? Math.min(1, (svg.parentNode.clientWidth - 4) / baseW) : Math.max(0.3, Math.min(3, zoom * parseFloat(z)));
      svg.setAttribute("width", String(Math.round(baseW * zoom)));
      svg.setAttribute("height", String(Math.round(baseH * zoom)));
    });
  });
  document.querySelectorAll("[data-show]").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      location.hash = a.getAttribute("data-show");
      fromHash();
      var map = document.getElementById("map");
      if (map && map.scrollIntoView) { map.scrollIntoView({block: "start"}); }
    });
  });

  paint();
  show(null);
  fromHash();
  document.documentElement.setAttribute("data-ready", "1");
}());
