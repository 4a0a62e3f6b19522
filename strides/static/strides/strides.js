// Strides: small progressive enhancements. No inline scripts anywhere (Content-Security-Policy).
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("meta[name=csrf-token]");
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});

// Move focus to an error summary when a form comes back with errors, so keyboard and screen
// reader users land on the list of what to fix (each item links to its field).
function focusErrorSummary(root) {
  const summary = root.querySelector("[data-focus-on-load]");
  if (summary) summary.focus();
}
document.addEventListener("DOMContentLoaded", () => focusErrorSummary(document));

// An error summary link focuses its field and shows the field's label above it, without putting
// the field's id into the address (it would follow the user through the redirect after saving).
document.addEventListener("click", (event) => {
  const link = event.target.closest(".error-summary a[href^='#']");
  if (!link) return;
  const field = document.getElementById(link.getAttribute("href").slice(1));
  if (!field) return;
  event.preventDefault();
  const label = document.querySelector(`label[for='${field.id}']`);
  (label || field).scrollIntoView({ block: "start" });
  field.focus({ preventScroll: true });
});

// Signing out forgets the class grid's cells that never reached the server (grid.js keeps them
// in this browser's storage until saved, a day at most), so the next person here cannot see them.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches || !form.matches("form[data-sign-out]")) return;
  try {
    for (const key of Object.keys(window.localStorage)) {
      if (key.startsWith("strides-grid-unsent:")) window.localStorage.removeItem(key);
    }
  } catch {
    // storage refused: nothing was kept
  }
});
