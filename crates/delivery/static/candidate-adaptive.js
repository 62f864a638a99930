// An adaptive test on the candidate's page (docs/protocol.md §Adaptive tests): a start screen that
// says how it works (one question at a time, no going back, at most N questions), then the one
// question the server gives; the candidate chooses, then confirms with "Trả lời" — only then is the
// answer sent, and the server's `next` brings the following question. The count is shown as
// "Câu 7 / tối đa 30", never as a percentage (the length depends on the answers).

import { addStrings, t } from './i18n.js';
import { isAnswered } from './candidate-session.js';
import { renderQuestion } from './candidate-view.js';

addStrings({
  vi: {
    'cat.intro.title': 'Bài kiểm tra thích ứng',
    'cat.intro.one': 'Máy sẽ đưa ra từng câu hỏi một, chọn theo các câu trả lời trước của em.',
    'cat.intro.back': 'Đã trả lời câu nào thì không quay lại câu đó được: hãy đọc kỹ trước khi bấm "Trả lời".',
    'cat.intro.max': 'Bài có tối đa {max} câu; có thể kết thúc sớm hơn khi đã đủ thông tin.',
    'cat.intro.start': 'Bắt đầu làm bài',
    'cat.count': 'Câu {n} / tối đa {max}',
    'cat.confirm': 'Trả lời →',
    'cat.confirm.saving': 'Đang lưu…',
    'cat.choose': 'Hãy chọn câu trả lời rồi bấm "Trả lời".',
    'cat.waiting': 'Đang chọn câu tiếp theo…',
    'cat.finished.title': 'Em đã làm xong bài kiểm tra',
    'cat.finished.text': 'Em đã trả lời {n} câu. Bấm "Nộp bài" để kết thúc.',
    'cat.progress': 'Đã trả lời {n} câu (tối đa {max})',
    'cat.submit.summary': 'Em đã trả lời {n} câu. Sau khi nộp, em không làm tiếp được nữa.',
    'cat.help.keys': 'A–D: chọn phương án|Enter: trả lời và sang câu tiếp|a–d rồi Đ/S: đúng/sai từng ý|?: phím tắt',
    'cat.resync': 'Máy chủ không nhận câu trả lời này ({message}). Đang lấy lại câu hỏi hiện tại từ máy chủ…',
  },
  en: {
    'cat.intro.title': 'Adaptive test',
    'cat.intro.one': 'Questions come one at a time, each chosen from your earlier answers.',
    'cat.intro.back': 'Once you answer a question you cannot go back to it: read carefully before pressing "Answer".',
    'cat.intro.max': 'The test has at most {max} questions; it may end sooner once it knows enough.',
    'cat.intro.start': 'Start the test',
    'cat.count': 'Question {n} / at most {max}',
    'cat.confirm': 'Answer →',
    'cat.confirm.saving': 'Saving…',
    'cat.choose': 'Choose your answer, then press "Answer".',
    'cat.waiting': 'Choosing the next question…',
    'cat.finished.title': 'You have finished the test',
    'cat.finished.text': 'You answered {n} questions. Press "Submit" to end.',
    'cat.progress': 'Answered {n} (at most {max})',
    'cat.submit.summary': 'You answered {n} questions. After submitting you cannot continue.',
    'cat.help.keys': 'A–D: choose an option|Enter: answer and go on|a–d then T/F: true/false per statement|?: shortcuts',
    'cat.resync': 'The server did not take this answer ({message}). Fetching the current question from the server…',
  },
});

export class AdaptiveView {
  /** `page`: {$, els, show, notice}; `session`: the ExamSession. */
  constructor(page, session) {
    this.page = page;
    this.session = session;
    this.next = null;
    this.item = null;
    this.draft = null;
    this.control = null;
    this.started = false;
  }

  get max() {
    return this.session.adaptive?.max_items ?? 0;
  }

  answered() {
    return this.next ? this.next.answered : (this.session.adaptive?.answered ?? 0);
  }

  /** After `welcome`: the start screen on a first sign-in, else straight back to the question. */
  onWelcome(m) {
    const { $ } = this.page;
    $('view-test').classList.add('adaptive');
    $('btn-confirm').hidden = false;
    $('cat-intro-max').textContent = t('cat.intro.max', { max: this.max });
    if (!this.started && (m.adaptive.answered ?? 0) === 0 && !m.adaptive.finished) {
      this.page.show('view-cat-intro');
      $('btn-cat-start').focus();
    } else {
      this.started = true;
    }
  }

  start() {
    this.started = true;
    this.render();
  }

  /** The server's `next`: the question(s) to answer now, or the end. */
  onNext(m) {
    this.next = m;
    Object.assign(this.session.stimuli, m.stimuli || {});
    if (this.started) this.render();
  }

  /** The question in front of the candidate: the first of `next.items` not yet answered. */
  render() {
    const { $, els } = this.page;
    const m = this.next;
    if (!m) {
      this.page.show('view-loading');
      $('loading-text').textContent = t('cat.waiting');
      return;
    }
    this.page.show('view-test');
    if (m.finished) return this.finished();
    const item = (m.items || []).find((it) => !isAnswered(this.session.values.get(it.id))) || null;
    if (!item) {
      $('save-state').textContent = t('cat.waiting');
      $('btn-confirm').disabled = true;
      return undefined;
    }
    if (this.item?.id !== item.id) {
      this.item = item;
      this.draft = null;
    }
    const q = { item, index: 0, part: 0, number: item.number };
    this.control = renderQuestion(els, q, this.max, this.session, (v) => {
      this.draft = v;
      this.control?.show(v);
      this.paint();
    });
    els.title.textContent = t('cat.count', { n: item.number, max: this.max });
    if (this.draft !== null) this.control.show(this.draft);
    $('question').hidden = false;
    $('cat-finished').hidden = true;
    this.paint();
    if (item.kind === 'short_answer') this.control.focus();
    else $('question').focus({ preventScroll: true });
    return undefined;
  }

  paint() {
    const { $ } = this.page;
    const saving = this.item && this.session.pending.has(this.item.id);
    const b = $('btn-confirm');
    b.textContent = saving ? t('cat.confirm.saving') : t('cat.confirm');
    b.disabled = Boolean(saving) || !isAnswered(this.currentValue());
    const state = $('save-state');
    state.dataset.state = saving ? 'saving' : 'none';
    state.textContent = saving ? t('save.saving') : (isAnswered(this.currentValue()) ? '' : t('cat.choose'));
    state.hidden = !state.textContent;
    $('progress').textContent = t('cat.progress', { n: this.answered(), max: this.max });
  }

  currentValue() {
    if (this.control?.input) return this.control.input.value === '' ? null : this.control.input.value;
    return this.draft;
  }

  /** "Trả lời": sends the chosen answer (once); the server answers with `ack` and `next`. */
  confirm() {
    const value = this.currentValue();
    if (!this.item || !isAnswered(value) || this.session.pending.has(this.item.id)) return;
    if (this.session.answer(this.item.id, value)) this.paint();
  }

  /**
   * An answer's save state changed: saved → the next question of a group, or wait for `next`.
   * Refused (the server's step is not the page's: answered on another computer, the test ended,
   * a page out of step) → re-sync from the server: a resume, whose `next` is the question to
   * answer now — the page never waits for a `next` that will not come.
   */
  onAnswerState(item) {
    const refused = this.session.refused.get(item);
    if (refused) {
      this.page.notice(t('cat.resync', { message: refused }), 8000);
      this.next = null;
      this.item = null;
      this.draft = null;
      this.control = null;
      if (this.started) this.render();
      this.session.resync(item);
      return;
    }
    if (!this.item || item !== this.item.id) return;
    if (this.session.saveState(item) === 'saved') this.render();
    else this.paint();
  }

  finished() {
    const { $ } = this.page;
    this.item = null;
    this.control = null;
    $('question').hidden = true;
    $('cat-finished').hidden = false;
    $('cat-finished-text').textContent = t('cat.finished.text', { n: this.answered() });
    $('progress').textContent = t('cat.progress', { n: this.answered(), max: this.max });
    $('btn-cat-submit').focus();
  }

  /** The submit dialog's summary. */
  summary() {
    const p = document.createElement('p');
    p.id = 'submit-unanswered';
    p.dataset.count = '0';
    p.textContent = t('cat.submit.summary', { n: this.answered() });
    return p;
  }

  onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Enter') {
      e.preventDefault();
      this.confirm();
      return;
    }
    if (e.target instanceof HTMLInputElement) return;
    if (e.key.length === 1 && this.control?.key(e.key)) e.preventDefault();
  }
}
