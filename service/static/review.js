// Reviewer keyboard shortcuts and comment templates; every page works without them.
(function () {
  "use strict";

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function toggleHelp() {
    var help = document.getElementById("shortcut-help");
    if (help) help.hidden = !help.hidden;
  }

  // Queue rows: j/k move a highlight, o or Enter opens, x ticks for a bulk decision.
  var current = -1;
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-queue] tbody tr"));
  }
  function select(index) {
    var all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) { row.classList.toggle("selected", i === current); });
    all[current].scrollIntoView({ block: "nearest" });
    var link = all[current].querySelector("a");
    if (link) link.focus({ preventScroll: true });
  }

  function choose(value) {
    var radio = document.querySelector('input[name="decision"][value="' + value + '"]');
    if (!radio) return false;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    var comment = document.getElementById("comment");
    if (comment && value !== "approve") comment.focus();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.id === "comment") {
      var form = event.target.form;
      if (form) { event.preventDefault(); form.requestSubmit(); }
      return;
    }
    if (event.key === "Escape") {
      var help = document.getElementById("shortcut-help");
      if (help && !help.hidden) { help.hidden = true; return; }
      if (typing(event.target)) event.target.blur();
      return;
    }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    var all = rows();
    var handled = true;
    switch (event.key) {
      case "?": toggleHelp(); break;
      case "j": select(current + 1); break;
      case "k": select(current < 0 ? 0 : current - 1); break;
      case "o":
        if (current >= 0 && all[current]) window.location.href = all[current].getAttribute("data-href");
        else handled = false;
        break;
      case "x":
        if (current >= 0 && all[current]) {
          var box = all[current].querySelector("input[type=checkbox]");
          if (box) box.checked = !box.checked;
        } else handled = false;
        break;
      case "a": handled = choose("approve"); break;
      case "c": handled = choose("request_changes"); break;
      case "r": handled = choose("reject"); break;
      case "/":
        var comment = document.getElementById("comment");
        if (comment) comment.focus(); else handled = false;
        break;
      case "u":
        if (document.querySelector(".decision")) window.location.href = "/review"; else handled = false;
        break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts]")) { toggleHelp(); return; }
    // A ready comment is appended to the comment box (the reviewer edits it after).
    var chip = event.target.closest("[data-template]");
    if (!chip) return;
    var box = document.getElementById("comment");
    if (!box) return;
    var text = chip.getAttribute("data-template");
    box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + "\n" + text : text;
    box.focus();
    var group = chip.closest("[data-for-decision]");
    if (group) choose(group.getAttribute("data-for-decision"));
    box.focus();
  });

  // Show the ready comments for the chosen decision only.
  function syncTemplates() {
    var chosen = document.querySelector('input[name="decision"]:checked');
    document.querySelectorAll("[data-for-decision]").forEach(function (group) {
      group.hidden = !!chosen && group.getAttribute("data-for-decision") !== chosen.value;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "decision") syncTemplates();
  });
  document.addEventListener("DOMContentLoaded", syncTemplates);
})();
