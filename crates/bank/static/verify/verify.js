// The certificate verification page (issue 21; crates/bank/src/verify_page.rs): KT1: string →
// Base45 → zlib (DecompressionStream) → COSE_Sign1 (CBOR) → Ed25519 (WebCrypto) against the keys
// the page was served with → claims, checked against the signed revocation list. Everything runs
// here, so the page works offline once loaded. A photo of the QR code (a phone without
// BarcodeDetector, or the page not on HTTPS) is decoded here too, by the vendored jsQR.

import './vendor/jsqr/jsQR.js';

const trust = JSON.parse(document.getElementById('trust').textContent);
const $ = (id) => document.getElementById(id);

const TEXT = {
  vi: {
    title: 'Kiểm tra giấy chứng nhận kết quả thi', intro: 'Dán chuỗi in dưới mã QR (bắt đầu bằng KT1:) hoặc quét mã QR. Việc kiểm tra diễn ra ngay trên máy này, không cần mạng.',
    label: 'Chuỗi giấy chứng nhận', hint: 'Ví dụ: KT1:6BF…', check: 'Kiểm tra', scan: 'Quét mã QR bằng camera',
    cameraNote: 'Quét bằng camera cần trang được mở qua HTTPS và trình duyệt hỗ trợ đọc mã QR.', keys: 'Khoá công khai tin cậy:',
    photo: 'Hoặc chụp ảnh mã QR (hay chọn ảnh có sẵn)', photoHint: 'Ảnh được đọc ngay trên máy này, không gửi đi đâu.',
    photoNone: 'Không tìm thấy mã QR của giấy chứng nhận trong ảnh. Hãy chụp lại gần hơn, đủ sáng, mã QR nằm trọn trong ảnh.', photoBad: 'Không mở được tệp ảnh này.',
    valid: 'HỢP LỆ — chữ ký của hội đồng thi đúng, nội dung không bị sửa.', invalid: 'KHÔNG HỢP LỆ', revoked: 'ĐÃ BỊ THU HỒI — hội đồng thi đã huỷ giấy chứng nhận này.',
    issuer: 'Đơn vị cấp', issued: 'Ngày cấp', sbd: 'Số báo danh', name: 'Họ và tên', dob: 'Ngày sinh', subject: 'Môn thi', event: 'Kỳ thi', score: 'Điểm', id: 'Mã giấy chứng nhận',
    revList: 'Danh sách thu hồi ngày', noCrypto: 'Trình duyệt này không kiểm tra được chữ ký Ed25519 (cần HTTPS hoặc localhost và trình duyệt mới).',
    reasons: { prefix: 'chuỗi không bắt đầu bằng KT1:', format: 'chuỗi bị hỏng hoặc không phải giấy chứng nhận', key: 'được ký bằng khoá không nằm trong danh sách tin cậy', signature: 'chữ ký không khớp với nội dung' },
  },
  en: {
    title: 'Verify an exam score certificate', intro: 'Paste the string printed under the QR code (it starts with KT1:) or scan the QR code. The check runs on this device and needs no network.',
    label: 'Certificate string', hint: 'For example: KT1:6BF…', check: 'Verify', scan: 'Scan the QR code with the camera',
    cameraNote: 'Scanning needs the page to be served over HTTPS and a browser that reads QR codes.', keys: 'Trusted public keys:',
    photo: 'Or take a photo of the QR code (or choose a picture)', photoHint: 'The picture is read on this device and sent nowhere.',
    photoNone: 'No certificate QR code was found in the picture. Take it again closer, in good light, with the whole QR code in the frame.', photoBad: 'This file cannot be opened as a picture.',
    valid: 'VALID — the exam board\'s signature checks out and the content is unchanged.', invalid: 'INVALID', revoked: 'REVOKED — the exam board has withdrawn this certificate.',
    issuer: 'Issued by', issued: 'Issued on', sbd: 'Candidate number', name: 'Name', dob: 'Date of birth', subject: 'Subject', event: 'Exam', score: 'Score', id: 'Certificate id',
    revList: 'Revocation list of', noCrypto: 'This browser cannot check Ed25519 signatures (it needs HTTPS or localhost and a recent browser).',
    reasons: { prefix: 'the string does not start with KT1:', format: 'the string is damaged or not a certificate', key: 'signed with a key that is not on the trusted list', signature: 'the signature does not match the content' },
  },
};
let lang = localStorage.getItem('khaothi-verify-lang') === 'en' ? 'en' : 'vi';
const t = (k) => TEXT[lang][k];

// --- Base45 (RFC 9285) ---
const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
function base45(s) {
  const out = [];
  for (let i = 0; i < s.length; i += 3) {
    const v = [...s.slice(i, i + 3)].map((c) => { const n = B45.indexOf(c); if (n < 0) throw new Error('format'); return n; });
    if (v.length === 1) throw new Error('format');
    const n = v[0] + v[1] * 45 + (v.length === 3 ? v[2] * 2025 : 0);
    if (v.length === 3) { if (n > 65535) throw new Error('format'); out.push(n >> 8, n & 255); } else { if (n > 255) throw new Error('format'); out.push(n); }
  }
  return new Uint8Array(out);
}

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// --- CBOR (the subset certificates use) ---
function cbor(bytes) {
  let p = 0;
  const need = (n) => { if (p + n > bytes.length) throw new Error('format'); };
  function arg(info) {
    if (info < 24) return info;
    const len = { 24: 1, 25: 2, 26: 4, 27: 8 }[info]; if (!len) throw new Error('format');
    need(len); let v = 0; for (let i = 0; i < len; i++) v = v * 256 + bytes[p++]; return v;
  }
  function item() {
    need(1); const b = bytes[p++]; const major = b >> 5; const info = b & 31;
    switch (major) {
      case 0: return arg(info);
      case 1: return -1 - arg(info);
      case 2: { const n = arg(info); need(n); const v = bytes.slice(p, p + n); p += n; return v; }
      case 3: { const n = arg(info); need(n); const v = new TextDecoder('utf-8', { fatal: true }).decode(bytes.slice(p, p + n)); p += n; return v; }
      case 4: { const n = arg(info); const a = []; for (let i = 0; i < n; i++) a.push(item()); return a; }
      case 5: { const n = arg(info); const m = new Map(); for (let i = 0; i < n; i++) { const k = item(); m.set(k, item()); } return m; }
      case 6: { const tag = arg(info); return { tag, value: item() }; }
      default: if (info === 20) return false; if (info === 21) return true; if (info === 22) return null; throw new Error('format');
    }
  }
  return item();
}

function head(major, n) {
  if (n < 24) return [(major << 5) | n];
  if (n < 256) return [(major << 5) | 24, n];
  return [(major << 5) | 25, n >> 8, n & 255];
}
function sigStructure(protectedBytes, payload) {
  const label = new TextEncoder().encode('Signature1');
  return new Uint8Array([0x84, ...head(3, label.length), ...label, ...head(2, protectedBytes.length), ...protectedBytes, 0x40, ...head(2, payload.length), ...payload]);
}

const hex = (b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)));
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

async function ed25519(publicKeyText, signature, message) {
  const key = await crypto.subtle.importKey('raw', unhex(publicKeyText.replace(/^ed25519:/, '')), { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
}

const keyOf = (kid) => trust.keys.find((k) => k.kid === kid);

async function readRevocations(text) {
  const signed = JSON.parse(text);
  const key = keyOf(signed.kid);
  if (signed.format !== 'khaothi-revocations/1' || !key) throw new Error('untrusted');
  const payload = b64(signed.payload);
  const msg = new Uint8Array([...new TextEncoder().encode('khaothi-revocations/1\n'), ...payload]);
  if (!(await ed25519(key.public_key, b64(signed.signature), msg))) throw new Error('signature');
  return JSON.parse(new TextDecoder().decode(payload));
}

let revocations = { issued_at: 0, revoked: [] };

async function verify(text) {
  const s = text.trim();
  if (!s.startsWith('KT1:')) return { verdict: 'invalid', reason: 'prefix' };
  let sign1;
  try {
    let cose = cbor(await inflate(base45(s.slice(4))));
    if (cose && cose.tag === 18) cose = cose.value;
    if (!Array.isArray(cose) || cose.length !== 4) throw new Error('format');
    sign1 = cose;
  } catch { return { verdict: 'invalid', reason: 'format' }; }
  const [protectedBytes, , payload, signature] = sign1;
  let header;
  try { header = cbor(protectedBytes); } catch { return { verdict: 'invalid', reason: 'format' }; }
  if (!(header instanceof Map) || header.get(1) !== -8 || !(header.get(4) instanceof Uint8Array)) return { verdict: 'invalid', reason: 'format' };
  const key = keyOf(hex(header.get(4)));
  if (!key) return { verdict: 'invalid', reason: 'key' };
  if (!(await ed25519(key.public_key, signature, sigStructure(protectedBytes, payload)))) return { verdict: 'invalid', reason: 'signature' };
  let claims;
  try { claims = cbor(payload); } catch { return { verdict: 'invalid', reason: 'format' }; }
  const id = hex(new Uint8Array(await crypto.subtle.digest('SHA-256', signature)).slice(0, 16));
  return { verdict: revocations.revoked.includes(id) ? 'revoked' : 'valid', id, claims };
}

const score = (h) => `${Math.floor(h / 100)},${String(h % 100).padStart(2, '0')}`;
const date = (unix) => new Date(unix * 1000).toLocaleDateString(lang === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: 'UTC' });

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function show(r) {
  const out = $('result');
  out.replaceChildren();
  out.className = r.verdict;
  out.append(el('p', { class: 'verdict', id: 'verdict', 'data-verdict': r.verdict }, r.verdict === 'invalid' ? `${t('invalid')} — ${t('reasons')[r.reason]}` : t(r.verdict)));
  if (r.claims) {
    const c = r.claims;
    const dl = el('dl');
    const add = (k, v) => { if (v !== undefined) dl.append(el('dt', {}, t(k)), el('dd', {}, String(v))); };
    add('issuer', c.get(1)); add('issued', date(c.get(6))); add('sbd', c.get('sbd')); add('name', c.get('name')); add('dob', c.get('dob')); add('id', r.id);
    const rows = (c.get('res') || []).map(([event, subject, h]) => el('tr', {}, el('td', {}, subject), el('td', {}, event), el('td', { class: 'num' }, score(h))));
    const table = el('table', {}, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('subject')), el('th', { scope: 'col' }, t('event')), el('th', { scope: 'col' }, t('score')))), el('tbody', {}, ...rows));
    out.append(dl, table);
  }
  out.focus();
}

function render() {
  document.documentElement.lang = lang;
  document.title = t('title');
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  $('lang').textContent = lang === 'vi' ? 'English' : 'Tiếng Việt';
  $('lang').lang = lang === 'vi' ? 'en' : 'vi';
  $('key-count').textContent = String(trust.keys.length);
  $('revocation-info').textContent = revocations.issued_at ? `${t('revList')} ${date(revocations.issued_at)} (${revocations.revoked.length}).` : '';
}

async function start() {
  if (!(window.crypto && crypto.subtle)) { $('result').textContent = TEXT[lang].noCrypto; }
  try { revocations = await readRevocations(trust.revocations); } catch { /* a list that does not verify is ignored */ }
  render();
  // Online: a fresher list, used only when its signature checks out and it is newer.
  fetch('/api/v1/certificates/revocations').then((r) => (r.ok ? r.text() : Promise.reject())).then(readRevocations)
    .then((fresh) => { if (fresh.issued_at >= revocations.issued_at) { revocations = fresh; render(); } }).catch(() => {});
  $('form').addEventListener('submit', async (e) => { e.preventDefault(); show(await verify($('code').value)); });
  $('photo').addEventListener('change', () => { const f = $('photo').files[0]; if (f) fromPhoto(f); });
  $('lang').addEventListener('click', () => { lang = lang === 'vi' ? 'en' : 'vi'; localStorage.setItem('khaothi-verify-lang', lang); render(); });
  if (window.isSecureContext && 'BarcodeDetector' in window && navigator.mediaDevices) {
    $('scan').hidden = false;
    $('scan').addEventListener('click', scan);
  }
}

/**
 * Reads a certificate's QR code from a photo: the picture drawn on a canvas at a few sizes (a
 * phone's 12-megapixel photo is slow to search whole, and a small QR code in a large photo needs
 * the detail), each handed to jsQR; the first `KT1:` string found is verified.
 */
async function fromPhoto(file) {
  $('photo-error').textContent = '';
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    $('photo-error').textContent = t('photoBad');
    return;
  }
  for (const longest of [1200, 2000, 800, 3000]) {
    const k = Math.min(1, longest / Math.max(bitmap.width, bitmap.height));
    const w = Math.max(1, Math.round(bitmap.width * k));
    const h = Math.max(1, Math.round(bitmap.height * k));
    const canvas = document.createElement('canvas');
    canvas.width = w; canvas.height = h;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(bitmap, 0, 0, w, h);
    const found = window.jsQR(ctx.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: 'attemptBoth' });
    if (found && found.data.startsWith('KT1:')) {
      $('code').value = found.data;
      show(await verify(found.data));
      return;
    }
    if (k === 1) break;
  }
  $('photo-error').textContent = t('photoNone');
}

async function scan() {
  const video = $('video');
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  video.srcObject = stream; video.hidden = false; await video.play();
  const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
  const tick = async () => {
    const codes = await detector.detect(video).catch(() => []);
    const found = codes.find((c) => c.rawValue.startsWith('KT1:'));
    if (!found) { requestAnimationFrame(tick); return; }
    stream.getTracks().forEach((tr) => tr.stop()); video.hidden = true;
    $('code').value = found.rawValue;
    show(await verify(found.rawValue));
  };
  tick();
}

start();
