//! The response processing khaothi writes, executed by a small QTI interpreter written here from
//! the QTI 3.0 specification (independent of khaothi's reader), for the operators the written
//! items use: `setOutcomeValue`, `responseCondition` (`responseIf`/`responseElseIf`/
//! `responseElse`), `member`, `sum`, `match`, `variable`, `baseValue`, and the `map_response` /
//! `match_correct` templates. Its scores must equal khaothi's own THPT scoring for every
//! true/false key and every answer pattern (16 × 16), and the multiple-response rule.

use std::collections::{BTreeMap, BTreeSet};

use khaothi_domain::form::VersionKey;
use khaothi_domain::{Item, ItemRecord, ResponseScoring};
use khaothi_interop::{QtiVersion, write_qti};
use quick_xml::events::Event;

/// A parsed element: local name without `qti-`/dashes, lower case; attributes likewise.
#[derive(Debug, Default)]
struct El {
    name: String,
    attrs: BTreeMap<String, String>,
    children: Vec<El>,
    text: String,
}

fn local(raw: &[u8]) -> String {
    let s = String::from_utf8_lossy(raw).to_string();
    let s = s.rsplit(':').next().unwrap_or(&s).to_string();
    s.strip_prefix("qti-").unwrap_or(&s).replace('-', "").to_lowercase()
}

fn parse(xml: &str) -> El {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack = vec![El::default()];
    loop {
        match reader.read_event().unwrap() {
            Event::Start(s) => stack.push(element(&s)),
            Event::Empty(s) => {
                let e = element(&s);
                stack.last_mut().unwrap().children.push(e);
            }
            Event::End(_) => {
                let e = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(e);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.decode().unwrap()),
            Event::Eof => break,
            _ => {}
        }
    }
    stack.pop().unwrap().children.remove(0)
}

fn element(s: &quick_xml::events::BytesStart<'_>) -> El {
    let attrs = s
        .attributes()
        .map(|a| {
            let a = a.unwrap();
            (local(a.key.as_ref()), a.unescape_value().unwrap().to_string())
        })
        .collect();
    El { name: local(s.name().as_ref()), attrs, ..Default::default() }
}

impl El {
    fn child(&self, name: &str) -> Option<&El> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// QTI values the operators above produce.
#[derive(Debug, Clone, PartialEq)]
enum V {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Single(String),
    Multiple(BTreeSet<String>),
}

impl V {
    fn number(&self) -> f64 {
        match self {
            V::Int(i) => *i as f64,
            V::Float(f) => *f,
            other => panic!("not a number: {other:?}"),
        }
    }
}

struct Session<'a> {
    item: &'a El,
    vars: BTreeMap<String, V>,
}

impl Session<'_> {
    fn eval(&self, e: &El) -> V {
        match e.name.as_str() {
            "basevalue" => match e.attrs["basetype"].as_str() {
                "integer" => V::Int(e.text.trim().parse().unwrap()),
                "float" => V::Float(e.text.trim().parse().unwrap()),
                _ => V::Single(e.text.trim().to_string()),
            },
            "variable" => self.vars.get(&e.attrs["identifier"]).cloned().unwrap_or(V::Null),
            "member" => {
                let (x, set) = (self.eval(&e.children[0]), self.eval(&e.children[1]));
                match (x, set) {
                    (V::Single(x), V::Multiple(s)) => V::Bool(s.contains(&x)),
                    (_, V::Null) | (V::Null, _) => V::Null,
                    other => panic!("member of {other:?}"),
                }
            }
            "sum" => {
                let values: Vec<V> = e.children.iter().map(|c| self.eval(c)).collect();
                if values.iter().all(|v| matches!(v, V::Int(_))) {
                    V::Int(values.iter().map(|v| v.number() as i64).sum())
                } else {
                    V::Float(values.iter().map(V::number).sum())
                }
            }
            "match" => V::Bool(self.eval(&e.children[0]) == self.eval(&e.children[1])),
            other => panic!("operator {other} is not one khaothi writes"),
        }
    }

    fn run(&mut self, rules: &[El]) {
        for rule in rules {
            match rule.name.as_str() {
                "setoutcomevalue" => {
                    let v = self.eval(&rule.children[0]);
                    self.vars.insert(rule.attrs["identifier"].clone(), v);
                }
                "responsecondition" => {
                    for branch in &rule.children {
                        let taken = match branch.name.as_str() {
                            "responseif" | "responseelseif" => {
                                self.eval(&branch.children[0]) == V::Bool(true)
                            }
                            _ => true,
                        };
                        if taken {
                            let skip = usize::from(branch.name != "responseelse");
                            self.run(&branch.children[skip..]);
                            break;
                        }
                    }
                }
                other => panic!("rule {other} is not one khaothi writes"),
            }
        }
    }

    /// `map_response` over a multiple response: the mapped values of the distinct values, bounded.
    fn map_response(&self) -> f64 {
        let decl = self.item.children.iter().find(|c| c.name == "responsedeclaration").unwrap();
        let mapping = decl.child("mapping").unwrap();
        let V::Multiple(given) = &self.vars["RESPONSE"] else { panic!() };
        let default: f64 = mapping.attrs["defaultvalue"].parse().unwrap();
        let mut sum = 0.0;
        for g in given {
            sum += mapping
                .children
                .iter()
                .find(|m| m.attrs["mapkey"] == *g)
                .map_or(default, |m| m.attrs["mappedvalue"].parse().unwrap());
        }
        let lower = mapping.attrs.get("lowerbound").map_or(f64::NEG_INFINITY, |l| l.parse().unwrap());
        let upper = mapping.attrs.get("upperbound").map_or(f64::INFINITY, |u| u.parse().unwrap());
        sum.clamp(lower, upper)
    }

    fn correct(&self) -> V {
        let decl = self.item.children.iter().find(|c| c.name == "responsedeclaration").unwrap();
        let values =
            decl.child("correctresponse").unwrap().children.iter().map(|v| v.text.trim().to_string());
        V::Multiple(values.collect())
    }

    /// Runs the item's response processing (inline rules or a template); the final SCORE.
    fn score(mut self) -> f64 {
        let rp = self.item.child("responseprocessing").unwrap();
        match rp.attrs.get("template").map(|t| t.rsplit('/').next().unwrap().trim_end_matches(".xml")) {
            Some("map_response") => self.map_response(),
            Some("match_correct") => f64::from(u8::from(self.vars["RESPONSE"] == self.correct())),
            Some(other) => panic!("template {other}"),
            None => {
                self.vars.insert("SCORE".into(), V::Float(0.0));
                self.run(&rp.children);
                self.vars["SCORE"].number()
            }
        }
    }
}

fn item(line: &str) -> Item {
    ItemRecord::from_json_line(line).unwrap().into_item().unwrap().0
}

fn patterns() -> impl Iterator<Item = [bool; 4]> {
    (0..16u8).map(|m| [m & 8 != 0, m & 4 != 0, m & 2 != 0, m & 1 != 0])
}

#[test]
fn true_false_processing_gives_the_thpt_scores_for_every_key_and_answer() {
    for version in [QtiVersion::V3_0, QtiVersion::V2_1] {
        for key in patterns() {
            let line = format!(
                r#"{{"id":"LY-1","subject":"vat_ly","grade":12,"topic":"12.2","level":"hieu","kind":"true_false_group","stem":"Xét.","statements":["a","b","c","d"],"keys":{}}}"#,
                serde_json::to_string(&key).unwrap()
            );
            let xml = write_qti(&item(&line), version).unwrap();
            let tree = parse(&xml);
            for answer in patterns() {
                let pairs = answer
                    .iter()
                    .enumerate()
                    .map(|(i, a)| format!("{} {}", char::from(b'a' + i as u8), if *a { "T" } else { "F" }));
                let mut vars = BTreeMap::new();
                vars.insert("RESPONSE".to_string(), V::Multiple(pairs.collect()));
                let qti = Session { item: &tree, vars }.score();
                let answer_json = serde_json::json!(answer);
                let (_, hundredths, max) = khaothi_package::score_item(
                    "vat_ly",
                    &VersionKey::TrueFalseGroup(key.to_vec()),
                    Some(&answer_json),
                );
                assert_eq!(max, 100);
                assert!(
                    (qti * 100.0 - f64::from(hundredths)).abs() < 1e-9,
                    "{version:?} key {key:?} answer {answer:?}: QTI {qti}, khaothi {hundredths}/100"
                );
            }
        }
    }
}

#[test]
fn statements_left_unanswered_are_not_right() {
    let line = r#"{"id":"LY-1","subject":"vat_ly","grade":12,"topic":"12.2","level":"hieu","kind":"true_false_group","stem":"Xét.","statements":["a","b","c","d"],"keys":[true,false,true,true]}"#;
    let tree = parse(&write_qti(&item(line), QtiVersion::V3_0).unwrap());
    let mut vars = BTreeMap::new();
    vars.insert("RESPONSE".to_string(), V::Multiple(["a T".to_string(), "c T".to_string()].into()));
    assert_eq!(Session { item: &tree, vars }.score(), 0.25, "two right, two blank");
}

#[test]
fn multiple_response_processing_matches_the_partial_credit_rule() {
    let keys = [true, false, true, false, true];
    for scoring in [ResponseScoring::Partial, ResponseScoring::AllOrNothing] {
        let line = format!(
            r#"{{"id":"TA-1","subject":"tieng_anh","grade":12,"topic":"12.1","level":"biet","kind":"multiple_response","stem":"Chọn.","options":["a","b","c","d","e"],"keys":{},"scoring":"{}"}}"#,
            serde_json::to_string(&keys).unwrap(),
            scoring.as_str()
        );
        let tree = parse(&write_qti(&item(&line), QtiVersion::V3_0).unwrap());
        for mask in 0..32u8 {
            let ticked: Vec<bool> = (0..5).map(|i| mask & (1 << i) != 0).collect();
            let letters = (0..5).filter(|i| ticked[*i]).map(|i| char::from(b'A' + i as u8).to_string());
            let mut vars = BTreeMap::new();
            vars.insert("RESPONSE".to_string(), V::Multiple(letters.collect()));
            let qti = Session { item: &tree, vars }.score();
            // Written out here, not taken from the code under test: ±1/3 per ticked option, ≥ 0.
            let expected = match scoring {
                ResponseScoring::AllOrNothing => f64::from(u8::from(ticked == keys)),
                ResponseScoring::Partial => {
                    let plus = (0..5).filter(|i| ticked[*i] && keys[*i]).count() as f64;
                    let minus = (0..5).filter(|i| ticked[*i] && !keys[*i]).count() as f64;
                    ((plus - minus) / 3.0).max(0.0)
                }
            };
            assert!((qti - expected).abs() < 1e-9, "{scoring:?} {ticked:?}: {qti} vs {expected}");
            assert!((scoring.share(&keys, &ticked) - expected).abs() < 1e-9);
        }
    }
}
