// Data drop boards: the "Copy" button beside a read-only text (the chase list). The button is
// hidden in the page and shown here, so without JavaScript there is no button that does nothing;
// the text can still be selected and copied by hand.
function copyText(field) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(field.value);
  }
  // Plain http (a school's intranet): the older way, which needs the text selected.
  field.focus();
  field.select();
  return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy refused"));
}

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    const status = document.getElementById(`${button.dataset.copy}-copied`);
    if (!field) continue;
    button.hidden = false;
    button.addEventListener("click", () => {
      copyText(field).then(
        () => { if (status) status.textContent = "Copied. Paste it into your email."; },
        () => {
          field.focus();
          field.select();
          if (status) status.textContent = "Your browser did not allow copying: the text is selected, press Ctrl+C (Cmd+C on a Mac).";
        },
      );
    });
  }
});
