// The purchase round's progress: poll the job's status, update the bar, reload when done.
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var step = box.querySelector("[data-testid=progress-step]");
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { window.setTimeout(poll, 3000); return; }
        bar.value = data.progress;
        bar.textContent = data.progress + " %";
        if (data.step) { step.textContent = data.step + (data.elapsed_seconds !== null ? " · " + data.elapsed_seconds + " s" : ""); }
        // Finished, or a job that stopped reporting: the page says what to do next.
        if (data.finished || data.stale) { window.location.assign(box.dataset.roundUrl); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
