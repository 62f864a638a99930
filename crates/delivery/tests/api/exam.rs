//! The exam the results tests sit: calibrated items on two forms pinned to one bank version, with
//! shuffled versions, built into a signed package the way the bank builds one.

use std::collections::HashMap;

use khaothi_domain::form::{Form, FormItem, Version};
use khaothi_domain::{Item, ItemRecord};
use khaothi_irt::ItemModel;
use khaothi_loadtest::board::EventSetup;
use khaothi_package::{BoardSigningKey, BuiltPackage, PackageInput, build_package};
use rand::SeedableRng;

use crate::common::TestApp;

/// The bank version both forms pin.
pub const PINNED: u32 = 2;

/// Items and their true IRT parameters (also the package's calibration): seven single choice,
/// two true/false groups, two short answers (the second accepts `-2` and `-2,0`).
pub fn bank() -> Vec<(Item, ItemModel)> {
    let mut out = Vec::new();
    for i in 1..=7 {
        let (a, b) = (0.8 + 0.15 * i as f64, -1.6 + 0.45 * i as f64);
        let key = ["A", "B", "C", "D"][i % 4];
        let line = format!(
            r#"{{"id":"SC{i}","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"Câu {i}.","options":["a{i}","b{i}","c{i}","d{i}"],"key":"{key}","irt":{{"model":"2pl","a":{a},"b":{b}}}}}"#
        );
        out.push((line, ItemModel::TwoPl { a, b }));
    }
    for (i, keys, t) in [
        (1, "[true,false,true,true]", [-1.5, -0.6, 0.2, 1.0]),
        (2, "[false,false,true,false]", [-1.0, -0.2, 0.5, 1.4]),
    ] {
        let line = format!(
            r#"{{"id":"TF{i}","subject":"toan","grade":12,"topic":"12.1.3","level":"hieu","kind":"true_false_group","stem":"Mệnh đề {i}.","statements":["a","b","c","d"],"keys":{keys},"irt":{{"model":"gpcm","a":1.0,"thresholds":[{},{},{},{}]}}}}"#,
            t[0], t[1], t[2], t[3]
        );
        out.push((line, ItemModel::Gpcm { a: 1.0, thresholds: t.to_vec() }));
    }
    for (i, answer, b) in [(1, r#""0,5""#, -0.4), (2, r#"["-2","-2,0"]"#, 0.6)] {
        let line = format!(
            r#"{{"id":"SA{i}","subject":"toan","grade":12,"topic":"12.1.4","level":"van_dung","kind":"short_answer","stem":"Tính {i}.","answer":{answer},"irt":{{"model":"2pl","a":1.3,"b":{b}}}}}"#
        );
        out.push((line, ItemModel::TwoPl { a: 1.3, b }));
    }
    out.into_iter()
        .map(|(l, m)| (ItemRecord::from_json_line(&l).unwrap().into_item().unwrap().0, m))
        .collect()
}

/// Two forms: F1 has SC1–SC6, F2 has SC1–SC5 and SC7; both have TF1, TF2, SA1, SA2. Two shuffled
/// versions each (0101, 0102, 0201, 0202).
pub struct Exam {
    pub pkg: BuiltPackage,
    pub items: HashMap<String, Item>,
    pub models: HashMap<String, ItemModel>,
    pub versions: HashMap<String, Version>,
}

pub fn exam(signer: &BoardSigningKey, event: &str) -> Exam {
    let bank = bank();
    let items: Vec<Item> = bank.iter().map(|(i, _)| i.clone()).collect();
    let form = |number: u32, single: &[&str]| Form {
        id: format!("F{number}"),
        number,
        items: single
            .iter()
            .map(|id| (*id, 0))
            .chain([("TF1", 1), ("TF2", 1), ("SA1", 2), ("SA2", 2)])
            .map(|(id, section)| FormItem { item_id: id.into(), version: Some(PINNED), section })
            .collect(),
    };
    let forms = vec![
        form(1, &["SC1", "SC2", "SC3", "SC4", "SC5", "SC6"]),
        form(2, &["SC1", "SC2", "SC3", "SC4", "SC5", "SC7"]),
    ];
    let mut versions = Vec::new();
    for f in &forms {
        versions.extend(khaothi_assembly::make_versions(f, &items, 2, 5).unwrap());
    }
    let stimuli = Default::default();
    let input = PackageInput {
        package_id: format!("{event}-PKG"),
        event_id: event.into(),
        title: "Thi thử".into(),
        subject: "toan".into(),
        duration_minutes: 90,
        created_at: "2025-06-26T07:00:00Z".into(),
        items: &items,
        stimuli: &stimuli,
        media: &std::collections::BTreeMap::new(),
        forms: &forms,
        versions: &versions,
    };
    let pkg = build_package(&input, signer, &mut rand::rngs::StdRng::seed_from_u64(9)).unwrap();
    Exam {
        pkg,
        items: items.iter().map(|i| (i.id.clone(), i.clone())).collect(),
        models: bank.into_iter().map(|(i, m)| (i.id, m)).collect(),
        versions: versions.into_iter().map(|v| (v.code.clone(), v)).collect(),
    }
}

pub async fn set_up(app: &TestApp, exam: &Exam, event: &str, n: usize, room: usize) -> Vec<(String, String)> {
    let key = exam.pkg.content_key.to_hex();
    let list = app
        .board
        .set_up_event(&EventSetup {
            event_id: event,
            title: "Thi thử",
            package: &exam.pkg.bytes,
            content_key: Some(&key),
            candidates: n,
            room_size: room,
            number_prefix: "",
            score_at_submit: false,
            duration_seconds: None,
        })
        .await
        .unwrap();
    list.into_iter().map(|(n, _, c)| (n, c)).collect()
}

pub async fn get_text(app: &TestApp, path: &str) -> (u16, String) {
    let res =
        app.board.http.get(format!("{}{path}", app.url)).bearer_auth(&app.board.token).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}
