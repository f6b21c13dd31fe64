/* The phone inspection page: answers are kept in localStorage and sent to the API one by one.
 * Each change gets a new client-generated idempotency key; the server upserts by item and ignores a
 * key it already has, so a draft sent twice (a lost response, a reload) is never duplicated.
 * Offline, answers wait in the browser and are sent when the connection comes back. */
(function () {
  "use strict";
  var root = document.getElementById("inspection");
  if (!root) return;
  var id = root.dataset.id;
  var editable = root.dataset.editable === "1";
  var storeKey = "jianguan.inspection." + id;
  var messages = JSON.parse(document.getElementById("messages").textContent);
  var server = JSON.parse(document.getElementById("server-state").textContent);
  var csrf = (JSON.parse(document.body.getAttribute("hx-headers") || "{}"))["X-CSRFToken"] || "";
  var sending = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  var state = load();
  function save() { localStorage.setItem(storeKey, JSON.stringify(state)); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function section(code) { return root.querySelector('.item[data-item="' + code + '"]'); }

  function pendingCount() {
    return Object.keys(state).filter(function (code) { return !state[code].synced; }).length;
  }

  function showStatus() {
    var el = document.getElementById("sync-status");
    var pending = pendingCount();
    el.classList.toggle("offline", pending > 0);
    el.textContent = pending ? messages.pending.replace("{n}", pending) : messages.synced;
    Object.keys(state).forEach(function (code) {
      var s = section(code);
      if (!s) return;
      var status = s.querySelector(".item-status");
      var photos = (state[code].photos || []).length + (server[code] ? server[code].photos : 0);
      status.classList.toggle("error", !!state[code].error);
      status.textContent = state[code].error || ((state[code].synced ? messages.saved : messages.waiting) +
        (photos ? " · " + messages.photos + " " + photos : ""));
    });
  }

  function restore() {
    Object.keys(state).forEach(function (code) {
      var s = section(code), a = state[code];
      if (!s) return;
      var radio = s.querySelector('input[type=radio][value="' + a.result + '"]');
      if (radio) radio.checked = true;
      var note = s.querySelector("textarea"); if (note) note.value = a.note || "";
      var m = s.querySelector('input[name="m-' + code + '"]'); if (m) m.value = a.measurement || "";
      var sig = s.querySelector('input[name="s-' + code + '"]'); if (sig) sig.value = a.signature || "";
    });
  }

  function position() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) return resolve(null);
      navigator.geolocation.getCurrentPosition(function (p) {
        resolve({ lat: p.coords.latitude, lon: p.coords.longitude });
      }, function () { resolve(null); }, { timeout: 5000, maximumAge: 60000 });
    });
  }

  function record(code) {
    var s = section(code);
    var checked = s.querySelector("input[type=radio]:checked");
    if (!checked) return;
    var previous = state[code] || {};
    var note = s.querySelector("textarea");
    var m = s.querySelector('input[name="m-' + code + '"]');
    var sig = s.querySelector('input[name="s-' + code + '"]');
    state[code] = {
      result: checked.value,
      note: note ? note.value : "",
      measurement: m ? m.value : "",
      signature: sig ? sig.value : "",
      photos: (previous.photos || []).filter(function (p) { return !p.sent; }),
      key: newKey(),
      synced: false,
    };
    save();
    showStatus();
    sync();
  }

  function addPhoto(code, file) {
    var reader = new FileReader();
    reader.onload = function () {
      position().then(function (where) {
        var a = state[code];
        if (!a) return;
        a.photos = a.photos || [];
        a.photos.push({
          name: file.name || "photo.jpg",
          type: file.type || "image/jpeg",
          data: reader.result,
          captured_at: new Date(file.lastModified || Date.now()).toISOString(),
          lat: where ? where.lat : null,
          lon: where ? where.lon : null,
        });
        a.key = newKey();
        a.synced = false;
        save();
        showStatus();
        sync();
      });
    };
    reader.readAsDataURL(file);
  }

  function blob(dataUrl, type) {
    var bytes = atob(dataUrl.split(",")[1]);
    var buffer = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) buffer[i] = bytes.charCodeAt(i);
    return new Blob([buffer], { type: type });
  }

  function send(code) {
    var a = state[code];
    var body = new FormData();
    body.append("item", code);
    body.append("result", a.result);
    body.append("key", a.key);
    body.append("note", a.note || "");
    body.append("measurement", a.measurement || "");
    body.append("signature", a.signature || "");
    var photos = (a.photos || []).filter(function (p) { return !p.sent; });
    photos.forEach(function (p) { body.append("photos", blob(p.data, p.type), p.name); });
    if (photos.length) {
      body.append("captured_at", photos[0].captured_at);
      if (photos[0].lat !== null) { body.append("latitude", photos[0].lat); body.append("longitude", photos[0].lon); }
    }
    var key = a.key;
    return fetch(root.dataset.answerUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
    }).then(function (response) {
      return response.json().then(function (data) {
        var current = state[code];
        if (response.ok) {
          server[code] = { photos: (data.photos || []).length };
          if (current && current.key === key) {
            current.synced = true;
            current.error = "";
            current.photos = [];
          }
        } else if (current && current.key === key) {
          current.error = (data.error && (data.error.message || "")) || String(response.status);
        }
        save();
      });
    });
  }

  function sync() {
    if (sending || !navigator.onLine) { showStatus(); return Promise.resolve(); }
    var codes = Object.keys(state).filter(function (code) { return !state[code].synced && !state[code].error; });
    if (!codes.length) { showStatus(); return Promise.resolve(); }
    sending = true;
    document.getElementById("sync-status").textContent = messages.sending;
    var chain = Promise.resolve();
    codes.forEach(function (code) { chain = chain.then(function () { return send(code); }); });
    return chain.catch(function () { /* offline again: the rest waits */ }).then(function () {
      sending = false;
      showStatus();
      if (codes.some(function (c) { return state[c] && !state[c].synced && !state[c].error; }) && navigator.onLine) {
        setTimeout(sync, 3000);
      }
    });
  }

  if (editable) {
    root.querySelectorAll(".item").forEach(function (s) {
      var code = s.dataset.item;
      s.querySelectorAll("input[type=radio]").forEach(function (r) { r.addEventListener("change", function () { record(code); }); });
      s.querySelectorAll("textarea, input[type=text]").forEach(function (t) { t.addEventListener("change", function () { record(code); }); });
      var file = s.querySelector("input[type=file]");
      if (file) file.addEventListener("change", function () {
        if (!s.querySelector("input[type=radio]:checked")) s.querySelector('input[value="fail"]').checked = true;
        if (!state[code]) record(code);
        Array.prototype.forEach.call(file.files, function (f) { addPhoto(code, f); });
        file.value = "";
      });
    });
    document.getElementById("submit").addEventListener("click", function () {
      var out = document.getElementById("submit-result");
      if (pendingCount()) { out.textContent = messages.unsynced; sync(); return; }
      fetch(root.dataset.submitUrl, {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
      }).then(function (response) {
        return response.json().then(function (data) {
          if (response.ok) { out.textContent = messages.submitted; localStorage.removeItem(storeKey); setTimeout(function () { location.reload(); }, 600); }
          else { out.textContent = data.error ? data.error.message : String(response.status); }
        });
      }).catch(function () { out.textContent = messages.unsynced; });
    });
  } else {
    root.querySelectorAll("input, textarea, #submit").forEach(function (el) { el.disabled = true; });
  }
  window.addEventListener("online", sync);
  window.addEventListener("offline", showStatus);
  restore();
  showStatus();
  sync();
  setInterval(sync, 15000);
})();
