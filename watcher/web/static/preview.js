// The photos chosen in #photos, shown as thumbnails in #preview: in this browser only, nothing leaves
// it before the form is sent. Warns when more than data-max-files are chosen or one is over
// data-max-bytes (the server refuses those too). Served from /static: the CSP allows no inline script.
(function () {
  "use strict";
  var input = document.getElementById("photos");
  var preview = document.getElementById("preview");
  if (!input || !preview) {
    return;
  }
  var warning = document.getElementById("preview-warning");
  var maxFiles = parseInt(preview.dataset.maxFiles || "3", 10);
  var maxBytes = parseInt(preview.dataset.maxBytes || "10000000", 10);
  var shown = [];

  function forget() {
    shown.forEach(function (url) {
      URL.revokeObjectURL(url);
    });
    shown = [];
  }

  function show() {
    forget();
    preview.textContent = "";
    var files = Array.prototype.slice.call(input.files || []);
    var problems = [];
    if (files.length > maxFiles) {
      problems.push(preview.dataset.tooMany);
    }
    if (files.some(function (file) { return file.size > maxBytes; })) {
      problems.push(preview.dataset.tooBig);
    }
    files.slice(0, maxFiles).forEach(function (file) {
      if (file.type.indexOf("image/") !== 0) {
        return;
      }
      var url = URL.createObjectURL(file);
      shown.push(url);
      var img = document.createElement("img");
      img.src = url;
      img.alt = file.name;
      preview.appendChild(img);
    });
    if (warning) {
      warning.textContent = problems.join(" ");
      warning.hidden = problems.length === 0;
    }
  }

  input.addEventListener("change", show);
  window.addEventListener("pagehide", forget);
})();
