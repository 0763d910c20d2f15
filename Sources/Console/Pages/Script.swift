/// The console's only script, inline with every page: relative times, auto-refresh of the page's
/// main section (fetched as HTML from the same URL, so pages work without it), and table filters.
enum Script {
    static let js = """
    (function () {
      "use strict";
      var storageKey = "logport.console.autorefresh";
      function ago(ms) {
        var s = Math.max(0, Math.round(ms / 1000));
        if (s < 2) return "just now";
        if (s < 60) return s + " s ago";
        var m = Math.floor(s / 60);
        if (m < 60) return m + " min ago";
        return Math.floor(m / 60) + " h " + (m % 60) + " min ago";
      }
      function updateTimes() {
        document.querySelectorAll("[data-ts]").forEach(function (el) {
          var age = Date.now() - Number(el.getAttribute("data-ts"));
          el.textContent = ago(age);
          var stale = Number(el.getAttribute("data-stale-after") || 0);
          var dot = el.parentNode && el.parentNode.querySelector(".dot-live");
          if (dot && stale) dot.classList.toggle("stale", age > stale);
        });
      }
      function bindFilters() {
        document.querySelectorAll("input[data-filter]").forEach(function (input) {
          var table = document.getElementById(input.getAttribute("data-filter"));
          if (!table) return;
          function apply() {
            var needle = input.value.trim().toLowerCase();
            table.querySelectorAll("tbody tr").forEach(function (row) {
              row.style.display = !needle || row.textContent.toLowerCase().indexOf(needle) >= 0 ? "" : "none";
            });
          }
          input.addEventListener("input", apply);
          apply();
        });
      }
      var period = Number(document.body.getAttribute("data-refresh") || 0) * 1000;
      var toggle = document.getElementById("refresh-toggle");
      var enabled = period > 0 && localStorage.getItem(storageKey) !== "off";
      function label() {
        if (!toggle) return;
        toggle.hidden = period <= 0;
        toggle.textContent = enabled ? "Auto-refresh: on" : "Auto-refresh: off";
      }
      async function refresh() {
        if (!enabled || document.hidden) return;
        try {
          var response = await fetch(location.href, { headers: { "Accept": "text/html" } });
          if (!response.ok) return;
          var next = new DOMParser().parseFromString(await response.text(), "text/html");
          var fresh = next.getElementById("main"), current = document.getElementById("main");
          if (!fresh || !current) return;
          var filters = {};
          current.querySelectorAll("input[data-filter]").forEach(function (i) { filters[i.getAttribute("data-filter")] = i.value; });
          current.replaceWith(fresh);
          fresh.querySelectorAll("input[data-filter]").forEach(function (i) { i.value = filters[i.getAttribute("data-filter")] || ""; });
          var stamp = next.getElementById("sampled-at"), mine = document.getElementById("sampled-at");
          if (stamp && mine) mine.setAttribute("data-ts", stamp.getAttribute("data-ts"));
          bindFilters();
          updateTimes();
        } catch (e) { /* the next period tries again */ }
      }
      if (toggle) toggle.addEventListener("click", function () {
        enabled = !enabled;
        localStorage.setItem(storageKey, enabled ? "on" : "off");
        label();
      });
      label();
      bindFilters();
      updateTimes();
      setInterval(updateTimes, 1000);
      if (period > 0) setInterval(refresh, period);
    })();
    """
}
