// Small behaviours shared by every page. htmx carries the CSRF token from <body hx-headers>.
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (!all) return;
  const table = all.closest("table");
  table.querySelectorAll('tbody input[type="checkbox"][name="pk"]').forEach((box) => {
    box.checked = all.checked;
  });
});

// The search box (base.html): htmx fetches the dropdown from 2 characters on; this closes it
// (Escape, a click elsewhere, a query that became too short) and moves through it with arrows.
(() => {
  const box = () => document.querySelector("[data-search]");
  const close = () => {
    const dropdown = document.getElementById("search-dropdown");
    if (dropdown) dropdown.replaceChildren();
  };
  document.addEventListener("input", (event) => {
    if (event.target.matches("[data-search-input]") && event.target.value.trim().length < 2) close();
  });
  document.addEventListener("keydown", (event) => {
    const form = box();
    if (!form || !form.contains(event.target)) return;
    if (event.key === "Escape") {
      close();
      form.querySelector("[data-search-input]").focus();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const links = [...form.querySelectorAll("#search-dropdown a")];
    if (!links.length) return;
    event.preventDefault();
    const at = links.indexOf(document.activeElement);
    const next = event.key === "ArrowDown" ? Math.min(at + 1, links.length - 1) : at - 1;
    if (next < 0) form.querySelector("[data-search-input]").focus();
    else links[next].focus();
  });
  document.addEventListener("click", (event) => {
    const form = box();
    if (form && !form.contains(event.target)) close();
  });
  // A saved filter stores the list's current query string, also after htmx changed it.
  document.addEventListener("submit", (event) => {
    const query = event.target.querySelector("input[data-current-query]");
    if (query) query.value = window.location.search.replace(/^\?/, "");
  });
})();
