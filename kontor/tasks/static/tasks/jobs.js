// The jobs page: while a job is queued or running, ask the API for its state
// every two seconds and move its progress bar.
(function () {
  "use strict";
  const table = document.querySelector("table[data-testid=jobs]");
  const rows = document.querySelectorAll("tr[data-job]");
  const pending = ["queued", "running"];
  function refresh(row) {
    const status = row.querySelector("[data-job-status]");
    if (!status || !pending.includes(status.dataset.jobStatus)) {
      return;
    }
    fetch(row.dataset.jobUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((job) => {
        if (!job) {
          return;
        }
        status.dataset.jobStatus = job.status;
        status.textContent = table.getAttribute("data-label-" + job.status) || job.status;
        if (job.progress) {
          let bar = row.querySelector("[data-job-progress]");
          const text = row.querySelector("[data-job-progress-text]");
          if (bar) {
            bar.max = job.progress.total || 0;
            bar.value = job.progress.done;
          }
          if (text) {
            text.textContent = job.progress.total
              ? job.progress.done + " / " + job.progress.total
              : String(job.progress.done);
          }
        }
        if (pending.includes(job.status)) {
          window.setTimeout(() => refresh(row), 2000);
        }
      })
      .catch(() => window.setTimeout(() => refresh(row), 5000));
  }
  rows.forEach((row) => window.setTimeout(() => refresh(row), 2000));
})();
