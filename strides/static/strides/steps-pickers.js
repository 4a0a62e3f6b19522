// Small steps' pickers (framework, area, step: a GET form that works without JavaScript): a choice
// shows its statements at once. Changing the framework or area forgets the step, so the new area
// opens at the pupils' current step. No inline script (Content-Security-Policy).
(() => {
  "use strict";
  for (const form of document.querySelectorAll("form[data-autosubmit]")) {
    for (const select of form.querySelectorAll("select")) {
      select.addEventListener("change", () => {
        if (select.name !== "step") {
          const step = form.querySelector("select[name=step]");
          if (step) step.disabled = true; // a disabled field is not sent
        }
        form.requestSubmit ? form.requestSubmit() : form.submit();
      });
    }
  }
})();
