// Opportunity pages: the account/contact pickers of the form (htmx fetches the matches, this
// fills the hidden id) and the drag-to-reorder of the pipeline settings' stages.
(() => {
  const picker = (el) => el.closest("[data-picker]");

  document.addEventListener("click", (event) => {
    const hit = event.target.closest("[data-pick-id]");
    if (hit && picker(hit)) {
      const box = picker(hit);
      box.querySelector("[data-picker-value]").value = hit.dataset.pickId;
      box.querySelector("[data-picker-search]").value = hit.dataset.pickLabel;
      box.querySelector(".picker-results").replaceChildren();
      if (box.dataset.picker === "account") {
        // A new account: the contact picked for the previous one may not belong to it.
        const contact = document.querySelector('[data-picker="contact"]');
        if (contact) contact.querySelector(".picker-results").replaceChildren();
      }
      return;
    }
    const clear = event.target.closest("[data-picker-clear]");
    if (clear && picker(clear)) {
      const box = picker(clear);
      box.querySelector("[data-picker-value]").value = "";
      box.querySelector("[data-picker-search]").value = "";
      box.querySelector(".picker-results").replaceChildren();
      box.querySelector("[data-picker-search]").focus();
      return;
    }
    document.querySelectorAll(".picker-results").forEach((list) => {
      if (!picker(list).contains(event.target)) list.replaceChildren();
    });
  });

  // Typing again means choosing again: the old id is dropped until a match is picked.
  document.addEventListener("input", (event) => {
    if (!event.target.matches("[data-picker-search]")) return;
    picker(event.target).querySelector("[data-picker-value]").value = "";
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !event.target.closest("[data-picker]")) return;
    picker(event.target).querySelector(".picker-results").replaceChildren();
  });

  // Pipelines settings: drag a stage row by its handle; the order fields follow.
  document.addEventListener("DOMContentLoaded", () => {
    const rows = document.querySelector("[data-stage-rows]");
    if (!rows || !window.Sortable) return;
    window.Sortable.create(rows, {
      handle: ".stage-handle",
      draggable: "[data-stage-row]",
      animation: 150,
      onEnd: () => {
        rows.querySelectorAll("[data-stage-row]").forEach((row, i) => {
          const position = row.querySelector('input[name$="-position"]');
          if (position) position.value = i;
        });
      },
    });
  });
})();
