//! The bridge to the assembler's shadow tests: the pool's items as the bank items the blueprint
//! rules read (kind, topic, level, statement levels, stimulus, enemies, parameters). Only those
//! fields matter to the MILP; texts and keys stay in the package's content section.

use khaothi_assembly::{Blueprint, ShadowModel};
use khaothi_domain::{
    Choice, Item, ItemBody, ItemKind, ResponseScoring, ReviewStatus, ShortAnswerKey, Statement,
};
use khaothi_irt::params::irt_params;

use crate::pool::{Pool, PoolItem};

/// The bank item the blueprint sees for a pool item.
fn as_bank_item(bp: &Blueprint, p: &PoolItem) -> Item {
    let body = match p.kind {
        ItemKind::SingleChoice => ItemBody::SingleChoice { options: Vec::new(), key: Choice::A },
        ItemKind::TrueFalseGroup => {
            let levels = if p.statement_levels.is_empty() {
                vec![p.level; usize::from(p.irt.max_score())]
            } else {
                p.statement_levels.clone()
            };
            ItemBody::TrueFalseGroup {
                keys: vec![false; levels.len()],
                statements: levels
                    .into_iter()
                    .map(|l| Statement { text: String::new(), level: Some(l) })
                    .collect(),
            }
        }
        ItemKind::ShortAnswer => {
            ItemBody::ShortAnswer { answer: ShortAnswerKey { accepted: Vec::new(), tolerance: None } }
        }
        ItemKind::MultipleResponse => ItemBody::MultipleResponse {
            options: Vec::new(),
            keys: Vec::new(),
            scoring: ResponseScoring::default(),
        },
    };
    Item {
        id: p.id.clone(),
        subject: bp.subject.clone(),
        grade: bp.grade.unwrap_or(12),
        topic: p.topic.clone(),
        level: p.level,
        stem: String::new(),
        body,
        stimulus: p.stimulus.clone(),
        enemies: p.enemies.clone(),
        status: ReviewStatus::Approved,
        irt: Some(irt_params(&p.irt, &[], None)),
        shuffle_options: false,
        media: Vec::new(),
        uses: 0,
        solution: None,
    }
}

/// The shadow-test model of `bp` over the pool.
pub fn model(bp: &Blueprint, pool: &Pool) -> ShadowModel {
    ShadowModel::new(bp.clone(), pool.items().iter().map(|p| as_bank_item(bp, p)).collect())
}

/// The pool's items as bank items (for the independent blueprint check of simulated tests).
pub fn bank_items(bp: &Blueprint, pool: &Pool) -> Vec<Item> {
    pool.items().iter().map(|p| as_bank_item(bp, p)).collect()
}
