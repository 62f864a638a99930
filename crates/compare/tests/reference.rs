//! The report against an independent, straightforward computation of every statistic (textbook
//! formulas written out again here, not the crate's code), and the CLI-level behaviours: years,
//! joins, unmatched rows.

use khaothi_compare::{Level, Options, ResultsFile, compare, read_results, read_transcripts};

/// Six schools in two districts; school F is planted 2 points high.
fn fixture() -> (String, String) {
    let mut results = String::from("number,full_name,score10\n");
    let mut transcripts = String::from("candidate,school,district,province,subject,grade\n");
    let schools =
        [("A", "Q1", 12), ("B", "Q1", 7), ("C", "Q1", 25), ("D", "Q2", 9), ("E", "Q2", 30), ("F", "Q2", 15)];
    let mut k = 0u32;
    for (si, (school, district, n)) in schools.iter().enumerate() {
        for j in 0..*n {
            k += 1;
            // Deterministic but irregular scores.
            let exam = ((k * 37 + j * 11) % 90) as f64 / 10.0 + 0.5;
            let noise = (((k * 53 + si as u32 * 7) % 21) as f64 - 10.0) / 10.0;
            let lift = if *school == "F" { 2.0 } else { 0.8 + 0.1 * si as f64 };
            let grade = (exam * 0.7 + 2.5 + lift + noise).clamp(0.0, 10.0);
            results.push_str(&format!("{k:06},Thí sinh {k},{exam:.2}\n"));
            transcripts.push_str(&format!("{k:06},THPT {school},{district},Hà Nội,Toán,{grade:.2}\n"));
        }
    }
    // A result without a transcript and a transcript in another subject.
    results.push_str("999999,Không học bạ,5.00\n");
    transcripts.push_str("000001,THPT A,Q1,Hà Nội,Văn,7.00\n");
    (results, transcripts)
}

struct Ref {
    n: usize,
    gap: f64,
    se: f64,
    r: f64,
    ci: [f64; 2],
    ss: f64,
}

fn reference(pairs: &[(f64, f64)]) -> Ref {
    let n = pairs.len() as f64;
    let (sx, sy) = (pairs.iter().map(|p| p.0).sum::<f64>(), pairs.iter().map(|p| p.1).sum::<f64>());
    let sxy: f64 = pairs.iter().map(|p| p.0 * p.1).sum();
    let sxx: f64 = pairs.iter().map(|p| p.0 * p.0).sum();
    let syy: f64 = pairs.iter().map(|p| p.1 * p.1).sum();
    let r = (n * sxy - sx * sy) / ((n * sxx - sx * sx) * (n * syy - sy * sy)).sqrt();
    let d: Vec<f64> = pairs.iter().map(|p| p.1 - p.0).collect();
    let gap = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|x| (x - gap) * (x - gap)).sum::<f64>() / (n - 1.0);
    let z = 0.5 * ((1.0 + r) / (1.0 - r)).ln();
    let h = 1.959963984540054 / (n - 3.0).sqrt();
    let back = |z: f64| ((2.0 * z).exp() - 1.0) / ((2.0 * z).exp() + 1.0);
    Ref { n: pairs.len(), gap, se: (var / n).sqrt(), r, ci: [back(z - h), back(z + h)], ss: var * (n - 1.0) }
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} ≠ {b}");
}

#[test]
fn every_statistic_matches_an_independent_computation() {
    let (results, transcripts) = fixture();
    let scores = read_results(results.as_bytes()).unwrap();
    let t = read_transcripts(transcripts.as_bytes()).unwrap();
    assert!(t.errors.is_empty());
    let opts = Options { subject: "Toán".into(), by: Level::School, min_r: Some(0.99) };
    let c = compare(&[ResultsFile { year: None, scores: scores.clone() }], &t.grades, &opts).unwrap();
    assert_eq!(c.unmatched.results, 1);
    assert_eq!(c.unmatched.transcripts, 0);
    assert_eq!(c.units.len(), 6);

    // Independent: pairs per school from the raw text.
    let score_of: std::collections::HashMap<&str, f64> =
        scores.iter().map(|s| (s.candidate.as_str(), s.score10)).collect();
    let mut by_school: std::collections::BTreeMap<String, Vec<(f64, f64)>> = Default::default();
    for line in transcripts.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[4] != "Toán" {
            continue;
        }
        by_school
            .entry(format!("{}, {}, {}", f[1], f[2], f[3]))
            .or_default()
            .push((score_of[f[0]], f[5].parse().unwrap()));
    }
    let all: Vec<(f64, f64)> = by_school.values().flatten().copied().collect();
    let nat = reference(&all);
    close(c.national.gap, nat.gap);
    close(c.national.gap_se.unwrap(), nat.se);
    assert_eq!(c.national.n, nat.n);

    let refs: Vec<(String, Ref)> = by_school.iter().map(|(k, v)| (k.clone(), reference(v))).collect();
    let big_n: usize = refs.iter().map(|r| r.1.n).sum();
    let sigma2 = refs.iter().map(|r| r.1.ss).sum::<f64>() / (big_n - refs.len()) as f64;
    // Winsorised z (10 % of 6 units = 0 each tail: no winsorising here), φ, τ².
    let s2: Vec<f64> = refs.iter().map(|r| sigma2 / r.1.n as f64).collect();
    let z: Vec<f64> = refs.iter().zip(&s2).map(|(r, s)| (r.1.gap - nat.gap) / s.sqrt()).collect();
    let i = refs.len() as f64;
    let phi = z.iter().map(|z| z * z).sum::<f64>() / i;
    let w: Vec<f64> = s2.iter().map(|s| 1.0 / s).collect();
    let (sw, sw2) = (w.iter().sum::<f64>(), w.iter().map(|w| w * w).sum::<f64>());
    let tau2 = ((i * phi - (i - 1.0)) / (sw - sw2 / sw)).max(0.0);
    assert!(tau2 > 0.0, "the fixture is over-dispersed");
    close(c.national.phi.unwrap(), phi);
    close(c.national.tau2.unwrap(), tau2);
    close(c.national.sigma.unwrap(), sigma2.sqrt());

    for (u, (name, r)) in c.units.iter().zip(&refs) {
        assert_eq!(&u.unit, name);
        assert_eq!(u.n, r.n);
        close(u.gap, r.gap);
        close(u.gap_se.unwrap(), r.se);
        close(u.r.unwrap(), r.r);
        close(u.r_ci.unwrap()[0], r.ci[0]);
        close(u.r_ci.unwrap()[1], r.ci[1]);
        let se = (sigma2 / r.n as f64 + tau2).sqrt();
        close(u.z.unwrap(), (r.gap - nat.gap) / se);
        close(u.limits_3se.unwrap()[1], nat.gap + 3.0 * se);
        close(u.limits_2se.unwrap()[0], nat.gap - 2.0 * se);
        assert_eq!(u.reasons.contains(&"r_below_min"), r.r < 0.99, "{name}: r = {}", r.r);
    }
}

#[test]
fn districts_group_schools_and_the_svg_is_accessible() {
    let (results, transcripts) = fixture();
    let scores = read_results(results.as_bytes()).unwrap();
    let t = read_transcripts(transcripts.as_bytes()).unwrap();
    let opts = Options { subject: "toán".into(), by: Level::District, min_r: None };
    let c = compare(&[ResultsFile { year: None, scores }], &t.grades, &opts).unwrap();
    let names: Vec<&str> = c.units.iter().map(|u| u.unit.as_str()).collect();
    assert_eq!(names, vec!["Q1, Hà Nội", "Q2, Hà Nội"]);
    assert_eq!(c.units[0].n, 44);
    let svg = khaothi_compare::funnel_svg(&c);
    assert!(svg.contains("<title id=\"funnel-title\">") && svg.contains("<desc id=\"funnel-desc\">"));
    assert!(svg.contains("Chênh lệch: điểm học bạ − điểm thi") && svg.contains("Số thí sinh ghép được"));
    assert!(svg.contains("Giới hạn kiểm soát 3 SE"));
    assert!(!svg.to_lowercase().contains("inflat") && !svg.contains("nâng điểm"));
    let json = serde_json::to_value(&c).unwrap();
    for key in ["n", "exam_mean", "transcript_mean", "gap", "gap_se", "tau2"] {
        assert!(json["national"].get(key).is_some(), "national.{key}");
    }
    for key in ["unit", "n", "exam_mean", "transcript_mean", "gap", "gap_se", "r", "r_ci", "z", "flag"] {
        assert!(json["units"][0].get(key).is_some(), "units[].{key}");
    }
}

#[test]
fn several_years_give_a_trend_and_mismatched_years_are_refused() {
    let results_a = "number,score10\n01,5.0\n02,6.0\n03,7.0\n04,4.0\n";
    let results_b = "number,score10\n01,5.5\n02,6.5\n03,6.0\n04,4.5\n";
    let transcripts = "candidate,school,district,province,subject,grade,year\n\
        01,X,Q,P,Toán,7,2025\n02,X,Q,P,Toán,7.5,2025\n03,Y,Q,P,Toán,8,2025\n04,Y,Q,P,Toán,6,2025\n\
        01,X,Q,P,Toán,8,2026\n02,X,Q,P,Toán,8.5,2026\n03,Y,Q,P,Toán,7,2026\n04,Y,Q,P,Toán,6,2026\n";
    let t = read_transcripts(transcripts.as_bytes()).unwrap();
    let files = vec![
        ResultsFile { year: Some(2025), scores: read_results(results_a.as_bytes()).unwrap() },
        ResultsFile { year: Some(2026), scores: read_results(results_b.as_bytes()).unwrap() },
    ];
    let opts = Options { subject: "Toán".into(), by: Level::School, min_r: None };
    let c = compare(&files, &t.grades, &opts).unwrap();
    assert_eq!(c.year, Some(2026));
    assert_eq!(c.years.len(), 2);
    let x = &c.units[0];
    assert_eq!(x.trend.len(), 2);
    close(x.trend[0].gap, ((7.0 - 5.0) + (7.5 - 6.0)) / 2.0);
    close(x.trend[1].gap, ((8.0 - 5.5) + (8.5 - 6.5)) / 2.0);
    // One results file without a year against transcripts of two years: refused with the fix.
    let err = compare(
        &files[1..].iter().map(|f| ResultsFile { year: None, ..f.clone() }).collect::<Vec<_>>(),
        &t.grades,
        &opts,
    )
    .unwrap_err();
    assert!(err.to_string().contains("--results 2026="), "{err}");
    // A subject nobody has.
    let none = Options { subject: "Hoá".into(), ..opts };
    assert!(compare(&files, &t.grades, &none).unwrap_err().to_string().contains("Hoá"));
}
