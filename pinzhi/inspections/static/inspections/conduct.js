// The inspection page on a phone (INS-5): answers, photos (compressed in the browser to at
// most 1600 px JPEG, capture time kept, marked with a circle or an arrow), signatures drawn
// on screen, notes — each queued in the outbox (outbox.js) with a key made here. Submitting
// waits until the outbox is empty. Plain ES2017, no inline script (CSP).
(function () {
  "use strict";
  var root = document.querySelector("[data-conduct]");
  if (!root || !window.pinzhiOutbox) return;
  var outbox = window.pinzhiOutbox;
  var MAX_SIDE = 1600;
  var RED = "#e03131";

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function card(el) { return el.closest("[data-item]"); }
  function code(itemCard) { return itemCard.dataset.item; }
  function label(itemCard) {
    var title = itemCard.querySelector(".fw-semibold");
    return title ? title.textContent.trim().slice(0, 30) : code(itemCard);
  }

  function result(itemCard) {
    if (itemCard.dataset.scoring === "scale") {
      var na = itemCard.querySelector("[data-na]");
      if (na && na.checked) return "na";
      var score = itemCard.querySelector("[data-score]");
      if (!score || score.value === "") return "";
      return parseInt(score.value, 10) >= parseInt(score.dataset.passScore, 10) ? "pass" : "fail";
    }
    var checked = itemCard.querySelector("[data-result]:checked");
    return checked ? checked.value : "";
  }

  function showError(itemCard, text) {
    var box = itemCard.querySelector("[data-item-error]");
    if (box) box.textContent = text || "";
  }

  function sizeCanvas(canvas) {
    if (canvas.dataset.sized) return;
    var width = canvas.clientWidth || 300;
    var height = canvas.clientHeight || 160;
    var ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.dataset.sized = "1";
  }

  function toggle(itemCard) {
    var failed = result(itemCard) === "fail";
    itemCard.querySelectorAll("[data-on-fail]").forEach(function (el) { el.hidden = !failed; });
    root.querySelectorAll('[data-follow-up="' + code(itemCard) + '"]').forEach(function (el) { el.hidden = !failed; });
    if (failed) itemCard.querySelectorAll("[data-signature-canvas]").forEach(sizeCanvas);
  }

  function queueAnswer(itemCard) {
    var value = result(itemCard);
    toggle(itemCard);
    if (!value) return;
    var severity = itemCard.querySelector("[data-severity]");
    if (value === "fail" && severity && !severity.value) {
      showError(itemCard, root.dataset.msgSeverityNeeded);
      return;
    }
    showError(itemCard, "");
    var score = itemCard.querySelector("[data-score]");
    var note = itemCard.querySelector("[data-note]");
    var scale = itemCard.dataset.scoring === "scale";
    outbox.add({
      url: root.dataset.answerUrl,
      label: label(itemCard),
      fields: {
        client_key: uuid(),
        item: code(itemCard),
        result: scale && value !== "na" ? "" : value,
        score: scale && value !== "na" && score ? score.value : "",
        severity: value === "fail" && severity ? severity.value : "",
        note: note ? note.value : "",
        answered_at: new Date().toISOString(),
      },
    });
  }

  root.addEventListener("change", function (event) {
    var el = event.target;
    var itemCard = card(el);
    if (el.matches("[data-photo-input]")) { startPhoto(itemCard, el); return; }
    if (el.matches("[data-signer]")) return;
    if (itemCard && el.matches("[data-result], [data-score], [data-na], [data-severity], [data-note]")) {
      queueAnswer(itemCard);
      return;
    }
    if (el.closest("[data-notes]")) queueNotes();
  });

  function queueNotes() {
    var box = root.querySelector("[data-notes]");
    outbox.add({
      url: root.dataset.notesUrl,
      label: "",
      fields: {
        observations: box.querySelector("[name=observations]").value,
        interviews: box.querySelector("[name=interviews]").value,
        documents_reviewed: box.querySelector("[name=documents_reviewed]").value,
      },
    });
  }

  // --- photos: compress, keep the capture time, mark a circle or an arrow --------------------

  function drawShape(ctx, shape, scale) {
    ctx.strokeStyle = RED;
    ctx.fillStyle = RED;
    ctx.lineWidth = Math.max(3, 6 * scale);
    ctx.beginPath();
    if (shape.tool === "circle") {
      var rx = Math.abs(shape.x2 - shape.x1) / 2, ry = Math.abs(shape.y2 - shape.y1) / 2;
      ctx.ellipse((shape.x1 + shape.x2) / 2, (shape.y1 + shape.y2) / 2, Math.max(rx, 4), Math.max(ry, 4), 0, 0, 2 * Math.PI);
      ctx.stroke();
      return;
    }
    var angle = Math.atan2(shape.y2 - shape.y1, shape.x2 - shape.x1);
    var head = Math.max(18, 36 * scale);
    ctx.moveTo(shape.x1, shape.y1);
    ctx.lineTo(shape.x2, shape.y2);
    ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(shape.x2, shape.y2);
    ctx.lineTo(shape.x2 - head * Math.cos(angle - 0.45), shape.y2 - head * Math.sin(angle - 0.45));
    ctx.lineTo(shape.x2 - head * Math.cos(angle + 0.45), shape.y2 - head * Math.sin(angle + 0.45));
    ctx.closePath();
    ctx.fill();
  }

  function redraw(state) {
    var ctx = state.canvas.getContext("2d");
    ctx.drawImage(state.image, 0, 0, state.canvas.width, state.canvas.height);
    var scale = state.canvas.width / MAX_SIDE;
    state.shapes.forEach(function (shape) { drawShape(ctx, shape, scale); });
    if (state.drawing) drawShape(ctx, state.drawing, scale);
  }

  function startPhoto(itemCard, input) {
    var file = input.files && input.files[0];
    if (!file) return;
    var captured = file.lastModified ? new Date(file.lastModified) : new Date();
    if (captured > new Date()) captured = new Date();
    var reader = new FileReader();
    reader.onload = function () {
      var image = new Image();
      image.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(image.naturalWidth, image.naturalHeight));
        var panel = itemCard.querySelector("[data-markup]");
        var canvas = panel.querySelector("[data-markup-canvas]");
        canvas.width = Math.max(1, Math.round(image.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(image.naturalHeight * scale));
        itemCard.markup = { canvas: canvas, image: image, shapes: [], tool: "circle", captured: captured, drawing: null };
        panel.hidden = false;
        redraw(itemCard.markup);
        input.value = "";
      };
      image.src = reader.result;
    };
    reader.readAsDataURL(file);
  }

  function point(canvas, event) {
    var box = canvas.getBoundingClientRect();
    return {
      x: (event.clientX - box.left) * (canvas.width / box.width),
      y: (event.clientY - box.top) * (canvas.height / box.height),
    };
  }

  root.addEventListener("pointerdown", function (event) {
    var canvas = event.target;
    var itemCard = card(canvas);
    if (!itemCard) return;
    if (canvas.matches("[data-markup-canvas]") && itemCard.markup) {
      var p = point(canvas, event);
      itemCard.markup.drawing = { tool: itemCard.markup.tool, x1: p.x, y1: p.y, x2: p.x, y2: p.y };
      canvas.setPointerCapture && canvas.setPointerCapture(event.pointerId);
      event.preventDefault();
    }
    if (canvas.matches("[data-signature-canvas]")) {
      sizeCanvas(canvas);
      var q = point(canvas, event);
      canvas.pen = true;
      canvas.strokes = (canvas.strokes || 0) + 1;
      var ctx = canvas.getContext("2d");
      ctx.lineWidth = 3 * (window.devicePixelRatio || 1);
      ctx.lineCap = "round";
      ctx.strokeStyle = "#111";
      ctx.beginPath();
      ctx.moveTo(q.x, q.y);
      canvas.setPointerCapture && canvas.setPointerCapture(event.pointerId);
      event.preventDefault();
    }
  });

  root.addEventListener("pointermove", function (event) {
    var canvas = event.target;
    var itemCard = card(canvas);
    if (!itemCard) return;
    if (canvas.matches("[data-markup-canvas]") && itemCard.markup && itemCard.markup.drawing) {
      var p = point(canvas, event);
      itemCard.markup.drawing.x2 = p.x;
      itemCard.markup.drawing.y2 = p.y;
      redraw(itemCard.markup);
    }
    if (canvas.matches("[data-signature-canvas]") && canvas.pen) {
      var q = point(canvas, event);
      var ctx = canvas.getContext("2d");
      ctx.lineTo(q.x, q.y);
      ctx.stroke();
    }
  });

  function endPointer(event) {
    var canvas = event.target;
    var itemCard = card(canvas);
    if (!itemCard) return;
    if (canvas.matches("[data-markup-canvas]") && itemCard.markup && itemCard.markup.drawing) {
      itemCard.markup.shapes.push(itemCard.markup.drawing);
      itemCard.markup.drawing = null;
      redraw(itemCard.markup);
    }
    if (canvas.matches("[data-signature-canvas]")) canvas.pen = false;
  }
  root.addEventListener("pointerup", endPointer);
  root.addEventListener("pointercancel", endPointer);

  function blobOf(canvas, type, quality) {
    return new Promise(function (resolve) {
      if (canvas.toBlob) { canvas.toBlob(resolve, type, quality); return; }
      var data = atob(canvas.toDataURL(type, quality).split(",")[1]);
      var bytes = new Uint8Array(data.length);
      for (var i = 0; i < data.length; i += 1) bytes[i] = data.charCodeAt(i);
      resolve(new Blob([bytes], { type: type }));
    });
  }

  root.addEventListener("click", function (event) {
    var el = event.target.closest("button");
    if (!el || !root.contains(el)) return;
    var itemCard = card(el);
    if (el.matches("[data-tool]") && itemCard && itemCard.markup) {
      itemCard.markup.tool = el.dataset.tool;
      el.parentNode.querySelectorAll("[data-tool]").forEach(function (b) { b.classList.toggle("active", b === el); });
    } else if (el.matches("[data-markup-undo]") && itemCard && itemCard.markup) {
      itemCard.markup.shapes.pop();
      redraw(itemCard.markup);
    } else if (el.matches("[data-markup-cancel]") && itemCard) {
      itemCard.markup = null;
      itemCard.querySelector("[data-markup]").hidden = true;
    } else if (el.matches("[data-markup-save]") && itemCard && itemCard.markup) {
      savePhoto(itemCard);
    } else if (el.matches("[data-sign-clear]") && itemCard) {
      var pad = itemCard.querySelector("[data-signature-canvas]");
      pad.getContext("2d").clearRect(0, 0, pad.width, pad.height);
      pad.strokes = 0;
    } else if (el.matches("[data-sign]") && itemCard) {
      sign(itemCard);
    } else if (el.matches("[data-submit]")) {
      submit(el);
    }
  });

  function savePhoto(itemCard) {
    var state = itemCard.markup;
    itemCard.markup = null;
    redraw(state);
    blobOf(state.canvas, "image/jpeg", 0.82).then(function (blob) {
      itemCard.querySelector("[data-markup]").hidden = true;
      var counter = itemCard.querySelector("[data-photo-count]");
      var count = parseInt(counter.dataset.count || "0", 10) + 1;
      counter.dataset.count = String(count);
      counter.textContent = String(count);
      showError(itemCard, "");
      return outbox.add({
        url: root.dataset.photoUrl,
        label: label(itemCard),
        fields: {
          client_key: uuid(),
          item: code(itemCard),
          captured_at: state.captured.toISOString(),
          annotated: state.shapes.length ? "1" : "0",
        },
        file: { blob: blob, name: "photo.jpg" },
      });
    });
  }

  function sign(itemCard) {
    var signer = itemCard.querySelector("[data-signer]");
    var pad = itemCard.querySelector("[data-signature-canvas]");
    if (!signer.value.trim()) { showError(itemCard, root.dataset.msgSignerNeeded); return; }
    if (!pad.strokes) { showError(itemCard, root.dataset.msgSignatureEmpty); return; }
    showError(itemCard, "");
    var name = signer.value.trim();
    blobOf(pad, "image/png").then(function (blob) {
      itemCard.querySelector("[data-signed]").textContent = root.dataset.msgSigned + "：" + name + "（" + root.dataset.msgQueued + "）";
      itemCard.dataset.signed = "1";
      return outbox.add({
        url: root.dataset.signatureUrl,
        label: label(itemCard),
        fields: { client_key: uuid(), item: code(itemCard), signed_by_name: name, signed_at: new Date().toISOString() },
        file: { blob: blob, name: "signature.png" },
      });
    });
  }

  function submitError(text) {
    var box = root.querySelector("[data-submit-error]");
    box.textContent = text || "";
    box.classList.toggle("d-none", !text);
  }

  function csrf() {
    var input = root.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function submit(button) {
    var missing = false;
    root.querySelectorAll("[data-item]").forEach(function (itemCard) {
      if (itemCard.hidden) return;
      var count = parseInt(itemCard.querySelector("[data-photo-count]").dataset.count || "0", 10);
      if (result(itemCard) === "fail" && itemCard.dataset.photoRequired === "1" && !count) {
        showError(itemCard, root.dataset.msgPhotoNeeded);
        missing = true;
      }
    });
    if (missing) return;
    button.disabled = true;
    submitError("");
    outbox.flush().then(function (waiting) {
      if (waiting) { submitError(root.dataset.msgWait); button.disabled = false; return; }
      return fetch(root.dataset.submitUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
      }).then(function (response) {
        return response.json().then(function (data) {
          if (response.ok) { window.location.href = data.url; return; }
          submitError(data.error);
          button.disabled = false;
        });
      });
    }).catch(function () {
      submitError(root.dataset.msgWait);
      button.disabled = false;
    });
  }

  root.querySelectorAll("[data-item]").forEach(function (itemCard) {
    if (result(itemCard) === "fail") itemCard.querySelectorAll("[data-signature-canvas]").forEach(sizeCanvas);
  });
})();
