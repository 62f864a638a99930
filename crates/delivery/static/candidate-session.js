// The candidate's connection to the delivery server (docs/protocol.md §3): login or resume,
// the test content, answers with a durable queue, reconnection, timing, submission.
//
// Answers: the newest value of each item waits in `pending` (in memory and in localStorage) until
// the server's `ack` for its `seq`; only then is it "saved". Pending answers are sent again after
// every reconnect (each connection is a new epoch, so a resent answer still wins over older ones)
// and after RESEND_AFTER_MS without an ack. Sending is paced below the server's frame limit.
//
// A dead connection (a frozen server, a cut cable) sends no close frame and a close handshake
// on it never ends, so the page does not wait for one: every `heartbeat` or `answer` it sends
// expects a reply, and when nothing at all arrives within REPLY_TIMEOUT_MS the socket is dropped
// on the spot, the candidate is told, and reconnection starts. A new socket that gets no
// `welcome` within CONNECT_TIMEOUT_MS is dropped the same way (a frozen server still accepts TCP).
//
// Long because: one connection state machine (sockets, epochs, the answer queue, timing, re-sync)
// whose invariants hold across its methods; content caching and rendering live in their own files.

import { Countdown, DRAINING_CLOSE, backoffMs, drainingDelayMs, socketUrl } from './clock.js';
import { contentWish, eraseContent, keepContent, onContentFrame, takeContent } from './content-cache.js';
import { sebProof } from './seb-proof.js';

const STORE = 'khaothi:candidate';
const RESEND_AFTER_MS = 8000;
const HEARTBEAT_MS = 4000;
const REPLY_TIMEOUT_MS = 3500;
const CONNECT_TIMEOUT_MS = 8000;
// A stopping server closes with DRAINING_CLOSE (clock.js; docs/protocol.md §7): resume at once,
// on another node, after drainingDelayMs() so a whole node's sockets do not arrive together.
const MAX_INTEGRITY_QUEUE = 20;
/** Client-side pacing, well under the server's 10 frames/s with bursts of 40. */
const BUCKET = 20;
const REFILL_PER_S = 6;

/** Login errors after which retrying on our own cannot help. */
const FATAL_LOGIN = new Set(['login_failed', 'admit_required', 'absent', 'event_required', 'resume_failed', 'event_not_open', 'seb_required', 'seb_mismatch']);
function readStore() {
  try {
    return JSON.parse(localStorage.getItem(STORE) || 'null');
  } catch {
    return null;
  }
}

export class ExamSession {
  /** `ui` receives the callbacks listed at the end of this file. */
  constructor(ui) {
    this.ui = ui;
    this.ws = null;
    this.mode = null;
    this.cred = null;
    this.number = null;
    this.event = null;
    this.token = null;
    this.epoch = 0;
    this.seq = 0;
    this.items = [];
    this.itemCount = 0;
    this.itemsReady = false;
    this.stimuli = {};
    /** The content hash of `welcome`; `cached`: {event, version, hash} stored in IndexedDB. */
    this.contentHash = null;
    this.cached = null;
    /** Compressed content frames still to come: {left, chunks}. */
    this.deflated = null;
    this.info = null;
    /** An adaptive test's `welcome.adaptive` ({max_items, given, answered, finished}), else null. */
    this.adaptive = null;
    this.values = new Map();
    this.pending = new Map();
    this.refused = new Map();
    this.flags = new Set();
    this.integrityQueue = [];
    this.clock = new Countdown();
    this.paused = false;
    this.final = null;
    this.stopped = false;
    this.connected = false;
    this.welcomed = false;
    this.attempt = 0;
    this.retryTimer = null;
    this.flushTimer = null;
    this.submitRequested = false;
    this.submitSent = false;
    this.tokens = BUCKET;
    this.tokensAt = performance.now();
    this.lastMessage = 0;
    this.lastHeartbeat = 0;
    this.heartbeatSentAt = null;
    /** When the oldest message still waiting for a reply was sent (null: none waits). */
    this.awaitingSince = null;
    this.openedAt = 0;
    /** The item the candidate was on, so a reload reopens there. */
    this.position = null;
    setInterval(() => this.tick(), 1000);
    addEventListener('online', () => this.reconnectNow());
  }

  /** A stored session of this browser to resume, or null. */
  static stored() {
    const s = readStore();
    return s && s.number && s.token ? s : null;
  }

  /** Loads this browser's unsent answers and flags for candidate `number`. */
  restoreFor(number) {
    const s = readStore();
    if (!s || s.number !== number) return;
    this.seq = Number(s.seq) || 0;
    for (const [item, p] of Object.entries(s.pending || {})) {
      this.pending.set(item, { seq: p.seq, value: p.value, sentEpoch: 0, sentAt: 0 });
      this.values.set(item, p.value);
    }
    this.flags = new Set(s.flags || []);
    this.cached = s.content && s.content.hash ? s.content : null;
    this.position = typeof s.at === 'string' ? s.at : null;
    this.wantsFullscreen = Boolean(s.fullscreen);
  }

  persist() {
    if (!this.number) return;
    const pending = {};
    for (const [item, p] of this.pending) pending[item] = { seq: p.seq, value: p.value };
    const s = {
      number: this.number,
      event: this.event,
      token: this.token,
      seq: this.seq,
      pending,
      flags: [...this.flags],
      at: this.position,
      fullscreen: Boolean(this.wantsFullscreen),
      content: this.cached,
    };
    try {
      localStorage.setItem(STORE, JSON.stringify(s));
    } catch {
      /* storage full or disabled: the answers are still in memory */
    }
  }

  login(number, code, event) {
    this.stopped = false;
    this.welcomed = false;
    this.number = number;
    this.pending.clear();
    this.values.clear();
    this.refused.clear();
    this.restoreFor(number);
    this.mode = 'login';
    this.cred = { type: 'login', candidate: number, code, ...(event ? { event } : {}) };
    this.open();
  }

  resume(stored) {
    this.stopped = false;
    this.number = stored.number;
    this.event = stored.event || null;
    this.token = stored.token;
    this.restoreFor(stored.number);
    this.mode = 'resume';
    this.open();
  }

  resumeCredential() {
    return { type: 'resume', candidate: this.number, token: this.token, ...(this.event ? { event: this.event } : {}) };
  }

  open() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    let ws;
    try {
      ws = new WebSocket(socketUrl('/ws/candidate'));
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.openedAt = performance.now();
    this.awaitingSince = null;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.lastMessage = performance.now();
      const cred = this.mode === 'login' ? this.cred : this.resumeCredential();
      this.seb ??= sebProof();
      this.seb.then((seb) => {
        const m = { ...cred, ...contentWish(this), ...(seb ? { seb } : {}) };
        if (this.ws === ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
      });
    };
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (e) => {
      if (this.ws !== ws) return;
      this.lastMessage = performance.now();
      this.awaitingSince = null;
      if (typeof e.data !== 'string') return onContentFrame(this, e.data);
      let m;
      try {
        m = JSON.parse(e.data);
      } catch {
        return;
      }
      this.dispatch(m);
    };
    ws.onclose = (e) => this.lost(ws, e.code);
  }

  /** Drops a socket that stopped answering without waiting for its close handshake. */
  abandon(why) {
    const ws = this.ws;
    if (!ws) return;
    ws.onopen = null;
    ws.onmessage = null;
    ws.onclose = null;
    try {
      ws.close(4000, why);
    } catch {
      /* already closing */
    }
    this.lost(ws);
  }

  /** The socket `ws` is gone (closed, or abandoned as dead): reconnect unless the test is over. */
  lost(ws, code) {
    if (this.ws !== ws) return;
    this.ws = null;
    this.connected = false;
    this.submitSent = false;
    if (this.final || this.stopped) return;
    if (!this.welcomed && this.mode === 'login') {
      // The very first sign-in did not get through: say so and let the candidate try again.
      this.stopped = true;
      this.ui.onLoginError('unreachable');
      return;
    }
    if (code === DRAINING_CLOSE) {
      this.attempt = 0; // not a failure: the server handed the session on
      this.scheduleReconnect(drainingDelayMs());
      return;
    }
    this.scheduleReconnect();
  }

  /** Reconnects after `delayMs`, or after the back-off of this attempt. */
  scheduleReconnect(delayMs) {
    if (this.final || this.stopped || this.retryTimer) return;
    this.attempt += 1;
    this.ui.onDisconnected(this.attempt);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.mode = 'resume';
      this.open();
    }, delayMs ?? backoffMs(this.attempt - 1));
  }

  /**
   * Starts again from the server's record: the server refused an answer the page thought was due
   * (an adaptive test whose step moved on elsewhere, or a page out of step). The refused value is
   * dropped, the socket closed and a resume opened at once; its `welcome` (and an adaptive test's
   * `next`) put the page back on the question the server holds. Other queued answers stay queued.
   */
  resync(item) {
    if (this.final || this.stopped) return;
    this.values.delete(item);
    this.refused.delete(item);
    this.persist();
    const ws = this.ws;
    if (ws) {
      ws.onopen = null;
      ws.onmessage = null;
      ws.onclose = null;
      try {
        ws.close(1000, 'resync');
      } catch {
        /* already closing */
      }
    }
    this.ws = null;
    this.connected = false;
    this.submitSent = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.attempt = 0;
    this.mode = 'resume';
    this.open();
  }

  reconnectNow() {
    if (this.retryTimer && !this.final && !this.stopped) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.mode = 'resume';
      this.open();
    }
  }

  send(m) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(m));
    if (this.awaitingSince === null && (m.type === 'heartbeat' || m.type === 'answer' || m.type === 'submit')) {
      this.awaitingSince = performance.now();
    }
    return true;
  }

  takeToken() {
    const now = performance.now();
    this.tokens = Math.min(BUCKET, this.tokens + ((now - this.tokensAt) / 1000) * REFILL_PER_S);
    this.tokensAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  dispatch(m) {
    switch (m.type) {
      case 'welcome':
        return this.onWelcome(m);
      case 'items':
        (m.items || []).forEach((it, i) => {
          this.items[m.first + i] = it;
        });
        return this.checkItems();
      case 'stimulus':
        this.stimuli[m.id] = m.html;
        return undefined;
      case 'next':
        // An adaptive test's question(s) to answer now, or its end (docs/protocol.md).
        return this.ui.onNext?.(m);
      case 'ack':
        return this.onAck(m);
      case 'heartbeat': {
        const latency = this.heartbeatSentAt === null ? 0 : (performance.now() - this.heartbeatSentAt) / 2;
        this.heartbeatSentAt = null;
        if (!this.paused && typeof m.remaining_ms === 'number') this.clock.set(m.remaining_ms, { latencyMs: latency });
        return undefined;
      }
      case 'time':
        this.clock.set(m.remaining_ms, { frozen: this.paused });
        return this.ui.onTime();
      case 'paused':
        this.paused = true;
        this.clock.set(m.remaining_ms ?? this.clock.remaining(), { frozen: true });
        return this.ui.onPaused(m.reason || '');
      case 'resumed':
        this.paused = false;
        this.clock.set(m.remaining_ms);
        this.ui.onResumed();
        this.flush();
        return this.submitRequested ? this.trySubmit() : undefined;
      case 'submitted':
        return this.finish({ kind: m.reason === 'time_over' ? 'time_over' : 'submitted', answered: m.answered, score: m.score });
      case 'terminated':
        return this.finish({ kind: 'terminated', reason: m.reason || '' });
      case 'superseded':
        this.stopped = true;
        this.connected = false;
        return this.ui.onSuperseded();
      case 'error':
        return this.onError(m);
      default:
        return undefined;
    }
  }

  onWelcome(m) {
    if (this.number && this.number !== m.candidate.number) {
      this.pending.clear();
      this.values.clear();
      this.flags.clear();
    }
    this.number = m.candidate.number;
    this.event = m.event.id;
    this.token = m.resume_token;
    this.epoch = m.epoch;
    this.connected = true;
    this.welcomed = true;
    this.attempt = 0;
    this.submitSent = false;
    this.info = { candidate: m.candidate, event: m.event, version: m.version };
    if (m.status === 'submitted' || m.status === 'terminated') {
      const answered = (m.answers || []).filter((a) => isAnswered(a.value)).length;
      this.finish(m.status === 'terminated' ? { kind: 'terminated', reason: m.terminate_reason || '', answered } : { kind: 'already', answered });
      this.ws?.close(1000);
      return;
    }
    this.persist();
    const server = new Map((m.answers || []).map((a) => [a.item, a.value]));
    this.values = new Map(server);
    for (const [item, p] of this.pending) {
      p.sentEpoch = 0;
      this.values.set(item, p.value);
    }
    this.paused = Boolean(m.paused);
    this.clock.set(m.remaining_ms, { frozen: this.paused });
    this.adaptive = m.adaptive || null;
    if (this.adaptive) {
      // No content follows: the server sends each question in a `next` message.
      this.ui.onWelcome(m);
      if (this.paused) this.ui.onPaused(m.pause_reason || '');
      this.flush();
      if (this.submitRequested) this.trySubmit();
      return;
    }
    this.itemCount = m.item_count ?? (m.items || []).length;
    const kept = m.content_sent === false && this.itemsReady && this.contentHash === m.content_hash;
    if (!kept) this.items = Array.isArray(m.items) ? m.items.slice() : new Array(this.itemCount);
    if (m.stimuli) Object.assign(this.stimuli, m.stimuli);
    this.itemsReady = false;
    takeContent(this, m, kept);
    this.ui.onWelcome(m);
    if (this.paused) this.ui.onPaused(m.pause_reason || '');
    this.checkItems();
    while (this.integrityQueue.length && this.takeToken()) this.send(this.integrityQueue.shift());
    this.flush();
    if (this.submitRequested) this.trySubmit();
  }

  checkItems() {
    if (this.itemsReady) return;
    let have = 0;
    for (let i = 0; i < this.itemCount; i++) if (this.items[i]) have++;
    if (have < this.itemCount) {
      this.ui.onLoading(have, this.itemCount);
      return;
    }
    this.itemsReady = true;
    this.ui.onItems();
    keepContent(this);
  }

  /**
   * Records the candidate's answer (null clears): at once in the local queue (memory and
   * localStorage, so a reload a moment later keeps it) and sends it when it can — now, or with
   * `{defer: true}` at the next flush (typing: the page sends when the student pauses).
   */
  answer(item, value, { defer = false } = {}) {
    if (this.final || this.paused) return false;
    this.values.set(item, value);
    this.seq += 1;
    this.pending.set(item, { seq: this.seq, value, sentEpoch: 0, sentAt: 0 });
    this.refused.delete(item);
    this.persist();
    if (!defer) this.flush();
    this.ui.onAnswerState(item);
    return true;
  }

  /** Remembers the question on screen (a reload reopens it). */
  setPosition(item) {
    if (this.position === item) return;
    this.position = item;
    this.persist();
  }

  /** Remembers that the candidate works in full screen (a reload asks to go back to it). */
  setFullscreen(on) {
    this.wantsFullscreen = on;
    this.persist();
  }

  setFlag(item, on) {
    if (on) this.flags.add(item);
    else this.flags.delete(item);
    this.persist();
  }

  flush() {
    if (!this.connected || this.paused) return;
    const now = performance.now();
    for (const [item, p] of this.pending) {
      if (p.sentEpoch === this.epoch && now - p.sentAt < RESEND_AFTER_MS) continue;
      if (!this.takeToken()) {
        clearTimeout(this.flushTimer);
        this.flushTimer = setTimeout(() => this.flush(), 300);
        return;
      }
      if (!this.send({ type: 'answer', seq: p.seq, item, value: p.value })) return;
      p.sentEpoch = this.epoch;
      p.sentAt = now;
    }
  }

  onAck(m) {
    const p = this.pending.get(m.item);
    if (p && p.seq === m.seq) {
      this.pending.delete(m.item);
      this.persist();
      this.ui.onAnswerState(m.item);
    }
    if (this.submitRequested && this.pending.size === 0) this.trySubmit();
  }

  onError(m) {
    if (!this.connected) {
      // A refused login or resume.
      if (m.code === 'resume_failed') {
        this.token = null;
        this.persist();
      }
      if (this.mode === 'login' || FATAL_LOGIN.has(m.code)) {
        this.stopped = true;
        this.ws?.close(1000);
        this.ui.onLoginError(m.code, m.message);
      } else {
        this.ws?.close(1000); // rate_limited, internal, …: try again after a pause
      }
      return;
    }
    if (m.seq !== undefined && m.seq !== null) {
      const entry = [...this.pending].find(([, p]) => p.seq === m.seq);
      if (!entry) return;
      const [item, p] = entry;
      if (m.code === 'paused' || m.code === 'not_saved' || m.code === 'rate_limited') {
        p.sentEpoch = 0; // sent again after the resume, or at the next flush
        if (m.code !== 'paused') setTimeout(() => this.flush(), 1000);
        return;
      }
      this.pending.delete(item);
      this.refused.set(item, m.message || m.code);
      this.persist();
      this.ui.onAnswerState(item);
      return;
    }
    if (m.code === 'rate_limited') {
      this.tokens = 0;
      return;
    }
    if (this.submitSent && (m.code === 'not_saved' || m.code === 'paused' || m.code === 'internal')) {
      this.submitSent = false;
      this.ui.onSubmitState('failed', m.message);
      return;
    }
    this.ui.onNotice(m.code, m.message);
  }

  /** Sends `submit` once every answer is saved (now, or after the reconnect). */
  submit() {
    this.submitRequested = true;
    this.trySubmit();
  }

  cancelSubmit() {
    if (!this.submitSent) this.submitRequested = false;
  }

  trySubmit() {
    if (this.final || !this.submitRequested || this.submitSent) return;
    if (!this.connected) {
      this.ui.onSubmitState('offline');
      return;
    }
    if (this.paused) {
      this.ui.onSubmitState('paused');
      return;
    }
    if (this.pending.size > 0) {
      this.ui.onSubmitState('waiting');
      this.flush();
      return;
    }
    if (this.send({ type: 'submit' })) {
      this.submitSent = true;
      this.ui.onSubmitState('sent');
    }
  }

  /** Reports an integrity event (focus lost, full screen left, paste, copy) to the proctor. */
  integrity(kind, detail = '') {
    if (this.final || !this.welcomed) return;
    const m = { type: 'integrity', kind, detail: String(detail).slice(0, 500) };
    if (this.connected && this.takeToken() && this.send(m)) return;
    if (this.integrityQueue.length < MAX_INTEGRITY_QUEUE) this.integrityQueue.push(m);
  }

  finish(result) {
    if (this.final) return;
    this.final = result;
    this.stopped = true;
    this.connected = false;
    this.clock.freeze();
    clearTimeout(this.retryTimer);
    try {
      localStorage.removeItem(STORE);
    } catch {
      /* nothing stored */
    }
    this.cached = null;
    eraseContent();
    this.ui.onFinal(result);
  }

  /** Forgets this browser's session (after a refused resume the candidate signs in again). */
  forget() {
    this.stopped = true;
    this.ws?.close(1000);
    this.ws = null;
    this.connected = false;
    this.welcomed = false;
  }

  tick() {
    if (!this.ws) return;
    const now = performance.now();
    if (!this.connected) {
      if (now - this.openedAt > CONNECT_TIMEOUT_MS) this.abandon('no welcome');
      return;
    }
    if (this.awaitingSince !== null && now - this.awaitingSince > REPLY_TIMEOUT_MS) {
      this.abandon('no reply'); // a frozen server or a dead network path: reconnect
      return;
    }
    if (now - this.lastHeartbeat >= HEARTBEAT_MS && this.takeToken()) {
      this.lastHeartbeat = now;
      this.heartbeatSentAt = now;
      this.send({ type: 'heartbeat' });
    }
    this.flush();
  }

  /** The save state of `item`: none | saving | queued | saved | cleared | refused. */
  saveState(item) {
    if (this.refused.has(item)) return 'refused';
    if (this.pending.has(item)) return this.connected ? 'saving' : 'queued';
    const v = this.values.get(item);
    if (v === undefined) return 'none';
    return isAnswered(v) ? 'saved' : 'cleared';
  }
}

/**
 * Whether a value counts as an answer: a cleared item (null, blank text) does not; a true/false
 * group does once one statement is answered. The mirror of the server's `is_answered`
 * (khaothi-package) that the final page, proctor grid and biên bản use — docs/formats.md.
 */
export function isAnswered(v) {
  if (v === null || v === undefined) return false;
  if (typeof v === 'string') return v.trim() !== '';
  if (Array.isArray(v)) return v.some((x) => x !== null);
  return true;
}

// UI callbacks: onLoginError(code, message), onWelcome(m), onLoading(have, total), onItems(),
// onAnswerState(item), onDisconnected(attempt), onPaused(reason), onResumed(), onTime(),
// onFinal(result), onSuperseded(), onSubmitState(state, message), onNotice(code, message),
// onNext(m) (adaptive tests).
