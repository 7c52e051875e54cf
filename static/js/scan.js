// Scanstelle: drag and drop onto the upload form (the plain file input works without this), and
// "übernehmen" buttons that copy a suggestion into its form field (nothing is saved until the form is sent), and
// a question asked once before forms marked data-confirm (merging two documents).
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var zone = document.getElementById("ablage");
    var input = document.getElementById("id_dateien");
    if (zone && input && window.DataTransfer) {
      var hint = zone.querySelector(".dropzone-hint");
      var list = document.getElementById("ablage-liste");
      if (hint) hint.hidden = false;
      var show = function () {
        if (!list) return;
        var names = [];
        for (var i = 0; i < input.files.length; i++) names.push(input.files[i].name);
        list.textContent = names.length ? "Gewählt: " + names.join(", ") : "";
      };
      ["dragenter", "dragover"].forEach(function (type) {
        zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (type) {
        zone.addEventListener(type, function () { zone.classList.remove("over"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        var dropped = event.dataTransfer && event.dataTransfer.files;
        if (!dropped || !dropped.length) return;
        var all = new DataTransfer();
        for (var i = 0; i < input.files.length; i++) all.items.add(input.files[i]);
        for (var j = 0; j < dropped.length; j++) all.items.add(dropped[j]);
        input.files = all.files;
        show();
      });
      input.addEventListener("change", show);
    }
    // Forms that change a document's make-up (merging two documents) ask once, naming both documents.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
    document.querySelectorAll("button[data-fill]").forEach(function (button) {
      button.addEventListener("click", function () {
        var field = document.getElementById(button.getAttribute("data-fill"));
        if (field) { field.value = button.getAttribute("data-value"); field.focus(); }
      });
    });
  });
})();
