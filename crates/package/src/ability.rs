//! IRT ability of one candidate where the items of their version are calibrated. The estimation
//! is the irt crate's EAP (N(0, 1) prior, its default grid); this module only turns the bank's
//! parameters into the irt crate's models and picks the calibrated items.

use khaothi_domain::IrtParams;
use khaothi_irt::ItemModel;
use khaothi_irt::ability::{AbilityEstimate, AbilityOptions, estimate};

use crate::{ItemScore, PackageKeys};

/// The irt crate's model of the bank's parameters (one type, `khaothi_domain::IrtParams`, read
/// by the irt crate's conversion); the error says what is missing or invalid.
pub fn item_model(p: &IrtParams) -> Result<ItemModel, String> {
    ItemModel::try_from(p)
}

/// EAP θ and its posterior SD over the calibrated items of a sheet, each scored as in the
/// calibration export (0/1, or 0–4 statements right; an item not answered scores 0). `None` when
/// no item of the sheet is calibrated.
pub fn ability_eap(keys: &PackageKeys, items: &[ItemScore]) -> Option<AbilityEstimate> {
    let mut models = Vec::new();
    let mut scores = Vec::new();
    for s in items {
        let model = keys.item(&s.item).and_then(|b| b.irt.as_ref()).and_then(|p| item_model(p).ok());
        if let Some(m) = model {
            scores.push(s.right.min(m.max_score()));
            models.push(m);
        }
    }
    if models.is_empty() {
        return None;
    }
    Some(estimate(&models, &scores, &AbilityOptions::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BankItem;
    use khaothi_domain::form::VersionKey;
    use khaothi_domain::{Choice, IrtModelKind};
    use std::collections::BTreeMap;

    fn params(model: IrtModelKind, a: f64, b: Option<f64>, thresholds: Option<Vec<f64>>) -> IrtParams {
        IrtParams { model: Some(model), a: Some(a), b, thresholds, ..Default::default() }
    }

    fn score(item: &str, right: u8) -> ItemScore {
        ItemScore { item: item.into(), section: 0, answered: true, right, points: 0, max: 0 }
    }

    #[test]
    fn eap_is_the_irt_crates_over_the_calibrated_items() {
        let bank = |id: &str, irt: Option<IrtParams>| BankItem {
            id: id.into(),
            version: Some(1),
            key: VersionKey::SingleChoice(Choice::A),
            irt,
        };
        let keys = PackageKeys {
            versions: BTreeMap::new(),
            orders: BTreeMap::new(),
            items: vec![
                bank("A", Some(params(IrtModelKind::TwoPl, 1.2, Some(-0.3), None))),
                bank("B", Some(params(IrtModelKind::TwoPl, 0.8, Some(0.5), None))),
                bank("C", None),
                bank("T", Some(params(IrtModelKind::Gpcm, 1.0, None, Some(vec![-1.0, -0.2, 0.4, 1.1])))),
            ],
        };
        let sheet = [score("A", 1), score("B", 0), score("C", 1), score("T", 3)];
        let got = ability_eap(&keys, &sheet).unwrap();
        // The same by hand: the three calibrated items, the uncalibrated C left out.
        let models = vec![
            ItemModel::TwoPl { a: 1.2, b: -0.3 },
            ItemModel::TwoPl { a: 0.8, b: 0.5 },
            ItemModel::Gpcm { a: 1.0, thresholds: vec![-1.0, -0.2, 0.4, 1.1] },
        ];
        let want = estimate(&models, &[1, 0, 3], &AbilityOptions::default());
        assert_eq!(got, want);
        assert_eq!(got.n_answered, 3);
        assert!(got.theta.is_some_and(f64::is_finite) && got.se.is_some_and(|s| s > 0.0 && s < 1.0));
        // No calibrated item: no ability.
        assert_eq!(ability_eap(&keys, &[score("C", 1)]), None);
    }

    #[test]
    fn bank_parameters_become_irt_models() {
        let m = item_model(&params(IrtModelKind::TwoPl, 1.5, Some(0.2), None)).unwrap();
        assert_eq!(m, ItemModel::TwoPl { a: 1.5, b: 0.2 });
        let rasch = IrtParams { model: Some(IrtModelKind::Rasch), b: Some(-1.0), ..Default::default() };
        assert_eq!(item_model(&rasch).unwrap(), ItemModel::Rasch { b: -1.0 });
        let missing = IrtParams { model: Some(IrtModelKind::TwoPl), a: Some(1.0), ..Default::default() };
        assert!(item_model(&missing).unwrap_err().contains("irt.b"));
    }
}
