// The newsroom app works without this script; with it, the article preview
// follows the typing, progress bars move on their own, uploads show their
// progress and irreversible buttons ask first.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function csrfOf(el) {
    var form = el.closest("form") || document.querySelector("form");
    var input = form && form.querySelector('input[name="csrf"]');
    return input ? input.value : "";
  }

  // Live preview: the server renders the Markdown exactly as it will when
  // the article is saved, and answers with sanitised HTML.
  document.querySelectorAll("textarea[data-preview-url]").forEach(function (area) {
    var target = document.getElementById(area.dataset.preview);
    if (!target) return;
    var form = area.closest("form");
    if (form) form.querySelectorAll("[data-nojs]").forEach(function (b) { b.hidden = true; });
    var timer = null, seq = 0;
    function refresh() {
      var mine = ++seq;
      var body = new URLSearchParams();
      body.set("body", area.value);
      fetch(area.dataset.previewUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRF-Token": csrfOf(area), "Content-Type": "application/x-www-form-urlencoded" },
        body: body
      }).then(function (r) {
        if (!r.ok) throw new Error("preview " + r.status);
        return r.text();
      }).then(function (html) {
        if (mine === seq) target.innerHTML = html;
      }).catch(function () { /* the saved preview stays; saving still works */ });
    }
    area.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 350);
    });
  });

  // Progress bars whose figures still move: campaigns that are going, and
  // cancelled ones whose last mail is still out. The server says which.
  document.querySelectorAll(".progress[data-progress]").forEach(function (box) {
    if (!box.hasAttribute("data-live")) return;
    var bar = box.querySelector("progress");
    var started = box.dataset.state;
    var results = document.getElementById("results-title");
    // A screen reader hears of a state change and of each tenth sent, not
    // of every figure that moves each second.
    var news = box.querySelector("[data-news]");
    var percent = box.querySelector('[data-field="percent"]');
    var lastState = started, lastTenth = Math.floor(Number(percent ? percent.textContent : 0) / 10);
    function tell(p) {
      if (!news) return;
      var tenth = Math.floor(p.percent / 10);
      if (p.state !== lastState) {
        news.textContent = news.dataset.news + ": " + p.state + ", " + p.percent + "% done.";
      } else if (tenth > lastTenth) {
        news.textContent = news.dataset.news + ": " + p.percent + "% done.";
      }
      lastState = p.state;
      lastTenth = tenth;
    }
    function show(p) {
      bar.max = Math.max(p.total, 1);
      bar.value = p.done;
      bar.textContent = p.percent + "%";
      ["percent", "state", "sent", "failed", "skipped", "total"].forEach(function (k) {
        document.querySelectorAll('[data-field="' + k + '"]').forEach(function (el) {
          if (box.contains(el) || !el.closest(".progress")) el.textContent = p[k];
        });
      });
      var more = box.querySelector('[data-field="more"]');
      if (more) more.hidden = p.frozen;
      tell(p);
    }
    function poll() {
      fetch(box.dataset.progress, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error("progress " + r.status); return r.json(); })
        .then(function (p) {
          show(p);
          if (results && (p.state !== started || !p.live)) {
            // The campaign moved on or its figures are final: the page
            // shows where it stands, with its results in full.
            location.reload();
          } else if (p.live) {
            setTimeout(poll, 1000);
          }
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    setTimeout(poll, 1000);
  });

  // A refused form: the server has marked the field the refusal is about
  // invalid and described by the message; the focus moves there, else to
  // the message.
  var refusal = document.getElementById("form-error");
  if (refusal) {
    var field = document.querySelector('main [aria-describedby~="form-error"]');
    (field || refusal).focus();
  }

  // Buttons that cannot be undone ask first, and say they did, so the
  // server does not ask again.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.dataset.confirm)) {
        e.preventDefault();
        return;
      }
      var answer = form.elements.namedItem("confirmed");
      if (answer) answer.value = "1";
    });
  });

  // Uploads show how far they got; the server imports as the file arrives,
  // so the bar follows the import too. The report replaces the page's.
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var box = form.querySelector(".upload-progress");
    var bar = box && box.querySelector("progress");
    var text = box && box.querySelector(".upload-text");
    var report = document.getElementById(form.dataset.upload);
    if (!box || !report) return;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var button = form.querySelector('button[type="submit"]');
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (ev) {
        if (!ev.lengthComputable) return;
        bar.max = ev.total;
        bar.value = ev.loaded;
        text.textContent = Math.floor(ev.loaded * 100 / ev.total) + "% uploaded and imported";
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value");
        text.textContent = "Finishing the import…";
      });
      xhr.addEventListener("load", function () {
        button.disabled = false;
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var fresh = doc.getElementById(form.dataset.upload);
        var problem = doc.querySelector(".form-error");
        if (xhr.status === 200 && fresh) {
          report.innerHTML = fresh.innerHTML;
          text.textContent = "Done.";
        } else {
          text.textContent = problem ? problem.textContent : "The upload failed (" + xhr.status + ").";
        }
        bar.value = bar.max;
        report.scrollIntoView({ behavior: "smooth", block: "start" });
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        text.textContent = "The upload failed: the connection was lost.";
      });
      box.hidden = false;
      bar.value = 0;
      text.textContent = "Starting…";
      button.disabled = true;
      xhr.send(new FormData(form));
    });
  });
})();
