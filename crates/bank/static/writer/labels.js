// The item vocabulary both the writer's and the reviewer's pages show: kinds, levels, statuses,
// subjects, in Vietnamese and English.

import { addStrings, t } from '../i18n.js';

export const KINDS = ['single_choice', 'true_false_group', 'short_answer'];
export const LEVELS = ['biet', 'hieu', 'van_dung', 'van_dung_cao'];
export const STATUSES = ['draft', 'in_review', 'approved', 'retired'];

addStrings({
  vi: {
    'kind.single_choice': 'Trắc nghiệm 4 phương án',
    'kind.true_false_group': 'Đúng/Sai (4 ý)',
    'kind.short_answer': 'Trả lời ngắn',
    'level.biet': 'Nhận biết',
    'level.hieu': 'Thông hiểu',
    'level.van_dung': 'Vận dụng',
    'level.van_dung_cao': 'Vận dụng cao',
    'status.draft': 'Bản nháp',
    'status.in_review': 'Chờ duyệt',
    'status.approved': 'Đã duyệt',
    'status.rejected': 'Bị trả lại',
    'status.retired': 'Ngừng dùng',
    'any': '— Tất cả —',
  },
  en: {
    'kind.single_choice': 'Multiple choice (4 options)',
    'kind.true_false_group': 'True/false (4 statements)',
    'kind.short_answer': 'Short answer',
    'level.biet': 'Knowledge',
    'level.hieu': 'Comprehension',
    'level.van_dung': 'Application',
    'level.van_dung_cao': 'Higher application',
    'status.draft': 'Draft',
    'status.in_review': 'In review',
    'status.approved': 'Approved',
    'status.rejected': 'Rejected',
    'status.retired': 'Retired',
    'any': '— Any —',
  },
});

/** `<option>` elements for a select over `values` labelled `prefix.value`, with an "any" first. */
export function options(values, prefix, selected, withAny = true) {
  const out = [];
  if (withAny) out.push(new Option(t('any'), ''));
  for (const v of values) {
    const o = new Option(t(`${prefix}.${v}`), v);
    o.selected = v === selected;
    out.push(o);
  }
  return out;
}

/** The Markdown source cut to `n` characters, for lists (never rendered as HTML there). */
export function excerpt(text, n = 110) {
  const s = String(text ?? '').replace(/\s+/g, ' ').trim();
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
