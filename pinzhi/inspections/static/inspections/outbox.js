// The inspector's outbox (INS-5): every answer, photo, signature and note is first kept on
// the phone in IndexedDB, then sent; nothing is removed from the outbox until the server has
// stored it. Each entry carries the key the phone made for it (client_key), so sending it
// again never makes a second record on the server. Plain ES2017 without modules, no service
// worker (WeChat's in-app browser on iOS has no background sync), no inline script (CSP).
//
//   window.pinzhiOutbox.add({url, fields, file, label}) -> Promise
//   window.pinzhiOutbox.flush() -> Promise(number of entries still waiting)
//   window.pinzhiOutbox.pending() -> Promise(entries)
//
// Markup it fills in: [data-outbox-count], [data-outbox-state], [data-outbox-refused], and a
// [data-outbox-send] button ("send now").
(function () {
  "use strict";
  if (window.pinzhiOutbox) return;

  var DB_NAME = "pinzhi-outbox";
  var STORE = "entries";
  var RETRY_MS = 15000;
  var memory = []; // when the browser has no IndexedDB: kept while the page is open
  var memoryId = 0;
  var dbPromise = null;
  var sending = null;

  function openDb() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve) {
      var request;
      try {
        if (!window.indexedDB) { resolve(null); return; }
        request = window.indexedDB.open(DB_NAME, 1);
      } catch (e) { resolve(null); return; }
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains(STORE)) {
          db.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
        }
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { resolve(null); };
      request.onblocked = function () { resolve(null); };
    });
    return dbPromise;
  }

  function run(mode, work) {
    return openDb().then(function (db) {
      if (!db) return work(null);
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var result;
        transaction.oncomplete = function () { resolve(result); };
        transaction.onerror = function () { reject(transaction.error); };
        transaction.onabort = function () { reject(transaction.error); };
        work(transaction.objectStore(STORE), function (value) { result = value; });
      });
    });
  }

  function all() {
    return run("readonly", function (store, done) {
      if (!store) return memory.slice();
      var request = store.getAll();
      request.onsuccess = function () { done(request.result || []); };
    }).then(function (rows) {
      return (rows || []).sort(function (a, b) { return a.id - b.id; });
    });
  }

  function put(entry) {
    return run("readwrite", function (store, done) {
      if (!store) {
        if (!entry.id) { memoryId += 1; entry.id = memoryId; memory.push(entry); }
        return entry.id;
      }
      var request = store.put(entry);
      request.onsuccess = function () { done(request.result); };
    });
  }

  function remove(id) {
    return run("readwrite", function (store) {
      if (!store) { memory = memory.filter(function (e) { return e.id !== id; }); return; }
      store.delete(id);
    });
  }

  function readBuffer(blob) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsArrayBuffer(blob);
    });
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // One entry to the server: "sent", "later" (no network, the server busy, or its answer
  // not there yet) or "refused" (the server said why; kept and shown, never dropped).
  function sendOne(entry) {
    var body = new FormData();
    Object.keys(entry.fields || {}).forEach(function (name) {
      var value = entry.fields[name];
      body.append(name, value === null || value === undefined ? "" : value);
    });
    if (entry.file) {
      body.append("file", new Blob([entry.file.buffer], { type: entry.file.type }), entry.file.name);
    }
    return fetch(entry.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") !== -1;
      if (!json || response.redirected) return { outcome: "later" }; // signed out: keep it
      return response.json().then(function (data) {
        if (response.ok) return { outcome: "sent" };
        if (response.status >= 500 || response.status === 429) return { outcome: "later" };
        if (response.status === 409 && data.code === "answer_not_yet") return { outcome: "later" };
        return { outcome: "refused", error: data.error || String(response.status) };
      });
    }, function () {
      return { outcome: "later" };
    });
  }

  function pass() {
    return all().then(function (entries) {
      var sent = 0, later = 0;
      var chain = Promise.resolve();
      entries.forEach(function (entry) {
        if (entry.refused) return;
        chain = chain.then(function () {
          return sendOne(entry).then(function (result) {
            if (result.outcome === "sent") { sent += 1; return remove(entry.id); }
            if (result.outcome === "refused") {
              entry.refused = result.error;
              return put(entry);
            }
            later += 1;
          });
        });
      });
      return chain.then(function () { return { sent: sent, later: later }; });
    });
  }

  function flush() {
    if (sending) return sending;
    setState("sending");
    sending = pass()
      .then(function (first) {
        // A photo sent before its answer waited; the answer may have gone since.
        return first.sent && first.later ? pass() : first;
      })
      .catch(function () { return null; })
      .then(function () {
        sending = null;
        return refresh();
      });
    return sending;
  }

  function add(entry) {
    var file = entry.file;
    var stored = {
      url: entry.url,
      fields: entry.fields || {},
      label: entry.label || "",
      created: new Date().toISOString(),
      file: null,
      refused: "",
    };
    var ready = file
      ? readBuffer(file.blob).then(function (buffer) {
          stored.file = { buffer: buffer, type: file.blob.type || "application/octet-stream", name: file.name };
        })
      : Promise.resolve();
    return ready
      .then(function () { return put(stored); })
      .then(function () { refresh(); if (navigator.onLine !== false) flush(); });
  }

  function setState(state) {
    document.querySelectorAll("[data-outbox-state]").forEach(function (el) {
      var text = el.dataset[state] || "";
      if (state === "online" && !dbPromiseReady) text = "";
      el.textContent = text;
    });
  }

  var dbPromiseReady = false;

  function refresh() {
    return all().then(function (entries) {
      var waiting = entries.length;
      document.querySelectorAll("[data-outbox-count]").forEach(function (el) {
        el.textContent = String(waiting);
      });
      document.querySelectorAll("[data-outbox-refused]").forEach(function (list) {
        list.textContent = "";
        entries.forEach(function (entry) {
          if (!entry.refused) return;
          var li = document.createElement("li");
          li.textContent = (entry.label ? entry.label + "：" : "") + entry.refused;
          list.appendChild(li);
        });
      });
      openDb().then(function (db) {
        dbPromiseReady = true;
        if (!db) { setState("nodb"); return; }
        if (navigator.onLine === false) setState("offline");
        else setState(waiting ? "online" : "sent");
      });
      return waiting;
    });
  }

  function pending() { return all(); }

  // "Send now" also sends again what the server refused (e.g. after signing in again).
  function sendNow() {
    return all().then(function (entries) {
      var chain = Promise.resolve();
      entries.forEach(function (entry) {
        if (!entry.refused) return;
        entry.refused = "";
        chain = chain.then(function () { return put(entry); });
      });
      return chain.then(flush);
    });
  }

  window.pinzhiOutbox = { add: add, flush: flush, pending: pending, refresh: refresh, sendNow: sendNow };

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-outbox-send]")) sendNow();
  });
  window.addEventListener("online", function () { flush(); });
  window.addEventListener("offline", function () { refresh(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") flush();
  });
  setInterval(function () {
    if (navigator.onLine !== false) {
      all().then(function (entries) {
        if (entries.some(function (e) { return !e.refused; })) flush();
      });
    }
  }, RETRY_MS);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { flush(); });
  } else {
    flush();
  }
})();
