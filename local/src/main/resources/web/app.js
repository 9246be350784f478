// Switchboard chat page: plain JS, no build step. Speaks the wire protocol of docs/PROTOCOL.md.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const NAME = /^[A-Za-z0-9_.\-]{1,64}$/;
  const PING_EVERY_MS = 5 * 60 * 1000; // API Gateway closes idle sockets after 10 minutes

  const state = {
    user: null, token: null, socket: null, rooms: new Map(), current: null,
    attempts: 0, reconnectTimer: null, pingTimer: null, wanted: false, seq: 0, everConnected: false,
    refreshTimer: null,
    // room -> frames to send once its join is confirmed. API Gateway handles a connection's frames
    // concurrently, in any order (docs/PROTOCOL.md "Order"): a history or send right behind its
    // join could run first and be refused not_member, so they wait for the confirmation.
    joining: new Map(),
    // requestId -> {action, room, cancelled} of each request sent on this socket (docs/PROTOCOL.md, "Matching
    // answers to requests"): answers come in any order, so a history page or an error is matched to the request
    // it answers by its requestId, never by room or type. Two history requests of one room can be in flight (a
    // join's, a rejoin's after a leave); a page or error of a request for a room left since is dropped.
    requests: new Map(), requestSeq: 0,
  };
  const REQUESTS_KEPT = 500; // typing and read are answered only when refused: the oldest are forgotten

  // Token refresh hook (docs/LOCAL.md, "Chat page"): a page embedding the chat sets
  // window.switchboardGetToken to a function returning a fresh JWT (or a promise of one). It is called
  // a minute before the current token's exp and whenever the server answers token_expired; the new
  // token is sent as {"action":"refresh"} and used for later reconnects. window.switchboard.refresh(jwt)
  // sends one at any time. The exp is read only to schedule this; the server verifies every token.
  function tokenExp(token) {
    try {
      return JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).exp || 0;
    } catch (e) {
      return 0;
    }
  }
  function scheduleRefresh() {
    clearTimeout(state.refreshTimer);
    const exp = state.token ? tokenExp(state.token) : 0;
    if (!exp || typeof window.switchboardGetToken !== "function") return;
    state.refreshTimer = setTimeout(requestRefresh, Math.max(1000, exp * 1000 - Date.now() - 60000));
  }
  async function requestRefresh() {
    if (typeof window.switchboardGetToken !== "function") return;
    try {
      const token = await window.switchboardGetToken();
      if (token) refresh(token);
    } catch (e) {
      system("Could not get a new token: " + e, true);
    }
  }
  function refresh(token) {
    state.token = token;
    send({ action: "refresh", token: token });
  }
  window.switchboard = { refresh: refresh };
  // room -> {ids:Set, lastId, unread, items:[], typing: Map user->expiry ms, readBy: Map user->message id}
  function room(name) {
    if (!state.rooms.has(name)) {
      state.rooms.set(name, { ids: new Set(), lastId: null, unread: 0, items: [], typing: new Map(), readBy: new Map() });
    }
    return state.rooms.get(name);
  }

  function setState(kind, text) {
    const el = $("state");
    el.className = "state state-" + kind;
    el.textContent = text || kind;
  }

  // ?ws=wss://API_ID.execute-api.REGION.amazonaws.com/STAGE points the page at a deployed API (docs/DEPLOY.md);
  // without it the page talks to the local cloud that serves it.
  const WS_OVERRIDE = new URLSearchParams(location.search).get("ws");

  function url() {
    const base = WS_OVERRIDE ? WS_OVERRIDE.replace(/\/+$/, "")
      : (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/";
    return state.token ? base + "?token=" + encodeURIComponent(state.token) : base + "?user=" + encodeURIComponent(state.user);
  }

  // Sends a join; `next` goes out once the joiner's own presence join (the confirmation) arrives.
  function joinThen(name, next) {
    state.joining.set(name, [next]);
    send({ action: "join", room: name });
  }

  // Sends now, or after the room's join is confirmed when it is still pending.
  function sendToRoom(name, obj) {
    const waiting = state.joining.get(name);
    if (waiting) { waiting.push(obj); return state.socket && state.socket.readyState === WebSocket.OPEN; }
    return send(obj);
  }

  // Sends obj with a requestId of its own (w-1, w-2, ...), remembered until its answer or error arrives.
  function send(obj) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) {
      obj.requestId = "w-" + (++state.requestSeq);
      state.requests.set(obj.requestId, { action: obj.action, room: obj.room, cancelled: false });
      if (state.requests.size > REQUESTS_KEPT) state.requests.delete(state.requests.keys().next().value);
      state.socket.send(JSON.stringify(obj));
      return true;
    }
    return false;
  }

  // The request a frame answers, forgotten now; null when the frame has no requestId (a server that does
  // not echo it: then history is matched by room, as before) or names none of this socket's requests.
  function answered(f) {
    if (!f.requestId) return null;
    const req = state.requests.get(f.requestId);
    state.requests.delete(f.requestId);
    return req || null;
  }

  function connect() {
    clearTimeout(state.reconnectTimer);
    state.wanted = true;
    setState(state.everConnected ? "reconnecting" : "connecting", state.everConnected ? "reconnecting…" : "connecting…");
    let opened = false;
    const socket = new WebSocket(url());
    state.socket = socket;
    socket.onopen = () => {
      opened = true;
      state.everConnected = true;
      state.attempts = 0;
      setState("connected");
      showApp();
      state.joining.clear();
      state.requests.clear(); // sent on the closed socket: never answered
      for (const [name, r] of state.rooms) {
        if (name === DIRECT) continue;
        joinThen(name, r.lastId ? { action: "history", room: name, after: r.lastId, limit: 50 } : { action: "history", room: name, limit: 50 });
      }
      clearInterval(state.pingTimer);
      state.pingTimer = setInterval(() => send({ action: "ping" }), PING_EVERY_MS);
      scheduleRefresh();
      // what waited while offline: the newest inbox page carries the counts for the badge
      send({ action: "inbox", limit: 20 });
    };
    socket.onmessage = (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch (e) { return system("Unreadable frame from the server", true); }
      handle(frame);
    };
    socket.onclose = (event) => {
      clearInterval(state.pingTimer);
      if (state.socket !== socket) return;
      if (!opened && !state.everConnected) {
        setState("disconnected");
        $("login-error").textContent = "The server refused the connection: check the name or token (a token may have expired).";
        state.wanted = false;
        return;
      }
      if (!state.wanted) { setState("disconnected"); return; }
      // A browser never sees the handshake's status: two refusals in a row before the socket opens mean the
      // server no longer accepts these credentials (a token expired, or it now wants one), not a network blip.
      state.refusals = opened ? 0 : (state.refusals || 0) + 1;
      if (state.refusals === 2) {
        system("Cannot reconnect: the server refuses the connection (a token may have expired, or the server now "
          + "requires one). Reload the page to sign in again.", true);
      }
      scheduleReconnect(event.code);
    };
  }

  function scheduleReconnect(code) {
    // exponential backoff with full jitter, capped at 30 s
    const cap = Math.min(30000, 500 * 2 ** state.attempts++);
    const delay = Math.round(cap / 2 + Math.random() * cap / 2);
    let left = Math.ceil(delay / 1000);
    setState("reconnecting", "reconnecting in " + left + "s");
    const tick = setInterval(() => { left -= 1; if (left > 0) setState("reconnecting", "reconnecting in " + left + "s"); }, 1000);
    state.reconnectTimer = setTimeout(() => { clearInterval(tick); connect(); }, delay);
    if (code === 1009) system("Your last message was too large and the connection was closed.", true);
  }

  function handle(f) {
    if (!f.type && f.message) { // API Gateway's own frames
      return system(f.message === "Forbidden" ? "The server did not accept that request." : "The server had a problem handling that request. Please try again.", true);
    }
    switch (f.type) {
      case "message": return addMessage(f.room, f, false);
      case "direct": inboxLive(f, "direct"); return addDirect(f);
      case "ack": return changes.has(f.clientMsgId) ? changed(f) : confirm(f);
      case "presence": return presence(f);
      case "history": return historyPage(f);
      case "members": {
        // the panel shows the room in view: not an answer for a room switched away from meanwhile
        const req = answered(f);
        return (req ? req.room : f.room) === state.current ? members(f) : undefined;
      }
      case "typing": return typing(f);
      case "receipt": return receipt(f);
      case "unread": return unreadCount(f);
      case "edited": case "deleted": return replaced(f);
      case "notification": inboxLive(f, "notification"); return notify(f);
      case "inbox": return inboxPage(f);
      case "badge": return setBadge(f.unread);
      case "marked": return inboxMarked(f);
      case "pong": return;
      case "refreshed":
        scheduleRefresh();
        (f.left || []).forEach((name) => system("You no longer have access to #" + name + ".", true, name));
        return;
      case "error": return refused(f);
      default: return;
    }
  }

  // An error, shown in the room of the request it refuses (by its requestId). A refused join (forbidden,
  // too_many_rooms, rate_limited) drops the room: nothing was joined, and frames waiting for its confirmation
  // would wait forever. The error of a request for a room left since is not shown: it is about the old visit.
  function refused(f) {
    if (f.code === "token_expired") requestRefresh();
    const req = answered(f);
    if (req && req.cancelled) return;
    if (req && req.action === "join" && req.room && state.joining.has(req.room)) {
      state.joining.delete(req.room);
      state.rooms.delete(req.room);
      const text = "Could not join #" + req.room + ": " + errorText(f);
      if (state.current === req.room) {
        const next = state.rooms.keys().next().value;
        if (!next) {
          // no room left: said without one (system() would make up a room to put it in)
          state.current = null; renderRooms(); $("messages").replaceChildren(); $("room-title").textContent = "No room: join one";
          render({ kind: "system", text, error: true });
          return;
        }
        select(next);
      } else {
        renderRooms();
      }
      return system(text, true);
    }
    return system(errorText(f, req), true, req ? req.room : f.room);
  }

  function errorText(f, req) {
    const what = f.requestAction ? " (" + f.requestAction + (req && req.room ? " #" + req.room : "") + ")" : "";
    return (f.message || f.code || "error") + what;
  }

  // A history page, in the room of the request it answers. Pages of a request for a room left since are
  // dropped (they would bring the room back); its messages go where their ids place them among those shown,
  // as a page can arrive after live messages that are newer than it.
  function historyPage(f) {
    const req = answered(f);
    if (req && req.cancelled) return;
    const name = req ? req.room : f.room;
    if (!name || !state.rooms.has(name)) return;
    let placed = false;
    (f.messages || []).forEach((m) => { placed = addMessage(name, m, true) || placed; });
    if (placed && name === state.current) renderItems(name); // shown again, in id order
    // a page cut to fit 128 KB (or one of several after a reconnect) names where the rest starts
    if (f.next) send({ action: "history", room: name, after: f.next, limit: 50 });
  }

  function addMessage(roomName, m, fromHistory) {
    if (!roomName) return;
    const r = room(roomName);
    if (m.id && r.ids.has(m.id)) return; // de-duplicate: history after reconnect may overlap live delivery
    if (m.id) { r.ids.add(m.id); if (!r.lastId || m.id > r.lastId) r.lastId = m.id; }
    const item = { kind: "message", id: m.id, from: m.from, text: m.text, ts: m.ts, mine: m.from === state.user,
                   editedAt: m.editedAt, deleted: !!m.deleted };
    if (fromHistory && m.id) {
      // before the first message shown with a larger id (ids sort by time); historyPage re-renders the room
      const at = r.items.findIndex((i) => i.kind === "message" && i.id && i.id > m.id);
      if (at >= 0) { r.items.splice(at, 0, item); return true; }
    }
    r.items.push(item);
    if (r.typing.delete(m.from) && roomName === state.current) renderTyping(); // their message ends their typing
    if (roomName === state.current) { render(item); markRead(); } else if (!fromHistory) { r.unread++; renderRooms(); }
  }

  // ---- typing (docs/PROTOCOL.md "Typing"): the server coalesces to one event per 3 s, so send at most that often
  const TYPING_EVERY_MS = 3000;
  const TYPING_SHOWN_MS = 6000; // two windows: a user who keeps typing is announced again within that
  let lastTypingSent = 0;
  function typingInput() {
    const name = state.current;
    if (!name || name === DIRECT || !$("message").value.trim() || $("message").value.startsWith("@")) return;
    if (Date.now() - lastTypingSent < TYPING_EVERY_MS || state.joining.has(name)) return;
    lastTypingSent = Date.now();
    send({ action: "typing", room: name });
  }
  function typing(f) {
    if (f.user === state.user) return;
    room(f.room).typing.set(f.user, Date.now() + TYPING_SHOWN_MS);
    if (f.room === state.current) renderTyping();
    setTimeout(() => { if (f.room === state.current) renderTyping(); }, TYPING_SHOWN_MS + 50);
  }
  function renderTyping() {
    const r = state.current && state.rooms.get(state.current);
    const now = Date.now();
    const users = r ? [...r.typing].filter(([, until]) => until > now).map(([u]) => u) : [];
    $("typing").textContent = users.length === 0 ? "" : users.join(", ") + (users.length === 1 ? " is" : " are") + " typing…";
  }

  // ---- read receipts (docs/PROTOCOL.md "Read receipts"): the newest message shown, sent at most once a second
  let readTimer = null;
  function markRead() {
    if (readTimer || document.hidden) return;
    readTimer = setTimeout(() => {
      readTimer = null;
      const name = state.current;
      const r = name && name !== DIRECT && state.rooms.get(name);
      if (!r || !r.lastId || r.lastId === r.sentRead || state.joining.has(name)) return;
      r.sentRead = r.lastId;
      send({ action: "read", room: name, id: r.lastId });
    }, 1000);
  }
  function receipt(f) {
    if (f.user === state.user) return; // the answer to our own read
    const r = room(f.room);
    r.readBy.set(f.user, f.id);
    if (f.room === state.current) renderReadMarks();
  }
  // One "✓ name" per reader, on the last message they read (or the newest shown before it).
  function renderReadMarks() {
    const r = state.current && state.rooms.get(state.current);
    document.querySelectorAll("#messages .read-mark").forEach((el) => el.remove());
    if (!r) return;
    const shown = r.items.filter((i) => i.id && i.element && i.kind === "message");
    for (const [user, id] of r.readBy) {
      let at = null;
      for (const i of shown) if (i.id <= id) at = i;
      if (!at) continue;
      const mark = document.createElement("span");
      mark.className = "read-mark"; mark.setAttribute("data-testid", "read-mark"); mark.dataset.user = user;
      mark.textContent = "✓ " + user;
      mark.title = user + " has read up to here";
      at.element.querySelector(".meta").append(mark);
    }
  }
  function unreadCount(f) {
    if (f.room === state.current) return; // shown now: read
    room(f.room).unread = f.count;
    renderRooms();
  }

  // ---- edit and delete (docs/PROTOCOL.md "Edit and delete")
  function replaced(f) {
    const r = room(f.room);
    const item = r.items.find((i) => i.id === f.id && i.kind === "message");
    if (!item) return;
    if (f.type === "deleted") { item.deleted = true; item.text = null; item.editedAt = f.deletedAt; }
    else { item.text = f.text; item.editedAt = f.editedAt; }
    if (item.element) fill(item.element, item);
  }
  // Our own edits and deletes by clientMsgId: the server tells the other members, and us by the ack.
  const changes = new Map();
  function change(obj) {
    obj.clientMsgId = "web-" + Date.now().toString(36) + "-" + (state.seq++);
    if (!send(obj)) return system("Not connected: the " + obj.action + " was not sent.", true);
    changes.set(obj.clientMsgId, obj);
  }
  function changed(f) {
    const c = changes.get(f.clientMsgId);
    changes.delete(f.clientMsgId);
    replaced(c.action === "delete" ? { type: "deleted", room: c.room, id: c.id, deletedAt: f.ts }
      : { type: "edited", room: c.room, id: c.id, text: c.text, editedAt: f.ts });
  }
  let editing = null; // {room, id} while the composer edits one of our messages
  function startEdit(item) {
    editing = { room: state.current, id: item.id };
    $("message").value = item.text || "";
    $("message").placeholder = "Edit your message — Enter saves, Escape cancels";
    $("message").classList.add("editing");
    $("message").focus();
  }
  function stopEdit() {
    editing = null;
    $("message").classList.remove("editing");
    $("message").placeholder = "Message #" + state.current + " — @name text for a direct message";
  }

  // Direct messages have their own view; '@' cannot start a room name, so it never collides with one.
  const DIRECT = "@direct";

  function addDirect(m) {
    const r = room(DIRECT);
    if (m.id && r.ids.has(m.id)) return;
    if (m.id) r.ids.add(m.id);
    const item = { kind: "direct", id: m.id, from: m.from, text: m.text, ts: m.ts, mine: false };
    r.items.push(item);
    if (state.current === DIRECT) render(item); else { r.unread++; renderRooms(); }
    toast("Direct message from " + m.from, m.text);
  }

  const pending = new Map(); // clientMsgId -> {item, room}
  function confirm(f) {
    const sent = pending.get(f.clientMsgId);
    if (!sent) return;
    pending.delete(f.clientMsgId);
    // The item, not only its element: switching rooms re-renders items, and an acked one must stay acked.
    sent.item.pending = false;
    sent.item.id = f.id;
    const el = sent.item.element;
    if (el) { el.dataset.id = f.id; el.querySelector(".pending")?.remove(); fill(el, sent.item); }
    const r = state.rooms.get(sent.room);
    if (r && f.id) { r.ids.add(f.id); if (!r.lastId || f.id > r.lastId) r.lastId = f.id; }
  }

  function presence(f) {
    // the confirmation of a join sent before the room was left again: about the old visit
    const req = answered(f);
    if (req && req.cancelled) return;
    // Only members receive a room's presence: the first one after our join confirms it.
    const waiting = f.event === "join" && state.joining.get(f.room);
    if (waiting) { state.joining.delete(f.room); waiting.forEach(send); }
    const text = f.user + (f.event === "join" ? " joined" : " left");
    const r = room(f.room);
    const item = { kind: "system", text };
    r.items.push(item);
    if (f.room === state.current) render(item);
  }

  function members(f) {
    const list = $("members");
    list.replaceChildren();
    (f.users || []).forEach((u) => { const li = document.createElement("li"); li.textContent = u; list.appendChild(li); });
    if (f.count && f.count > (f.users || []).length) {
      const li = document.createElement("li"); li.textContent = "… " + f.count + " in all"; list.appendChild(li);
    }
    $("members-panel").hidden = false;
  }

  function notify(f) {
    const li = document.createElement("li");
    const b = document.createElement("strong"); b.textContent = f.title || "Notification";
    const p = document.createElement("div"); p.textContent = f.body || "";
    li.append(b, p);
    $("notifications").prepend(li);
    toast(f.title || "Notification", f.body || "");
  }

  // ---------------------------------------------------------------- inbox (docs/PROTOCOL.md, "Inbox")
  // Notifications to this user and direct messages wait in the inbox while the user is away. The badge
  // shows the server's unread count; a mark in any tab reaches every tab as "marked", so all clear.
  const inbox = new Map(); // id -> {id, kind, from, text, title, body, ts, read}

  function setBadge(unread) {
    const badge = $("inbox-badge");
    badge.textContent = unread > 99 ? "99+" : String(unread);
    badge.hidden = !unread;
    badge.dataset.unread = String(unread || 0);
  }

  function inboxPage(f) {
    (f.items || []).forEach((i) => inbox.set(i.id, Object.assign(inbox.get(i.id) || {}, i)));
    if (typeof f.unread === "number") setBadge(f.unread);
    renderInbox();
  }

  // A live frame that says it is also in the inbox: a new unread item (repeats dropped by id).
  function inboxLive(f, kind) {
    if (!f.inbox || !f.id || inbox.has(f.id)) return;
    inbox.set(f.id, { id: f.id, kind, from: f.from, text: f.text, title: f.title, body: f.body, ts: f.ts, seen: false, read: false });
    const badge = $("inbox-badge");
    setBadge(Number(badge.dataset.unread || 0) + 1);
    renderInbox();
  }

  function inboxMarked(f) {
    (f.ids || []).forEach((id) => {
      const item = inbox.get(id);
      if (item) { item.seen = true; if (f.state === "read") item.read = true; }
    });
    setBadge(f.unread);
    renderInbox();
  }

  function inboxMarkRead(ids) {
    for (let i = 0; i < ids.length; i += 50) send({ action: "mark", state: "read", ids: ids.slice(i, i + 50) });
  }

  function renderInbox() {
    const list = $("inbox");
    list.replaceChildren();
    [...inbox.values()].sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, 50).forEach((i) => {
      const li = document.createElement("li");
      li.className = i.read ? "read" : "unread";
      li.setAttribute("data-testid", "inbox-item");
      li.dataset.id = i.id;
      li.dataset.read = String(!!i.read);
      const b = document.createElement("strong");
      b.textContent = i.kind === "direct" ? "✉ " + (i.from || "") : (i.title || "Notification");
      const p = document.createElement("div");
      p.textContent = i.kind === "direct" ? (i.text || "") : (i.body || "");
      li.append(b, p);
      li.title = "Mark as read";
      li.onclick = () => { if (!i.read) inboxMarkRead([i.id]); };
      list.append(li);
    });
  }

  function toast(title, body) {
    const t = document.createElement("div");
    t.className = "toast"; t.setAttribute("data-testid", "toast");
    const b = document.createElement("strong"); b.textContent = title;
    const p = document.createElement("div"); p.textContent = body;
    t.append(b, p);
    $("toasts").appendChild(t);
    setTimeout(() => t.remove(), 6000);
  }

  function system(text, isError, roomName) {
    const item = { kind: "system", text, error: !!isError };
    const r = room(roomName && state.rooms.has(roomName) ? roomName : (state.current || "lobby"));
    r.items.push(item);
    render(item);
  }

  function time(ts) {
    const d = ts ? new Date(ts) : new Date();
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function render(item) {
    const list = $("messages");
    const li = document.createElement("li");
    if (item.kind === "system") {
      li.className = "system" + (item.error ? " error" : "");
      li.textContent = item.text;
    } else {
      li.className = "msg" + (item.mine ? " mine" : "") + (item.kind === "direct" ? " direct" : "");
      li.setAttribute("data-testid", "message");
      if (item.id) li.dataset.id = item.id;
      li.dataset.from = item.from || "";
      const meta = document.createElement("div"); meta.className = "meta";
      const who = document.createElement("strong"); who.textContent = (item.kind === "direct" ? "✉ " : "") + (item.from || "");
      const when = document.createElement("time"); when.textContent = time(item.ts);
      meta.append(who, when);
      if (item.pending) { const s = document.createElement("span"); s.className = "pending"; s.textContent = "sending…"; meta.append(s); }
      const text = document.createElement("div"); text.className = "text";
      li.append(meta, text);
      item.element = li;
      fill(li, item);
    }
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.appendChild(li);
    if (atBottom || item.mine) list.scrollTop = list.scrollHeight;
    return li;
  }

  // The text of a message element with its "edited" marker, a tombstone, and Edit/Delete on one's own.
  function fill(li, item) {
    const text = li.querySelector(".text");
    const meta = li.querySelector(".meta");
    meta.querySelectorAll(".edited, .actions").forEach((el) => el.remove());
    li.classList.toggle("deleted", !!item.deleted);
    if (item.deleted) {
      text.textContent = "message deleted";
      text.setAttribute("data-testid", "deleted");
      return;
    }
    text.textContent = item.text;
    text.removeAttribute("data-testid");
    if (item.editedAt) {
      const e = document.createElement("span"); e.className = "edited"; e.setAttribute("data-testid", "edited");
      e.textContent = "(edited)"; e.title = "edited " + new Date(item.editedAt).toLocaleString();
      meta.append(e);
    }
    if (item.mine && item.kind === "message" && item.id && !item.pending) {
      const actions = document.createElement("span"); actions.className = "actions";
      const edit = document.createElement("button"); edit.type = "button"; edit.className = "ghost"; edit.textContent = "Edit";
      edit.setAttribute("data-testid", "edit"); edit.onclick = () => startEdit(item);
      const del = document.createElement("button"); del.type = "button"; del.className = "ghost"; del.textContent = "Delete";
      del.setAttribute("data-testid", "delete");
      del.onclick = () => change({ action: "delete", room: state.current, id: item.id });
      actions.append(edit, del);
      meta.append(actions);
    }
  }

  function renderRooms() {
    const ul = $("rooms");
    ul.replaceChildren();
    for (const [name, r] of state.rooms) {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.setAttribute("aria-current", String(name === state.current));
      const label = document.createElement("span"); label.textContent = name === DIRECT ? "✉ direct messages" : "#" + name;
      b.append(label);
      if (r.unread) { const badge = document.createElement("span"); badge.className = "badge"; badge.textContent = r.unread >= 100 ? "99+" : r.unread; b.append(badge); }
      b.onclick = () => { select(name); $("sidebar").classList.remove("open"); };
      li.append(b);
      ul.append(li);
    }
  }

  function select(name) {
    state.current = name;
    const r = room(name);
    r.unread = 0;
    $("room-title").textContent = name === DIRECT ? "✉ direct messages" : "#" + name;
    $("message").placeholder = name === DIRECT ? "@name text" : "Message #" + name + " — @name text for a direct message";
    renderItems(name);
    renderTyping();
    $("members-panel").hidden = true;
    renderRooms();
    const params = new URLSearchParams(location.search);
    params.set("room", name);
    history.replaceState(null, "", "?" + params.toString());
  }

  // Shows a room's items again, from the first (after a history page placed some before others).
  function renderItems(name) {
    $("messages").replaceChildren();
    room(name).items.forEach(render);
    renderReadMarks();
    markRead();
  }

  function join(name) {
    if (!NAME.test(name)) return system("Room names are 1–64 letters, digits, '.', '_' or '-'.", true);
    const isNew = !state.rooms.has(name);
    room(name);
    if (isNew) joinThen(name, { action: "history", room: name, limit: 50 });
    select(name);
  }

  function tokenSubject(token) {
    try {
      const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const claims = JSON.parse(decodeURIComponent(escape(atob(payload))));
      return typeof claims.sub === "string" ? claims.sub : null;
    } catch (e) {
      return null;
    }
  }

  function showApp() {
    $("login").hidden = true;
    $("app").hidden = false;
    $("toggle-rooms").hidden = false;
    $("me").textContent = state.user ? "signed in as " + state.user : "";
    $("message").focus();
  }

  // ---------------------------------------------------------------- wiring
  $("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const name = $("name").value.trim();
    const token = $("token").value.trim();
    if (!token && !NAME.test(name)) { $("login-error").textContent = "Pick a name: 1–64 letters, digits, '.', '_' or '-'."; return; }
    $("login-error").textContent = "";
    state.token = token || null;
    // With a token the server takes the user id from it, not from the name box: show (and mark as "mine")
    // the token's subject. Display only; the server verifies the token.
    state.user = token ? (tokenSubject(token) || name || null) : name;
    const first = $("first-room").value.trim() || "lobby";
    room(first); state.current = first;
    renderRooms(); select(first);
    connect();
  });

  $("join-form").addEventListener("submit", (e) => { e.preventDefault(); const n = $("room").value.trim(); if (n) { join(n); $("room").value = ""; } });

  $("send-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("message");
    const text = input.value.trim();
    if (!text || !state.current) return;
    if (editing) {
      const target = editing;
      stopEdit();
      input.value = "";
      change({ action: "edit", room: target.room, id: target.id, text });
      return;
    }
    const clientMsgId = "web-" + Date.now().toString(36) + "-" + (state.seq++);
    const direct = text.match(/^@([A-Za-z0-9_.\-]{1,64})\s+([\s\S]+)$/);
    if (state.current === DIRECT && !direct) return system("Write @name text to send a direct message.", true);
    const ok = direct
      ? send({ action: "direct", to: direct[1], text: direct[2], clientMsgId })
      : sendToRoom(state.current, { action: "send", room: state.current, text, clientMsgId });
    if (!ok) return system("Not connected: your message was not sent. It stays in the box; send again once connected.", true);
    input.value = "";
    const item = { kind: direct ? "direct" : "message", from: state.user, text: direct ? "→ " + direct[1] + ": " + direct[2] : text,
                   mine: true, pending: !direct };
    const view = direct ? DIRECT : state.current;
    room(view).items.push(item);
    if (view !== state.current) { select(view); return; }
    render(item);
    if (!direct) pending.set(clientMsgId, { item, room: state.current });
  });

  $("leave").addEventListener("click", () => {
    const name = state.current;
    if (!name) return;
    if (name !== DIRECT) send({ action: "leave", room: name });
    // what is still in flight for the room belongs to this visit: its answers are not shown (a rejoin asks again)
    for (const req of state.requests.values()) if (req.room === name && req.action !== "leave") req.cancelled = true;
    state.joining.delete(name);
    state.rooms.delete(name);
    const next = state.rooms.keys().next().value;
    if (next) select(next); else { state.current = null; $("messages").replaceChildren(); renderRooms(); $("room-title").textContent = "No room: join one"; }
  });
  $("who").addEventListener("click", () => {
    const panel = $("members-panel");
    if (!panel.hidden) { panel.hidden = true; return; }
    if (state.current && state.current !== DIRECT) send({ action: "who", room: state.current });
  });
  $("message").addEventListener("input", typingInput);
  $("message").addEventListener("keydown", (e) => { if (e.key === "Escape" && editing) { stopEdit(); $("message").value = ""; } });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) markRead(); });
  $("inbox-read").addEventListener("click", () => inboxMarkRead([...inbox.values()].filter((i) => !i.read).map((i) => i.id)));
  $("toggle-rooms").addEventListener("click", () => $("sidebar").classList.toggle("open"));

  // Shareable link: /?user=NAME&room=ROOM connects at once.
  const params = new URLSearchParams(location.search);
  if (params.get("room")) $("first-room").value = params.get("room");
  if (params.get("user")) {
    $("name").value = params.get("user");
    $("login-form").requestSubmit();
  } else {
    $("name").focus();
  }
})();
