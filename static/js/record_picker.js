// Record pickers (core.forms.RecordPicker): a <select> that holds only the chosen record.
// Tom Select turns it into a combobox (arrow keys, Enter, Escape; listbox and option roles)
// that asks the select's data-picker-url (core:search_pick) for matches while typing. A picker
// narrowed by another field of its form (data-picker-narrow="account": the contact picker of
// the deal form) sends that field's value and lists its rows on focus, before any typing.
(() => {
  const escapeHtml = (text) =>
    String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

  const setUp = (select) => {
    if (select.tomselect || !window.TomSelect) return;
    const { pickerUrl, minLength, placeholder, noResults, typeMore, pickerNarrow } = select.dataset;
    const min = Number(minLength || 2);
    const narrowing = () => {
      const field = pickerNarrow && select.form && select.form.elements[pickerNarrow];
      return field && field.value ? field.value : "";
    };
    const picker = new window.TomSelect(select, {
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
      shouldLoad: (query) => query.trim().length >= min || narrowing() !== "",
      onFocus() {
        if (narrowing()) this.load(this.lastValue || "");
      },
      load(query, callback) {
        const params = new URLSearchParams({ q: query });
        if (narrowing()) params.set(pickerNarrow, narrowing());
        const url = `${pickerUrl}?${params}`;
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
        no_results: () => `<div class="no-results">${escapeHtml(noResults)}</div>`,
        not_loading: () => `<div class="no-results">${escapeHtml(typeMore)}</div>`,
      },
    });
    if (pickerNarrow && select.form) {
      // Another account: the rows listed for the previous one are not this one's.
      select.form.addEventListener("change", (event) => {
        if (event.target.name === pickerNarrow) picker.clearOptions();
      });
    }
  };

  const setUpAll = (root) => {
    if (root.matches && root.matches("select[data-record-picker]")) setUp(root);
    root.querySelectorAll?.("select[data-record-picker]").forEach(setUp);
  };

  document.addEventListener("DOMContentLoaded", () => setUpAll(document));
  document.addEventListener("htmx:load", (event) => setUpAll(event.target));
})();
