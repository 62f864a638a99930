// The release-key entry of the start (content key) and the end (keys key): typed or scanned (a
// scanner types the code and Enter), its form checked before anything is sent, each problem named
// with its group, and the server's refusal shown where the staff look.

import { h, field, uid } from './dom.js';
import { addStrings, t } from './i18n.js';
import { checkForm, locateTypo, secondCheck } from './release-code.js';
import { refusalText } from './common.js';

addStrings({
  vi: {
    'key.hint': '11 nhóm ký tự cách nhau bằng dấu gạch (ví dụ ABCDE-FGHJK-…), hoặc 64 chữ số hệ 16. Có thể quét mã.',
    'key.empty': 'Hãy nhập mã khóa.',
    'key.char': 'Nhóm {group}: ký tự “{char}” không có trong mã khóa.',
    'key.group_length': 'Nhóm {group} có {length} ký tự; cần {want}.',
    'key.groups': 'Mã khóa có 11 nhóm; ở đây có {count} nhóm.',
    'key.length': 'Mã khóa có 54 ký tự (không kể dấu gạch); ở đây có {length}.',
    'key.check_in': 'Có ký tự gõ sai ở nhóm {groups}: hãy đọc lại nhóm đó.',
    'key.check': 'Ký tự kiểm tra không khớp: có ký tự gõ sai. Hãy đọc lại từng nhóm.',
    'key.sending': 'Mã khóa đúng dạng; đang gửi…',
  },
  en: {
    'key.hint': '11 groups separated by dashes (e.g. ABCDE-FGHJK-…), or 64 hex digits. A scanner may type it.',
    'key.empty': 'Enter the key code.',
    'key.char': 'Group {group}: “{char}” cannot appear in a key code.',
    'key.group_length': 'Group {group} has {length} characters; it needs {want}.',
    'key.groups': 'A key code has 11 groups; this one has {count}.',
    'key.length': 'A key code has 54 characters (without dashes); this one has {length}.',
    'key.check_in': 'A character is mistyped in group {groups}: read that group again.',
    'key.check': 'The check characters do not match: a character is mistyped. Read every group again.',
    'key.sending': 'The code is well formed; sending…',
  },
});

/** The sentences for a code's form problems (empty when it may be sent). */
export async function formProblems(text) {
  const form = checkForm(text);
  if (form.ok && form.kind === 'hex') return [];
  if (!form.ok && form.problems[0].kind !== 'check') {
    return form.problems.map((p) => t(`key.${p.kind}`, p));
  }
  const values = form.ok ? form.values : form.problems[0].values;
  if (form.ok && (await secondCheck(values)) !== false) return [];
  const groups = await locateTypo(values);
  return [groups?.length ? t('key.check_in', { groups: groups.join(', ') }) : t('key.check')];
}

/**
 * `keyForm({ctx, id, label, submit, send})`: a labelled input and a button; `send(code)` is called
 * with a well-formed code and may reject with the server's ApiError, shown below the input.
 */
export function keyForm({ ctx, id, label, submit, send }) {
  const input = h('input', { id, class: 'key-input mono', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'characters' });
  const message = h('div', { id: uid('key-msg'), class: 'key-message', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary', id: `${id}-submit` }, submit);
  const form = h('form', { class: 'key-form', novalidate: true }, field(label, input, t('key.hint')), button, message);
  input.setAttribute('aria-errormessage', message.id);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    message.replaceChildren();
    message.className = 'key-message';
    const problems = await formProblems(input.value);
    if (problems.length) {
      input.setAttribute('aria-invalid', 'true');
      message.classList.add('error-box');
      message.append(...problems.map((p) => h('p', {}, p)));
      input.focus();
      return;
    }
    input.removeAttribute('aria-invalid');
    message.append(h('p', { class: 'muted' }, t('key.sending')));
    button.disabled = true;
    try {
      await send(input.value.trim());
      input.value = '';
      message.replaceChildren();
    } catch (err) {
      message.replaceChildren(h('p', {}, refusalText(err, ctx)));
      message.classList.add('error-box');
      input.setAttribute('aria-invalid', 'true');
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
