// The small-steps grid (templates/steps/grid.html): a class x statements table that records
// faster than paper, by touch or keyboard.
//
// - Select a cell (tap or arrow keys) and tap a level button, or type the level's code: the cell
//   is saved and the next one selected (across the row, then the next pupil's first statement).
// - Arrow keys, Tab / Shift-Tab and Enter / Shift-Enter move; Esc undoes an edit not yet saved.
// - A block pasted from a spreadsheet (tab-separated rows) fills the grid from the selected cell.
// - Each save sends the version the cell was loaded with; someone else's newer record comes back
//   as "stale" and the cell says so (reload to see it). Cells typed while a save is on its way
//   go together in the next request. Leaving with unsaved cells asks first.
// No inline script or style (Content-Security-Policy): state is shown by data attributes and text.
(() => {
  "use strict";

  const table = document.querySelector("table[data-steps-grid]");
  if (!table) return;
  const saveUrl = table.dataset.saveUrl;
  const assessedOn = table.dataset.assessedOn;
  const csrfToken = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  const vocabulary = JSON.parse(document.getElementById("steps-vocabulary").textContent);
  const live = document.getElementById("grid-live");
  const inputs = Array.from(table.querySelectorAll("input[data-cell]"));
  const matrix = [];
  for (const input of inputs) {
    (matrix[Number(input.dataset.row)] = matrix[Number(input.dataset.row)] || [])[Number(input.dataset.col)] = input;
    input.dataset.saved = input.value;
  }
  let current = inputs[0] || null;

  // On a touch screen the level buttons do the typing: no on-screen keyboard over the grid (a
  // keyboard attached to the tablet still types codes)
  if (window.matchMedia && window.matchMedia("(pointer: coarse)").matches) {
    for (const input of inputs) input.setAttribute("inputmode", "none");
  }
  // Say when statements lie beyond the right edge (a tablet in portrait)
  const wrap = table.closest(".grid-wrap");
  const more = document.getElementById("grid-more");
  const sayMore = () => { if (wrap && more) more.hidden = wrap.scrollWidth <= wrap.clientWidth + 2; };
  sayMore();
  window.addEventListener("resize", sayMore);
  const queue = [];
  let inFlight = false;

  const normalise = (text) => (text || "").trim().toUpperCase();
  const cellOf = (input) => input.closest("td");
  const say = (text) => { if (live) live.textContent = text; };

  function show(input, state, message) {
    const td = cellOf(input);
    td.dataset.state = state;
    td.querySelector(".grid-state").textContent = { saving: "Saving", saved: "Saved", error: "Not saved",
      stale: "Changed by someone else", invalid: "Not a level" }[state] || "";
    td.querySelector(".grid-message").textContent = message || "";
    if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
  }

  function select(input) {
    if (!input) return;
    current = input;
    input.focus();
    input.select();
  }

  function move(input, dRow, dCol, wrap) {
    let row = Number(input.dataset.row) + dRow;
    let col = Number(input.dataset.col) + dCol;
    const cols = matrix[0].length;
    if (wrap && col >= cols) { col = 0; row += 1; }
    if (wrap && col < 0) { col = cols - 1; row -= 1; }
    if (row < 0 || row >= matrix.length || col < 0 || col >= cols) return null;
    return matrix[row][col];
  }

  function queueSave(input) {
    const code = normalise(input.value);
    if (code === input.dataset.pending) return; // on its way already
    if (code === normalise(input.dataset.saved)) { if (!input.dataset.pending) show(input, ""); return; }
    if (!code) { input.value = input.dataset.saved; return; } // records are never deleted: a new level replaces
    if (!(code in vocabulary)) {
      show(input, "invalid", `“${input.value}” is not a level: use ${Object.keys(vocabulary).join(", ")}.`);
      say(`${input.value} is not a level.`);
      return;
    }
    input.value = code;
    input.dataset.pending = code;
    show(input, "saving");
    const existing = queue.find((item) => item.input === input);
    if (existing) existing.code = code; else queue.push({ input, code });
    flush();
  }

  async function flush() {
    if (inFlight || !queue.length) return;
    inFlight = true;
    const batch = queue.splice(0, 200);
    const cells = batch.map(({ input, code }) => ({ pupil: input.dataset.pupil, statement: input.dataset.statement,
      code, version: Number(input.dataset.version) }));
    try {
      const response = await fetch(saveUrl, { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
        body: JSON.stringify({ assessed_on: assessedOn, cells }) });
      if (!response.ok) throw new Error(`The server answered ${response.status}.`);
      const answers = (await response.json()).answers;
      batch.forEach(({ input }, index) => {
        const answer = answers[index] || { ok: false, error: "No answer." };
        delete input.dataset.pending;
        if (answer.ok) {
          input.dataset.version = answer.version;
          input.dataset.saved = answer.code;
          if (normalise(input.value) === answer.code) show(input, "saved");
        } else if (answer.stale) {
          show(input, "stale", answer.error);
          say(answer.error);
        } else {
          show(input, "error", answer.error);
          say(answer.error);
        }
      });
    } catch (error) {
      batch.forEach(({ input }) => { delete input.dataset.pending; show(input, "error", `Not saved: ${error.message} Try again.`); });
      say("Not saved. Try again.");
    } finally {
      inFlight = false;
      if (queue.length) flush();
    }
  }

  function record(code) {
    if (!current) return;
    current.value = code;
    queueSave(current);
    select(move(current, 0, 1, true) || current);
  }

  for (const button of document.querySelectorAll("[data-level]")) {
    // pointerdown keeps the cell's focus (a tap on a button would otherwise take it)
    button.addEventListener("pointerdown", (event) => event.preventDefault());
    button.addEventListener("click", () => record(button.dataset.level));
  }

  for (const input of inputs) {
    input.addEventListener("focus", () => { current = input; });
    input.addEventListener("change", () => queueSave(input));
    input.addEventListener("keydown", (event) => {
      const keys = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      let target = null;
      if (event.key in keys && !event.altKey) {
        queueSave(input);
        target = move(input, ...keys[event.key], false);
      } else if (event.key === "Enter") {
        queueSave(input);
        target = move(input, event.shiftKey ? -1 : 1, 0, false) || move(input, 0, event.shiftKey ? -1 : 1, true);
      } else if (event.key === "Tab") {
        queueSave(input);
        target = move(input, 0, event.shiftKey ? -1 : 1, true);
        if (!target) return; // leave the grid
      } else if (event.key === "Escape") {
        input.value = input.dataset.saved;
        show(input, "");
        return;
      } else {
        return;
      }
      event.preventDefault();
      select(target || input);
    });
    input.addEventListener("input", () => {
      // a whole code typed in a one-key vocabulary (0-4, E, D, S) moves on by itself
      const code = normalise(input.value);
      const longer = Object.keys(vocabulary).some((known) => known !== code && known.startsWith(code));
      if (code in vocabulary && !longer) {
        queueSave(input);
        select(move(input, 0, 1, true) || input);
      }
    });
    input.addEventListener("paste", (event) => {
      const text = (event.clipboardData || window.clipboardData).getData("text");
      if (!text || !/[\t\n]/.test(text)) return;
      event.preventDefault();
      const rows = text.replace(/\r/g, "").replace(/\n$/, "").split("\n").map((line) => line.split("\t"));
      rows.forEach((values, dRow) => values.forEach((value, dCol) => {
        const target = move(input, dRow, dCol, false);
        if (target && value.trim()) { target.value = value.trim(); queueSave(target); }
      }));
      say(`Pasted ${rows.length} rows.`);
    });
  }

  window.addEventListener("beforeunload", (event) => {
    if (queue.length || inFlight) { event.preventDefault(); event.returnValue = ""; }
  });
})();
