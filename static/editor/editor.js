/* Byline's editor: uploads for django-markdownx with clear errors, and small writing aids.

   Dropped or pasted images, and images chosen with the "Insert an image" button, are sent to
   the editor's upload endpoint (the textarea's data-markdownx-upload-urls-path) in markdownx's
   format. A refusal shows the server's message next to the editor instead of inserting text. */
(function () {
  "use strict";

  function statusFor(textarea) {
    var root = textarea.closest(".byline-editor");
    return root ? root.querySelector(".byline-editor__status") : null;
  }

  function say(textarea, message, isError) {
    var status = statusFor(textarea);
    if (!status) { return; }
    status.textContent = message;
    status.classList.toggle("is-error", Boolean(isError));
    status.setAttribute("role", isError ? "alert" : "status");
  }

  function csrfToken(textarea) {
    var input = (textarea.form || document).querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function firstError(payload) {
    if (!payload || typeof payload !== "object") { return ""; }
    for (var key in payload) {
      var value = payload[key];
      if (Array.isArray(value) && value.length) { return String(value[0].message || value[0]); }
      if (typeof value === "string") { return value; }
    }
    return "";
  }

  function insert(textarea, text) {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var before = textarea.value.slice(0, start);
    var prefix = before && !before.endsWith("\n") ? "\n\n" : "";
    textarea.setRangeText(prefix + text + "\n\n", start, end, "end");
    textarea.focus();
    // markdownx re-renders the preview on input events.
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function upload(textarea, file) {
    var url = textarea.getAttribute("data-markdownx-upload-urls-path");
    var data = new FormData();
    data.append("image", file);
    data.append("csrfmiddlewaretoken", csrfToken(textarea));
    say(textarea, "Uploading " + file.name + "…", false);
    textarea.style.opacity = "0.5";
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest", "X-CSRFToken": csrfToken(textarea) }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (payload) {
        if (response.ok && payload.image_code) {
          insert(textarea, payload.image_code);
          say(textarea, "Image uploaded. Describe it for readers who cannot see it, between the square brackets.", false);
        } else {
          say(textarea, firstError(payload) || ("The upload failed (error " + response.status + ")."), true);
        }
      });
    }).catch(function () {
      say(textarea, "The upload failed: check your connection and try again.", true);
    }).then(function () {
      textarea.style.opacity = "";
    });
  }

  function editorOf(event) {
    var target = event.target;
    return target && target.closest ? target.closest("textarea.markdownx-editor") : null;
  }

  function filesOf(transfer) {
    return transfer && transfer.files && transfer.files.length ? Array.prototype.slice.call(transfer.files) : [];
  }

  // Capture on the document, before markdownx's own handlers on the textarea see the event.
  document.addEventListener("drop", function (event) {
    var textarea = editorOf(event), files = filesOf(event.dataTransfer);
    if (!textarea || !files.length) { return; }
    event.preventDefault();
    event.stopPropagation();
    files.forEach(function (file) { upload(textarea, file); });
  }, true);

  document.addEventListener("paste", function (event) {
    var textarea = editorOf(event), files = filesOf(event.clipboardData);
    if (!textarea || !files.length) { return; }
    event.preventDefault();
    event.stopPropagation();
    files.forEach(function (file) { upload(textarea, file); });
  }, true);

  function addTools(root) {
    var textarea = root.querySelector("textarea.markdownx-editor");
    if (!textarea || root.querySelector(".byline-editor__tools")) { return; }
    var tools = document.createElement("div");
    tools.className = "byline-editor__tools";
    var label = document.createElement("label");
    label.textContent = "Insert an image: ";
    var input = document.createElement("input");
    input.type = "file";
    input.className = "byline-editor__file";
    input.accept = root.getAttribute("data-upload-accept") || "image/*";
    input.addEventListener("change", function () {
      filesOf(input).forEach(function (file) { upload(textarea, file); });
      input.value = "";
    });
    label.appendChild(input);
    var status = document.createElement("p");
    status.className = "byline-editor__status";
    status.setAttribute("role", "status");
    tools.appendChild(label);
    tools.appendChild(status);
    root.appendChild(tools);
  }

  function addCounter(field) {
    var limit = parseInt(field.getAttribute("data-count-chars"), 10);
    var counter = document.createElement("p");
    counter.className = "char-count";
    counter.setAttribute("aria-live", "polite");
    function update() {
      var length = field.value.length;
      counter.textContent = length + " characters" + (length > limit ? ": search engines will cut it short (" + limit + " show)." : (length && length < 50 ? ": a little short for search results (50–160 work best)." : "."));
      counter.classList.toggle("is-over", length > limit);
    }
    field.addEventListener("input", update);
    field.insertAdjacentElement("afterend", counter);
    update();
  }

  // Live preview: markdownx already waits until typing pauses (500 ms, its minimum
  // data-markdownx-latency). On top of that, at most one preview request is in flight: a newer
  // one waits until it has answered, and only the latest waiting text is then sent, so a slow
  // preview never piles requests up on the server (which answers a second concurrent preview
  // by the same writer with 429).
  var previewPaths = {}, previewBusy = false, previewQueued = null;
  var xhrOpen = XMLHttpRequest.prototype.open, xhrSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    this.bylinePreview = Object.prototype.hasOwnProperty.call(previewPaths, String(url));
    return xhrOpen.apply(this, arguments);
  };
  function sendPreview(xhr, body) {
    previewBusy = true;
    xhr.addEventListener("loadend", function () {
      previewBusy = false;
      var next = previewQueued;
      previewQueued = null;
      if (next) { sendPreview(next[0], next[1]); }
    });
    xhrSend.call(xhr, body);
  }
  XMLHttpRequest.prototype.send = function (body) {
    if (!this.bylinePreview) { return xhrSend.apply(this, arguments); }
    if (previewBusy) { previewQueued = [this, body]; return; }  // an older queued one is dropped
    sendPreview(this, body);
  };

  function init() {
    document.querySelectorAll("textarea[data-markdownx-urls-path]").forEach(function (textarea) {
      previewPaths[textarea.getAttribute("data-markdownx-urls-path")] = true;
    });
    document.querySelectorAll(".byline-editor").forEach(addTools);
    document.querySelectorAll("[data-count-chars]").forEach(addCounter);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
