// The class grid: a table of inputs that behaves like a spreadsheet.
//
// - Arrow keys, Tab / Shift-Tab and Enter / Shift-Enter move between cells (Enter at the foot of
//   a column goes on to the top of the next one, so a column-by-column entry never leaves the
//   keyboard's home row). Typing replaces the cell's value; Esc undoes an edit.
// - A typed code is checked at once against the pupil's accepted spellings (the JSON block
//   #grid-vocabulary, built by the server with the rule of strides.frameworks.codes: the pupil's
//   framework, then its shorthand for the cell's band year, then the school's other frameworks for
//   the subject in order), then saved with a fetch POST; the server resolves it again and has the
//   last word. A save it flags (a jump of many points from the previous drop, or a code from
//   another framework) is kept, and the warning is shown in the cell and read out.
// - A block pasted from Excel or Google Sheets (tab-separated rows) fills the grid from the
//   focused cell.
// - Each save sends the version the cell was loaded with: someone else's newer edit comes back as
//   "stale" with both values, and the user keeps theirs or saves over it. A closed drop turns the
//   whole grid read only.
// No inline script or style anywhere (Content-Security-Policy): state is shown by classes and text.
(() => {
  "use strict";

  const table = document.querySelector("table[data-grid]");
  if (!table) return;

  // One save at a time: SQLite (the embedded default) writes one at a time anyway, a cell saves
  // in a few milliseconds, and a user's saves then reach the server in the order they were made.
  const MAX_IN_FLIGHT = 1;
  const MAX_SUGGESTIONS = 8;
  const saveUrl = table.dataset.saveUrl;
  const csrfToken = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  const vocabulary = JSON.parse(document.getElementById("grid-vocabulary").textContent);
  const live = document.getElementById("grid-live");
  const progress = document.getElementById("grid-progress");
  const closedBox = document.getElementById("grid-closed");
  const closedReason = document.getElementById("grid-closed-reason");

  const inputs = Array.from(table.querySelectorAll("input[data-cell]"));
  const matrix = [];
  for (const input of inputs) {
    const row = Number(input.dataset.row);
    const col = Number(input.dataset.col);
    (matrix[row] = matrix[row] || [])[col] = input;
  }
  const rowCount = matrix.length;
  const colCount = rowCount ? matrix[0].length : 0;

  // --- spellings: the same rules as strides.frameworks.services.normalise_code and
  // --- strides.assessment.grid_queries.suggest

  const normalise = (text) => (text || "").trim().replace(/[\s.\-_/]+/g, "").toUpperCase();

  function yearPrefix(year) {
    return new RegExp(`^(?:YEAR|Y)?${year}(?=\\D)`);
  }

  function frameworkOf(input) {
    return vocabulary.frameworks[input.dataset.framework] || null;
  }

  function resolve(input, text) {
    const framework = frameworkOf(input);
    const key = normalise(text);
    if (!framework || !key) return null;
    const shorthand = vocabulary.shorthand[input.dataset.vocabulary] || {};
    const own = framework.spellings[key] || shorthand[key];
    if (own) return own;
    for (const other of vocabulary.others[input.dataset.subject] || []) {
      if (other === input.dataset.framework) continue;
      const found = (vocabulary.frameworks[other] || { spellings: {} }).spellings[key];
      if (found) return found;
    }
    return null;
  }

  function suggest(codes, text, year) {
    const typed = normalise(text);
    const ofYear = (y) => codes.filter((code) => yearPrefix(y).test(normalise(code)));
    const match = typed.match(/^(?:YEAR|Y)?(\d{1,2})(?=\D|$)/);
    if (match) {
      const picks = ofYear(Number(match[1]));
      if (picks.length) return picks.slice(0, MAX_SUGGESTIONS);
    }
    if (year !== "" && Number(year) >= 1) {
      const picks = ofYear(Number(year));
      if (picks.length) return picks.slice(0, MAX_SUGGESTIONS);
    }
    const shared = (code) => {
      const normalised = normalise(code);
      let n = 0;
      while (n < Math.min(normalised.length, typed.length) && normalised[n] === typed[n]) n += 1;
      return n;
    };
    const best = Math.max(0, ...codes.map(shared));
    const picks = best ? codes.filter((code) => shared(code) === best) : codes;
    return picks.slice(0, MAX_SUGGESTIONS);
  }

  function invalidMessage(input, text) {
    const framework = frameworkOf(input);
    const shown = text.split(/\s+/).filter(Boolean).join(" ").slice(0, 40);
    if (!framework) return "No framework is set for this subject: ask the school's data lead.";
    const picks = suggest(framework.codes, text, input.dataset.year).join(", ");
    return `${shown} is not a level of ${framework.name} or of another framework the school uses: try ${picks}.`;
  }

  // --- what a cell shows

  const part = (input, kind) => document.getElementById(`${kind}-${input.dataset.row}-${input.dataset.col}`);
  const labelOf = (input) => input.getAttribute("aria-label");

  const STATE_TEXT = {
    saving: "Saving…",
    saved: "Saved",
    invalid: "Not saved: check",
    stale: "Not saved: changed by someone else",
    error: "Not saved",
    closed: "Not saved: read only",
  };

  function setState(input, state, message, warning) {
    const cell = input.closest("td");
    cell.dataset.state = state || "";
    part(input, "state").textContent = STATE_TEXT[state] || "";
    const box = part(input, "msg");
    box.replaceChildren();
    if (message) {
      const text = document.createElement("p");
      text.textContent = message;
      box.append(text);
    }
    if (warning) {
      // a save that was kept but should be checked: shown in place, never blocking
      const text = document.createElement("p");
      text.className = "grid-warning";
      text.textContent = warning;
      box.append(text);
    }
    if (state === "invalid") input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  function announce(message) {
    // a fresh text node each time, so the same words twice are still read out
    live.textContent = "";
    window.setTimeout(() => {
      live.textContent = message;
    }, 50);
  }

  function updateProgress() {
    if (!progress) return;
    const editable = inputs.filter((input) => input.dataset.recordable !== "false");
    const recorded = editable.filter((input) => input.dataset.saved).length;
    progress.textContent = `${recorded} of ${editable.length}`;
  }

  // --- saving: one request at a time, in the order the cells were left

  const waiting = [];
  let inFlight = 0;

  function pump() {
    while (inFlight < MAX_IN_FLIGHT && waiting.length) {
      const job = waiting.shift();
      inFlight += 1;
      send(job).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  }

  // Queue a save of ``text`` for the cell; resolves with the outcome's status. A cell already
  // saving waits for that answer, so the next save carries the version it returned.
  function save(input, text, { quiet = false } = {}) {
    input._pending = resolve(input, text);
    return new Promise((done) => {
      const job = { input, text, quiet, done };
      if (input._saving) {
        if (input._next) input._next.done("replaced");
        input._next = job;
      } else {
        input._saving = true;
        waiting.push(job);
        pump();
      }
    });
  }

  async function send(job) {
    const { input, text, quiet } = job;
    const body = new URLSearchParams({
      pupil: input.dataset.pupil,
      subject: input.dataset.subject,
      value: text,
      version: input.dataset.version,
    });
    let outcome = "error";
    try {
      const response = await fetch(saveUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
        body,
        credentials: "same-origin",
      });
      let answer = null;
      try {
        answer = await response.json();
      } catch {
        answer = null;
      }
      if (!answer && (response.redirected || response.status === 403)) {
        // the session ended (sent to sign in) or the page's CSRF token is stale
        answer = {
          status: "error",
          message: "Not saved: you have been signed out or the page is out of date. Sign in again in another tab, then leave the cell to retry.",
        };
      }
      outcome = answer && answer.status ? answer.status : "error";
      handle(input, answer || {}, response.status, quiet);
    } catch {
      setState(input, "error", "Not saved: the connection failed. Leave the cell again to retry.");
      if (!quiet) announce(`${labelOf(input)}: not saved, the connection failed.`);
    }
    input._saving = false;
    if (!input._next) input._pending = null;
    job.done(outcome);
    const next = input._next;
    input._next = null;
    if (next) {
      input._saving = true;
      waiting.push(next);
      pump();
    }
  }

  function handle(input, answer, httpStatus, quiet) {
    const label = labelOf(input);
    switch (answer.status) {
      case "saved":
        input.dataset.saved = answer.code;
        input.dataset.version = String(answer.version);
        // the canonical code replaces what was typed, unless the user is already typing again
        const typingAgain = document.activeElement === input && normalise(input.value) !== normalise(answer.code);
        if (!typingAgain && input.value !== answer.code) input.value = answer.code;
        setState(input, "saved", "", answer.warning || "");
        updateProgress();
        // a warning is read out even in a paste, so it is not missed
        if (answer.warning) announce(`${label}: saved ${answer.code}. ${answer.warning}`);
        else if (!quiet) announce(`${label}: saved ${answer.code}.`);
        break;
      case "invalid":
        setState(input, "invalid", answer.message);
        if (!quiet) announce(`${label}: ${answer.message}`);
        break;
      case "stale":
        showConflict(input, answer);
        announce(`${label}: ${answer.message}`);
        break;
      case "closed":
        setState(input, "closed", "");
        closeGrid(answer.message);
        break;
      default:
        setState(input, "error", answer.message || `Not saved: the server answered ${httpStatus}. Try again.`);
        if (!quiet) announce(`${label}: not saved.`);
    }
  }

  // " for Ava Archer, Reading", heard but not seen: the buttons' names then start with their
  // visible words (WCAG 2.5.3) and still say which cell they settle.
  function forWhom(input) {
    const hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = ` for ${labelOf(input)}`;
    return hidden;
  }

  function showConflict(input, answer) {
    const theirs = answer.theirs;
    const mine = answer.mine;
    setState(input, "stale", answer.message);
    const box = part(input, "msg");
    const actions = document.createElement("div");
    actions.className = "grid-conflict";
    const keep = document.createElement("button");
    keep.type = "button";
    keep.className = "button button--secondary grid-button";
    keep.append(theirs ? `Keep theirs (${theirs.code})` : "Keep theirs", forWhom(input));
    keep.addEventListener("click", () => {
      input.value = theirs ? theirs.code : "";
      input.dataset.saved = theirs ? theirs.code : "";
      input.dataset.version = theirs ? String(theirs.version) : "0";
      setState(input, "saved", theirs ? `Kept ${theirs.code}.` : "");
      updateProgress();
      announce(`${labelOf(input)}: kept ${theirs ? theirs.code : "their value"}.`);
      input.focus();
    });
    const overwrite = document.createElement("button");
    overwrite.type = "button";
    overwrite.className = "button grid-button";
    overwrite.append(`Save mine (${mine}) over it`, forWhom(input));
    overwrite.addEventListener("click", () => {
      input.dataset.version = theirs ? String(theirs.version) : "0";
      input.value = mine;
      setState(input, "saving", "");
      save(input, mine);
      input.focus();
    });
    actions.append(keep, overwrite);
    box.append(actions);
  }

  function closeGrid(message) {
    for (const input of inputs) input.readOnly = true;
    closedReason.textContent = message;
    closedBox.hidden = false;
    // how to type no longer applies: the table is described by why it is read only
    const help = document.getElementById("grid-help");
    if (help) help.hidden = true;
    table.setAttribute("aria-describedby", "grid-closed");
    announce(`Read only. ${message}`);
  }

  // --- committing what was typed

  // Check the cell's text and save it when it names a different level. Returns the save's
  // promise, or null when there is nothing to send.
  function commit(input, { quiet = false } = {}) {
    if (input.readOnly) return null;
    const text = input.value;
    const saved = input.dataset.saved || "";
    const state = input.closest("td").dataset.state;
    if (!text.trim()) {
      // Judgements are never deleted here: an emptied cell keeps its value.
      input.value = saved;
      if (state === "invalid" || state === "error") setState(input, "", "");
      return null;
    }
    const code = resolve(input, text);
    if (!code) {
      const message = invalidMessage(input, text);
      setState(input, "invalid", message);
      if (!quiet) announce(`${labelOf(input)}: ${message}`);
      return null;
    }
    input.value = code;
    if (code === input._pending) return null; // already on its way
    if (state === "stale" && !input._typed) return null; // the user chooses with the buttons
    if (code === saved) {
      if (state !== "saving" && state !== "stale") setState(input, state === "saved" ? "saved" : "", "");
      return null;
    }
    setState(input, "saving", "");
    return save(input, text, { quiet });
  }

  // --- moving around

  function cellAt(row, col) {
    return (matrix[row] || [])[col] || null;
  }

  function focusCell(row, col) {
    const target = cellAt(row, col);
    if (target) {
      target.focus();
      return true;
    }
    return false;
  }

  function allSelected(input) {
    return input.selectionStart === 0 && input.selectionEnd === input.value.length;
  }

  table.addEventListener("focusin", (event) => {
    const input = event.target.closest("input[data-cell]");
    if (!input) return;
    input._typed = false;
    input.select();
  });

  table.addEventListener("focusout", (event) => {
    const input = event.target.closest("input[data-cell]");
    if (input) commit(input);
  });

  // Like a spreadsheet, a click or tap into a cell selects its whole value (typing replaces it);
  // a second click into the cell already being edited places the caret.
  table.addEventListener("pointerdown", (event) => {
    const input = event.target.closest("input[data-cell]");
    if (input) input._selectOnUp = document.activeElement !== input;
  });
  table.addEventListener("mouseup", (event) => {
    const input = event.target.closest("input[data-cell]");
    if (input && input._selectOnUp) {
      event.preventDefault();
      input._selectOnUp = false;
      input.select();
    }
  });

  table.addEventListener("input", (event) => {
    const input = event.target.closest("input[data-cell]");
    if (!input) return;
    input._typed = true;
    const td = input.closest("td");
    if (td.dataset.state === "invalid" || td.dataset.state === "saved") setState(input, "", "");
  });

  table.addEventListener("keydown", (event) => {
    const input = event.target.closest("input[data-cell]");
    if (!input || event.altKey || event.ctrlKey || event.metaKey) return;
    const row = Number(input.dataset.row);
    const col = Number(input.dataset.col);
    switch (event.key) {
      case "ArrowUp":
        event.preventDefault();
        focusCell(row - 1, col);
        break;
      case "ArrowDown":
        event.preventDefault();
        focusCell(row + 1, col);
        break;
      case "ArrowLeft":
        if (allSelected(input) || input.selectionEnd === 0) {
          event.preventDefault();
          focusCell(row, col - 1);
        }
        break;
      case "ArrowRight":
        if (allSelected(input) || input.selectionStart === input.value.length) {
          event.preventDefault();
          focusCell(row, col + 1);
        }
        break;
      case "Enter": {
        event.preventDefault();
        if (event.shiftKey) {
          if (!focusCell(row - 1, col) && col > 0) focusCell(rowCount - 1, col - 1);
        } else if (!focusCell(row + 1, col) && !focusCell(0, col + 1)) {
          commit(input); // the last cell: nowhere to go, save it where it is
          input.select();
        }
        break;
      }
      case "Escape":
        if (input.value !== (input.dataset.saved || "")) {
          event.preventDefault();
          input.value = input.dataset.saved || "";
          if (input.closest("td").dataset.state !== "stale") setState(input, "", "");
          input.select();
        }
        break;
      case "Backspace":
      case "Delete":
        // nothing to delete in an empty edit, and a judgement is never deleted from the grid
        if (!input.value) event.preventDefault();
        break;
      default:
        break;
    }
  });

  // --- pasting a block from a spreadsheet

  // Tab-separated rows (CRLF or LF); Excel quotes a cell holding a tab, newline or quote.
  function parseBlock(text) {
    const rows = [];
    let row = [];
    let cell = "";
    let quoted = false;
    for (let i = 0; i < text.length; i += 1) {
      const ch = text[i];
      if (quoted) {
        if (ch === '"' && text[i + 1] === '"') {
          cell += '"';
          i += 1;
        } else if (ch === '"') {
          quoted = false;
        } else {
          cell += ch;
        }
      } else if (ch === '"' && cell === "") {
        quoted = true;
      } else if (ch === "\t") {
        row.push(cell);
        cell = "";
      } else if (ch === "\r" || ch === "\n") {
        if (ch === "\r" && text[i + 1] === "\n") i += 1;
        row.push(cell);
        rows.push(row);
        row = [];
        cell = "";
      } else {
        cell += ch;
      }
    }
    if (cell !== "" || row.length) {
      row.push(cell);
      rows.push(row);
    }
    return rows;
  }

  table.addEventListener("paste", (event) => {
    const input = event.target.closest("input[data-cell]");
    if (!input || input.readOnly) return;
    const data = event.clipboardData || window.clipboardData;
    const text = data ? data.getData("text/plain") : "";
    if (!/[\t\r\n]/.test(text.replace(/[\r\n]+$/, ""))) return; // one value: the browser pastes it
    event.preventDefault();
    const block = parseBlock(text);
    const top = Number(input.dataset.row);
    const left = Number(input.dataset.col);
    const saves = [];
    let invalid = 0;
    let skipped = 0;
    let filled = 0;
    block.forEach((values, i) => {
      values.forEach((value, j) => {
        const target = cellAt(top + i, left + j);
        if (!target) {
          if (value.trim()) skipped += 1;
          return;
        }
        if (!value.trim() || target.readOnly) return;
        target.value = value.trim();
        filled += 1;
        const pending = commit(target, { quiet: true });
        if (pending) saves.push(pending);
        else if (target.closest("td").dataset.state === "invalid") invalid += 1;
      });
    });
    input.select();
    const outside = skipped ? ` ${skipped} value${skipped === 1 ? "" : "s"} fell outside the grid.` : "";
    announce(`Pasted ${filled} value${filled === 1 ? "" : "s"}: saving.${outside}`);
    Promise.all(saves).then((outcomes) => {
      const saved = outcomes.filter((o) => o === "saved").length;
      const problems = outcomes.length - saved + invalid;
      const rest = problems ? ` ${problems} need${problems === 1 ? "s" : ""} checking: see the cells marked “Not saved”.` : "";
      announce(`Pasted ${filled} value${filled === 1 ? "" : "s"}: ${saved} saved.${rest}${outside}`);
    });
  });

  table.dataset.ready = "true";
})();
