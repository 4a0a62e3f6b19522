// The class grid: a table of inputs that behaves like a spreadsheet.
//
// - Arrow keys, Tab / Shift-Tab and Enter / Shift-Enter move between cells (Enter at the foot of
//   a column goes on to the top of the next one, so a column-by-column entry never leaves the
//   keyboard's home row). Typing replaces the cell's value; Esc undoes an edit.
// - A typed code is checked at once against the pupil's accepted spellings (the JSON block
//   #grid-vocabulary, built by the server with the rule of strides.frameworks.level_codes: the pupil's
//   framework with its year-and-band short forms, then its shorthand for the cell's band year),
//   then saved with a fetch POST; the server resolves it again and has the last word. A code of
//   one of the school's other frameworks for the subject is sent too, so that the server's refusal
//   names both frameworks. A save it flags (a jump of many points from the previous drop) is kept,
//   and the warning is shown in the cell and read out.
// - A block pasted from Excel or Google Sheets (tab-separated rows) fills the grid from the
//   focused cell.
// - Each save sends the version the cell was loaded with: someone else's newer edit comes back as
//   "stale" with both values, and the user keeps theirs or saves over it. A closed drop turns the
//   whole grid read only.
// - Nothing typed is lost silently (issue 8): cells left while a save is on its way queue up and go
//   together in the next request (the batch endpoint: in order, each cell with its own lost-update
//   check and answer). Leaving the page while anything is unsaved asks first (beforeunload); as the
//   page goes (pagehide) whatever is unsaved is sent with fetch keepalive and remembered in this
//   browser's localStorage (the cell's pupil id, subject code, the code typed and the version it
//   was typed against: no names), keyed to the user, drop and class, kept a day at most and cleared
//   once saved or on signing out. Coming back, cells that never reached Strides are shown and
//   offered again, against the version they were typed on.
// - A judgement entered by mistake is withdrawn from its cell (Shift+Delete, or the "Withdraw a
//   judgement…" button) with a reason, in a dialog; typing a level in the cell again records it.
// No inline script or style anywhere (Content-Security-Policy): state is shown by classes and text.
(() => {
  "use strict";

  const table = document.querySelector("table[data-grid]");
  if (!table) return;

  // One request at a time, carrying every cell queued while the last was on its way: SQLite (the
  // embedded default) writes one at a time anyway, and a user's saves reach the server in order.
  const MAX_IN_FLIGHT = 1;
  const MAX_BATCH = 200; // strides.assessment.grid_saves.MAX_BATCH
  const MAX_SUGGESTIONS = 8;
  const KEEP_UNSENT_MS = 24 * 60 * 60 * 1000; // a day
  const batchUrl = table.dataset.batchUrl;
  const withdrawUrl = table.dataset.withdrawUrl;
  const unsentKey = table.dataset.unsentKey;
  const canWithdraw = table.hasAttribute("data-can-withdraw");
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
    unsent: "Not sent yet",
    withdrawn: "Withdrawn",
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

  // --- saving: one request at a time, carrying every cell queued meanwhile, in order

  const waiting = [];
  let inFlight = 0;
  // cells not yet saved for sure: id -> {pupil, subject, value, version} (what localStorage keeps)
  const unsent = new Map();

  function pump() {
    while (inFlight < MAX_IN_FLIGHT && waiting.length) {
      const jobs = waiting.splice(0, MAX_BATCH);
      inFlight += 1;
      sendBatch(jobs).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  }

  // Queue a save of ``text`` for the cell; resolves with the outcome's status. A cell already
  // saving waits for that answer, so the next save carries the version it returned.
  function save(input, text, { quiet = false } = {}) {
    input._pending = resolve(input, text);
    remember(input, input._pending || text);
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

  function cellOf(input) {
    return { pupil: input.dataset.pupil, subject: input.dataset.subject, value: "", version: input.dataset.version };
  }

  async function sendBatch(jobs) {
    const cells = jobs.map((job) => ({ ...cellOf(job.input), value: job.text }));
    let results = null;
    let failure = "Not saved: the connection failed. Leave the cell again to retry.";
    try {
      const response = await fetch(batchUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken, Accept: "application/json", "Content-Type": "application/json" },
        body: JSON.stringify({ cells }),
        credentials: "same-origin",
      });
      let answer = null;
      try {
        answer = await response.json();
      } catch {
        answer = null;
      }
      if (answer && Array.isArray(answer.results) && answer.results.length === jobs.length) {
        results = answer.results;
      } else if (!answer && (response.redirected || response.status === 403)) {
        // the session ended (sent to sign in) or the page's CSRF token is stale
        failure = "Not saved: you have been signed out or the page is out of date. Sign in again in another tab, then leave the cell to retry.";
      } else {
        failure = (answer && answer.message) || `Not saved: the server answered ${response.status}. Try again.`;
      }
    } catch {
      results = null;
    }
    jobs.forEach((job, i) => finish(job, results ? results[i] : null, failure));
  }

  function finish(job, answer, failure) {
    const { input, quiet } = job;
    let outcome = "error";
    if (answer) {
      outcome = answer.status || "error";
      handle(input, answer, 200, quiet);
    } else {
      setState(input, "error", failure);
      if (!quiet) announce(`${labelOf(input)}: not saved. ${failure}`);
    }
    input._saving = false;
    if (!input._next) input._pending = null;
    // an answer settles the cell (saved, or refused with a reason shown); a failure keeps it unsent
    if (answer && !input._next) forget(input);
    else if (answer && input._next) remember(input, resolve(input, input._next.text) || input._next.text);
    job.done(outcome);
    const next = input._next;
    input._next = null;
    if (next) {
      input._saving = true;
      waiting.push(next);
      pump();
    }
  }

  // --- cells that have not reached Strides: remembered in this browser until saved

  function remember(input, value) {
    unsent.set(input.id, { ...cellOf(input), value });
    persist();
  }

  function forget(input) {
    if (unsent.delete(input.id)) persist();
  }

  function persist() {
    try {
      if (unsent.size) {
        window.localStorage.setItem(unsentKey, JSON.stringify({ at: Date.now(), cells: [...unsent.values()] }));
      } else {
        window.localStorage.removeItem(unsentKey);
      }
    } catch {
      // storage full or refused (private browsing): the warning before leaving still stands
    }
  }

  function stored() {
    try {
      const data = JSON.parse(window.localStorage.getItem(unsentKey) || "null");
      if (!data || !Array.isArray(data.cells) || Date.now() - Number(data.at) > KEEP_UNSENT_MS) {
        window.localStorage.removeItem(unsentKey);
        return null;
      }
      return data;
    } catch {
      return null;
    }
  }

  const unsentBox = document.getElementById("grid-unsent");

  // Cells remembered from an earlier visit that the page shows did not reach Strides: the saved
  // value differs from the one typed. Shown, and offered again against the version typed on.
  function offerUnsent() {
    const data = stored();
    if (!data || !unsentBox) return;
    const byKey = new Map(inputs.map((input) => [`${input.dataset.pupil}:${input.dataset.subject}`, input]));
    const found = [];
    for (const cell of data.cells) {
      const input = byKey.get(`${cell.pupil}:${cell.subject}`);
      if (!input || input.readOnly || !cell.value) continue;
      // it did arrive (the keepalive send as the page went): the value shown is the one typed,
      // as stored or as the cell reads it now (a spelling such as "e" for its code)
      const shown = input.dataset.saved || "";
      if (shown && (shown === cell.value || shown === resolve(input, cell.value))) continue;
      found.push({ input, cell });
    }
    unsent.clear();
    if (!found.length) {
      persist();
      return;
    }
    for (const { input, cell } of found) {
      unsent.set(input.id, cell);
      input.value = cell.value;
      setState(input, "unsent", `Typed as ${cell.value} but not saved: send it or discard it (above the grid).`);
    }
    persist();
    const when = new Date(Number(data.at)).toLocaleString();
    document.getElementById("grid-unsent-text").textContent =
      `${found.length} cell${found.length === 1 ? "" : "s"} you typed (last at ${when}) did not reach Strides: ` +
      found.map(({ input, cell }) => `${labelOf(input)} (${cell.value})`).join("; ") + ".";
    unsentBox.hidden = false;
    announce(`${found.length} cell${found.length === 1 ? "" : "s"} typed earlier ${found.length === 1 ? "was" : "were"} not saved. Send them or discard them, above the grid.`);
    document.getElementById("grid-unsent-send").addEventListener("click", () => {
      unsentBox.hidden = true;
      for (const { input, cell } of found) {
        // against the version it was typed on: someone's edit since comes back as a conflict
        input.dataset.version = cell.version;
        setState(input, "saving", "");
        save(input, cell.value, { quiet: true });
      }
      announce(`Sending ${found.length} cell${found.length === 1 ? "" : "s"}.`);
    });
    document.getElementById("grid-unsent-discard").addEventListener("click", () => {
      unsentBox.hidden = true;
      for (const { input } of found) {
        input.value = input.dataset.saved || "";
        setState(input, input.dataset.withdrawn === "true" ? "withdrawn" : "", "");
        unsent.delete(input.id);
      }
      persist();
      announce("Discarded.");
    });
  }

  // Before the page goes: warn while anything is unsaved; as it goes, send what is unsaved with
  // keepalive (it outlives the page) and keep it in storage until a later visit sees it saved.
  window.addEventListener("beforeunload", (event) => {
    const active = document.activeElement;
    if (active && active.matches && active.matches("input[data-cell]")) commit(active, { quiet: true });
    // also a cell refused or in conflict, still showing what was typed: leaving would drop it
    if (unsent.size || table.querySelector("td[data-state=invalid], td[data-state=stale], td[data-state=error]")) {
      event.preventDefault();
      event.returnValue = ""; // older browsers need it to show their warning
    }
  });

  window.addEventListener("pagehide", () => {
    const active = document.activeElement;
    if (active && active.matches && active.matches("input[data-cell]")) commit(active, { quiet: true });
    if (!unsent.size) return;
    persist();
    const cells = [...unsent.values()].slice(0, MAX_BATCH);
    try {
      fetch(batchUrl, {
        method: "POST",
        keepalive: true,
        headers: { "X-CSRFToken": csrfToken, Accept: "application/json", "Content-Type": "application/json" },
        body: JSON.stringify({ cells }),
        credentials: "same-origin",
      });
    } catch {
      // the storage keeps them for the next visit
    }
  });

  function handle(input, answer, httpStatus, quiet) {
    const label = labelOf(input);
    switch (answer.status) {
      case "saved":
        input.dataset.saved = answer.code;
        delete input.dataset.withdrawn;
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
      case "missing":
        setState(input, "error", answer.message);
        if (!quiet) announce(`${label}: ${answer.message}`);
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
      case "Delete":
        if (event.shiftKey && canWithdraw) {
          event.preventDefault();
          openWithdraw(input);
          break;
        }
        if (!input.value) event.preventDefault();
        break;
      case "Backspace":
        // nothing to delete in an empty edit: emptying a cell keeps its judgement (Shift+Delete withdraws it)
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

  // --- withdrawing a judgement entered by mistake

  const dialog = document.getElementById("grid-withdraw-dialog");
  const selectedText = document.getElementById("grid-selected");
  let selected = null;
  let withdrawing = null;

  function describeSelected() {
    if (!selectedText || !selected) return;
    const saved = selected.dataset.saved || "";
    selectedText.textContent = saved
      ? `Selected: ${labelOf(selected)}, ${saved}.`
      : `Selected: ${labelOf(selected)}, nothing recorded to withdraw.`;
  }

  table.addEventListener("focusin", (event) => {
    const input = event.target.closest("input[data-cell]");
    if (!input) return;
    selected = input;
    describeSelected();
  });

  function openWithdraw(input) {
    if (!dialog || !input) {
      if (selectedText) selectedText.textContent = "Select the cell of a judgement entered by mistake first.";
      announce("Select the cell of a judgement entered by mistake first.");
      return;
    }
    const saved = input.dataset.saved || "";
    if (!saved || input._saving || unsent.has(input.id)) {
      const why = saved ? "it is still being saved: wait a moment" : "nothing is recorded there";
      const text = `${labelOf(input)}: ${why}.`;
      if (selectedText) selectedText.textContent = text;
      announce(text);
      return;
    }
    withdrawing = input;
    document.getElementById("grid-withdraw-what").textContent = `${labelOf(input)}: ${saved}.`;
    const reason = document.getElementById("grid-withdraw-reason");
    reason.value = "";
    reason.removeAttribute("aria-invalid");
    document.getElementById("grid-withdraw-error").hidden = true;
    dialog.showModal();
    reason.focus();
  }

  function withdrawError(message) {
    const box = document.getElementById("grid-withdraw-error");
    box.textContent = message;
    box.hidden = false;
    const reason = document.getElementById("grid-withdraw-reason");
    reason.setAttribute("aria-invalid", "true");
    reason.focus();
    announce(message);
  }

  async function confirmWithdraw() {
    const input = withdrawing;
    const reason = document.getElementById("grid-withdraw-reason").value.trim();
    if (!input) return;
    if (!reason) {
      withdrawError("Say why it is withdrawn: the reason is kept with the judgement's history.");
      return;
    }
    const body = new URLSearchParams({
      pupil: input.dataset.pupil,
      subject: input.dataset.subject,
      version: input.dataset.version,
      reason,
    });
    let answer = null;
    try {
      const response = await fetch(withdrawUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
        body,
        credentials: "same-origin",
      });
      answer = await response.json();
    } catch {
      answer = null;
    }
    if (!answer || answer.status !== "withdrawn") {
      withdrawError(answer && answer.message ? answer.message : "Not withdrawn: the connection failed. Try again.");
      return;
    }
    withdrawing = null;
    dialog.close();
    input.value = "";
    input.dataset.saved = "";
    input.dataset.version = String(answer.version);
    input.dataset.withdrawn = "true";
    setState(input, "withdrawn", `Withdrawn (was ${answer.was}): ${answer.reason}. Type a level to record it again.`);
    updateProgress();
    describeSelected();
    announce(`${labelOf(input)}: ${answer.was} withdrawn.`);
    input.focus();
  }

  if (dialog) {
    document.getElementById("grid-withdraw-open").addEventListener("click", () => openWithdraw(selected));
    document.getElementById("grid-withdraw-form").addEventListener("submit", (event) => {
      event.preventDefault();
      confirmWithdraw();
    });
    document.getElementById("grid-withdraw-cancel").addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      const back = withdrawing || selected;
      withdrawing = null;
      if (back) back.focus();
    });
  }

  for (const input of inputs) {
    if (input.dataset.withdrawn === "true") setState(input, "withdrawn", "");
  }
  offerUnsent();

  table.dataset.ready = "true";
})();
