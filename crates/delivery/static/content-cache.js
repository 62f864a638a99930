// The test's content kept in this browser (docs/protocol.md §3, "Content"). After the last item
// arrives, the stimuli and items are stored in IndexedDB under the event, version and content
// hash that `welcome` named; a reload or a reconnect then names that hash in `resume` and the
// server sends no content again (10,000 browsers resuming at once would otherwise fetch the whole
// test again). The content is erased when the test ends on this browser (submitted, time over,
// terminated) and when another candidate signs in on it.
//
// Content can also come compressed: one raw-DEFLATE stream cut into binary frames, read with the
// browser's DecompressionStream; a browser without it asks for the JSON messages instead.
//
// The functions at the end are the ExamSession's (candidate-session.js) content steps; they read
// and set its `items`, `stimuli`, `contentHash`, `cached` ({event, version, hash} stored here) and
// `deflated` (compressed frames still to come).

const DB = 'khaothi-content';
const STORE = 'content';

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function keyOf(event, version, hash) {
  return `${event}/${version}/${hash}`;
}

/** Runs `body(store)` in one transaction; resolves with `body`'s request's result, if any. */
async function withStore(mode, body) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = body(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req ? req.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** Stores the content of one version (only the newest is kept). */
export function saveContent(event, version, hash, content) {
  return withStore('readwrite', (s) => {
    s.clear();
    return s.put({ items: content.items, stimuli: content.stimuli }, keyOf(event, version, hash));
  });
}

/** The stored content `{items, stimuli}` of that version and hash, or null. */
export async function loadContent(event, version, hash) {
  try {
    const c = await withStore('readonly', (s) => s.get(keyOf(event, version, hash)));
    return c && Array.isArray(c.items) ? c : null;
  } catch {
    return null;
  }
}

/** Erases every stored content of this browser. */
export function eraseContent() {
  return new Promise((resolve) => {
    try {
      const req = indexedDB.deleteDatabase(DB);
      req.onsuccess = req.onerror = req.onblocked = () => resolve();
    } catch {
      resolve();
    }
  });
}

/** Whether this browser reads raw DEFLATE (then the content is asked for compressed). */
export function canInflate() {
  try {
    new DecompressionStream('deflate-raw');
    return true;
  } catch {
    return false;
  }
}

/** The messages of the compressed content frames `chunks` (ArrayBuffers, in order). */
export async function inflateMessages(chunks) {
  const stream = new Blob(chunks).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  const text = await new Response(stream).text();
  return text.split('\n').filter((l) => l).map((l) => JSON.parse(l));
}

/** What `login`/`resume` says of the content: the hash held, and compression if readable. */
export function contentWish(session) {
  const held = session.itemsReady ? session.contentHash : session.cached?.hash;
  return { ...(held ? { content_hash: held } : {}), ...(canInflate() ? { content_encoding: 'deflate-raw' } : {}) };
}

/** A frame of compressed content; the last one is inflated into `stimulus`/`items` messages. */
export function onContentFrame(session, data) {
  const d = session.deflated;
  if (!d) return;
  d.chunks.push(data);
  if (d.chunks.length < d.left) return;
  session.deflated = null;
  inflateMessages(d.chunks).then((ms) => ms.forEach((x) => session.dispatch(x)), () => session.abandon('bad content'));
}

/**
 * After `welcome` (`kept`: the items in memory are this content): the content is in memory, or
 * stored here, or coming now. Marks where it came from on the page (`data-content` on <html>).
 */
export function takeContent(session, m, kept) {
  session.contentHash = m.content_hash ?? null;
  session.deflated = m.content_encoding ? { left: m.content_frames, chunks: [] } : null;
  document.documentElement.dataset.content = m.content_sent === false ? (kept ? 'memory' : 'cache') : 'server';
  if (m.content_sent !== false || kept) return;
  loadContent(m.event.id, m.version, m.content_hash).then((c) => {
    if (c && session.contentHash === m.content_hash) {
      c.items.forEach((it, i) => (session.items[i] = it));
      Object.assign(session.stimuli, c.stimuli);
      return session.checkItems();
    }
    session.cached = null; // gone from this browser: ask again, naming nothing
    session.persist();
    return session.abandon('no content');
  });
}

/** Once every item is in: stores the content (unless stored already) and remembers its hash. */
export function keepContent(session) {
  const info = session.info;
  if (!session.contentHash || session.cached?.hash === session.contentHash || !info) return;
  const at = { event: info.event.id, version: info.version, hash: session.contentHash };
  saveContent(at.event, at.version, at.hash, { items: session.items, stimuli: session.stimuli }).then(
    () => {
      if (session.final) return eraseContent();
      session.cached = at;
      return session.persist();
    },
    () => {}, // no IndexedDB (private mode): the content is simply sent again next time
  );
}
