// events docs --html: search over the event types, fields and descriptions of the
// catalog (window.EVENTS_INDEX, from search-index.js). No dependencies; the pages work
// without it.
(function () {
  "use strict";
  var index = window.EVENTS_INDEX || [];
  var input = document.getElementById("search");
  var list = document.getElementById("search-results");
  if (!input || !list) {
    return;
  }
  function show(query) {
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length === 0) {
      return;
    }
    var shown = 0;
    for (var i = 0; i < index.length && shown < 30; i++) {
      var entry = index[i];
      var text = entry.t + " " + entry.f + " " + entry.d;
      var haystack = text.toLowerCase();
      if (!words.every(function (w) { return haystack.indexOf(w) >= 0; })) {
        continue;
      }
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = entry.u;
      link.textContent = entry.t;
      item.appendChild(link);
      var note = document.createElement("small");
      note.textContent = entry.d;
      item.appendChild(note);
      list.appendChild(item);
      shown++;
    }
  }
  input.addEventListener("input", function () { show(input.value); });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && list.firstChild) {
      window.location.href = list.firstChild.firstChild.href;
    }
  });
  document.body.setAttribute("data-search", "ready");
})();
