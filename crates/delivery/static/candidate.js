// The candidate's page: sign-in, the test, the clock, keyboard use, integrity reports, submission
// and the final page. The connection and the answer queue live in candidate-session.js.

import { apply, onLangChange, t, wireCommonButtons } from './i18n.js';
import { formatDuration } from './clock.js';
import { ExamSession, isAnswered } from './candidate-session.js';
import { buildNav, layout, partLabel, renderQuestion, showSaveState, updateNav } from './candidate-view.js';
import { AdaptiveView } from './candidate-adaptive.js';

const $ = (id) => document.getElementById(id);
const els = { title: $('q-title'), kind: $('q-kind'), stimulus: $('q-stimulus'), stem: $('q-stem'), answer: $('q-answer') };
const VIEWS = ['view-login', 'view-loading', 'view-cat-intro', 'view-test', 'view-final', 'view-superseded'];

let questions = [];
let itemKey = '';
let current = 0;
let control = null;
let noticeTimer = null;
let loginError = null;
let lastIntegrity = 0;
let wasFullscreen = false;

function show(view) {
  for (const v of VIEWS) $(v).hidden = v !== view;
  const inTest = view === 'view-test' || view === 'view-cat-intro';
  $('clock-box').hidden = !(inTest || view === 'view-loading') || session.clock.remaining() === null;
  $('conn').hidden = !inTest;
}

function notice(text, ms = 6000) {
  const n = $('notice');
  n.textContent = text;
  n.hidden = false;
  clearTimeout(noticeTimer);
  if (ms) noticeTimer = setTimeout(() => { n.hidden = true; }, ms);
}

function setConn(online) {
  const c = $('conn');
  c.dataset.state = online ? 'online' : 'offline';
  c.textContent = online ? t('conn.online') : t('conn.offline');
}

function showLoginError(code, message) {
  loginError = { code, message };
  const key = `login.err.${code}`;
  const text = t(key) === key ? t('login.err.other', { message: message || code }) : t(key);
  $('login-error').textContent = text;
  $('login-event-box').hidden = code !== 'event_required' && !$('login-event').value;
  $('login-submit').disabled = false;
}

const ui = {
  onLoginError(code, message) {
    show('view-login');
    $('banner').hidden = true;
    if (session.number) $('login-number').value = session.number;
    showLoginError(code, message);
  },
  onWelcome(m) {
    $('banner').hidden = true;
    setConn(true);
    $('exam-title').textContent = m.event.title || m.event.id;
    $('who').textContent = t('candidate.who', { name: m.candidate.full_name, number: m.candidate.number, seat: m.candidate.seat });
    $('clock-box').hidden = false;
    if (m.adaptive) {
      adaptive.onWelcome(m);
      tickClock();
      askFullscreen();
      return;
    }
    if (!questions.length) show('view-loading');
    refreshAll();
    tickClock();
  },
  onNext(m) {
    adaptive.onNext(m);
  },
  onLoading(have, total) {
    if (!questions.length) $('loading-text').textContent = t('loading', { n: have, total });
  },
  onItems() {
    const items = session.items;
    const key = items.map((it) => it.id).join('\n');
    if (key !== itemKey) {
      itemKey = key;
      questions = layout(items);
      buildNav($('nav-grid'), questions, go);
      // After a reload: the question the student was on.
      const at = questions.findIndex((q) => q.item.id === session.position);
      current = at >= 0 ? at : Math.min(current, Math.max(0, questions.length - 1));
      show('view-test');
      go(current);
    } else {
      show('view-test');
      control?.show(session.values.get(questions[current].item.id));
      refreshAll();
    }
    askFullscreen();
  },
  onAnswerState(item) {
    if (session.adaptive) return adaptive.onAnswerState(item);
    const q = questions[current];
    if (q && q.item.id === item) control?.show(session.values.get(item));
    refreshAll();
  },
  onDisconnected(attempt) {
    const b = $('banner');
    b.textContent = t('banner.offline', { n: attempt });
    b.hidden = false;
    setConn(false);
    refreshAll();
    if (!$('dlg-submit').open) return;
    session.trySubmit();
  },
  onPaused(reason) {
    $('overlay-paused').hidden = false;
    document.body.classList.add('paused');
    $('paused-reason').textContent = reason ? t('paused.reason', { reason }) : '';
    $('main').inert = true;
    if ($('dlg-submit').open) $('dlg-submit').close();
    tickClock();
  },
  onResumed() {
    $('overlay-paused').hidden = true;
    document.body.classList.remove('paused');
    $('main').inert = false;
    notice(t('resumed'), 4000);
    control?.focus();
    tickClock();
  },
  onTime() {
    notice(t('time.extended'), 6000);
    tickClock();
  },
  onFinal(result) {
    for (const d of ['dlg-submit', 'dlg-help']) if ($(d).open) $(d).close();
    $('overlay-paused').hidden = true;
    document.body.classList.remove('paused');
    $('fs-prompt').hidden = true;
    $('main').inert = false;
    $('banner').hidden = true;
    $('notice').hidden = true;
    showFinal(result);
    show('view-final');
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  },
  onSuperseded() {
    $('banner').hidden = true;
    show('view-superseded');
  },
  onSubmitState(state, message) {
    const s = $('submit-status');
    s.dataset.state = state;
    const texts = { waiting: t('submit.waiting'), offline: t('submit.offline'), paused: t('paused.text'), sent: t('submit.waiting'), failed: t('submit.failed', { message: message || '' }) };
    s.textContent = texts[state] || '';
    $('submit-confirm').disabled = state === 'sent' || state === 'waiting';
  },
  onNotice(code, message) {
    notice(t('banner.error', { message: message || code }));
  },
};

const session = new ExamSession(ui);
const adaptive = new AdaptiveView({ $, els, show, notice }, session);

function showFinal(result) {
  const titles = { submitted: 'final.submitted', time_over: 'final.time_over', terminated: 'final.terminated', already: 'final.submitted' };
  $('final-title').textContent = t(titles[result.kind] || 'final.submitted');
  $('view-final').dataset.kind = result.kind;
  const reason = $('final-reason');
  reason.hidden = !(result.kind === 'terminated' && result.reason) && result.kind !== 'already';
  reason.textContent = result.kind === 'already' ? t('final.already') : t('final.reason', { reason: result.reason || '' });
  const local = questions.filter((q) => isAnswered(session.values.get(q.item.id))).length;
  $('final-answered').textContent = typeof result.answered === 'number' && !questions.length
    ? t('final.answered_server', { answered: result.answered })
    : t('final.answered', { answered: typeof result.answered === 'number' ? result.answered : local, total: questions.length });
  const score = $('final-score');
  score.hidden = !result.score;
  if (result.score) {
    const fmt = (h) => (h / 100).toLocaleString(document.documentElement.lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 2 });
    score.textContent = t('final.score', { total: fmt(result.score.total), max: fmt(result.score.max) });
  }
}

function refreshAll() {
  if (!questions.length) return;
  updateNav($('nav-grid'), questions, session, current);
  const q = questions[current];
  showSaveState($('save-state'), session, q.item);
  const flagged = session.flags.has(q.item.id);
  $('btn-flag').setAttribute('aria-pressed', String(flagged));
  $('btn-flag').textContent = flagged ? t('nav.unflag') : t('nav.flag');
  const answered = questions.filter((x) => isAnswered(session.values.get(x.item.id))).length;
  let text = t('progress', { answered, total: questions.length });
  if (session.pending.size) text += ` · ${t('progress.pending', { n: session.pending.size })}`;
  $('progress').textContent = text;
  $('progress').dataset.pending = String(session.pending.size);
  $('btn-prev').disabled = current === 0;
  $('btn-next').disabled = current === questions.length - 1;
}

function go(index) {
  if (!questions.length) return;
  control?.commit?.();
  current = Math.max(0, Math.min(questions.length - 1, index));
  const q = questions[current];
  session.setPosition(q.item.id);
  control = renderQuestion(els, q, questions.length, session, (v, opts) => {
    if (session.answer(q.item.id, v, opts)) control?.show(v);
  });
  refreshAll();
  if (q.item.kind === 'short_answer') control.focus();
  else $('question').focus({ preventScroll: true });
  $('question').scrollTop = 0;
}

function toggleFlag() {
  const q = questions[current];
  if (!q) return;
  session.setFlag(q.item.id, !session.flags.has(q.item.id));
  refreshAll();
}

function clearAnswer() {
  const q = questions[current];
  if (q && session.values.get(q.item.id) !== undefined && session.values.get(q.item.id) !== null) {
    if (session.answer(q.item.id, null)) control?.show(null);
  }
}

function tickClock() {
  const r = session.clock.remaining();
  const clock = $('clock');
  clock.textContent = r === null ? '--:--' : formatDuration(r);
  $('paused-clock').textContent = clock.textContent;
  clock.dataset.state = session.paused ? 'paused' : r === 0 ? 'over' : r !== null && r < 5 * 60000 ? 'low' : 'running';
  clock.dataset.ms = r === null ? '' : String(Math.round(r));
  if (r === 0 && !session.final && !session.paused && session.welcomed) {
    $('notice').textContent = t('banner.time_over');
    $('notice').hidden = false;
  }
}

function openSubmit() {
  if (session.adaptive && !session.final) {
    $('submit-summary').replaceChildren(adaptive.summary());
    $('submit-status').textContent = '';
    $('submit-confirm').disabled = false;
    $('dlg-submit').showModal();
    $('submit-cancel').focus();
    return;
  }
  if (!questions.length || session.final) return;
  const box = $('submit-summary');
  box.replaceChildren();
  const unanswered = questions.filter((q) => !isAnswered(session.values.get(q.item.id)));
  const flagged = questions.filter((q) => session.flags.has(q.item.id));
  const list = (qs) => {
    const ul = document.createElement('ul');
    ul.className = 'jump-list';
    for (const q of qs) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'link';
      b.dataset.index = String(q.index);
      b.textContent = `${partLabel(q.part)} · ${t('question', { n: q.number })}`;
      b.addEventListener('click', () => { $('dlg-submit').close(); go(q.index); });
      li.append(b);
      ul.append(li);
    }
    return ul;
  };
  const p = (text, id) => { const e = document.createElement('p'); e.textContent = text; if (id) e.id = id; return e; };
  if (unanswered.length) box.append(p(t('submit.unanswered', { n: unanswered.length }), 'submit-unanswered'), list(unanswered));
  else box.append(p(t('submit.all_answered'), 'submit-unanswered'));
  if (flagged.length) box.append(p(t('submit.flagged')), list(flagged));
  if (session.pending.size) box.append(p(t('submit.pending', { n: session.pending.size })));
  $('submit-unanswered').dataset.count = String(unanswered.length);
  $('submit-status').textContent = '';
  $('submit-status').dataset.state = '';
  $('submit-confirm').disabled = false;
  $('dlg-submit').showModal();
  $('submit-cancel').focus();
}

function openHelp() {
  const ul = $('help-keys');
  ul.replaceChildren(...t(session.adaptive ? 'cat.help.keys' : 'help.keys').split('|').map((line) => { const li = document.createElement('li'); li.textContent = line; return li; }));
  $('dlg-help').showModal();
}

function onKey(e) {
  if ($('view-test').hidden || session.paused || session.final) return;
  if ($('dlg-submit').open || $('dlg-help').open) return;
  if (session.adaptive) {
    if (e.key === '?' && !(e.target instanceof HTMLInputElement)) openHelp();
    else adaptive.onKey(e);
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const inInput = e.target instanceof HTMLInputElement;
  if (inInput) {
    if (e.key === 'Enter') { e.preventDefault(); control?.commit?.(); go(current + 1); }
    else if (e.key === 'PageDown') { e.preventDefault(); go(current + 1); }
    else if (e.key === 'PageUp') { e.preventDefault(); go(current - 1); }
    else if (e.key === 'Escape') e.target.blur();
    return;
  }
  const k = e.key;
  let handled = true;
  if (k === 'ArrowRight' || k === 'PageDown' || k === 'n' || k === 'N') go(current + 1);
  else if (k === 'ArrowLeft' || k === 'PageUp' || k === 'p' || k === 'P') go(current - 1);
  else if (k === 'Home') go(0);
  else if (k === 'End') go(questions.length - 1);
  else if (k === 'm' || k === 'M') toggleFlag();
  else if (k === 'Delete' || k === 'Backspace') clearAnswer();
  else if (k === '?' || k === 'h' || k === 'H') openHelp();
  else if (k.length === 1 && control?.key(k)) handled = true;
  else handled = false;
  if (handled) e.preventDefault();
}

function reportIntegrity(kind, detail) {
  if (!session.welcomed || session.final || $('view-test').hidden) return;
  if (kind === 'focus_lost') {
    const now = performance.now();
    if (now - lastIntegrity < 2000) return;
    lastIntegrity = now;
  }
  session.integrity(kind, detail);
}

function enterFullscreen() {
  if (!document.fullscreenElement && document.documentElement.requestFullscreen) {
    document.documentElement.requestFullscreen().catch(() => {});
  }
}

/**
 * A reload (or Esc) leaves full screen, and a page may only re-enter it from a click: while the
 * test runs outside full screen that the candidate had chosen, a bar asks them to go back.
 */
function askFullscreen() {
  const want = session.wantsFullscreen && !document.fullscreenElement && !session.final && !$('view-test').hidden;
  $('fs-prompt').hidden = !want;
}

function wire() {
  wireCommonButtons();
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const number = $('login-number').value.trim().toUpperCase();
    const code = $('login-code').value.trim().toUpperCase();
    const event = $('login-event').value.trim();
    if (!number || !code) {
      showLoginError('empty');
      return;
    }
    loginError = null;
    $('login-error').textContent = t('login.connecting');
    $('login-submit').disabled = true;
    enterFullscreen();
    session.login(number, code, event || undefined);
  });
  $('btn-cat-start').addEventListener('click', () => { enterFullscreen(); adaptive.start(); });
  $('btn-confirm').addEventListener('click', () => adaptive.confirm());
  $('btn-cat-submit').addEventListener('click', openSubmit);
  $('btn-prev').addEventListener('click', () => go(current - 1));
  $('btn-next').addEventListener('click', () => go(current + 1));
  $('btn-flag').addEventListener('click', toggleFlag);
  $('btn-clear').addEventListener('click', clearAnswer);
  $('btn-submit').addEventListener('click', openSubmit);
  $('btn-help').addEventListener('click', openHelp);
  $('help-close').addEventListener('click', () => $('dlg-help').close());
  $('submit-cancel').addEventListener('click', () => { session.cancelSubmit(); $('dlg-submit').close(); });
  $('submit-confirm').addEventListener('click', () => { control?.commit?.(); session.submit(); });
  $('dlg-submit').addEventListener('close', () => { if (!session.submitSent) session.cancelSubmit(); });
  $('btn-fullscreen').addEventListener('click', enterFullscreen);
  $('btn-again').addEventListener('click', () => {
    session.forget();
    $('login-number').value = session.number || '';
    show('view-login');
  });
  document.addEventListener('keydown', onKey);
  document.addEventListener('visibilitychange', () => { if (document.hidden) reportIntegrity('focus_lost', 'page hidden'); });
  addEventListener('blur', () => reportIntegrity('focus_lost', 'window lost focus'));
  document.addEventListener('fullscreenchange', () => {
    if (document.fullscreenElement) {
      wasFullscreen = true;
      session.setFullscreen(true);
    } else if (wasFullscreen) {
      wasFullscreen = false;
      reportIntegrity('fullscreen_left', '');
    }
    askFullscreen();
  });
  $('btn-fs-again').addEventListener('click', () => {
    enterFullscreen();
    $('fs-prompt').hidden = true;
    control?.focus();
  });
  document.addEventListener('paste', (e) => reportIntegrity('paste', `${(e.clipboardData?.getData('text') || '').length} characters`));
  document.addEventListener('copy', () => reportIntegrity('copy', ''));
  onLangChange(() => {
    if (session.adaptive && !session.final && adaptive.started) adaptive.render();
    if (questions.length) {
      const q = questions[current];
      buildNav($('nav-grid'), questions, go);
      els.title.textContent = `${partLabel(q.part)} · ${t('question', { n: q.number })}`;
      els.kind.textContent = t(`kind.${q.item.kind}`);
      for (const b of $('q-answer').querySelectorAll('button.tf')) b.textContent = t(b.dataset.value === 'true' ? 'tf.true' : 'tf.false');
      refreshAll();
    }
    if (session.final) showFinal(session.final);
    if (session.info) $('who').textContent = t('candidate.who', { name: session.info.candidate.full_name, number: session.info.candidate.number, seat: session.info.candidate.seat });
    if (loginError) showLoginError(loginError.code, loginError.message);
    setConn(session.connected);
  });
  setInterval(tickClock, 250);
  apply(document);
  const stored = ExamSession.stored();
  if (stored) {
    show('view-loading');
    session.resume(stored);
  } else {
    show('view-login');
    $('login-number').focus();
  }
  // The kiosk URL of a Safe Exam Browser file names the event (`/?event=…`).
  const urlEvent = new URLSearchParams(location.search).get('event');
  if (urlEvent && !$('login-event').value) $('login-event').value = urlEvent;
}

wire();
