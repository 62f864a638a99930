// The editor's links to other records: the shared passage (picked from the subject's passages or
// written in place) and the enemy items (found by search). Search results from other writers come
// from the server's list, which withholds keys and solutions of items the user may not see whole.

import { h, field, replace, uid } from '../dom.js';
import { t } from '../i18n.js';
import { excerpt } from './labels.js';

/** The passage chooser; `onPick(id)` after a choice or after a new passage is saved. */
export function passagePicker(rec, ctx, changed) {
  const sel = h('select', { id: uid('stim'), dataset: { field: 'stimulus' } });
  const box = h('fieldset', { class: 'panel passage' }, h('legend', {}, t('ed.stimulus')));
  const fill = async () => {
    let list = [];
    try {
      list = await ctx.api('stimuli', { query: { subject: rec.subject || undefined } });
    } catch (err) {
      ctx.toast(ctx.errorText(err), 'error');
    }
    const ids = new Set(list.map((s) => s.id));
    if (rec.stimulus && !ids.has(rec.stimulus)) list.unshift({ id: rec.stimulus, title: '' });
    replace(sel, new Option(t('ed.stimulus.none'), ''), list.map((s) => {
      const o = new Option(`${s.id}${s.title ? ` — ${s.title}` : ''}`, s.id);
      o.selected = s.id === rec.stimulus;
      return o;
    }));
  };
  sel.addEventListener('change', () => {
    if (sel.value) rec.stimulus = sel.value;
    else delete rec.stimulus;
    changed();
  });
  const newId = h('input', { size: 14 });
  const newTitle = h('input', { size: 30 });
  const newText = h('textarea', { rows: 4 });
  const save = h('button', { type: 'button' }, t('ed.stimulus.save'));
  save.addEventListener('click', async () => {
    try {
      const s = await ctx.api('stimuli', {
        method: 'POST',
        json: { id: newId.value.trim(), subject: rec.subject, title: newTitle.value.trim(), text: newText.value },
      });
      rec.stimulus = s.id;
      ctx.toast(t('ed.stimulus.saved', { id: s.id }));
      await fill();
      changed();
    } catch (err) {
      ctx.toast(ctx.errorText(err), 'error');
    }
  });
  const details = h('details', {}, h('summary', {}, t('ed.stimulus.new')),
    h('div', { class: 'row' }, field(t('ed.stimulus.id'), newId), field(t('ed.stimulus.title'), newTitle)),
    field(t('ed.stimulus.text'), newText), save);
  box.append(field(t('ed.stimulus'), sel), details);
  box.querySelector('label').classList.add('visually-hidden');
  fill();
  return box;
}

/** Enemy items: the current list with remove buttons and a search that adds. */
export function enemyPicker(rec, ctx, changed) {
  const chips = h('ul', { class: 'chips' });
  const results = h('ul', { class: 'search-results', 'aria-live': 'polite' });
  const draw = () => replace(chips, (rec.enemies ?? []).length
    ? rec.enemies.map((id) => h('li', {}, h('span', { class: 'mono' }, id), ' ',
      h('button', { type: 'button', class: 'link', onclick: () => { rec.enemies = rec.enemies.filter((e) => e !== id); draw(); changed(); } }, t('ed.enemies.remove', { id }))))
    : h('li', { class: 'muted' }, t('ed.enemies.none')));
  const q = h('input', { type: 'search', size: 30 });
  let timer = null;
  q.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (!q.value.trim()) return replace(results);
      try {
        const page = await ctx.api('items', { query: { q: q.value.trim(), subject: rec.subject || undefined, per_page: 8 } });
        const found = page.items.filter((v) => v.id !== rec.id && !(rec.enemies ?? []).includes(v.id));
        replace(results, found.length ? found.map((v) => h('li', {},
          h('button', { type: 'button', class: 'link', onclick: () => { rec.enemies = [...(rec.enemies ?? []), v.id]; draw(); changed(); q.value = ''; replace(results); } },
            t('ed.enemies.add', { id: v.id })), ' ', h('span', { class: 'muted' }, excerpt(v.item.stem, 80))))
          : h('li', { class: 'muted' }, t('ed.enemies.found')));
      } catch (err) {
        replace(results, h('li', { class: 'error-text' }, ctx.errorText(err)));
      }
    }, 300);
  });
  draw();
  return h('section', { class: 'panel enemies' }, h('h2', {}, t('ed.enemies')), chips, field(t('ed.enemies.search'), q), results);
}
