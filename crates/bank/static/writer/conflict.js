// The "someone else changed this item" dialog: a save refused with 409 because a newer version was
// stored since the writer opened the item. Both versions are shown side by side (rendered, as the
// candidate sees them) and the writer's own text stays in the editor whatever they choose: keep
// theirs (reload), save mine over it as the next version, or go back and merge by hand.

import { h, itemHtml, replace } from '../dom.js';
import { addStrings, t } from '../i18n.js';

addStrings({
  vi: {
    'cf.title': 'Người khác vừa sửa câu hỏi này',
    'cf.lead': 'Trong lúc bạn soạn, {who} đã lưu phiên bản {version}. Bản của bạn chưa được lưu và không bị mất: hãy so sánh rồi chọn.',
    'cf.mine': 'Bản của bạn (chưa lưu)',
    'cf.theirs': 'Phiên bản {version} đang lưu ({who})',
    'cf.keep_mine': 'Lưu bản của tôi thành phiên bản mới',
    'cf.take_theirs': 'Mở bản đang lưu (bản của tôi sẽ bị bỏ)',
    'cf.back': 'Quay lại sửa (giữ bản của tôi)',
    'cf.copy': 'Nội dung bản của bạn (để sao chép)',
    'cf.no_preview': 'Không hiển thị được bản xem trước: {message}',
  },
  en: {
    'cf.title': 'Someone else changed this item',
    'cf.lead': 'While you were editing, {who} saved version {version}. Your text is not saved and not lost: compare, then choose.',
    'cf.mine': 'Your version (not saved)',
    'cf.theirs': 'Stored version {version} ({who})',
    'cf.keep_mine': 'Save mine as the next version',
    'cf.take_theirs': 'Open the stored version (drop mine)',
    'cf.back': 'Back to editing (keep mine)',
    'cf.copy': 'Your text (to copy)',
    'cf.no_preview': 'No preview: {message}',
  },
});

async function rendered(ctx, load) {
  try {
    const p = await load();
    return itemHtml(p.html);
  } catch (err) {
    return h('p', { class: 'error-text' }, t('cf.no_preview', { message: ctx.errorText(err) }));
  }
}

/**
 * Shows the dialog for `mine` (the unsaved record) against the stored current version; resolves
 * to 'mine' (save over, with the returned `base`), 'theirs' or 'back'.
 */
export async function conflictDialog(ctx, mine) {
  const theirs = await ctx.api(`items/${encodeURIComponent(mine.id)}`);
  const who = theirs.created_by;
  const mineBox = h('div', {}, ctx.t('loading'));
  const theirsBox = h('div', {}, ctx.t('loading'));
  const copy = h('textarea', { rows: 5, readonly: true, id: 'cf-copy', class: 'mono' });
  copy.value = JSON.stringify(mine, null, 2);
  const dialog = h('dialog', { class: 'conflict', 'aria-labelledby': 'cf-title' },
    h('h2', { id: 'cf-title' }, t('cf.title')),
    h('p', {}, t('cf.lead', { who, version: theirs.version })),
    h('div', { class: 'split' },
      h('section', { class: 'mine' }, h('h3', {}, t('cf.mine')), mineBox),
      h('section', { class: 'theirs' }, h('h3', {}, t('cf.theirs', { version: theirs.version, who })), theirsBox),
    ),
    h('details', {}, h('summary', {}, t('cf.copy')), h('label', { for: 'cf-copy', class: 'visually-hidden' }, t('cf.copy')), copy),
  );
  const choice = new Promise((resolve) => {
    const done = (value) => () => {
      dialog.close();
      dialog.remove();
      resolve({ choice: value, base: theirs.version });
    };
    dialog.append(h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', onclick: done('mine') }, t('cf.keep_mine')),
      h('button', { type: 'button', onclick: done('theirs') }, t('cf.take_theirs')),
      h('button', { type: 'button', onclick: done('back') }, t('cf.back')),
    ));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      done('back')();
    });
  });
  document.body.append(dialog);
  dialog.showModal();
  replace(mineBox, await rendered(ctx, () => ctx.api('items/preview', { method: 'POST', json: mine })));
  replace(theirsBox, await rendered(ctx, () => ctx.api(`items/${encodeURIComponent(mine.id)}/preview`)));
  return choice;
}
