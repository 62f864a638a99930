// One room, live: the `/ws/proctor` socket (SPEC: login, roster, seat, log, heartbeat, action →
// done/error), the seat grid, the selected seat's panel and the confirmed actions. The grid changes
// only from what the server sends (`roster`, `seat`, and the seat in `done`), never optimistically,
// so every proctor screen of the room shows the same thing. Time left counts down locally with
// performance.now() from each seat's `remaining_ms`.

import { t } from './i18n.js';
import { backoffMs, DRAINING_CLOSE, drainingDelayMs, formatDuration, socketUrl } from './clock.js';

const $ = (id) => document.getElementById(id);
const FATAL = new Set(['forbidden', 'login_failed', 'not_found']);
const STATUSES = ['in_progress', 'paused', 'submitted', 'not_started', 'absent', 'terminated'];
const ACTION_TIMEOUT_MS = 15000;

/** Which actions a seat in each status offers. */
const ACTIONS = {
  admit: (s) => !['submitted', 'terminated'].includes(s.status),
  pause: (s) => s.status === 'in_progress',
  resume: (s) => s.status === 'paused',
  extend: (s) => ['not_started', 'in_progress', 'paused'].includes(s.status),
  move_seat: (s) => !['submitted', 'terminated'].includes(s.status),
  absent: (s) => s.status === 'not_started',
  terminate: (s) => ['in_progress', 'paused'].includes(s.status),
  note: () => true,
};

/** The text of `key`, or `fallback` when there is none (server words the page does not know). */
function translate(key, fallback) {
  const v = t(key);
  return v === key ? String(fallback) : v;
}

/** Statuses in which a closed connection means a candidate who should be working is not. */
const WORKING = new Set(['in_progress', 'paused']);

/** `hh:mm` (or `hh:mm:ss`), 24-hour, in the event's time zone (the roster's `time_zone`). */
function clockTime(iso, zone, seconds = false) {
  if (!iso) return '';
  const opts = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...(seconds ? { second: '2-digit' } : {}) };
  try {
    return new Intl.DateTimeFormat('vi-VN', { ...opts, timeZone: zone || 'Asia/Ho_Chi_Minh' }).format(new Date(iso));
  } catch {
    return new Intl.DateTimeFormat('vi-VN', opts).format(new Date(iso));
  }
}

function el(tag, cls, text, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== '') e.textContent = text;
  for (const c of children) e.append(c);
  return e;
}

export class Room {
  constructor({ token, event, room, onFatal }) {
    this.token = token;
    this.event = event;
    this.room = room;
    this.onFatal = onFatal;
    this.roster = null;
    /** An adaptive event's most items a candidate is given (roster `event.adaptive`), else null. */
    this.adaptiveMax = null;
    this.seats = new Map();
    this.receivedAt = new Map();
    this.selected = null;
    this.pendingActions = new Map();
    this.nextId = 1;
    this.attempt = 0;
    this.closed = false;
    this.ws = null;
    this.lastMessage = 0;
    this.dialogAction = null;
    this.timer = setInterval(() => this.tick(), 1000);
    this.wireDialog();
    for (const [id, action] of [['btn-pause-all', 'pause_all'], ['btn-resume-all', 'resume_all'], ['btn-note', 'note']]) {
      const b = $(id);
      const handler = () => this.openAction(action, null);
      b.onclick = handler;
    }
    $('btn-paper').onclick = () => this.openAction('paper', null);
    this.setPaper(null);
    this.connect();
  }

  close() {
    this.closed = true;
    clearInterval(this.timer);
    this.ws?.close(1000);
    for (const p of this.pendingActions.values()) p.reject({ code: 'closed', message: 'closed' });
    this.pendingActions.clear();
  }

  connect() {
    if (this.closed) return;
    const ws = new WebSocket(socketUrl('/ws/proctor'));
    this.ws = ws;
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: 'login', token: this.token(), event: this.event, room: this.room }));
    };
    ws.onmessage = (e) => {
      if (this.ws !== ws) return;
      this.lastMessage = performance.now();
      let m;
      try {
        m = JSON.parse(e.data);
      } catch {
        return;
      }
      this.dispatch(m);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws || this.closed) return;
      this.ws = null;
      this.setOnline(false);
      for (const p of this.pendingActions.values()) p.reject({ code: 'disconnected', message: t('p.conn.offline') });
      this.pendingActions.clear();
      if (e.code === DRAINING_CLOSE) {
        // The server is stopping, not failing: reconnect at once (another node behind the load
        // balancer, or this one restarted), spread with jitter; the back-off starts afresh.
        this.attempt = 0;
        setTimeout(() => this.connect(), drainingDelayMs());
        return;
      }
      this.attempt += 1;
      setTimeout(() => this.connect(), backoffMs(this.attempt - 1));
    };
  }

  setOnline(on) {
    const c = $('p-conn');
    c.dataset.state = on ? 'online' : 'offline';
    c.textContent = on ? t('p.conn.online') : t('p.conn.offline');
    $('p-banner').hidden = on;
    if (!on) $('p-banner').textContent = t('p.conn.offline');
  }

  dispatch(m) {
    switch (m.type) {
      case 'roster': {
        this.attempt = 0;
        this.roster = m;
        this.zone = m.time_zone || 'Asia/Ho_Chi_Minh';
        this.seats.clear();
        const now = performance.now();
        for (const s of m.seats || []) {
          this.seats.set(s.number, s);
          this.receivedAt.set(s.number, now);
        }
        this.setOnline(true);
        $('room-title').textContent = `${m.event?.title || this.event} — ${m.room?.name || this.room}`;
        this.adaptiveMax = m.event?.adaptive?.max_items ?? null;
        const log = $('p-log');
        log.replaceChildren();
        this.setPaper(null);
        for (const i of m.incidents || []) this.addLog(i);
        this.redraw();
        return;
      }
      case 'seat':
        return this.updateSeat(m.seat);
      case 'log':
        return this.addLog(m.entry);
      case 'done': {
        if (m.seat) this.updateSeat(m.seat);
        const p = this.pendingActions.get(String(m.id));
        if (p) {
          this.pendingActions.delete(String(m.id));
          p.resolve(m);
        }
        return;
      }
      case 'error': {
        if (m.id !== undefined && m.id !== null) {
          const p = this.pendingActions.get(String(m.id));
          if (p) {
            this.pendingActions.delete(String(m.id));
            p.reject(m);
          }
          return;
        }
        if (FATAL.has(m.code)) {
          this.close();
          this.onFatal(m.code, m.message);
        } else {
          this.toast(t('p.failed', { message: m.message || m.code }));
        }
        return;
      }
      default:
        return;
    }
  }

  updateSeat(s) {
    if (!s) return;
    this.seats.set(s.number, s);
    this.receivedAt.set(s.number, performance.now());
    this.drawSeat(s);
    this.drawSummary();
    if (this.selected === s.number) this.drawPanel();
  }

  remaining(s) {
    if (typeof s.remaining_ms !== 'number') return null;
    if (s.status !== 'in_progress') return s.remaining_ms;
    const since = performance.now() - (this.receivedAt.get(s.number) || performance.now());
    return Math.max(0, s.remaining_ms - since);
  }

  redraw() {
    if (!this.roster) return;
    this.setPaper(this.paperEntry || null);
    const badge = $('adaptive-badge');
    badge.hidden = this.adaptiveMax === null;
    badge.title = this.adaptiveMax === null ? '' : t('p.adaptive.title', { max: this.adaptiveMax });
    const grid = $('seat-grid');
    grid.replaceChildren();
    const count = Math.max(this.roster.room?.seats || 0, ...[...this.seats.values()].map((s) => s.seat || 0));
    for (let n = 1; n <= count; n++) {
      const tile = el('div', 'seat-tile empty');
      tile.dataset.seat = String(n);
      tile.append(el('div', 'seat-no', t('p.seat', { n })), el('div', 'seat-empty', t('p.empty_seat')));
      grid.append(tile);
    }
    for (const s of this.seats.values()) this.drawSeat(s);
    this.drawSummary();
    this.drawPanel();
  }

  drawSeat(s) {
    const grid = $('seat-grid');
    for (const old of grid.querySelectorAll(`[data-number="${CSS.escape(s.number)}"]`)) {
      if (old.dataset.seat !== String(s.seat)) {
        const empty = el('div', 'seat-tile empty');
        empty.dataset.seat = old.dataset.seat;
        empty.append(el('div', 'seat-no', t('p.seat', { n: old.dataset.seat })), el('div', 'seat-empty', t('p.empty_seat')));
        old.replaceWith(empty);
      }
    }
    const tile = el('button', 'seat-tile');
    tile.type = 'button';
    Object.assign(tile.dataset, {
      seat: String(s.seat), number: s.number, status: s.status, connected: String(Boolean(s.connected)),
      answered: String(s.answered ?? 0), flags: String(s.flags ?? 0),
    });
    tile.setAttribute('aria-pressed', String(this.selected === s.number));
    // Connected, or disconnected since hh:mm; a candidate who should be working and is not
    // connected stands out (data-lost), whatever the status says.
    const lost = !s.connected && WORKING.has(s.status);
    tile.dataset.lost = String(lost);
    const connText = s.connected
      ? t('p.connected')
      : s.disconnected_at
        ? t('p.disconnected_since', { time: clockTime(s.disconnected_at, this.zone) })
        : t('p.disconnected');
    const conn = el('span', 'conn-state', connText);
    conn.dataset.state = s.connected ? 'connected' : lost ? 'lost' : 'disconnected';
    const head = el('div', 'seat-no', `${t('p.seat', { n: s.seat })} · ${s.number}`);
    const progress = el('progress');
    progress.max = s.item_count || 1;
    progress.value = s.answered || 0;
    const flagWords = s.flags ? `${t('p.flags', { n: s.flags })}${s.last_flag ? ` · ${translate(`p.flag.${s.last_flag}`, s.last_flag)}` : ''}` : '';
    const flags = el('div', 'seat-flags', s.flags ? `⚑ ${s.flags}${s.last_flag ? ` · ${translate(`p.flag.${s.last_flag}`, s.last_flag)}` : ''}` : '');
    flags.title = flagWords;
    const time = el('div', 'seat-time');
    time.dataset.number = s.number;
    const answered = el('span', 'seat-answered', `${s.answered ?? 0}/${s.item_count ?? 0}`);
    answered.title = this.answeredText(s);
    tile.title = `${s.full_name} · ${s.number}${s.version ? ` · ${s.version}` : ''}`;
    tile.dataset.alarm = String(Boolean(s.login_alarm));
    tile.append(
      head,
      el('div', 'seat-name', s.full_name),
      conn,
      el('div', 'seat-line', '', el('span', 'seat-status', t(`p.status.${s.status}`) + (s.extra_minutes ? ` +${s.extra_minutes}′` : '')), time),
      el('div', 'seat-line', '', progress, answered),
      flags,
    );
    if (s.login_alarm) tile.append(this.alarmLine(s.login_alarm));
    tile.addEventListener('click', () => this.select(s.number));
    const slot = grid.querySelector(`[data-seat="${s.seat}"]`);
    if (slot) slot.replaceWith(tile);
    else grid.append(tile);
    this.drawTime(s);
  }

  /**
   * The seat's login alarm (issue 16, finding 3): someone typed wrong codes for this number.
   * An icon and words, the words also read by a screen reader as part of the seat's name.
   */
  alarmLine(alarm) {
    const line = el('div', 'seat-alarm');
    const icon = el('span', 'alarm-icon', '⚠');
    icon.setAttribute('aria-hidden', 'true');
    line.append(icon, el('span', 'sr-only', `${t('p.alarm.label')}: `), t('p.alarm.tile', { n: alarm.failures }));
    line.title = t('p.alarm.title', { n: alarm.failures, time: clockTime(alarm.last_at, this.zone) });
    return line;
  }

  /** Clears the seat's login alarm (`POST …/clear-login-alarm`); the seat update redraws it. */
  async clearAlarm(number) {
    const url = `/api/v1/events/${encodeURIComponent(this.event)}/candidates/${encodeURIComponent(number)}/clear-login-alarm`;
    try {
      const res = await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${this.token()}`, Accept: 'application/json' } });
      const j = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(j.message || res.statusText);
      if (j.seat) this.updateSeat(j.seat);
      this.toast(t('p.alarm.cleared', { number }));
    } catch (err) {
      this.toast(t('p.failed', { message: err.message || String(err) }));
    }
  }

  drawTime(s) {
    const node = $('seat-grid').querySelector(`.seat-time[data-number="${CSS.escape(s.number)}"]`);
    if (!node) return;
    const r = this.remaining(s);
    node.textContent = r === null || s.status === 'submitted' || s.status === 'terminated' ? '' : formatDuration(r);
    node.dataset.ms = r === null ? '' : String(Math.round(r));
  }

  drawSummary() {
    const counts = Object.fromEntries(STATUSES.map((k) => [k, 0]));
    for (const s of this.seats.values()) counts[s.status] = (counts[s.status] || 0) + 1;
    $('p-summary').textContent = t('p.summary', counts);
  }

  select(number) {
    this.selected = number;
    for (const tile of $('seat-grid').querySelectorAll('.seat-tile[data-number]')) {
      tile.setAttribute('aria-pressed', String(tile.dataset.number === number));
    }
    this.drawPanel();
  }

  drawPanel() {
    const s = this.selected && this.seats.get(this.selected);
    $('seat-hint').hidden = Boolean(s);
    $('seat-details').hidden = !s;
    if (!s) return;
    $('sd-name').textContent = `${s.full_name} — ${t('p.seat', { n: s.seat })}`;
    const dl = $('sd-list');
    dl.replaceChildren();
    const row = (k, v) => { if (v !== null && v !== undefined && v !== '') dl.append(el('dt', '', k), el('dd', '', String(v))); };
    const running = ['in_progress', 'paused'].includes(s.status);
    row(t('p.details.number'), s.number);
    row(t('p.details.version'), s.version);
    row(t('p.details.status'), t(`p.status.${s.status}`));
    row(t('p.details.connection'), s.connected ? t('p.connected') : s.disconnected_at ? t('p.disconnected_since', { time: clockTime(s.disconnected_at, this.zone) }) : t('p.disconnected'));
    row(t('p.details.remaining'), running && this.remaining(s) !== null ? formatDuration(this.remaining(s)) : '');
    row(t('p.details.progress'), this.answeredText(s));
    row(t('p.details.flags'), s.flags ? `${s.flags}${s.last_flag ? ` (${translate(`p.flag.${s.last_flag}`, s.last_flag)})` : ''}` : '');
    row(t('p.details.extra'), s.extra_minutes ? t('p.extra', { n: s.extra_minutes }) : '');
    row(t('p.details.admit_until'), s.admit_until ? clockTime(s.admit_until, this.zone) : '');
    row(t('p.details.submit_reason'), s.submit_reason ? translate(`p.reason.${s.submit_reason}`, s.submit_reason) : '');
    const alarm = s.login_alarm;
    row(t('p.alarm.label'), alarm ? t('p.alarm.details', { n: alarm.failures, first: clockTime(alarm.first_at, this.zone), last: clockTime(alarm.last_at, this.zone) }) : '');
    const box = $('sd-actions');
    box.replaceChildren();
    if (alarm) {
      const clear = el('button', 'alarm-clear', t('p.alarm.clear'));
      clear.type = 'button';
      clear.dataset.action = 'clear_alarm';
      clear.addEventListener('click', () => this.clearAlarm(s.number));
      box.append(clear);
    }
    for (const [action, allowed] of Object.entries(ACTIONS)) {
      const b = el('button', action === 'terminate' ? 'danger' : '', t(`p.act.${action}`));
      b.type = 'button';
      b.dataset.action = action;
      b.disabled = !allowed(s);
      b.addEventListener('click', () => this.openAction(action, s.number));
      box.append(b);
    }
  }

  tick() {
    for (const s of this.seats.values()) if (s.status === 'in_progress') this.drawTime(s);
    if (this.ws && this.ws.readyState === WebSocket.OPEN && performance.now() - this.lastMessage > 15000) {
      this.ws.send(JSON.stringify({ type: 'heartbeat' }));
      if (performance.now() - this.lastMessage > 45000) this.ws.close(4000, 'silent');
    }
  }

  toast(text) {
    const n = $('p-toast');
    n.textContent = text;
    n.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => { n.hidden = true; }, 5000);
  }

  /** Sends an action; resolves with `done`, rejects with the `error`. */
  send(action, fields) {
    return new Promise((resolve, reject) => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
        reject({ code: 'disconnected', message: t('p.conn.offline') });
        return;
      }
      const id = String(this.nextId++);
      this.pendingActions.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ type: 'action', id, action, ...fields }));
      setTimeout(() => {
        if (this.pendingActions.delete(id)) reject({ code: 'timeout', message: t('p.no_answer') });
      }, ACTION_TIMEOUT_MS);
    });
  }

  wireDialog() {
    $('act-cancel').onclick = () => $('dlg-action').close();
    $('act-form').onsubmit = (e) => {
      e.preventDefault();
      this.confirmAction();
    };
  }

  field(id, labelKey, input) {
    const label = el('label', '', t(labelKey));
    label.htmlFor = id;
    input.id = id;
    $('act-fields').append(label, input);
    return input;
  }

  /** Opens the confirmation dialog of `action` for candidate `number` (null: the whole room). */
  openAction(action, number) {
    const s = number ? this.seats.get(number) : null;
    const names = s ? { name: s.full_name, number: s.number } : {};
    this.dialogAction = { action, number };
    const titleKey = action.endsWith('_all') || action === 'paper' ? `p.${action}` : `p.act.${action}`;
    $('act-title').textContent = t(titleKey);
    const textKey = action === 'note' && s ? 'p.confirm.note_for' : `p.confirm.${action}`;
    $('act-text').textContent = t(textKey, names);
    $('act-error').textContent = '';
    $('act-fields').replaceChildren();
    $('act-confirm').disabled = false;
    $('act-confirm').className = action === 'terminate' ? 'danger' : 'primary';
    if (action === 'pause' || action === 'pause_all') {
      this.field('act-reason', 'p.field.reason_optional', el('input'));
    } else if (action === 'extend') {
      const m = this.field('act-minutes', 'p.field.minutes', el('input'));
      Object.assign(m, { type: 'number', min: '1', max: '600', value: '5' });
      this.field('act-reason', 'p.field.reason', el('input'));
    } else if (action === 'terminate') {
      this.field('act-reason', 'p.field.reason', el('textarea'));
    } else if (action === 'move_seat') {
      const sel = this.field('act-seat', 'p.field.seat', el('select'));
      const taken = new Set([...this.seats.values()].map((x) => x.seat));
      for (let n = 1; n <= (this.roster?.room?.seats || 0); n++) {
        if (!taken.has(n)) {
          const o = el('option', '', t('p.seat', { n }));
          o.value = String(n);
          sel.append(o);
        }
      }
    } else if (action === 'note') {
      const ta = this.field('act-text-input', 'p.field.text', el('textarea'));
      ta.maxLength = 2000;
    } else if (action === 'paper') {
      const ta = this.field('act-reason', 'p.field.reason_optional', el('textarea'));
      ta.maxLength = 500;
    }
    $('dlg-action').showModal();
    ($('act-fields').querySelector('input, textarea, select') || $('act-confirm')).focus();
  }

  async confirmAction() {
    const { action, number } = this.dialogAction || {};
    if (!action) return;
    const value = (id) => ($(id)?.value ?? '').trim();
    const fields = {};
    if (number) fields.candidate = number;
    const required = (id, labelKey) => {
      if (!value(id)) {
        $('act-error').textContent = t('p.field.required', { field: t(labelKey).toLowerCase() });
        return false;
      }
      return true;
    };
    let wire = action;
    if (action === 'pause_all') wire = 'pause';
    if (action === 'resume_all') wire = 'resume';
    if ((action === 'pause' || action === 'pause_all') && value('act-reason')) fields.reason = value('act-reason');
    if (action === 'extend') {
      const minutes = Number(value('act-minutes'));
      if (!Number.isInteger(minutes) || minutes < 1 || minutes > 600) {
        $('act-error').textContent = t('p.field.minutes_range');
        return;
      }
      if (!required('act-reason', 'p.field.reason')) return;
      fields.minutes = minutes;
      fields.reason = value('act-reason');
    }
    if (action === 'terminate') {
      if (!required('act-reason', 'p.field.reason')) return;
      fields.reason = value('act-reason');
    }
    if (action === 'move_seat') {
      if (!required('act-seat', 'p.field.seat')) return;
      fields.seat = Number(value('act-seat'));
    }
    if (action === 'note') {
      if (!required('act-text-input', 'p.field.text')) return;
      fields.text = value('act-text-input');
    }
    if (action === 'paper' && value('act-reason')) fields.reason = value('act-reason');
    $('act-confirm').disabled = true;
    $('act-error').textContent = '';
    try {
      if (action === 'paper') await this.switchToPaper(fields.reason);
      else await this.send(wire, fields);
      $('dlg-action').close();
      this.toast(t('p.done', { action: $('act-title').textContent }));
    } catch (err) {
      $('act-error').textContent = t('p.failed', { message: err.message || err.code });
      $('act-confirm').disabled = false;
    }
  }

  /**
   * Switches the room to paper (POST …/rooms/{room}/paper): the room log entry comes back over the
   * socket to every proctor page of the room, like an action's.
   */
  async switchToPaper(reason) {
    const url = `/api/v1/events/${encodeURIComponent(this.event)}/rooms/${encodeURIComponent(this.room)}/paper`;
    let res;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.token()}` },
        body: JSON.stringify(reason ? { reason } : {}),
      });
    } catch {
      throw { code: 'disconnected', message: t('p.conn.offline') };
    }
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw { code: body.error || String(res.status), message: body.message || String(res.status) };
    if (body.entry) this.setPaper(body.entry);
    return body;
  }

  /** "Answered 3/40", or for an adaptive test "answered 3 (at most 30)" (its length varies). */
  answeredText(s) {
    if (this.adaptiveMax !== null) return t('p.adaptive.answered', { answered: s.answered ?? 0, max: s.item_count || this.adaptiveMax });
    return t('p.answered', { answered: s.answered ?? 0, total: s.item_count ?? 0 });
  }

  /** Shows whether the room is on paper (`entry`: the room log's switch) or on computers. An
   * adaptive event has no paper form (docs/cat.md): no switch button. */
  setPaper(entry) {
    this.paperEntry = entry;
    $('btn-paper').hidden = Boolean(entry) || this.adaptiveMax !== null;
    const state = $('p-paper-state');
    state.hidden = !entry;
    state.textContent = entry ? t('p.paper.on', { time: clockTime(entry.at, this.zone), by: entry.by || '' }) : '';
  }

  addLog(entry) {
    if (!entry) return;
    if (entry.action === 'paper') this.setPaper(entry);
    const at = clockTime(entry.at, this.zone, true);
    const action = entry.action ? translate(`p.act.${entry.action}`, entry.action) : entry.kind;
    const parts = [at, entry.by, action, entry.number, entry.detail || entry.text].filter((x) => x !== undefined && x !== null && x !== '');
    const li = el('li', '', parts.map((p) => (typeof p === 'object' ? JSON.stringify(p) : String(p))).join(' · '));
    if (entry.action) li.dataset.action = entry.action;
    $('p-log').prepend(li);
  }
}
