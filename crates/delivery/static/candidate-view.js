// Drawing the test: the parts (THPT phần I, II, III from each item's `section`), one question
// with its answer controls, the navigation grid and the save mark. Item HTML always goes through
// the allow-list sanitizer.

import { t } from './i18n.js';
import { setSanitized } from './sanitize.js';
import { isAnswered } from './candidate-session.js';

const LETTERS = ['A', 'B', 'C', 'D', 'E', 'F'];
const SA_CHARS = /[^0-9,.-]/g;

function roman(n) {
  const table = [[10, 'X'], [9, 'IX'], [5, 'V'], [4, 'IV'], [1, 'I']];
  let out = '';
  for (const [v, s] of table) while (n >= v) { out += s; n -= v; }
  return out;
}

/** The questions in order with their part and number within the part. */
export function layout(items) {
  const sections = [...new Set(items.map((it) => it.section ?? 0))].sort((a, b) => a - b);
  const counters = new Map();
  return items.map((item, index) => {
    const part = sections.indexOf(item.section ?? 0);
    const n = (counters.get(part) || 0) + 1;
    counters.set(part, n);
    return { item, index, part, number: n };
  });
}

export function partLabel(part) {
  return part < 3 ? t(`part.${part}`) : t('part', { n: roman(part + 1) });
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role' || k === 'type' || k === 'id') e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

/** Builds the navigation grid once per set of items. */
export function buildNav(container, questions, onGo) {
  container.replaceChildren();
  const parts = new Map();
  for (const q of questions) {
    if (!parts.has(q.part)) parts.set(q.part, []);
    parts.get(q.part).push(q);
  }
  for (const [part, qs] of parts) {
    const grid = el('div', { class: 'nav-buttons', role: 'group' });
    grid.setAttribute('aria-label', partLabel(part));
    for (const q of qs) {
      const b = el('button', { type: 'button', class: 'nav-q', 'data-index': String(q.index), 'data-item': q.item.id, text: String(q.number) });
      b.addEventListener('click', () => onGo(q.index));
      grid.append(b);
    }
    container.append(el('div', { class: 'nav-part' }, el('h3', { text: partLabel(part) }), grid));
  }
}

/** Marks every grid button: answered or not, flagged, not yet saved, current. */
export function updateNav(container, questions, session, current) {
  for (const b of container.querySelectorAll('.nav-q')) {
    const q = questions[Number(b.dataset.index)];
    const id = q.item.id;
    const value = session.values.get(id);
    const answered = isAnswered(value);
    // A true/false group with some statements answered is counted as answered but shown as
    // partial ("2/4"), so a student does not take one chosen statement for a finished group.
    const parts = Array.isArray(value) ? value.filter((x) => x !== null).length : 0;
    const partial = answered && Array.isArray(value) && parts < value.length;
    b.dataset.state = partial ? 'partial' : answered ? 'answered' : 'unanswered';
    b.dataset.parts = partial ? `${parts}/${value.length}` : '';
    b.dataset.flagged = String(session.flags.has(id));
    b.dataset.pending = String(session.pending.has(id));
    if (q.index === current) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
    const words = [partLabel(q.part), t('question', { n: q.number })];
    if (partial) words.push(t('legend.partial'), t('legend.partial.count', { n: parts, total: value.length }));
    else words.push(answered ? t('legend.answered') : t('legend.unanswered'));
    if (session.flags.has(id)) words.push(t('legend.flagged'));
    if (session.pending.has(id)) words.push(t('legend.pending'));
    b.setAttribute('aria-label', words.join(', '));
  }
}

/** The save mark of the current question. */
export function showSaveState(node, session, item) {
  const state = session.saveState(item.id);
  node.dataset.state = state;
  node.dataset.item = item.id;
  node.textContent = state === 'refused' ? t('save.refused', { message: session.refused.get(item.id) }) : t(`save.${state}`);
}

/**
 * Draws question `q` into `els` ({title, kind, stimulus, stem, answer}); `onAnswer(value)` is
 * called with the new value. Returns a controller for keyboard use.
 */
export function renderQuestion(els, q, total, session, onAnswer) {
  const { item } = q;
  els.title.textContent = `${partLabel(q.part)} · ${t('question', { n: q.number })}`;
  els.title.dataset.index = String(q.index);
  els.title.dataset.item = item.id;
  els.kind.textContent = t(`kind.${item.kind}`);
  const stimulus = item.stimulus ? session.stimuli[item.stimulus] : null;
  els.stimulus.hidden = !stimulus;
  if (stimulus) setSanitized(els.stimulus, stimulus);
  else els.stimulus.replaceChildren();
  setSanitized(els.stem, item.stem_html);
  els.answer.replaceChildren();
  els.answer.dataset.kind = item.kind;
  const value = session.values.get(item.id);
  if (item.kind === 'single_choice') return singleChoice(els.answer, item, value, onAnswer);
  if (item.kind === 'true_false_group') return trueFalse(els.answer, item, value, onAnswer);
  return shortAnswer(els.answer, item, value, onAnswer);
}

function singleChoice(box, item, value, onAnswer) {
  const group = el('div', { class: 'options', role: 'radiogroup' });
  const buttons = (item.options_html || []).map((html, i) => {
    const letter = LETTERS[i];
    const body = el('span', { class: 'opt-body' });
    setSanitized(body, html);
    const b = el('button', { type: 'button', role: 'radio', class: 'option', 'data-option': letter }, el('span', { class: 'opt-label', text: letter }), body);
    b.addEventListener('click', () => onAnswer(letter));
    group.append(b);
    return b;
  });
  const show = (v) => buttons.forEach((b) => b.setAttribute('aria-checked', String(b.dataset.option === v)));
  show(value);
  box.append(group);
  return {
    key(k) {
      const i = LETTERS.indexOf(k.toUpperCase());
      if (i >= 0 && i < buttons.length) {
        onAnswer(LETTERS[i]);
        return true;
      }
      return false;
    },
    show,
    focus() {
      (buttons.find((b) => b.getAttribute('aria-checked') === 'true') || buttons[0])?.focus();
    },
  };
}

function trueFalse(box, item, value, onAnswer) {
  const n = (item.statements_html || []).length;
  let current = Array.isArray(value) ? value.slice() : new Array(n).fill(null);
  let active = 0;
  const table = el('table', { class: 'statements' });
  const rows = [];
  const set = (i, v) => {
    current = current.slice();
    current[i] = current[i] === v ? null : v;
    onAnswer(current.some((x) => x !== null) ? current : null);
  };
  (item.statements_html || []).forEach((html, i) => {
    const body = el('td', { class: 'st-body' });
    setSanitized(body, html);
    const yes = el('button', { type: 'button', class: 'tf', 'data-statement': String(i), 'data-value': 'true', text: t('tf.true') });
    const no = el('button', { type: 'button', class: 'tf', 'data-statement': String(i), 'data-value': 'false', text: t('tf.false') });
    yes.addEventListener('click', () => { active = i; set(i, true); });
    no.addEventListener('click', () => { active = i; set(i, false); });
    const row = el('tr', { 'data-statement': String(i) }, el('td', { class: 'st-label', text: `${String.fromCharCode(97 + i)})` }), body, el('td', { class: 'st-choice' }, yes, no));
    row.addEventListener('click', (e) => {
      if (e.target === row || body.contains(e.target)) { active = i; paint(); }
    });
    rows.push({ row, yes, no });
    table.append(row);
  });
  const paint = () => rows.forEach((r, i) => {
    r.yes.setAttribute('aria-pressed', String(current[i] === true));
    r.no.setAttribute('aria-pressed', String(current[i] === false));
    r.row.classList.toggle('active', i === active);
  });
  paint();
  box.append(table);
  return {
    key(k) {
      const lower = k.toLowerCase();
      const idx = ['a', 'b', 'c', 'd', 'e', 'f'].indexOf(lower);
      if (idx >= 0 && idx < n) { active = idx; paint(); rows[idx].yes.focus(); return true; }
      if (lower === 't' || lower === 'đ') { set(active, true); active = Math.min(n - 1, active + 1); return true; }
      if (lower === 's' || lower === 'f') { set(active, false); active = Math.min(n - 1, active + 1); return true; }
      return false;
    },
    show(v) {
      current = Array.isArray(v) ? v.slice() : new Array(n).fill(null);
      paint();
    },
    focus() { rows[active]?.yes.focus(); },
  };
}

function shortAnswer(box, item, value, onAnswer) {
  const id = `sa-${item.id}`;
  const input = el('input', { id, type: 'text', class: 'sa-input', autocomplete: 'off', spellcheck: false, maxLength: 4 });
  input.setAttribute('inputmode', 'decimal');
  input.setAttribute('aria-describedby', 'sa-hint');
  input.value = typeof value === 'string' ? value : '';
  const hint = el('p', { id: 'sa-hint', class: 'hint', text: t('sa.hint') });
  const label = el('label', { text: t('sa.label') });
  label.htmlFor = id;
  // Every keystroke goes to the local queue at once (a reload keeps it); sending waits until
  // the student pauses (600 ms), leaves the box or presses Enter.
  let timer = null;
  let stored = input.value;
  let sent = input.value;
  const valueOf = () => (input.value === '' ? null : input.value);
  const commit = () => {
    clearTimeout(timer);
    timer = null;
    if (input.value === sent) return;
    sent = input.value;
    stored = input.value;
    onAnswer(valueOf());
  };
  input.addEventListener('input', () => {
    const clean = input.value.replace(SA_CHARS, '').slice(0, 4);
    hint.classList.toggle('error', clean !== input.value);
    hint.textContent = clean !== input.value ? t('sa.invalid') : t('sa.hint');
    if (clean !== input.value) input.value = clean;
    if (input.value !== stored) {
      stored = input.value;
      onAnswer(valueOf(), { defer: true });
    }
    clearTimeout(timer);
    timer = setTimeout(commit, 600);
  });
  input.addEventListener('blur', commit);
  box.append(el('div', { class: 'sa' }, label, input, hint));
  return {
    key() { return false; },
    show(v) {
      if (document.activeElement !== input) {
        input.value = typeof v === 'string' ? v : '';
        stored = input.value;
        sent = input.value;
      }
    },
    focus() { input.focus(); },
    commit,
    input,
  };
}
