//! Which bank items the assembler can treat as calibrated, and with what model: the formulas
//! (probabilities, information, expected scores) are `khaothi_irt::ItemModel`'s, so a form's
//! information here is the one the psychometrics crate reports.

use khaothi_domain::{Item, ItemKind};
pub use khaothi_irt::ItemModel;

/// The model of a calibrated item; `None` when the item has no usable parameters or a model of
/// the wrong family for its kind (a true/false group is scored 0–4, so it needs a polytomous
/// model), which the assembler treats as "not calibrated".
pub fn model_of(item: &Item) -> Option<ItemModel> {
    let model = ItemModel::try_from(item.irt.as_ref()?).ok()?;
    (model.kind().is_polytomous() == (item.kind() == ItemKind::TrueFalseGroup)).then_some(model)
}

#[cfg(test)]
mod tests {
    use khaothi_domain::ItemRecord;

    use super::*;

    fn item(kind_fields: serde_json::Value, irt: serde_json::Value) -> Item {
        let mut rec = serde_json::json!({"id": "I", "subject": "toan", "grade": 12, "topic": "12.1",
            "level": "hieu", "stem": "x"});
        for (k, v) in kind_fields.as_object().unwrap() {
            rec[k] = v.clone();
        }
        let mut item = ItemRecord::from_json_line(&rec.to_string()).unwrap().into_item().unwrap().0;
        // Set after validation: the bank refuses a mismatched model, but parameters can come
        // from elsewhere (a calibration run), so the assembler checks again.
        item.irt = Some(serde_json::from_value(irt).unwrap());
        item
    }

    #[test]
    fn the_model_must_fit_the_kind() {
        let sc = serde_json::json!({"kind": "single_choice", "options": ["a", "b", "c", "d"], "key": "A"});
        let tf = serde_json::json!({"kind": "true_false_group", "statements": ["a", "b", "c", "d"],
            "keys": [true, false, true, false]});
        let two_pl = serde_json::json!({"model": "2pl", "a": 1.2, "b": 0.3});
        let gpcm = serde_json::json!({"model": "gpcm", "a": 0.9, "thresholds": [-1.0, -0.2, 0.4, 1.1]});
        assert_eq!(model_of(&item(sc.clone(), two_pl.clone())), Some(ItemModel::TwoPl { a: 1.2, b: 0.3 }));
        assert!(model_of(&item(tf.clone(), two_pl)).is_none());
        assert!(model_of(&item(tf, gpcm.clone())).is_some());
        assert!(model_of(&item(sc.clone(), gpcm)).is_none());
        let one_pl = serde_json::json!({"model": "rasch", "a": 1.7, "b": 0.0});
        let m = model_of(&item(sc, one_pl)).unwrap();
        assert!((m.information(0.0) - 1.7 * 1.7 / 4.0).abs() < 1e-12, "a 1PL keeps its common a");
    }
}
