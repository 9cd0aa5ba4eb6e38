// The opschat web chat pane. Message markup comes from the server, which
// escapes every piece of message text; everything this script writes itself
// (status, errors, notes) goes through textContent.
"use strict";

(function () {
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const messages = document.getElementById("messages");
  const status = document.getElementById("status");
  const errorBox = document.getElementById("error");
  const composer = document.getElementById("composer");
  const text = document.getElementById("text");
  const replying = document.getElementById("replying");
  let thread = "";
  let view = "web";

  // messageOf returns the ID of the message an element belongs to: its own
  // data-message, or the article it sits in (platform views leave it out).
  function messageOf(el) {
    if (el.dataset.message) return el.dataset.message;
    const art = el.closest("article.msg");
    return art ? art.dataset.id : "";
  }

  function showError(msg) {
    errorBox.textContent = msg;
    errorBox.hidden = !msg;
  }

  async function post(path, body, contentType) {
    const res = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": contentType || "application/json", "X-CSRF-Token": token },
      body: body,
      credentials: "same-origin",
    });
    let data = {};
    try { data = await res.json(); } catch (e) { /* not JSON */ }
    if (!res.ok) {
      throw new Error(data.error || ("HTTP " + res.status));
    }
    return data;
  }

  function applyView(root) {
    root.querySelectorAll(".view").forEach(function (el) {
      el.hidden = el.dataset.view !== view;
    });
  }

  function threadBox(rootEl) {
    let box = rootEl.querySelector(":scope > .thread");
    if (!box) {
      box = document.createElement("div");
      box.className = "thread";
      rootEl.appendChild(box);
    }
    return box;
  }

  function upsert(ev) {
    let el = document.getElementById("msg-" + ev.id);
    const fresh = !el;
    if (fresh) {
      el = document.createElement("article");
      el.id = "msg-" + ev.id;
      el.dataset.id = ev.id;
      el.className = ev.fromMe ? "msg from-me" : "msg from-bot";
      const head = document.createElement("div");
      head.className = "head";
      const who = document.createElement("span");
      who.className = "author";
      who.textContent = ev.author;
      const when = document.createElement("time");
      when.textContent = ev.time.replace("T", " ").replace("Z", " UTC");
      const reply = document.createElement("button");
      reply.type = "button";
      reply.className = "reply";
      reply.textContent = "Reply in thread";
      head.append(who, " ", when, " ", reply);
      const body = document.createElement("div");
      body.className = "body";
      el.append(head, body);
      const root = ev.thread && document.getElementById("msg-" + ev.thread);
      if (root) {
        el.dataset.thread = ev.thread;
        threadBox(root).appendChild(el);
      } else {
        messages.appendChild(el);
      }
    }
    el.querySelector(":scope > .body").innerHTML = ev.html;
    applyView(el);
    if (fresh) {
      el.scrollIntoView({ block: "nearest" });
    }
  }

  function connect() {
    const es = new EventSource("/events?token=" + encodeURIComponent(token));
    es.onmessage = function (e) {
      try { upsert(JSON.parse(e.data)); } catch (err) { showError("bad event: " + err.message); }
    };
    es.addEventListener("ready", function () {
      status.textContent = "connected";
      document.body.dataset.ready = "true";
    });
    es.onerror = function () {
      status.textContent = "reconnecting…";
    };
  }

  composer.addEventListener("submit", async function (e) {
    e.preventDefault();
    const t = text.value.trim();
    if (!t) return;
    try {
      await post("/api/inbound", JSON.stringify({ kind: "message", text: t, thread: thread }));
      text.value = "";
      showError("");
    } catch (err) {
      showError(err.message);
    }
  });

  document.getElementById("cancel-reply").addEventListener("click", function () {
    thread = "";
    replying.hidden = true;
  });

  messages.addEventListener("click", async function (e) {
    const target = e.target;
    if (!(target instanceof HTMLElement)) return;
    if (target.classList.contains("reply")) {
      const msg = target.closest("article.msg");
      thread = msg.dataset.thread || msg.dataset.id;
      replying.hidden = false;
      text.focus();
      return;
    }
    if (target.classList.contains("copy")) {
      const pre = target.parentElement.querySelector("pre");
      if (pre && navigator.clipboard) {
        navigator.clipboard.writeText(pre.textContent).catch(function () {});
      }
      return;
    }
    if (target.dataset.button !== undefined && messageOf(target)) {
      try {
        await post("/api/inbound", JSON.stringify({
          kind: "button", message: messageOf(target), button: Number(target.dataset.button),
        }));
        showError("");
      } catch (err) {
        showError(err.message);
      }
    }
  });

  messages.addEventListener("submit", async function (e) {
    const form = e.target;
    if (!(form instanceof HTMLFormElement) || !messageOf(form)) return;
    e.preventDefault();
    const values = {};
    new FormData(form).forEach(function (v, k) { values[k] = String(v); });
    try {
      await post("/api/inbound", JSON.stringify({ kind: "form", message: messageOf(form), values: values }));
      showError("");
    } catch (err) {
      showError(err.message);
    }
  });

  document.querySelectorAll('#views input[name="view"]').forEach(function (r) {
    r.addEventListener("change", function () {
      view = r.value;
      document.body.dataset.view = view;
      applyView(messages);
    });
  });

  const notifyForm = document.getElementById("notify-form");
  if (notifyForm) {
    const note = document.getElementById("notify-note");
    notifyForm.addEventListener("submit", async function (e) {
      e.preventDefault();
      note.textContent = "delivering…";
      try {
        const data = await post("/api/notify", document.getElementById("payload").value, "text/plain");
        note.textContent = data.note;
      } catch (err) {
        note.textContent = err.message;
      }
    });
  }

  connect();
})();
