// Record pickers (core.forms.RecordPicker): a <select> that holds only the chosen record.
// Tom Select turns it into a combobox (arrow keys, Enter, Escape; listbox and option roles)
// that asks the select's data-picker-url (core:search_pick) for matches while typing.
(() => {
  const escapeHtml = (text) =>
    String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

  const setUp = (select) => {
    if (select.tomselect || !window.TomSelect) return;
    const { pickerUrl, minLength, placeholder, noResults, typeMore } = select.dataset;
    const min = Number(minLength || 2);
    new window.TomSelect(select, {
      valueField: "value",
      labelField: "text",
      searchField: [],
      placeholder,
      maxItems: 1,
      loadThrottle: 250,
      closeAfterSelect: true,
      plugins: select.required ? [] : ["clear_button"],
      // The server ranks the matches; keep its order and show only its latest answer.
      score: () => () => 1,
      shouldLoad: (query) => query.trim().length >= min,
      load(query, callback) {
        const url = `${pickerUrl}?${new URLSearchParams({ q: query })}`;
        fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then((response) => (response.ok ? response.json() : { results: [] }))
          .then((data) => {
            this.clearOptions();
            callback(data.results);
          })
          .catch(() => callback());
      },
      render: {
        option: (item) =>
          `<div>${escapeHtml(item.text)}${
            item.description
              ? `<div class="small text-body-secondary">${escapeHtml(item.description)}</div>`
              : ""
          }</div>`,
        item: (item) => `<div>${escapeHtml(item.text)}</div>`,
        no_results: (data) =>
          `<div class="no-results">${escapeHtml(
            data.input.trim().length < min ? typeMore : noResults,
          )}</div>`,
      },
    });
  };

  const setUpAll = (root) => {
    if (root.matches && root.matches("select[data-record-picker]")) setUp(root);
    root.querySelectorAll?.("select[data-record-picker]").forEach(setUp);
  };

  document.addEventListener("DOMContentLoaded", () => setUpAll(document));
  document.addEventListener("htmx:load", (event) => setUpAll(event.target));
})();
