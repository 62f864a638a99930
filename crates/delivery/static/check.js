// The lab check page (/check): is this computer ready for the exam? Browser version, a websocket
// round trip to /ws/check, the computer's clock drift against the server (informational: the
// test clock never uses it), the bundled fonts, the screen, MathML layout, storage, full screen.

import { apply, onLangChange, t, wireCommonButtons } from './i18n.js';
import './i18n-staff.js';
import { socketUrl } from './clock.js';

const $ = (id) => document.getElementById(id);
const results = new Map();

/** Minimum versions with MathML Core layout and the web features the pages use. */
const MIN = { Chrome: 109, Edge: 109, Firefox: 115, Safari: 16 };

function browserCheck() {
  const ua = navigator.userAgent;
  const m = ua.match(/Edg\/(\d+)/) ? ['Edge', ua.match(/Edg\/(\d+)/)[1]]
    : ua.match(/Firefox\/(\d+)/) ? ['Firefox', ua.match(/Firefox\/(\d+)/)[1]]
    : ua.match(/(?:Chrome|Chromium)\/(\d+)/) ? ['Chrome', ua.match(/(?:Chrome|Chromium)\/(\d+)/)[1]]
    : ua.match(/Version\/(\d+).*Safari/) ? ['Safari', ua.match(/Version\/(\d+).*Safari/)[1]]
    : null;
  const features = ['WebSocket', 'HTMLDialogElement', 'DOMParser', 'performance'].filter((f) => !(f in window));
  if (!('inert' in HTMLElement.prototype)) features.push('inert');
  if (!m) return { state: 'warn', detail: `${ua}` };
  const [name, version] = [m[0], Number(m[1])];
  const detail = `${name} ${version}${features.length ? ` — missing: ${features.join(', ')}` : ''}`;
  if (features.length) return { state: 'fail', detail };
  return { state: version >= MIN[name] ? 'ok' : 'fail', detail: `${detail} (≥ ${MIN[name]})` };
}

function websocketCheck() {
  return new Promise((resolve) => {
    const rtts = [];
    const drifts = [];
    let sentAt = 0;
    let sentWall = 0;
    let n = 0;
    let done = false;
    const finish = (ws, failure) => {
      if (done) return;
      done = true;
      try { ws?.close(1000); } catch { /* closed */ }
      if (failure) {
        resolve({ ws: { state: 'fail', detail: failure }, drift: { state: 'warn', detail: '—' } });
        return;
      }
      rtts.sort((a, b) => a - b);
      drifts.sort((a, b) => a - b);
      const rtt = rtts[Math.floor(rtts.length / 2)];
      const median = drifts[Math.floor(drifts.length / 2)];
      const drift = Math.abs(median) < 5 ? 0 : median;
      const absDrift = Math.abs(drift);
      resolve({
        ws: { state: rtt < 250 ? 'ok' : rtt < 1500 ? 'warn' : 'fail', detail: `${rtt.toFixed(1)} ms (min ${rtts[0].toFixed(1)} ms, ${rtts.length} round trips)`, value: rtt },
        drift: { state: absDrift < 2000 ? 'ok' : 'warn', detail: `${drift > 0 ? '+' : ''}${(drift / 1000).toFixed(2)} s`, value: drift },
      });
    };
    let ws;
    try {
      ws = new WebSocket(socketUrl('/ws/check'));
    } catch (e) {
      finish(null, String(e));
      return;
    }
    const timer = setTimeout(() => finish(ws, 'no answer within 10 s'), 10000);
    const ping = () => {
      n += 1;
      sentAt = performance.now();
      sentWall = Date.now();
      ws.send(JSON.stringify({ type: 'ping', id: n }));
    };
    ws.onopen = ping;
    ws.onerror = () => { clearTimeout(timer); finish(ws, 'cannot connect to /ws/check'); };
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type !== 'pong' || m.id !== n) return;
      const rtt = performance.now() - sentAt;
      rtts.push(rtt);
      // The computer's clock at the moment the server answered, minus the server's clock.
      drifts.push(sentWall + rtt / 2 - m.server_ms);
      if (n < 7) ping();
      else { clearTimeout(timer); finish(ws); }
    };
  });
}

async function fontsCheck() {
  const probes = [
    ['400 16px "Noto Sans"', 'Tiếng Việt ắỹự'],
    ['700 16px "Noto Sans"', 'Tiếng Việt ắỹự'],
    ['16px "Noto Sans Math"', '∑∫√'],
  ];
  const missing = [];
  for (const [font, text] of probes) {
    try {
      const faces = await document.fonts.load(font, text);
      if (!faces.length || !document.fonts.check(font, text)) missing.push(font);
    } catch {
      missing.push(font);
    }
  }
  return missing.length
    ? { state: 'fail', detail: `missing: ${missing.join(', ')}` }
    : { state: 'ok', detail: 'Noto Sans (latin, vietnamese; 400, 700), Noto Sans Math' };
}

function screenCheck() {
  const w = window.innerWidth;
  const h = window.innerHeight;
  const detail = `${w}×${h} (screen ${screen.width}×${screen.height}, ×${window.devicePixelRatio})`;
  const state = w >= 1024 && h >= 600 ? 'ok' : w >= 768 ? 'warn' : 'fail';
  return { state, detail, value: { w, h } };
}

function mathmlCheck() {
  const frac = $('c-mfrac');
  const num = frac?.firstElementChild;
  const den = frac?.lastElementChild;
  if (!num || !den || typeof frac.getBoundingClientRect !== 'function') return { state: 'fail', detail: 'no MathML elements' };
  const a = num.getBoundingClientRect();
  const b = den.getBoundingClientRect();
  const stacked = a.bottom <= b.top + 2 && a.height > 0;
  return { state: stacked ? 'ok' : 'fail', detail: stacked ? t('c.mathml.ok') : t('c.mathml.fail') };
}

function storageCheck() {
  try {
    localStorage.setItem('khaothi:check', '1');
    localStorage.removeItem('khaothi:check');
    return { state: 'ok', detail: 'localStorage' };
  } catch (e) {
    return { state: 'fail', detail: String(e) };
  }
}

function fullscreenCheck() {
  return document.fullscreenEnabled
    ? { state: 'ok', detail: 'Fullscreen API' }
    : { state: 'warn', detail: 'not available (use kiosk mode)' };
}

function draw() {
  const body = $('c-table').tBodies[0];
  body.replaceChildren();
  for (const [key, r] of results) {
    const tr = document.createElement('tr');
    tr.dataset.check = key;
    tr.dataset.state = r.state;
    const name = document.createElement('td');
    name.textContent = t(`c.${key}`);
    const verdict = document.createElement('td');
    verdict.className = 'verdict';
    verdict.textContent = r.state === 'running' ? '…' : t(`c.${r.state}`);
    const detail = document.createElement('td');
    detail.textContent = r.detail;
    tr.append(name, verdict, detail);
    body.append(tr);
  }
  const states = [...results.values()].map((r) => r.state);
  const summary = $('c-summary');
  const overall = states.includes('running') ? 'running' : states.includes('fail') ? 'fail' : states.includes('warn') ? 'warn' : 'ok';
  summary.dataset.state = overall;
  summary.textContent = overall === 'running' ? '…' : t(`c.summary.${overall}`);
}

async function run() {
  document.body.dataset.done = 'false';
  results.clear();
  for (const k of ['browser', 'websocket', 'drift', 'fonts', 'screen', 'mathml', 'storage', 'fullscreen']) {
    results.set(k, { state: 'running', detail: '' });
  }
  draw();
  results.set('browser', browserCheck());
  results.set('screen', screenCheck());
  results.set('storage', storageCheck());
  results.set('fullscreen', fullscreenCheck());
  draw();
  const [net, fonts] = await Promise.all([websocketCheck(), fontsCheck()]);
  results.set('websocket', net.ws);
  results.set('drift', net.drift);
  results.set('fonts', fonts);
  // After the math font has loaded, so the layout is the one candidates will see.
  results.set('mathml', mathmlCheck());
  draw();
  document.body.dataset.done = 'true';
}

wireCommonButtons();
apply(document);
onLangChange(draw);
$('c-run').addEventListener('click', run);
run();
