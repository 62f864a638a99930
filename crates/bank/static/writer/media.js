// Images by paste or drag-and-drop into any Markdown field of the editor: the file is uploaded
// with `POST media` (the server checks type and size), its id goes into the item's `media` and
// `![name](/api/v1/media/<id>)` is inserted where the cursor was.

import { h, replace } from '../dom.js';
import { addStrings, t } from '../i18n.js';
import { insert } from './latex.js';

addStrings({
  vi: {
    'media.uploading': 'Đang tải ảnh {name} lên…',
    'media.done': 'Đã tải ảnh {name} lên.',
    'media.none': 'Chưa có ảnh. Dán (Ctrl+V) hoặc kéo thả ảnh vào ô đề bài hay phương án.',
    'media.pick': 'Chọn ảnh từ máy',
    'media.alt': 'hình',
  },
  en: {
    'media.uploading': 'Uploading {name}…',
    'media.done': 'Image {name} uploaded.',
    'media.none': 'No images yet. Paste (Ctrl+V) or drop an image into the stem or an option.',
    'media.pick': 'Choose an image',
    'media.alt': 'figure',
  },
});

/** Uploads `file`, records it in `rec.media` and inserts its Markdown into `target`. */
export async function upload(file, target, rec, ctx, changed) {
  const name = file.name || 'image.png';
  const note = ctx.toast(t('media.uploading', { name }));
  try {
    const media = await ctx.api('media', {
      method: 'POST',
      query: { filename: name },
      body: file,
      headers: { 'content-type': file.type || 'application/octet-stream' },
    });
    rec.media = [...new Set([...(rec.media ?? []), media.id])];
    insert(target, `![${t('media.alt')}](${media.url})`);
    ctx.toast(t('media.done', { name }));
    changed();
  } catch (err) {
    ctx.toast(ctx.errorText(err), 'error');
  } finally {
    note.remove();
  }
}

/** Makes `el` (a textarea) accept pasted and dropped images. */
export function acceptImages(el, rec, ctx, changed) {
  el.addEventListener('paste', (e) => {
    const file = [...(e.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/'));
    if (!file) return;
    e.preventDefault();
    upload(file, el, rec, ctx, changed);
  });
  el.addEventListener('dragover', (e) => {
    if ([...(e.dataTransfer?.items ?? [])].some((i) => i.kind === 'file')) e.preventDefault();
  });
  el.addEventListener('drop', (e) => {
    const file = [...(e.dataTransfer?.files ?? [])].find((f) => f.type.startsWith('image/'));
    if (!file) return;
    e.preventDefault();
    el.focus();
    upload(file, el, rec, ctx, changed);
  });
  return el;
}

/** The list of the item's images, with a file picker for writers who neither paste nor drag. */
export function mediaPanel(rec, ctx, target, changed) {
  const list = h('ul', { class: 'media-list' });
  const draw = () => replace(list, (rec.media ?? []).length
    ? rec.media.map((id) => h('li', { class: 'mono' }, id))
    : h('li', { class: 'muted' }, t('media.none')));
  const picker = h('input', { type: 'file', accept: 'image/png,image/jpeg,image/gif,image/webp,image/svg+xml', id: 'media-pick' });
  picker.addEventListener('change', async () => {
    const file = picker.files?.[0];
    if (file) await upload(file, target(), rec, ctx, () => { draw(); changed(); });
    picker.value = '';
  });
  draw();
  return { node: h('section', { class: 'panel' }, h('h2', {}, t('ed.media')), list, h('label', { for: 'media-pick' }, t('media.pick')), picker), draw };
}
