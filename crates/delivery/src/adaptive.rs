//! Adaptive events (issue 20 §3): the pool and design of an adaptive package, prepared once per
//! event ([`AdaptiveTest`]), and each candidate's test so far ([`Progress`]).
//!
//! After every answer the server scores it (the keys are on site from the start: an adaptive
//! event's keys are released with its content) and, once the items given so far are all answered,
//! asks the engine (`khaothi-cat`) for the next step *before* writing: the answer and the step
//! rows (the items picked, or the end, with the θ and SE they were picked at) go to the writer as
//! one group, so they commit in one transaction. The pick is a pure function of the pool, the
//! design, the scored answers in the order given, and a seed from the event, the candidate and the
//! step (the seed is [`khaothi_cat::test_seed`] of the event id and the candidate's number, and
//! the engine mixes in the step; the number rather than an internal id, so anyone holding the
//! package and the raw responses can recompute every pick): a resend after a crash, a resume or another computer
//! recomputes the same item, and a login reads the stored steps back ([`Progress::rebuild`]).
//!
//! The engine never runs on the writer's thread. A pick with shadow tests solves a MILP (several
//! milliseconds) and runs on tokio's blocking pool; a pick by information alone takes well under
//! a millisecond and runs in place (docs/benchmarks.md, "Adaptive delivery").

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::Utc;
use khaothi_cat::{Engine, Estimate, Response, State, Step};
use khaothi_domain::form::VersionKey;
use khaothi_package::{ADAPTIVE_VERSION, PackageContent, PackageKeys, is_answered, score_item};
use serde_json::{Value, json};

use crate::store::SavedAnswer;
use crate::store::cat_steps::NewStep;
use crate::store::entity::cat_step;

/// An adaptive event's pool, design and keys, prepared once when its content and keys are opened.
pub struct AdaptiveTest {
    pub engine: Engine,
    subject: String,
    /// Keys in the bank's terms (an adaptive package shuffles nothing), by item id.
    keys: HashMap<String, VersionKey>,
    /// Each pool item as an `items` message carries it (rendered, no key), by id.
    items: HashMap<String, Value>,
    /// Passages by id, rendered.
    stimuli: BTreeMap<String, String>,
    /// The pool's item ids (answers to anything else are refused).
    pub item_ids: Arc<crate::state::ItemIds>,
}

impl AdaptiveTest {
    /// Prepares the test of an adaptive package's content and keys; `None` for a package of
    /// fixed forms.
    pub fn of(content: &PackageContent, keys: &PackageKeys, subject: &str) -> Result<Option<Self>, String> {
        let Some(adaptive) = &content.adaptive else { return Ok(None) };
        let version = content
            .version(ADAPTIVE_VERSION)
            .ok_or_else(|| format!("the adaptive package has no version {ADAPTIVE_VERSION}"))?;
        let version_keys = keys
            .versions
            .get(ADAPTIVE_VERSION)
            .ok_or_else(|| format!("the adaptive package's keys have no version {ADAPTIVE_VERSION}"))?;
        let mut items = HashMap::new();
        for i in &version.items {
            let v = serde_json::to_value(i).map_err(|e| e.to_string())?;
            items.insert(i.rendered.id.clone(), v);
        }
        for p in adaptive.pool.items() {
            if !items.contains_key(&p.id) || !version_keys.contains_key(&p.id) {
                return Err(format!("pool item {} has no rendered content or no key in the package", p.id));
            }
        }
        let engine =
            Engine::new(adaptive.pool.clone(), adaptive.design.clone()).map_err(|e| e.to_string())?;
        Ok(Some(Self {
            engine,
            subject: subject.to_string(),
            keys: version_keys.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            item_ids: Arc::new(items.keys().cloned().collect()),
            items,
            stimuli: content.stimuli.clone(),
        }))
    }

    /// The most items a candidate is given.
    pub fn max_items(&self) -> u32 {
        self.engine.max_length()
    }

    /// Whether picks solve a shadow test (a MILP: milliseconds, so off the async threads).
    pub fn shadow_tests(&self) -> bool {
        self.engine.design().blueprint.is_some()
    }

    /// The score the engine reads: 0/1, or the statements right of a true/false group.
    pub fn score(&self, item: &str, value: &Value) -> u8 {
        self.keys.get(item).map_or(0, |k| score_item(&self.subject, k, Some(value)).0)
    }

    /// θ and SE after `progress`'s answers (the results' estimate), and the 10-point score of θ
    /// by the pool's documented conversion (docs/cat.md).
    pub fn result(&self, progress: &Progress) -> Result<(Estimate, f64), String> {
        let est = self.engine.estimate(&progress.state(self)).map_err(|e| e.to_string())?;
        Ok((est, self.engine.pool().score10(est.theta)))
    }
}

/// One candidate's adaptive test so far: the items given (stored steps) and their answers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// Item ids in the order given.
    pub given: Vec<String>,
    /// The answer to each given item that has one.
    pub answers: HashMap<String, Value>,
    /// The test has ended (the stopping rule was met).
    pub ended: bool,
}

impl Progress {
    /// The progress the stored steps and answers describe.
    pub fn rebuild(steps: &[cat_step::Model], answers: &BTreeMap<String, SavedAnswer>) -> Self {
        let mut p = Progress::default();
        for s in steps {
            match &s.item_id {
                Some(id) => p.given.push(id.clone()),
                None => p.ended = true,
            }
        }
        for id in &p.given {
            if let Some(a) = answers.get(id).filter(|a| is_answered(&a.value)) {
                p.answers.insert(id.clone(), a.value.clone());
            }
        }
        p
    }

    /// Given items not answered yet, in the order given.
    pub fn pending(&self) -> impl Iterator<Item = &String> {
        self.given.iter().filter(|id| !self.answers.contains_key(*id))
    }

    /// Whether the next step is due: the test has not ended and everything given is answered.
    pub fn needs_pick(&self) -> bool {
        !self.ended && self.pending().next().is_none()
    }

    /// The engine's state: the answered items, scored, in the order given.
    pub fn state(&self, test: &AdaptiveTest) -> State {
        let responses = self
            .given
            .iter()
            .filter_map(|id| {
                self.answers.get(id).map(|v| Response { item: id.clone(), score: test.score(id, v) })
            })
            .collect();
        State { responses }
    }

    /// Applies the steps just written (or about to be).
    pub fn apply(&mut self, rows: &[NewStep]) {
        for r in rows {
            match &r.item_id {
                Some(id) if !self.given.contains(id) => self.given.push(id.clone()),
                Some(_) => {}
                None => self.ended = true,
            }
        }
    }
}

/// The step rows that follow `progress` for this candidate: the items picked (one row each, the
/// next ordinals) or the end. When the engine fails (a shadow test found infeasible, which a
/// validated design should not allow), the test ends there and the failure is logged: the
/// candidate is never left without a next step, and the rerun ends it the same way.
pub fn decide(
    test: &AdaptiveTest,
    progress: &Progress,
    event: &str,
    candidate: &str,
    number: &str,
) -> Vec<NewStep> {
    let state = progress.state(test);
    let seed = khaothi_cat::test_seed(event, number);
    let now = Utc::now();
    let first = progress.given.len() as i32 + 1;
    let row = |n: i32, item: Option<String>, est: &Estimate| NewStep {
        candidate_id: candidate.to_string(),
        step: first + n,
        item_id: item,
        theta: est.theta,
        se: est.se,
        picked_at: now,
    };
    match test.engine.next(&state, seed) {
        Ok(next) => match next.step {
            Step::Give { items } => {
                let fresh: Vec<String> = items.into_iter().filter(|i| !progress.given.contains(i)).collect();
                if fresh.is_empty() {
                    return vec![row(0, None, &next.estimate)];
                }
                fresh.into_iter().enumerate().map(|(n, i)| row(n as i32, Some(i), &next.estimate)).collect()
            }
            Step::Stop { .. } => vec![row(0, None, &next.estimate)],
        },
        Err(e) => {
            tracing::error!(event = %event, candidate = %candidate, error = %e, "the adaptive engine failed; the test ends here");
            let est = test.engine.estimate(&state).unwrap_or(Estimate {
                theta: test.engine.design().prior_mean,
                se: test.engine.design().prior_sd,
                items: state.responses.len() as u32,
            });
            vec![row(0, None, &est)]
        }
    }
}

/// [`decide`] off the async threads when it solves a shadow test. Empty if the pick's task
/// failed (the engine panicked): the caller then saves nothing, and the candidate's resend
/// tries again.
pub async fn decide_off_reactor(
    content: Arc<crate::state::EventContent>,
    progress: Progress,
    event: &str,
    candidate: &str,
    number: &str,
) -> Vec<NewStep> {
    let Some(t) = content.adaptive() else { return Vec::new() };
    if !t.shadow_tests() {
        return decide(t, &progress, event, candidate, number);
    }
    let (event, candidate, number) = (event.to_string(), candidate.to_string(), number.to_string());
    let task = tokio::task::spawn_blocking(move || match content.adaptive() {
        Some(t) => decide(t, &progress, &event, &candidate, &number),
        None => Vec::new(),
    });
    task.await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "the adaptive pick's task failed");
        Vec::new()
    })
}

/// The `next` message (docs/protocol.md §Adaptive): the items to answer now, with their passages,
/// and the count so far; or, once the test has ended, `finished`.
pub fn next_message(test: &AdaptiveTest, progress: &Progress) -> Value {
    let max = test.max_items();
    let answered = progress.answers.len();
    if progress.ended {
        return json!({"type": "next", "finished": true, "answered": answered, "given": progress.given.len(),
            "max_items": max, "items": []});
    }
    let mut items = Vec::new();
    let mut stimuli = BTreeMap::new();
    for (n, id) in progress.given.iter().enumerate() {
        if progress.answers.contains_key(id) {
            continue;
        }
        let Some(v) = test.items.get(id) else { continue };
        let mut v = v.clone();
        v["number"] = json!(n + 1);
        if let Some(s) = v["stimulus"].as_str()
            && let Some(html) = test.stimuli.get(s)
        {
            stimuli.insert(s.to_string(), html.clone());
        }
        items.push(v);
    }
    json!({"type": "next", "finished": false, "answered": answered, "given": progress.given.len(),
        "max_items": max, "items": items, "stimuli": stimuli})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(n: i32, item: Option<&str>) -> cat_step::Model {
        cat_step::Model {
            candidate_id: "c".into(),
            step: n,
            item_id: item.map(str::to_string),
            theta: 0.0,
            se: 1.0,
            picked_at: Utc::now(),
        }
    }

    fn saved(item: &str, value: Value) -> (String, SavedAnswer) {
        (
            item.to_string(),
            SavedAnswer { item: item.into(), value, epoch: 1, seq: 1, received_at: Utc::now() },
        )
    }

    #[test]
    fn progress_is_rebuilt_from_steps_and_answers() {
        let steps = [step(1, Some("A")), step(2, Some("B")), step(3, Some("C"))];
        let answers: BTreeMap<_, _> =
            [saved("A", json!("B")), saved("B", Value::Null), saved("Z", json!("A"))].into_iter().collect();
        let p = Progress::rebuild(&steps, &answers);
        assert_eq!(p.given, ["A", "B", "C"]);
        assert_eq!(p.answers.len(), 1, "a cleared answer and an answer to an item never given do not count");
        assert_eq!(p.pending().collect::<Vec<_>>(), ["B", "C"]);
        assert!(!p.needs_pick());
        let ended = Progress::rebuild(&[step(1, Some("A")), step(2, None)], &answers);
        assert!(ended.ended && !ended.needs_pick());
        assert!(Progress::default().needs_pick(), "a test not started needs its first pick");
    }
}
