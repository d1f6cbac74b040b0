// The kanban board (sales/pipeline/board.py). Cards are dragged with SortableJS; a drop POSTs
// the target stage and the card's version through htmx (CSRF from <body hx-headers>). The
// server answers the updated card and, out of band, the column headers; on a refusal (someone
// else changed the deal, not allowed, a lost deal needs a reason) the card snaps back and a
// toast says why. Dropping on "lost" opens the reason dialog first.
(() => {
  let pending = null; // {item, from, oldIndex} of a card waiting for the lost dialog
  let closedInDialog = false;

  const toast = (message, level = "danger") => {
    const box = document.getElementById("board-toasts");
    if (!box) return;
    const el = document.createElement("div");
    el.className = `alert alert-${level} shadow-sm py-2 mb-2`;
    el.setAttribute("role", level === "danger" ? "alert" : "status");
    el.textContent = message;
    box.append(el);
    setTimeout(() => el.remove(), 6000);
  };

  const snapBack = ({ item, from, oldIndex }) => {
    const cards = [...from.children].filter((c) => c !== item);
    from.insertBefore(item, cards[oldIndex] || null);
  };

  const filterValues = () => {
    const form = document.getElementById("board-filters");
    if (!form) return {};
    return Object.fromEntries([...new FormData(form)].filter(([, v]) => v !== ""));
  };

  const errorText = (xhr) => {
    try {
      return JSON.parse(xhr.responseText);
    } catch {
      const texts = { 403: "You may not change this deal.", 404: "This deal is no longer available." };
      return { error: texts[xhr.status] || `The move failed (${xhr.status}).` };
    }
  };

  const openLostDialog = (move) => {
    const { item } = move;
    pending = move;
    closedInDialog = false;
    const body = document.getElementById("close-dialog-body");
    const params = new URLSearchParams({ won: "0", from: "board", version: item.dataset.version });
    window.htmx.ajax("GET", `${item.dataset.closeUrl}?${params}`, { target: body, swap: "innerHTML" });
    window.bootstrap.Modal.getOrCreateInstance(document.getElementById("close-dialog")).show();
  };

  const move = (evt) => {
    const { item, from, to, oldIndex } = evt;
    const moved = { item, from, oldIndex };
    if (from === to) {
      snapBack(moved); // the order inside a column is by close date, not by hand
      return;
    }
    if (to.dataset.kind === "lost") {
      openLostDialog(moved);
      return;
    }
    item.classList.add("board-card-saving");
    window.htmx
      .ajax("POST", item.dataset.moveUrl, {
        source: item,
        target: item,
        swap: "outerHTML",
        values: { stage: to.dataset.stage, version: item.dataset.version, ...filterValues() },
      })
      .finally(() => item.classList.remove("board-card-saving"));
    item.dataset.pendingFrom = "1";
    item._boardMove = moved;
  };

  const init = (root) => {
    root.querySelectorAll(".board-cards").forEach((list) => {
      if (list._sortable) return;
      list._sortable = window.Sortable.create(list, {
        group: "board",
        draggable: ".board-card",
        filter: ".board-card-move",
        preventOnFilter: false,
        animation: 150,
        // Pointer events rather than the browser's native drag and drop: the same behaviour
        // with a mouse, a pen or a finger, and a card that follows the pointer everywhere.
        forceFallback: true,
        fallbackOnBody: true,
        fallbackTolerance: 4,
        ghostClass: "board-card-ghost",
        dragClass: "board-card-drag",
        onEnd: move,
      });
    });
  };

  document.addEventListener("DOMContentLoaded", () => {
    if (!window.Sortable) return;
    init(document);
    // A refused move: the card goes back where it was.
    document.body.addEventListener("htmx:responseError", (event) => {
      const item = event.detail.elt;
      if (!item || !item._boardMove) return;
      snapBack(item._boardMove);
      item._boardMove = null;
      const body = errorText(event.detail.xhr);
      toast(body.error || "The move failed.");
      if (body.needs_reason) openLostDialog({ item, from: item.parentElement, oldIndex: [...item.parentElement.children].indexOf(item) });
    });
    document.body.addEventListener("htmx:sendError", (event) => {
      const item = event.detail.elt;
      if (item && item._boardMove) {
        snapBack(item._boardMove);
        toast("The server could not be reached: nothing was changed.");
      }
    });
    document.body.addEventListener("htmx:afterSettle", (event) => {
      if (document.getElementById("board")?.contains(event.detail.elt)) init(document);
    });
    document.body.addEventListener("boardToast", (event) => toast(event.detail.message, event.detail.level || "success"));
    document.body.addEventListener("dealClosed", () => {
      closedInDialog = true;
      pending = null;
      window.bootstrap.Modal.getOrCreateInstance(document.getElementById("close-dialog")).hide();
    });
    const dialog = document.getElementById("close-dialog");
    if (dialog) {
      dialog.addEventListener("hidden.bs.modal", () => {
        if (pending && !closedInDialog) snapBack(pending);
        pending = null;
        document.getElementById("close-dialog-body").replaceChildren();
      });
    }
  });
})();
