//! A seeded generator of calibrated item pools with the THPT mathematics taxonomy, for tests,
//! examples and benchmarks (the same seed gives the same pool on every machine).

use khaothi_domain::{
    Choice, IrtModelKind, IrtParams, Item, ItemBody, Level, ReviewStatus, ShortAnswerKey, Statement,
};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Grade-12 mathematics chapters of the sample bank's taxonomy
/// (`item-bank-samples/taxonomy.json`), with their number of lessons (topic `12.c.l`).
pub const TOPICS: [&str; 7] = ["12.1", "12.2", "12.3", "12.4", "12.5", "12.6", "12.7"];
const LESSONS: [u32; 7] = [6, 4, 5, 2, 3, 3, 2];

#[derive(Debug, Clone)]
pub struct SimOptions {
    pub items: usize,
    pub seed: u64,
    /// Share of `true_false_group` items; the same share again is `short_answer`, the rest
    /// single choice.
    pub tf_share: f64,
    pub sa_share: f64,
    /// Share of items without IRT parameters.
    pub uncalibrated: f64,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self { items: 200, seed: 1, tf_share: 0.2, sa_share: 0.25, uncalibrated: 0.0 }
    }
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// `n` approved items of subject `toan`: topics `12.1.1` … `12.7.2`, levels 40% biet, 35% hieu,
/// 25% van_dung, 2PL discrimination log-normal around 1 and difficulty rising with level;
/// true/false groups are GPCM with 4 thresholds and statements at mixed levels.
pub fn simulated_pool(opts: &SimOptions) -> Vec<Item> {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    (0..opts.items)
        .map(|k| {
            let u: f64 = rng.random();
            let level = match rng.random_range(0..100) {
                0..40 => Level::Biet,
                40..75 => Level::Hieu,
                _ => Level::VanDung,
            };
            let shift = match level {
                Level::Biet => -0.8,
                Level::Hieu => 0.0,
                _ => 0.8,
            };
            // Lessons are equally likely, so chapters weigh by their number of lessons.
            let mut lesson = rng.random_range(0..LESSONS.iter().sum::<u32>());
            let mut chapter = 0;
            while lesson >= LESSONS[chapter] {
                lesson -= LESSONS[chapter];
                chapter += 1;
            }
            let topic = format!("{}.{}", TOPICS[chapter], lesson + 1);
            let a = (0.3 * normal(&mut rng)).exp().clamp(0.4, 2.5);
            let b = (shift + 0.8 * normal(&mut rng)).clamp(-3.0, 3.0);
            let (body, irt) = if u < opts.tf_share {
                let mut t: Vec<f64> = (0..4).map(|_| b + 0.9 * normal(&mut rng)).collect();
                t.sort_by(f64::total_cmp);
                let levels = [Level::Biet, Level::Hieu, Level::Hieu, Level::VanDung];
                let statements = levels
                    .iter()
                    .enumerate()
                    .map(|(s, l)| Statement { text: format!("Mệnh đề {}", s + 1), level: Some(*l) })
                    .collect();
                let keys = (0..4).map(|_| rng.next_u32() % 2 == 0).collect();
                let irt = IrtParams {
                    model: Some(IrtModelKind::Gpcm),
                    a: Some(a * 0.8),
                    thresholds: Some(t),
                    ..IrtParams::default()
                };
                (ItemBody::TrueFalseGroup { statements, keys }, irt)
            } else if u < opts.tf_share + opts.sa_share {
                let answer = ShortAnswerKey {
                    accepted: vec![format!("{}", rng.random_range(1..999))],
                    tolerance: None,
                };
                let irt = IrtParams {
                    model: Some(IrtModelKind::TwoPl),
                    a: Some(a),
                    b: Some(b),
                    ..IrtParams::default()
                };
                (ItemBody::ShortAnswer { answer }, irt)
            } else {
                let options = (0..4).map(|o| format!("Phương án {o}")).collect();
                let key = Choice::from_index(rng.random_range(0..4)).unwrap_or(Choice::A);
                let irt = IrtParams {
                    model: Some(IrtModelKind::TwoPl),
                    a: Some(a),
                    b: Some(b),
                    ..IrtParams::default()
                };
                (ItemBody::SingleChoice { options, key }, irt)
            };
            let calibrated = rng.random::<f64>() >= opts.uncalibrated;
            Item {
                id: format!("TOAN12-{:05}", k + 1),
                subject: "toan".into(),
                grade: 12,
                topic,
                level,
                stem: format!("Câu hỏi {}", k + 1),
                body,
                stimulus: None,
                enemies: vec![],
                status: ReviewStatus::Approved,
                irt: calibrated.then_some(irt),
                shuffle_options: true,
                media: vec![],
                uses: 0,
                solution: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_are_valid_and_reproducible() {
        let opts = SimOptions { items: 300, seed: 9, uncalibrated: 0.1, ..SimOptions::default() };
        let a = simulated_pool(&opts);
        assert_eq!(a, simulated_pool(&opts));
        for item in &a {
            assert!(item.validate().is_empty(), "{:?}: {:?}", item.id, item.validate());
        }
        for t in TOPICS {
            for l in [Level::Biet, Level::Hieu, Level::VanDung] {
                let n = a.iter().filter(|i| i.topic.starts_with(&format!("{t}.")) && i.level == l).count();
                assert!(n >= 4, "{t} {l}: {n}");
            }
        }
        let uncal = a.iter().filter(|i| i.irt.is_none()).count();
        assert!((10..60).contains(&uncal), "{uncal}");
    }
}
