// A countdown driven by the server's `remaining_ms` and this page's monotonic clock
// (performance.now()), never the computer's wall clock: a lab computer set to the wrong time, or
// changed during the test, cannot change what the candidate sees.

export class Countdown {
  constructor() {
    this.baseMs = null;
    this.basePerf = 0;
    this.frozen = false;
  }

  /** The server says `remainingMs` are left as of `latencyMs` ago; `frozen` stops the clock. */
  set(remainingMs, { frozen = false, latencyMs = 0 } = {}) {
    if (typeof remainingMs !== 'number' || !Number.isFinite(remainingMs)) return;
    this.baseMs = Math.max(0, remainingMs - (frozen ? 0 : latencyMs));
    this.basePerf = performance.now();
    this.frozen = frozen;
  }

  freeze() {
    if (this.baseMs === null || this.frozen) return;
    this.set(this.remaining(), { frozen: true });
  }

  /** Milliseconds left now, or null before the server said anything. */
  remaining() {
    if (this.baseMs === null) return null;
    if (this.frozen) return this.baseMs;
    return Math.max(0, this.baseMs - (performance.now() - this.basePerf));
  }
}

/** `h:mm:ss` or `mm:ss`, rounding up so 0:00 means the time is really over. */
export function formatDuration(ms) {
  if (ms === null || ms === undefined) return '--:--';
  const total = Math.ceil(Math.max(0, ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

/** Reconnection delays: 0.5 s doubling to 8 s, with ±25 % jitter so a lab does not reconnect in step. */
export function backoffMs(attempt) {
  const base = Math.min(8000, 500 * 2 ** Math.min(attempt, 4));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/**
 * A stopping server closes every socket with this code (docs/protocol.md §7): reconnect at once,
 * on another node or on this one after its restart — spread over 0.25–1.75 s
 * ([`drainingDelayMs`]) so a whole node's sockets do not arrive in the same millisecond.
 */
export const DRAINING_CLOSE = 4002;

/** The wait before reconnecting after a draining close: 0.25 s plus up to 1.5 s of jitter. */
export function drainingDelayMs() {
  return 250 + Math.random() * 1500;
}

/** The websocket URL of `path` on this server (ws: or wss: like the page). */
export function socketUrl(path) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${path}`;
}
