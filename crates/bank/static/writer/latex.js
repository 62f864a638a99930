// The visual math input: a palette of the LaTeX constructs THPT papers use most, inserted at the
// cursor of the text field last focused, with the cursor left where the writer types next.
// (Chosen over vendoring MathLive: MathLive injects inline styles, which would force
// 'unsafe-inline' into the editor's Content-Security-Policy; the palette plus the live preview
// needs nothing beyond the strict policy every bank page has.)

import { h } from '../dom.js';
import { addStrings, t } from '../i18n.js';

addStrings({
  vi: { 'latex.title': 'Chèn công thức', 'latex.hint': 'Bấm để chèn vào ô đang soạn; công thức nằm giữa hai dấu $.' },
  en: { 'latex.title': 'Insert math', 'latex.hint': 'Inserts into the field you are editing; formulas sit between two $ signs.' },
});

// [label, text inserted, cursor offset in it (-1: after it), spoken name]
const PALETTE = [
  ['a/b', '$\\frac{}{}$', 7, 'phân số · fraction'],
  ['√x', '$\\sqrt{}$', 7, 'căn bậc hai · square root'],
  ['ⁿ√x', '$\\sqrt[n]{}$', 10, 'căn bậc n · n-th root'],
  ['xⁿ', '$x^{}$', 4, 'luỹ thừa · power'],
  ['xₙ', '$x_{}$', 4, 'chỉ số dưới · subscript'],
  ['∫', '$\\int_{a}^{b} f(x)\\,\\mathrm{d}x$', 1, 'tích phân · integral'],
  ['lim', '$\\lim_{x \\to +\\infty} $', 22, 'giới hạn · limit'],
  ['log', '$\\log_{a} b$', 1, 'lôgarit · logarithm'],
  ['AB→', '$\\overrightarrow{AB}$', 1, 'vectơ · vector'],
  ['{ }', '$\\begin{cases} x + y = 1 \\\\ x - y = 0 \\end{cases}$', 1, 'hệ phương trình · system'],
  ['≤', '$\\le$', -1, 'nhỏ hơn hoặc bằng · less or equal'],
  ['≥', '$\\ge$', -1, 'lớn hơn hoặc bằng · greater or equal'],
  ['≠', '$\\ne$', -1, 'khác · not equal'],
  ['±', '$\\pm$', -1, 'cộng trừ · plus-minus'],
  ['∞', '$\\infty$', -1, 'vô cực · infinity'],
  ['π', '$\\pi$', -1, 'pi'],
  ['α', '$\\alpha$', -1, 'alpha'],
  ['Δ', '$\\Delta$', -1, 'delta'],
  ['∈', '$\\in$', -1, 'thuộc · element of'],
  ['ℝ', '$\\mathbb{R}$', -1, 'tập số thực · real numbers'],
  ['°', '$^\\circ$', -1, 'độ · degree'],
  ['sin', '$\\sin x$', 1, 'sin'],
  ['cos', '$\\cos x$', 1, 'cos'],
];

/** The palette; `target()` answers the textarea/input to insert into (or null). */
export function latexPalette(target) {
  const buttons = PALETTE.map(([label, text, caret, name]) =>
    h('button', {
      type: 'button',
      class: 'latex',
      title: name,
      'aria-label': `${label} (${name})`,
      // Keep the focus (and the selection) in the text field while clicking.
      onmousedown: (e) => e.preventDefault(),
      onclick: () => insert(target(), text, caret < 0 ? text.length : caret),
    }, label),
  );
  return h('div', { class: 'latex-palette', role: 'group', 'aria-label': t('latex.title') },
    h('span', { class: 'muted', title: t('latex.hint') }, `${t('latex.title')}:`), buttons);
}

/** Inserts `text` at the cursor of `el` and fires `input` so the form and preview follow. */
export function insert(el, text, caret = text.length) {
  if (!el) return;
  const start = el.selectionStart ?? el.value.length;
  const end = el.selectionEnd ?? start;
  el.value = el.value.slice(0, start) + text + el.value.slice(end);
  el.focus();
  el.setSelectionRange(start + caret, start + caret);
  el.dispatchEvent(new Event('input', { bubbles: true }));
}
