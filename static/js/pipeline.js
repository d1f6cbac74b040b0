// Pipeline settings: the drag-to-reorder of the stages. (The deal form's account and contact
// are record pickers: static/js/record_picker.js.)
(() => {
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
