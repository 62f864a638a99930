// The editor's form: metadata (with the taxonomy's topic names), the shared passage, the stem and
// the fields of the item's kind, enemies by search. Every input writes straight into the record
// object the page holds and calls `changed()`; the page previews and validates from that record.

import { h, field, replace, uid } from '../dom.js';
import { addStrings, t } from '../i18n.js';
import { KINDS, LEVELS, options } from './labels.js';
import { LETTERS, shortAnswerProblem } from './record.js';

addStrings({
  vi: {
    'ed.meta': 'Thông tin câu hỏi',
    'ed.id': 'Mã câu hỏi',
    'ed.id.hint': 'Ví dụ TOAN12-0123: chữ, số, dấu gạch; không đổi được sau khi lưu.',
    'ed.subject': 'Môn (mã)',
    'ed.grade': 'Lớp',
    'ed.topic': 'Chủ đề (mã chương trình)',
    'ed.topic.unknown': 'Mã chủ đề chưa có trong danh mục.',
    'ed.level': 'Mức độ',
    'ed.kind': 'Dạng câu hỏi',
    'ed.stem': 'Đề bài',
    'ed.stem.hint': 'Markdown; công thức LaTeX giữa hai dấu $, ví dụ $\\frac{1}{2}$. Dán hoặc kéo thả ảnh vào ô để tải lên.',
    'ed.option': 'Phương án {letter}',
    'ed.key': 'Đáp án đúng',
    'ed.statement': 'Ý {letter})',
    'ed.statement.level': 'Mức độ của ý {letter})',
    'ed.statement.key': 'Ý {letter}) là',
    'ed.true': 'Đúng',
    'ed.false': 'Sai',
    'ed.answers': 'Các đáp án được chấp nhận',
    'ed.answer': 'Đáp án {n}',
    'ed.answer.add': 'Thêm một đáp án',
    'ed.answer.remove': 'Bỏ đáp án {n}',
    'ed.tolerance': 'Sai số cho phép',
    'ed.tolerance.hint': 'Để trống nếu phải đúng tuyệt đối; ví dụ 0,05.',
    'sa.rule': 'Phiếu trả lời có 4 ô: chữ số, dấu phẩy (thập phân), dấu trừ.',
    'sa.ok': 'Hợp lệ: {value}',
    'sa.empty': 'Chưa nhập đáp án.',
    'sa.chars': 'Chỉ được dùng chữ số, dấu phẩy và dấu trừ.',
    'sa.long': 'Dài {n} ký tự: phiếu chỉ có 4 ô.',
    'sa.shape': 'Chưa phải một số: ví dụ 12, -3, 0,5, -1,5.',
    'ed.stimulus': 'Ngữ liệu chung (đoạn văn, bảng số liệu dùng cho nhiều câu)',
    'ed.stimulus.none': '— Không dùng —',
    'ed.stimulus.new': 'Soạn ngữ liệu mới',
    'ed.stimulus.id': 'Mã ngữ liệu',
    'ed.stimulus.title': 'Tên ngữ liệu',
    'ed.stimulus.text': 'Nội dung ngữ liệu',
    'ed.stimulus.save': 'Lưu ngữ liệu và dùng cho câu này',
    'ed.stimulus.saved': 'Đã lưu ngữ liệu {id}.',
    'ed.enemies': 'Câu hỏi loại trừ (không được cùng đề)',
    'ed.enemies.search': 'Tìm câu hỏi để loại trừ',
    'ed.enemies.none': 'Chưa có.',
    'ed.enemies.add': 'Thêm {id}',
    'ed.enemies.remove': 'Bỏ {id}',
    'ed.enemies.found': 'Không tìm thấy câu nào.',
    'ed.shuffle': 'Cho phép đảo thứ tự phương án',
    'ed.media': 'Ảnh dùng trong câu hỏi',
  },
  en: {
    'ed.meta': 'About the item',
    'ed.id': 'Item id',
    'ed.id.hint': 'For example TOAN12-0123: letters, digits, dashes; fixed once saved.',
    'ed.subject': 'Subject (code)',
    'ed.grade': 'Grade',
    'ed.topic': 'Topic (curriculum code)',
    'ed.topic.unknown': 'This topic code is not in the taxonomy.',
    'ed.level': 'Level',
    'ed.kind': 'Kind',
    'ed.stem': 'Stem',
    'ed.stem.hint': 'Markdown; LaTeX between two $ signs, e.g. $\\frac{1}{2}$. Paste or drop an image into the field to upload it.',
    'ed.option': 'Option {letter}',
    'ed.key': 'Correct option',
    'ed.statement': 'Statement {letter})',
    'ed.statement.level': 'Level of statement {letter})',
    'ed.statement.key': 'Statement {letter}) is',
    'ed.true': 'True',
    'ed.false': 'False',
    'ed.answers': 'Accepted answers',
    'ed.answer': 'Answer {n}',
    'ed.answer.add': 'Add an answer',
    'ed.answer.remove': 'Remove answer {n}',
    'ed.tolerance': 'Tolerance',
    'ed.tolerance.hint': 'Leave empty for an exact answer; e.g. 0.05.',
    'sa.rule': 'The answer sheet has 4 boxes: digits, a decimal comma, a minus sign.',
    'sa.ok': 'Valid: {value}',
    'sa.empty': 'No answer yet.',
    'sa.chars': 'Only digits, a comma and a minus sign.',
    'sa.long': '{n} characters long: the sheet has 4 boxes.',
    'sa.shape': 'Not a number yet: e.g. 12, -3, 0,5, -1,5.',
    'ed.stimulus': 'Shared passage (a text or table several items use)',
    'ed.stimulus.none': '— None —',
    'ed.stimulus.new': 'Write a new passage',
    'ed.stimulus.id': 'Passage id',
    'ed.stimulus.title': 'Passage title',
    'ed.stimulus.text': 'Passage text',
    'ed.stimulus.save': 'Save the passage and use it here',
    'ed.stimulus.saved': 'Passage {id} saved.',
    'ed.enemies': 'Enemy items (never on the same form)',
    'ed.enemies.search': 'Search items to exclude',
    'ed.enemies.none': 'None.',
    'ed.enemies.add': 'Add {id}',
    'ed.enemies.remove': 'Remove {id}',
    'ed.enemies.found': 'No item found.',
    'ed.shuffle': 'Options may be shuffled',
    'ed.media': 'Images in this item',
  },
});

/** A textarea bound to `get()`/`set(v)`, marked with the record field it edits. */
function text(name, get, set, changed, rows = 3) {
  const el = h('textarea', { name, rows, dataset: { field: name }, class: 'md' });
  el.value = get() ?? '';
  el.addEventListener('input', () => {
    set(el.value);
    changed();
  });
  return el;
}

function select(name, values, prefix, get, set, changed) {
  const el = h('select', { name, dataset: { field: name } });
  el.append(...options(values, prefix, get(), false));
  el.addEventListener('change', () => {
    set(el.value);
    changed();
  });
  return el;
}

function radios(name, legend, choices, get, set, changed) {
  const group = uid('r');
  return h('fieldset', { class: 'radios', dataset: { field: name } },
    h('legend', {}, legend),
    choices.map(([value, label]) => {
      const id = uid('o');
      const input = h('input', { type: 'radio', name: group, id, value: String(value), checked: get() === value });
      input.addEventListener('change', () => {
        set(value);
        changed();
      });
      return h('span', { class: 'choice' }, input, h('label', { for: id }, label));
    }),
  );
}

function topicName(taxonomy, subject, code) {
  return taxonomy?.subjects?.[subject]?.topics?.[code] ?? null;
}

function metaSection(rec, env) {
  const { changed, taxonomy, isNew } = env;
  const topicList = uid('topics');
  const topicNote = h('p', { class: 'hint', 'aria-live': 'polite' });
  const showTopic = () => {
    const name = topicName(taxonomy, rec.subject, rec.topic);
    topicNote.textContent = name ?? (rec.topic ? t('ed.topic.unknown') : '');
    const list = document.getElementById(topicList);
    if (list) replace(list, Object.entries(taxonomy?.subjects?.[rec.subject]?.topics ?? {}).map(([code, n]) => h('option', { value: code }, n)));
  };
  const input = (name, attrs = {}) => {
    const el = h('input', { name, value: rec[name] ?? '', dataset: { field: name }, ...attrs });
    el.addEventListener('input', () => {
      rec[name] = attrs.type === 'number' ? Number(el.value) : el.value.trim();
      if (name === 'subject' || name === 'topic') showTopic();
      changed();
    });
    return el;
  };
  const subjects = uid('subjects');
  const kind = select('kind', KINDS, 'kind', () => rec.kind, (v) => env.changeKind(v), () => {});
  const section = h('fieldset', { class: 'panel meta' }, h('legend', {}, t('ed.meta')),
    h('div', { class: 'row' },
      isNew ? field(t('ed.id'), input('id', { size: 16, required: true }), t('ed.id.hint'))
        : field(t('ed.id'), h('input', { value: rec.id, readonly: true, size: 16 })),
      field(t('ed.subject'), input('subject', { size: 9, list: subjects })),
      field(t('ed.grade'), input('grade', { type: 'number', min: 1, max: 12, class: 'narrow' })),
      h('div', { class: 'field' }, h('label', { for: `${topicList}-in` }, t('ed.topic')),
        (() => { const el = input('topic', { size: 9, list: topicList }); el.id = `${topicList}-in`; el.setAttribute('aria-describedby', `${topicList}-note`); return el; })(),
        (() => { topicNote.id = `${topicList}-note`; return topicNote; })()),
      field(t('ed.level'), select('level', LEVELS, 'level', () => rec.level, (v) => { rec.level = v; }, changed)),
      field(t('ed.kind'), kind),
    ),
    h('datalist', { id: subjects }, Object.entries(taxonomy?.subjects ?? {}).map(([code, s]) => h('option', { value: code }, s.name))),
    h('datalist', { id: topicList }),
  );
  queueMicrotask(showTopic);
  return section;
}

function choiceFields(rec, env) {
  const { changed } = env;
  return h('div', { class: 'kind-fields' },
    LETTERS.map((letter, i) =>
      field(t('ed.option', { letter }), env.md(text(`options[${i}]`, () => rec.options[i], (v) => { rec.options[i] = v; }, changed, 2)))),
    radios('key', t('ed.key'), LETTERS.map((l) => [l, l]), () => rec.key, (v) => { rec.key = v; }, changed),
  );
}

function statementFields(rec, env) {
  const { changed } = env;
  return h('div', { class: 'kind-fields' },
    LETTERS.map((L, i) => {
      const letter = L.toLowerCase();
      const s = rec.statements[i];
      return h('div', { class: 'statement panel' },
        field(t('ed.statement', { letter }), env.md(text(`statements[${i}]`, () => s.text, (v) => { s.text = v; }, changed, 2))),
        h('div', { class: 'row' },
          field(t('ed.statement.level', { letter }), select(`statements[${i}].level`, LEVELS, 'level', () => s.level, (v) => { s.level = v; }, changed)),
          radios(`keys[${i}]`, t('ed.statement.key', { letter }), [[true, t('ed.true')], [false, t('ed.false')]],
            () => rec.keys[i], (v) => { rec.keys[i] = v; }, changed),
        ),
      );
    }),
  );
}

function answerFields(rec, env) {
  const { changed } = env;
  const box = h('fieldset', { class: 'kind-fields answers', dataset: { field: 'answer' } });
  const draw = () => {
    replace(box, h('legend', {}, t('ed.answers')), h('p', { class: 'hint' }, t('sa.rule')),
      rec.answer.map((value, i) => {
        const note = h('span', { class: 'sa-note', id: uid('sa'), 'aria-live': 'polite' });
        const input = h('input', { name: `answer[${i}]`, value, size: 6, class: 'mono', 'aria-describedby': note.id, dataset: { field: `answer[${i}]` } });
        const explain = () => {
          const p = shortAnswerProblem(input.value);
          note.textContent = p ? t(p.key, p.vars) : t('sa.ok', { value: input.value.trim().replace(/\./g, ',') });
          note.className = `sa-note ${p ? 'bad' : 'good'}`;
          input.setAttribute('aria-invalid', String(Boolean(p)));
        };
        input.addEventListener('input', () => {
          rec.answer[i] = input.value;
          explain();
          changed();
        });
        explain();
        const remove = rec.answer.length > 1
          ? h('button', { type: 'button', class: 'link', onclick: () => { rec.answer.splice(i, 1); draw(); changed(); } }, t('ed.answer.remove', { n: i + 1 }))
          : null;
        return h('div', { class: 'answer-row' }, h('label', { for: input.id || (input.id = uid()) }, t('ed.answer', { n: i + 1 })), input, note, remove);
      }),
      h('button', { type: 'button', onclick: () => { rec.answer.push(''); draw(); changed(); } }, t('ed.answer.add')),
      field(t('ed.tolerance'), (() => {
        const tol = h('input', { name: 'tolerance', inputmode: 'decimal', size: 6, value: rec.tolerance ?? '', dataset: { field: 'tolerance' } });
        tol.addEventListener('input', () => {
          const v = tol.value.trim().replace(',', '.');
          if (v === '') delete rec.tolerance;
          else rec.tolerance = Number(v);
          changed();
        });
        return tol;
      })(), t('ed.tolerance.hint')),
    );
  };
  draw();
  return box;
}

/** The kind-specific part of the form. */
export function kindFields(rec, env) {
  if (rec.kind === 'single_choice') return choiceFields(rec, env);
  if (rec.kind === 'true_false_group') return statementFields(rec, env);
  return answerFields(rec, env);
}

/**
 * The whole form. `env`: {changed, changeKind(kind), md(textarea) → textarea (adds paste/drop and
 * the palette target), taxonomy, isNew, extras: nodes for passage and enemies}.
 */
export function itemForm(rec, env) {
  const kindBox = h('div', { class: 'kind-box' }, kindFields(rec, env));
  const stem = env.md(text('stem', () => rec.stem, (v) => { rec.stem = v; }, env.changed, 5));
  const shuffle = h('input', { type: 'checkbox', id: uid(), checked: rec.shuffle_options !== false });
  shuffle.addEventListener('change', () => {
    if (shuffle.checked) delete rec.shuffle_options;
    else rec.shuffle_options = false;
    env.changed();
  });
  const form = h('form', { class: 'item-form', novalidate: true },
    metaSection(rec, env),
    env.extras.passage,
    h('div', { class: 'panel' },
      field(t('ed.stem'), stem, t('ed.stem.hint')),
      kindBox,
      rec.kind === 'single_choice' ? h('p', { class: 'check' }, shuffle, h('label', { for: shuffle.id }, t('ed.shuffle'))) : null,
    ),
    env.extras.enemies,
    env.extras.media,
  );
  form.addEventListener('submit', (e) => e.preventDefault());
  return form;
}
