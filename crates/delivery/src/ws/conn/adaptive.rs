//! An answer in an adaptive test (crate::adaptive; docs/protocol.md §Adaptive tests): only the
//! question in front of the candidate is answered, once; the answer is scored, the next step is
//! picked before the write, and the answer and the step commit together. The `ack` is followed by
//! the `next` message.

use std::time::Instant;

use chrono::Utc;
use serde_json::{Value, json};

use super::{Conn, Flow};
use crate::adaptive::{Progress, decide_off_reactor, next_message};
use crate::store::writer::{NewAnswer, WriteOp};

/// Why an answer to an adaptive test is refused before anything is written: (code, message).
fn refusal(p: &Progress, item: &str, value: &Value) -> Option<(&'static str, String)> {
    if p.answers.contains_key(item) {
        return Some((
            "item_closed",
            format!(
                "question {item} is answered and the test has moved on: an adaptive test does not go back"
            ),
        ));
    }
    if !p.pending().any(|i| i == item) {
        return Some(if p.ended {
            ("test_finished", "the adaptive test has ended: submit it".to_string())
        } else {
            ("not_given", format!("question {item} has not been given to you: answer the question shown"))
        });
    }
    if !khaothi_package::is_answered(value) {
        return Some((
            "answer_required",
            format!("question {item}: an adaptive test needs an answer before the next question"),
        ));
    }
    None
}

impl Conn {
    /// Sends an adaptive session's `next` message (nothing for fixed forms); false if the socket
    /// failed.
    pub(super) async fn send_next(&mut self) -> bool {
        let Some(sess) = self.session.as_ref() else { return true };
        let (Some(p), Some(t)) = (sess.cat.as_ref(), sess.content.adaptive()) else { return true };
        let m = next_message(t, p);
        self.send(m).await
    }

    pub(super) async fn on_adaptive_answer(
        &mut self,
        arrived: Instant,
        seq: i64,
        item: String,
        value: Value,
    ) -> Flow {
        let Some(sess) = self.session.as_ref() else { return Flow::Continue };
        let Some(p) = sess.cat.as_ref() else { return Flow::Continue };
        if p.answers.get(&item) == Some(&value) {
            // The same answer again (its acknowledgement was lost): acknowledged, nothing written.
            self.s.live.answer("acknowledged");
            self.send(json!({"type": "ack", "seq": seq, "item": item})).await;
            self.send_next().await;
            return Flow::Continue;
        }
        if let Some((code, message)) = refusal(p, &item, &value) {
            self.s.live.answer(code);
            self.error(code, message, Some(seq)).await;
            return Flow::Continue;
        }
        let mut next = p.clone();
        next.answers.insert(item.clone(), value.clone());
        let answer = WriteOp::Answer(NewAnswer {
            candidate_id: sess.candidate_id.clone(),
            epoch: sess.epoch,
            seq,
            item_id: item.clone(),
            value: value.to_string(),
            received_at: Utc::now(),
        });
        let mut rows = Vec::new();
        let op = if next.needs_pick() {
            let (event, id, number) = (&sess.event_id, &sess.candidate_id, &sess.number);
            rows = decide_off_reactor(sess.content.clone(), next.clone(), event, id, number).await;
            if rows.is_empty() {
                self.s.live.answer("not_saved");
                self.error(
                    "not_saved",
                    "the next question could not be chosen; send the answer again",
                    Some(seq),
                )
                .await;
                return Flow::Continue;
            }
            let mut ops = vec![answer];
            ops.extend(rows.iter().cloned().map(WriteOp::CatStep));
            WriteOp::Together(ops)
        } else {
            answer
        };
        if let Err(e) = self.s.writer.write(op).await {
            tracing::error!(error = %e, "adaptive answer not saved");
            self.s.live.answer("not_saved");
            self.error("not_saved", "the answer was not saved; send it again", Some(seq)).await;
            return Flow::Continue;
        }
        next.apply(&rows);
        if let Some(sess) = self.session.as_mut() {
            sess.cat = Some(next);
            if let Some(n) = sess.tally.record(&item, sess.epoch, seq, true) {
                self.s.hub.rooms.answered(&sess.candidate_id, &sess.room_id, sess.epoch, n);
            }
        }
        let sent = self.send(json!({"type": "ack", "seq": seq, "item": item})).await;
        if sent && !rows.is_empty() {
            self.send_next().await;
        }
        self.s.live.answer("acknowledged");
        self.ack_waited(arrived);
        Flow::Continue
    }
}
