// The item editor (#/items/new, #/items/<id>): the form on the left; on the right the live preview
// exactly as the candidate will see it (`POST items/preview`: the bank's renderer, then the
// candidate page's sanitiser) with the bank's own validation messages, 300 ms after typing stops;
// below, the reviewers' comments beside the version they were made on. Saving stores a new version
// guarded by `base_version` (a 409 opens the conflict dialog); submitting sends it for review.

import { registerPage } from '../shell.js';
import { h, itemHtml, replace, when } from '../dom.js';
import { addStrings, t } from '../i18n.js';
import { conflictDialog } from './conflict.js';
import { itemForm } from './form.js';
import { latexPalette } from './latex.js';
import { enemyPicker, passagePicker } from './links.js';
import { acceptImages, mediaPanel } from './media.js';
import { blank, normalise, toSend } from './record.js';

addStrings({
  vi: {
    'ed.title.new': 'Soạn câu hỏi mới',
    'ed.title': 'Câu hỏi {id}',
    'ed.save': 'Lưu phiên bản mới',
    'ed.create': 'Lưu câu hỏi',
    'ed.submit': 'Gửi duyệt',
    'ed.history': 'Lịch sử phiên bản',
    'ed.saved': 'Đã lưu phiên bản {version}.',
    'ed.submitted': 'Đã gửi duyệt phiên bản {version}.',
    'ed.state': 'Phiên bản {version} · {status}',
    'ed.unsaved': 'Có thay đổi chưa lưu',
    'ed.preview': 'Xem trước (như thí sinh thấy)',
    'ed.preview.busy': 'Đang cập nhật…',
    'ed.preview.ms': 'Cập nhật sau {ms} ms',
    'ed.valid': 'Câu hỏi hợp lệ theo quy tắc của ngân hàng.',
    'ed.errors': 'Cần sửa trước khi lưu:',
    'ed.warnings': 'Lưu ý:',
    'ed.comments': 'Nhận xét của người duyệt',
    'ed.comments.none': 'Chưa có nhận xét nào.',
    'ed.comment.on': 'Phiên bản {version} · {actor} · {action} · {at}',
    'ed.action.approve': 'duyệt',
    'ed.action.reject': 'trả lại',
    'ed.action.submit': 'gửi duyệt',
    'ed.action.retire': 'ngừng dùng',
    'ed.leave': 'Bạn có thay đổi chưa lưu. Rời trang?',
    'ed.readonly': 'Câu hỏi này đang chờ duyệt hoặc đã duyệt: lưu sẽ tạo một bản nháp mới.',
  },
  en: {
    'ed.title.new': 'Write a new item',
    'ed.title': 'Item {id}',
    'ed.save': 'Save a new version',
    'ed.create': 'Save the item',
    'ed.submit': 'Submit for review',
    'ed.history': 'Version history',
    'ed.saved': 'Version {version} saved.',
    'ed.submitted': 'Version {version} submitted for review.',
    'ed.state': 'Version {version} · {status}',
    'ed.unsaved': 'Unsaved changes',
    'ed.preview': 'Preview (as the candidate sees it)',
    'ed.preview.busy': 'Updating…',
    'ed.preview.ms': 'Updated in {ms} ms',
    'ed.valid': 'The item is valid by the bank’s rules.',
    'ed.errors': 'To fix before saving:',
    'ed.warnings': 'Notes:',
    'ed.comments': 'Reviewers’ comments',
    'ed.comments.none': 'No comments yet.',
    'ed.comment.on': 'Version {version} · {actor} · {action} · {at}',
    'ed.action.approve': 'approved',
    'ed.action.reject': 'rejected',
    'ed.action.submit': 'submitted',
    'ed.action.retire': 'retired',
    'ed.leave': 'You have unsaved changes. Leave the page?',
    'ed.readonly': 'This item is in review or approved: saving makes a new draft.',
  },
});

let taxonomy = null;
async function loadTaxonomy() {
  if (taxonomy) return taxonomy;
  try {
    const res = await fetch('/static/taxonomy.json');
    taxonomy = res.ok ? await res.json() : {};
  } catch {
    taxonomy = {};
  }
  return taxonomy;
}

/** The preview panel: renders `rec` through the server 300 ms after the last change. */
function previewer(ctx) {
  const status = h('p', { class: 'muted preview-status', 'aria-live': 'polite' });
  const render = h('div', { class: 'preview-box' });
  const problems = h('div', { class: 'problems', 'aria-live': 'polite' });
  let timer = null;
  let seq = 0;
  const run = async (rec) => {
    const mine = ++seq;
    const started = performance.now();
    status.textContent = t('ed.preview.busy');
    try {
      const p = await ctx.api('items/preview', { method: 'POST', json: toSend(rec) });
      if (mine !== seq) return;
      replace(render, itemHtml(p.html));
      const errors = p.errors ?? [];
      const warnings = p.warnings ?? [];
      replace(problems,
        errors.length ? h('div', { class: 'error-box', role: 'alert' }, h('p', {}, t('ed.errors')),
          h('ul', {}, errors.map((e) => h('li', {}, e.field ? `${e.field}: ${e.message}` : e.message)))) : h('p', { class: 'ok-box' }, t('ed.valid')),
        warnings.length ? h('div', { class: 'warn-box' }, h('p', {}, t('ed.warnings')),
          h('ul', {}, warnings.map((w) => h('li', {}, typeof w === 'string' ? w : `${w.field ?? ''} ${w.message ?? ''}`.trim())))) : null,
      );
      status.textContent = t('ed.preview.ms', { ms: Math.round(performance.now() - started) });
      status.dataset.ms = String(Math.round(performance.now() - started));
    } catch (err) {
      if (mine !== seq) return;
      status.textContent = '';
      replace(problems, h('p', { class: 'error-box', role: 'alert' }, ctx.errorText(err)));
    }
  };
  return {
    node: h('section', { class: 'panel preview', 'aria-labelledby': 'pv-title' }, h('h2', { id: 'pv-title' }, t('ed.preview')), status, render, problems),
    schedule(rec) {
      clearTimeout(timer);
      timer = setTimeout(() => run(rec), 300);
    },
    now: run,
  };
}

function commentsPanel(ctx, history) {
  const reviews = (history?.reviews ?? []).filter((r) => r.comment);
  return h('section', { class: 'panel comments', 'aria-labelledby': 'cm-title' },
    h('h2', { id: 'cm-title' }, t('ed.comments')),
    reviews.length ? h('ol', {}, reviews.map((r) => h('li', { class: `comment ${r.action}` },
      h('p', { class: 'muted' }, t('ed.comment.on', { version: r.version, actor: r.actor, action: t(`ed.action.${r.action}`), at: when(r.at, ctx.lang) })),
      h('p', { class: 'comment-text' }, r.comment))))
      : h('p', { class: 'muted' }, t('ed.comments.none')));
}

async function load(ctx) {
  if (!ctx.params.id) return { rec: blank('single_choice', { subject: 'toan', grade: 12 }), view: null, history: null };
  const id = encodeURIComponent(ctx.params.id);
  const [view, history] = await Promise.all([ctx.api(`items/${id}`), ctx.api(`items/${id}/versions`)]);
  return { rec: normalise(view.item), view, history };
}

function render(el, ctx, state) {
  const { rec } = state;
  const isNew = !state.view;
  let lastText = null;
  const dirtyNote = h('span', { class: 'badge draft', hidden: true }, t('ed.unsaved'));
  const pv = previewer(ctx);
  const changed = () => {
    state.dirty = true;
    dirtyNote.hidden = false;
    pv.schedule(rec);
  };
  const md = (area) => {
    area.addEventListener('focus', () => { lastText = area; });
    return acceptImages(area, rec, ctx, () => { media.draw(); changed(); });
  };
  const media = mediaPanel(rec, ctx, () => lastText ?? el.querySelector('textarea[name=stem]'), changed);
  const env = {
    changed, md, taxonomy: state.taxonomy, isNew,
    extras: { passage: passagePicker(rec, ctx, changed), enemies: enemyPicker(rec, ctx, changed), media: media.node },
    changeKind(kind) {
      state.rec = blank(kind, rec);
      state.dirty = true;
      draw(el, ctx, state);
      pv.schedule(state.rec);
    },
  };
  const form = itemForm(rec, env);
  const saveBtn = h('button', { type: 'button', class: 'primary' }, isNew ? t('ed.create') : t('ed.save'));
  const submitBtn = h('button', { type: 'button', disabled: isNew }, t('ed.submit'));
  saveBtn.addEventListener('click', () => save(ctx, state, saveBtn));
  submitBtn.addEventListener('click', () => submit(ctx, state, submitBtn));
  const v = state.view;
  replace(el,
    h('div', { class: 'actions editor-bar' },
      v ? h('span', { class: `badge ${v.status}` }, t('ed.state', { version: v.version, status: t(`status.${v.status}`) })) : null,
      dirtyNote, saveBtn, submitBtn,
      v ? h('a', { href: `#/items/${encodeURIComponent(rec.id)}/history` }, t('ed.history')) : null,
    ),
    v && v.status !== 'draft' ? h('p', { class: 'warn-box' }, t('ed.readonly')) : null,
    latexPalette(() => lastText),
    h('div', { class: 'split editor' },
      form,
      h('div', { class: 'side' }, pv.node, state.history ? commentsPanel(ctx, state.history) : null),
    ),
  );
  pv.now(rec);
}

function draw(el, ctx, state) {
  ctx.setTitle(state.view ? t('ed.title', { id: state.rec.id }) : t('ed.title.new'));
  render(el, ctx, state);
}

async function save(ctx, state, button, base = state.view?.version) {
  button.disabled = true;
  const body = toSend(state.rec);
  try {
    const stored = state.view
      ? await ctx.api(`items/${encodeURIComponent(body.id)}`, { method: 'PUT', query: { base_version: base }, json: body })
      : await ctx.api('items', { method: 'POST', json: body });
    state.dirty = false;
    ctx.toast(t('ed.saved', { version: stored.version }));
    if (state.view) state.reload();
    else ctx.navigate(`items/${encodeURIComponent(stored.id)}`);
    return true;
  } catch (err) {
    if (err.status === 409 && state.view) {
      const { choice, base: theirs } = await conflictDialog(ctx, body);
      if (choice === 'mine') return save(ctx, state, button, theirs);
      if (choice === 'theirs') {
        state.dirty = false;
        state.reload();
      }
      return false;
    }
    ctx.toast(ctx.errorText(err), 'error');
    return false;
  } finally {
    button.disabled = false;
  }
}

async function submit(ctx, state, button) {
  if (state.dirty && !(await save(ctx, state, button))) return;
  button.disabled = true;
  try {
    const v = await ctx.api(`items/${encodeURIComponent(state.rec.id)}/submit`, { method: 'POST', json: {} });
    ctx.toast(t('ed.submitted', { version: v.version }));
    state.reload();
  } catch (err) {
    ctx.toast(ctx.errorText(err), 'error');
  } finally {
    button.disabled = false;
  }
}

async function page(el, ctx) {
  const state = { ...(await load(ctx)), taxonomy: await loadTaxonomy(), dirty: false };
  state.reload = async () => {
    Object.assign(state, await load(ctx), { dirty: false });
    draw(el, ctx, state);
  };
  draw(el, ctx, state);
  const guard = (e) => {
    if (!state.dirty) return;
    e.preventDefault();
    e.returnValue = t('ed.leave');
  };
  window.addEventListener('beforeunload', guard);
  return () => window.removeEventListener('beforeunload', guard);
}

for (const route of ['items/new', 'items/:id']) {
  registerPage({
    route,
    roles: ['item_writer', 'admin'],
    title: { vi: 'Soạn câu hỏi', en: 'Item editor' },
    nav: false,
    keepOnLangChange: true,
    render: page,
  });
}
