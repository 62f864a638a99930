// The item record the editor holds, in the interchange format (docs/formats.md §1): a blank one
// per kind, the conversion when the writer changes the kind, and the short-answer rule explained
// as the writer types. Pure functions, no DOM.

export const LETTERS = ['A', 'B', 'C', 'D'];

/** A new item of `kind` with the shared metadata of `base` (subject, grade, topic, level, …). */
export function blank(kind, base = {}) {
  const r = {
    id: base.id ?? '',
    subject: base.subject ?? '',
    grade: base.grade ?? 12,
    topic: base.topic ?? '',
    level: base.level ?? 'biet',
    kind,
    stem: base.stem ?? '',
  };
  for (const k of ['stimulus', 'enemies', 'media', 'shuffle_options']) if (base[k] !== undefined) r[k] = base[k];
  if (kind === 'single_choice') {
    r.options = ['', '', '', ''];
    r.key = 'A';
  } else if (kind === 'true_false_group') {
    r.statements = [0, 1, 2, 3].map(() => ({ text: '', level: r.level }));
    r.keys = [true, false, true, false];
  } else {
    r.answer = [''];
  }
  return r;
}

/** The record as the editor edits it: statements always `{text, level}`, answers always a list. */
export function normalise(record) {
  const r = structuredClone(record);
  if (r.kind === 'true_false_group') {
    r.statements = (r.statements ?? []).map((s) => (typeof s === 'string' ? { text: s, level: r.level } : { ...s, level: s.level ?? r.level }));
    while (r.statements.length < 4) r.statements.push({ text: '', level: r.level });
  }
  if (r.kind === 'short_answer') r.answer = Array.isArray(r.answer) ? r.answer : r.answer ? [r.answer] : [''];
  if (r.kind === 'single_choice') {
    r.options = r.options ?? ['', '', '', ''];
    r.key = (r.key ?? 'A').toUpperCase();
  }
  return r;
}

/** The record to send: empty optional fields dropped, the server's read-only fields removed. */
export function toSend(r) {
  const out = structuredClone(r);
  if (out.kind === 'short_answer') {
    out.answer = out.answer.map((a) => a.trim()).filter(Boolean);
    if (out.tolerance === '' || out.tolerance === null || Number.isNaN(out.tolerance)) delete out.tolerance;
  }
  if (!out.stimulus) delete out.stimulus;
  if (!out.enemies?.length) delete out.enemies;
  if (!out.media?.length) delete out.media;
  delete out.status;
  delete out.irt;
  delete out.uses;
  out.grade = Number(out.grade);
  return out;
}

/**
 * Explains a short-answer key against the THPT rule (at most 4 characters of digits, `-`, `,`
 * forming a number; `.` becomes `,`): null when it is fine, else a message key and its values.
 */
export function shortAnswerProblem(raw) {
  const v = raw.trim().replace(/\./g, ',');
  if (!v) return { key: 'sa.empty' };
  if (/[^0-9,-]/.test(v)) return { key: 'sa.chars' };
  if (v.length > 4) return { key: 'sa.long', vars: { n: v.length } };
  if (!/^-?(\d+(,\d+)?)$/.test(v)) return { key: 'sa.shape' };
  return null;
}
