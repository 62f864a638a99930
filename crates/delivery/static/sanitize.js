// Allow-list sanitizer for item HTML: defence in depth behind the server's renderer (crates/render),
// which already emits only safe HTML and MathML. Item text is parsed in an inert document (no
// script runs, no image loads there) and rebuilt node by node in the page's document: only the
// elements and attributes named below survive, in their own namespace (HTML or MathML; SVG and
// anything else are dropped). No event handlers, no links, no `javascript:` anywhere, images only
// from this server or `data:image/…`, inline styles reduced to a few layout properties through
// the CSSOM (which the page's Content-Security-Policy allows, unlike style attributes in markup).

const HTML_NS = 'http://www.w3.org/1999/xhtml';
const MATH_NS = 'http://www.w3.org/1998/Math/MathML';

const HTML_TAGS = new Set([
  'p', 'br', 'span', 'div', 'strong', 'em', 'b', 'i', 'u', 's', 'sub', 'sup', 'small', 'mark',
  'code', 'pre', 'blockquote', 'hr', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'h3', 'h4', 'h5', 'h6',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'colgroup', 'col',
  'img', 'figure', 'figcaption',
]);

const MATH_TAGS = new Set([
  'math', 'semantics', 'annotation', 'mrow', 'mi', 'mn', 'mo', 'ms', 'mtext', 'mspace', 'msub',
  'msup', 'msubsup', 'munder', 'mover', 'munderover', 'mfrac', 'msqrt', 'mroot', 'mstyle',
  'mtable', 'mtr', 'mtd', 'mpadded', 'mphantom', 'menclose', 'merror', 'mmultiscripts',
  'mprescripts', 'none',
]);

/** Dropped with everything inside; any other unknown element is unwrapped (its content kept). */
const DROP_WITH_CONTENT = new Set([
  'script', 'style', 'template', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet',
  'noscript', 'noembed', 'noframes', 'svg', 'annotation-xml', 'textarea', 'select', 'option',
  'button', 'input', 'form', 'title', 'head', 'link', 'meta', 'base', 'xmp', 'plaintext',
  'audio', 'video', 'canvas', 'portal', 'dialog',
]);

const GLOBAL_ATTRS = new Set(['class', 'title', 'lang', 'dir']);

const HTML_ATTRS = {
  img: new Set(['src', 'alt', 'width', 'height']),
  td: new Set(['colspan', 'rowspan', 'align']),
  th: new Set(['colspan', 'rowspan', 'align', 'scope']),
  ol: new Set(['start', 'type']),
  col: new Set(['span']),
  colgroup: new Set(['span']),
};

const MATH_ATTRS = new Set([
  'display', 'encoding', 'mathvariant', 'stretchy', 'symmetric', 'fence', 'separator', 'lspace',
  'rspace', 'minsize', 'maxsize', 'movablelimits', 'largeop', 'accent', 'accentunder',
  'linethickness', 'width', 'height', 'depth', 'displaystyle', 'scriptlevel', 'columnalign',
  'rowalign', 'columnspacing', 'rowspacing', 'notation', 'voffset', 'form', 'mathsize',
]);

const STYLE_PROPERTIES = [
  'color', 'background-color', 'font-weight', 'font-style', 'text-align', 'text-decoration',
  'vertical-align', 'width', 'height', 'margin-left', 'margin-right', 'padding-left',
  'padding-right', 'white-space',
];

const MAX_DEPTH = 64;

/** A safe `src`: a path on this server or a raster `data:` image; nothing else. */
export function safeImageSource(value) {
  const v = value.trim();
  if (/^data:image\/(png|jpeg|gif|webp);base64,[a-z0-9+/=\s]+$/i.test(v)) return v;
  if (v.startsWith('//') || v.includes('\\')) return null;
  if (v.startsWith('/')) return v;
  // A relative path: no scheme before the first slash, question mark or hash.
  const head = v.split(/[/?#]/, 1)[0];
  return head.includes(':') || v === '' ? null : v;
}

function copyStyle(from, to, doc) {
  const probe = doc.createElement('span');
  probe.style.cssText = from;
  for (const p of STYLE_PROPERTIES) {
    const value = probe.style.getPropertyValue(p);
    if (value && !/url\s*\(|expression|image-set|javascript:/i.test(value)) {
      to.style.setProperty(p, value);
    }
  }
}

function copyAttributes(src, out, ns, name, doc) {
  const perTag = ns === HTML_NS ? HTML_ATTRS[name] : null;
  for (const attr of Array.from(src.attributes)) {
    const a = attr.name.toLowerCase();
    const value = attr.value;
    if (a.startsWith('on') || attr.namespaceURI) continue;
    if (/javascript:|vbscript:|data:text/i.test(value.replace(/[\s\u0000-\u001f]/g, '')) && a !== 'alt') continue;
    if (a === 'style') {
      copyStyle(value, out, doc);
      continue;
    }
    const allowed = GLOBAL_ATTRS.has(a) || (perTag && perTag.has(a)) || (ns === MATH_NS && MATH_ATTRS.has(a));
    if (!allowed) continue;
    if (a === 'src') {
      const safe = safeImageSource(value);
      if (safe !== null) out.setAttribute('src', safe);
      continue;
    }
    out.setAttribute(a, value);
  }
}

function copyChildren(from, to, doc, depth) {
  for (const node of Array.from(from.childNodes)) {
    if (node.nodeType === Node.TEXT_NODE) {
      to.appendChild(doc.createTextNode(node.data));
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      copyElement(node, to, doc, depth + 1);
    }
    // Comments, processing instructions and the rest are dropped.
  }
}

function copyElement(el, to, doc, depth) {
  if (depth > MAX_DEPTH) return;
  const name = el.localName.toLowerCase();
  const ns = el.namespaceURI;
  if (DROP_WITH_CONTENT.has(name) || ns === 'http://www.w3.org/2000/svg') return;
  const known = (ns === HTML_NS && HTML_TAGS.has(name)) || (ns === MATH_NS && MATH_TAGS.has(name));
  if (!known) {
    copyChildren(el, to, doc, depth);
    return;
  }
  if (name === 'annotation') {
    // Only a text annotation (the LaTeX source), never markup.
    const out = doc.createElementNS(MATH_NS, 'annotation');
    out.textContent = el.textContent;
    const enc = el.getAttribute('encoding');
    if (enc) out.setAttribute('encoding', enc);
    to.appendChild(out);
    return;
  }
  const out = doc.createElementNS(ns, name);
  copyAttributes(el, out, ns, name, doc);
  if (name === 'img' && !out.hasAttribute('src')) return;
  copyChildren(el, out, doc, depth);
  to.appendChild(out);
}

/** The sanitized content of `html` as a fragment of `doc`. */
export function sanitize(html, doc = document) {
  const parsed = new DOMParser().parseFromString(`<!DOCTYPE html><html><body>${String(html ?? '')}`, 'text/html');
  const frag = doc.createDocumentFragment();
  copyChildren(parsed.body, frag, doc, 0);
  return frag;
}

/** Replaces the content of `el` with sanitized `html`. */
export function setSanitized(el, html) {
  el.replaceChildren(sanitize(html, el.ownerDocument));
}
