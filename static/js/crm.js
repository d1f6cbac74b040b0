// Small behaviours shared by every page. htmx carries the CSRF token from <body hx-headers>.
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (!all) return;
  const table = all.closest("table");
  table.querySelectorAll('tbody input[type="checkbox"][name="pk"]').forEach((box) => {
    box.checked = all.checked;
  });
});
