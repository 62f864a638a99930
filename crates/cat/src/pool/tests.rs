use super::*;

fn item(id: &str, irt: ItemModel) -> PoolItem {
    PoolItem {
        id: id.into(),
        kind: ItemKind::SingleChoice,
        topic: "12.1".into(),
        level: Level::Biet,
        statement_levels: vec![],
        stimulus: None,
        enemies: vec![],
        irt,
        exposure_k: 1.0,
    }
}

#[test]
fn pool_lines_and_bank_records_are_read_and_uncalibrated_items_named() {
    let text = r#"{"id":"A","kind":"single_choice","topic":"12.1.1","level":"hieu","irt":{"model":"2pl","a":1.2,"b":-0.3}}

{"id":"B","kind":"true_false_group","topic":"12.2","statement_levels":["biet","hieu","hieu","van_dung"],"irt":{"model":"gpcm","a":0.9,"thresholds":[-1,0,0.5,1]},"exposure_k":0.5}
{"id":"TOAN-9","subject":"toan","grade":12,"topic":"12.1","level":"biet","kind":"single_choice","stem":"x","options":["a","b","c","d"],"key":"A"}
{"id":"TOAN-8","subject":"toan","grade":12,"topic":"12.1","level":"biet","kind":"single_choice","stem":"x","options":["a","b","c","d"],"key":"A","irt":{"model":"3pl","a":1.0,"b":0.2,"c":0.2}}
"#;
    let (pool, warnings) = Pool::from_jsonl(text).unwrap();
    assert_eq!(pool.len(), 3);
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].item, "TOAN-9");
    assert!(warnings[0].message.contains("not calibrated"), "{}", warnings[0].message);
    assert_eq!(pool.items()[1].exposure_k, 0.5);
    // round trip through serde re-validates
    let json = serde_json::to_string(&pool).unwrap();
    let back: Pool = serde_json::from_str(&json).unwrap();
    assert_eq!(back, pool);
}

#[test]
fn bad_pools_are_refused_with_the_item_and_line_named() {
    let dup = Pool::new(vec![
        item("A", ItemModel::TwoPl { a: 1.0, b: 0.0 }),
        item("A", ItemModel::Rasch { b: 0.0 }),
    ]);
    assert!(dup.unwrap_err().to_string().contains("A appears twice"));
    let mut tf = item("T", ItemModel::TwoPl { a: 1.0, b: 0.0 });
    tf.kind = ItemKind::TrueFalseGroup;
    assert!(Pool::new(vec![tf]).unwrap_err().to_string().contains("gpcm or grm"));
    let mut k = item("K", ItemModel::TwoPl { a: 1.0, b: 0.0 });
    k.exposure_k = 0.0;
    assert!(Pool::new(vec![k]).is_err());
    let err = Pool::from_jsonl("{\"id\":\"A\",\"irt\":{\"model\":\"2pl\",\"a\":-1,\"b\":0}}\n").unwrap_err();
    assert!(err.to_string().contains("line 1"), "{err}");
    let err = Pool::from_jsonl("{\"id\":\"A\",\"irt\":{\"model\":\"2pl\",\"a\":1,\"b\":0},\"typo\":1}")
        .unwrap_err();
    assert!(err.to_string().contains("typo"), "{err}");
    assert!(serde_json::from_str::<Pool>(r#"{"items":[{"id":"","irt":{"model":"rasch","b":0}}]}"#).is_err());
}

#[test]
fn stimulus_units_and_enemies_are_indexed() {
    let mut a = item("A", ItemModel::TwoPl { a: 1.0, b: 0.0 });
    let mut b = item("B", ItemModel::TwoPl { a: 1.0, b: 0.5 });
    let mut c = item("C", ItemModel::TwoPl { a: 1.0, b: 1.0 });
    a.stimulus = Some("S".into());
    c.stimulus = Some("S".into());
    b.enemies = vec!["A".into(), "nobody".into()];
    let pool = Pool::new(vec![a, b, c]).unwrap();
    assert_eq!(pool.units(), &[vec![0, 2], vec![1]]);
    assert_eq!(pool.enemies_of(0), &[1]);
    assert_eq!(pool.enemies_of(1), &[0]);
}

#[test]
fn score10_is_the_domain_score_and_rises_with_theta() {
    let pool = Pool::new(vec![
        item("A", ItemModel::TwoPl { a: 1.0, b: 0.0 }),
        item("B", ItemModel::TwoPl { a: 1.0, b: 0.0 }),
    ])
    .unwrap();
    assert_eq!(pool.score10(0.0), 5.0);
    assert!(pool.score10(-2.0) < pool.score10(0.0) && pool.score10(2.0) > 8.0);
    assert!(pool.score10(40.0) <= 10.0 && pool.score10(-40.0) >= 0.0);
}
