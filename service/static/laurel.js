// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Copy a field's value: <button data-copy="#field-id">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) return;
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1600);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done);
    } else {
      field.select();
      document.execCommand("copy");
      done();
    }
  });

  // Ask before irreversible actions: <button data-confirm="...">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // Long supporting passages are clamped; a click (or Enter) shows the whole passage.
  function expand(event) {
    var item = event.target.closest(".clampable");
    if (item && (event.type === "click" || event.key === "Enter")) item.classList.toggle("expanded");
  }
  document.addEventListener("click", expand);
  document.addEventListener("keydown", expand);

  // List chosen files with sizes and warn about ones over the limit.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) return;
    var list = document.querySelector('[data-file-list-for="' + input.id + '"]');
    if (!list) return;
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var maxFiles = parseInt(input.getAttribute("data-max-files"), 10);
    list.textContent = "";
    Array.prototype.forEach.call(input.files, function (file, i) {
      var item = document.createElement("li");
      var size = file.size < 1048576 ? Math.round(file.size / 1024) + " KB" : (file.size / 1048576).toFixed(1) + " MB";
      item.textContent = file.name + " · " + size;
      if (file.size > max) { item.className = "too-big"; item.textContent += " (too large)"; }
      if (i >= maxFiles) { item.className = "too-big"; item.textContent += " (too many files)"; }
      list.appendChild(item);
    });
  });
})();
