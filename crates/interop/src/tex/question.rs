//! One `ex` environment split into its parts: the stem (text outside the answer commands), the
//! answer command (`\choice`, `\choiceTF` or `\shortans`) with its brace groups, `\loigiai`, and
//! the pictures of `\immini`. Only the structure is found here; [`super::markdown`] turns each
//! part's LaTeX into item text.

use std::ops::Range;

use super::source::{command_at, group, skip_optionals, skip_ws};

/// What answers the question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// `\choice{…}{…}{…}{…}`: each option's range and whether it holds `\True`.
    Choice(Vec<(Range<usize>, bool)>),
    /// `\choiceTF{…}{…}{…}{…}`: the statements, `\True` marking the true ones.
    TrueFalse(Vec<(Range<usize>, bool)>),
    /// `\shortans{…}`: the accepted answer.
    Short(Range<usize>),
}

/// The parts of one question, as ranges of the (comment-blanked) source.
#[derive(Debug, Default)]
pub(crate) struct Parts {
    pub stem: Vec<Range<usize>>,
    /// The second argument of each `\immini`: a picture shown beside the stem.
    pub figures: Vec<Range<usize>>,
    /// The answer command and where it starts.
    pub answer: Option<(Answer, usize)>,
    pub solution: Option<Range<usize>>,
    /// Structural problems with their offsets (a second answer command, an unclosed group).
    pub problems: Vec<(usize, String)>,
}

/// Splits the body of an `ex` environment (`range` of `text`) into its parts.
pub(crate) fn split(text: &str, range: Range<usize>) -> Parts {
    let mut parts = Parts::default();
    walk(text, range, &mut parts, 0);
    parts
}

/// Scans `range` at brace depth 0, sending text to the stem and answer commands to their slots.
/// `\immini`'s first argument is scanned the same way (its text joins the stem, an answer
/// command inside it counts); `depth` bounds that recursion.
fn walk(text: &str, range: Range<usize>, parts: &mut Parts, depth: usize) {
    let bytes = text.as_bytes();
    let (mut i, mut piece) = (range.start, range.start);
    while i < range.end {
        match bytes[i] {
            b'\\' => {
                let Some((name, after)) = command_at(text, i) else { break };
                let handled = matches!(name, "choice" | "choiceTF" | "shortans" | "loigiai" | "immini");
                if !handled {
                    i = after;
                    continue;
                }
                push_piece(parts, piece..i);
                i = command(text, name, i, after, range.end, parts, depth);
                piece = i;
            }
            b'{' => match group(text, i).filter(|g| g.end < range.end) {
                Some(g) => i = g.end + 1,
                None => {
                    parts.problems.push((i, "a { is never closed".to_string()));
                    i = range.end;
                }
            },
            _ => i += 1,
        }
    }
    push_piece(parts, piece..i.min(range.end));
}

fn push_piece(parts: &mut Parts, r: Range<usize>) {
    if r.start < r.end {
        parts.stem.push(r);
    }
}

/// Handles one answer command or `\immini` starting at `at` (name ending at `after`); the offset
/// where scanning goes on.
fn command(
    text: &str,
    name: &str,
    at: usize,
    after: usize,
    end: usize,
    parts: &mut Parts,
    depth: usize,
) -> usize {
    let start = skip_optionals(text, after);
    let groups = groups(
        text,
        start,
        end,
        if name == "immini" {
            2
        } else if name.starts_with("choice") {
            8
        } else {
            1
        },
    );
    let next = groups.last().map_or(start, |g| g.end + 1);
    if groups.is_empty() {
        parts.problems.push((at, format!("\\{name} has no {{…}} argument")));
        return next;
    }
    match name {
        "immini" => {
            if depth < 4 {
                walk(text, groups[0].clone(), parts, depth + 1);
            }
            parts.figures.extend(groups.get(1).cloned());
        }
        "loigiai" => {
            if parts.solution.is_some() {
                parts.problems.push((at, "a second \\loigiai".to_string()));
            }
            parts.solution = Some(groups[0].clone());
        }
        _ => {
            let answer = match name {
                "shortans" => Answer::Short(groups[0].clone()),
                _ => {
                    let marked = groups.iter().map(|g| (g.clone(), has_true(&text[g.clone()]))).collect();
                    if name == "choice" { Answer::Choice(marked) } else { Answer::TrueFalse(marked) }
                }
            };
            if parts.answer.is_some() {
                parts.problems.push((at, format!("a second answer command \\{name} in one question")));
            } else {
                parts.answer = Some((answer, at));
            }
        }
    }
    next
}

/// Up to `max` brace groups following each other (whitespace between), each within `end`.
fn groups(text: &str, mut at: usize, end: usize, max: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    while out.len() < max {
        let next = skip_ws(text, at);
        match group(text, next).filter(|g| g.end < end) {
            Some(g) => {
                at = g.end + 1;
                out.push(g);
            }
            None => break,
        }
    }
    out
}

/// Whether an option holds the `\True` mark (not `\Truexyz`).
pub(crate) fn has_true(option: &str) -> bool {
    option
        .match_indices("\\True")
        .any(|(i, _)| !option[i + 5..].starts_with(|c: char| c.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(body: &str) -> Parts {
        split(body, 0..body.len())
    }

    #[test]
    fn choice_options_and_the_true_mark() {
        let body = r"Hàm số nào đồng biến?
\choice
{$y=x$}
{\True $y=x^3$}
{$y=-x$}
{$y=1$}
\loigiai{Vì $y'=3x^2\ge 0$.}";
        let p = parts(body);
        let Some((Answer::Choice(opts), _)) = &p.answer else { panic!("{p:?}") };
        assert_eq!(opts.len(), 4);
        assert_eq!(opts.iter().map(|(_, t)| *t).collect::<Vec<_>>(), vec![false, true, false, false]);
        assert_eq!(&body[opts[1].0.clone()], r"\True $y=x^3$");
        assert_eq!(&body[p.solution.clone().unwrap()], r"Vì $y'=3x^2\ge 0$.");
        assert_eq!(
            p.stem.iter().map(|r| &body[r.clone()]).collect::<String>().trim(),
            "Hàm số nào đồng biến?"
        );
    }

    #[test]
    fn immini_text_joins_the_stem_and_its_picture_is_a_figure() {
        let body = r"\immini[thm]{Cho hình chóp. \choice{a}{\True b}{c}{d}}{\includegraphics{h1}}";
        let p = parts(body);
        assert!(matches!(p.answer, Some((Answer::Choice(_), _))));
        assert_eq!(&body[p.figures[0].clone()], r"\includegraphics{h1}");
        assert!(p.stem.iter().any(|r| body[r.clone()].contains("Cho hình chóp")));
    }

    #[test]
    fn problems_are_located() {
        let p = parts(r"x \shortans{1} \shortans{2} {open");
        assert_eq!(p.problems.len(), 2, "{p:?}");
        assert!(p.problems[0].1.contains("second answer"));
        assert!(has_true(r"\True x") && !has_true(r"\Truex"));
    }
}
