//! The layout of a Vietnamese paper, line by line: questions (`Câu n.`), their options or
//! statements, answers and solutions, the parts that set the kind, shared passages, the end
//! (`HẾT`) and the answer table. Produces drafts; [`super::build`] turns them into items.

use super::answers::AnswerTable;
use super::body::Line;
use super::cues::{self, Tags};
use super::markers::{Lettered, Seg, split_lettered};

/// Where the text of a question is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Section {
    #[default]
    Stem,
    Options,
    Statements,
    Solution,
}

#[derive(Debug, Clone, Default)]
pub struct QuestionDraft {
    pub number: u32,
    /// PHẦN I/II/III above it, when the paper has parts.
    pub part: Option<u8>,
    /// Paragraph of `Câu n.`.
    pub para: usize,
    pub stem: Vec<Seg>,
    pub options: Vec<Lettered>,
    pub statements: Vec<Lettered>,
    /// `Đáp án: …` / `Kết quả: …` inside the question or its solution.
    pub answer: Option<String>,
    /// `Chọn B` in the solution.
    pub chosen: Option<char>,
    pub solution: Vec<Seg>,
    pub tags: Tags,
    pub warnings: Vec<String>,
    /// Index into [`Paper::passages`].
    pub passage: Option<usize>,
    section: Section,
}

#[derive(Debug, Clone, Default)]
pub struct PassageDraft {
    pub para: usize,
    pub lines: Vec<Seg>,
    pub range: Option<(u32, u32)>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Paper {
    pub questions: Vec<QuestionDraft>,
    pub passages: Vec<PassageDraft>,
    pub answers: AnswerTable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Before the first question, or between a part heading and its first question.
    Outside,
    Question,
    Passage,
    /// After `HẾT` or an `ĐÁP ÁN` heading.
    Answers,
}

struct Reader {
    paper: Paper,
    mode: Mode,
    part: Option<u8>,
    /// The passage later questions belong to, until its range ends or a part starts.
    open_passage: Option<usize>,
}

pub fn read(lines: &[Line]) -> Paper {
    let mut r = Reader { paper: Paper::default(), mode: Mode::Outside, part: None, open_passage: None };
    for line in lines {
        r.line(line);
    }
    r.paper.answers.finish();
    r.paper
}

impl Reader {
    fn line(&mut self, line: &Line) {
        let text = line.text();
        let t = text.trim();
        if t.is_empty() && line.warnings.is_empty() {
            return;
        }
        if self.mode == Mode::Answers {
            if let Some(p) = cues::part_heading(t) {
                self.part = Some(p);
            } else {
                self.paper.answers.line(line, self.part);
            }
            return;
        }
        if cues::is_end(t) || cues::is_answer_heading(t) {
            self.mode = Mode::Answers;
            self.part = None;
            return;
        }
        if line.cell.is_none()
            && let Some(p) = cues::part_heading(t)
        {
            self.part = Some(p);
            self.open_passage = None;
            self.mode = Mode::Outside;
            return;
        }
        if let Some(range) = cues::passage_intro(t) {
            self.paper.passages.push(PassageDraft { para: line.para, range, ..Default::default() });
            self.open_passage = Some(self.paper.passages.len() - 1);
            self.mode = Mode::Passage;
            return;
        }
        if let Some((number, at)) = cues::question_start(&line.chars) {
            self.start_question(line, number, at);
            return;
        }
        match self.mode {
            Mode::Question => self.question_line(line),
            Mode::Passage => {
                if let Some(p) = self.paper.passages.last_mut() {
                    p.lines.push(Seg::of(line, 0, line.chars.len()));
                    p.warnings.extend(line.warnings.iter().cloned());
                }
            }
            Mode::Outside | Mode::Answers => {}
        }
    }

    fn start_question(&mut self, line: &Line, number: u32, at: usize) {
        let passage = self.open_passage.filter(|&p| match self.paper.passages[p].range {
            Some((a, b)) => (a..=b).contains(&number),
            None => true,
        });
        if let Some(p) = self.open_passage
            && let Some((_, b)) = self.paper.passages[p].range
            && number >= b
        {
            self.open_passage = None;
        }
        self.paper.questions.push(QuestionDraft {
            number,
            part: self.part,
            para: line.para,
            passage,
            warnings: line.warnings.clone(),
            ..Default::default()
        });
        self.mode = Mode::Question;
        // The first line may carry options after the stem: `Câu 1. Tính … A. 1 B. 2 C. 3 D. 4`.
        let rest = Line {
            chars: line.chars[at..].to_vec(),
            styles: line.styles[at..].to_vec(),
            warnings: vec![],
            ..line.clone()
        };
        let split = (self.part != Some(2)).then(|| inline_options(&rest)).flatten();
        let q = self.paper.questions.last_mut().expect("just pushed");
        match split {
            Some((stem, options)) => {
                q.stem.push(stem);
                q.options = options;
                q.section = Section::Options;
            }
            None if !Seg::of(&rest, 0, rest.chars.len()).is_blank() => {
                q.stem.push(Seg::of(&rest, 0, rest.chars.len()))
            }
            None => {}
        }
    }

    fn question_line(&mut self, line: &Line) {
        let part = self.part;
        let Some(q) = self.paper.questions.last_mut() else { return };
        q.warnings.extend(line.warnings.iter().cloned());
        let text = line.text();
        let t = text.trim();
        let whole = Seg::of(line, 0, line.chars.len());
        if let Some(tags) = cues::tag_line(t) {
            q.tags = tags;
            return;
        }
        if let Some(at) = cues::solution_start(&text) {
            q.section = Section::Solution;
            let rest_chars = text[..at].chars().count();
            let rest = Seg::of(line, rest_chars, line.chars.len());
            if let Some(v) = cues::answer_line(&rest.text()) {
                q.answer = Some(v);
            } else if !rest.is_blank() {
                q.solution.push(rest);
            }
            return;
        }
        if let Some(v) = cues::answer_line(t) {
            q.answer = Some(v);
            return;
        }
        if q.section == Section::Solution {
            if let Some(c) = cues::chosen_letter(t) {
                q.chosen = Some(c);
            }
            q.solution.push(whole);
            return;
        }
        if part != Some(2) {
            let first = (b'A' + q.options.len().min(3) as u8) as char;
            if let Some(opts) = split_lettered(line, first, 'D', &['.', ')']) {
                q.options.extend(opts);
                q.section = Section::Options;
                return;
            }
        }
        if part == Some(2) || (part.is_none() && q.options.is_empty()) {
            let first = (b'a' + q.statements.len().min(3) as u8) as char;
            if let Some(sts) = split_lettered(line, first, 'd', &[')']) {
                q.statements.extend(sts);
                q.section = Section::Statements;
                return;
            }
        }
        match q.section {
            Section::Options => match q.options.last_mut() {
                Some(o) => o.body.extend(&whole),
                None => q.stem.push(whole),
            },
            Section::Statements => match q.statements.last_mut() {
                Some(s) => s.body.extend(&whole),
                None => q.stem.push(whole),
            },
            Section::Stem | Section::Solution => q.stem.push(whole),
        }
    }
}

/// `… A. 1 B. 2 C. 3 D. 4` at the end of a first line: the stem and the options, when at least
/// `A.` and `B.` follow the stem each after a blank.
fn inline_options(rest: &Line) -> Option<(Seg, Vec<Lettered>)> {
    let chars = &rest.chars;
    for i in 1..chars.len().saturating_sub(1) {
        let in_math = chars[..i]
            .iter()
            .enumerate()
            .filter(|(k, c)| **c == '$' && (*k == 0 || chars[k - 1] != '\\'))
            .count()
            % 2
            == 1;
        if chars[i] == 'A' && matches!(chars[i + 1], '.' | ')') && chars[i - 1].is_whitespace() && !in_math {
            let tail = Line { chars: chars[i..].to_vec(), styles: rest.styles[i..].to_vec(), ..rest.clone() };
            if let Some(opts) = split_lettered(&tail, 'A', 'D', &['.', ')']).filter(|o| o.len() >= 2) {
                return Some((Seg::of(rest, 0, i), opts));
            }
        }
    }
    None
}
