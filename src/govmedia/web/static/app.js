// govmedia workbench: the little script the pages use (served from our origin; no inline code).
"use strict";

// A select marked data-autosubmit submits its form when changed (run pickers).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) {
    el.form.submit();
  }
});

// The running inspection's progress, polled from the JSON API until it ends.
(function () {
  var box = document.getElementById("job");
  if (!box || box.getAttribute("data-status") !== "running") {
    return;
  }
  var id = box.getAttribute("data-job-id");
  var bar = document.getElementById("job-progress");
  var done = document.getElementById("job-done");
  var status = document.getElementById("job-status");
  var recent = document.getElementById("job-recent");
  function poll() {
    fetch("/api/jobs/" + encodeURIComponent(id), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        bar.value = job.done;
        done.textContent = job.done;
        recent.textContent = "";
        job.recent.forEach(function (line) {
          var li = document.createElement("li");
          li.textContent = line;  // text, never HTML: account names come from outside
          recent.appendChild(li);
        });
        if (job.status !== "running") {
          status.textContent = job.status === "complete" ? "已完成" : "失败";
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
