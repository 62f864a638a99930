//! An item as a template writes it, before it gets an id, a review status and IRT parameters, and
//! the small builders templates share: option sets from typical mistakes, true/false statements
//! with a plausible false variant, THPT short-answer keys, and Vietnamese number formatting.

use khaothi_domain::Level;
use rand::Rng as _;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// The one random source of every generator: ChaCha8, so a seed means the same bank everywhere.
pub type Rng = ChaCha8Rng;

/// What a candidate answers, with its key.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Four distinct options and the index of the key.
    Choice { options: Vec<String>, key: usize },
    /// Four statements with their own level and truth.
    TrueFalse { statements: Vec<(String, Level)>, keys: Vec<bool> },
    /// Accepted answers (the first is the canonical one), each fitting the THPT box.
    Short { accepted: Vec<String> },
}

/// An independent recomputation of a numeric key (see `verify.rs`); `value` is what the template
/// computed and put in the key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyCheck {
    pub value: f64,
    pub how: Check,
    /// Whether `value` is the key itself (otherwise an intermediate quantity the key rests on).
    pub is_key: bool,
}

/// The inputs of a key, enough for a test to recompute it by another method (numerical
/// differentiation and integration, direct formulas, a molar mass table checked against known
/// values).
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// `p'(x)` of the polynomial with coefficients by ascending power.
    PolyDerivative { coeffs: Vec<f64>, x: f64 },
    /// `∫_a^b p(x) dx`.
    PolyIntegral { coeffs: Vec<f64>, a: f64, b: f64 },
    /// `∫_a^b |f(x) − g(x)| dx`.
    AreaBetween { f: Vec<f64>, g: Vec<f64>, a: f64, b: f64 },
    /// Largest value of the polynomial on `[a, b]`.
    PolyMax { coeffs: Vec<f64>, a: f64, b: f64 },
    /// Smallest value of the polynomial on `[a, b]`.
    PolyMin { coeffs: Vec<f64>, a: f64, b: f64 },
    /// `|PQ|` in space.
    Distance { p: [f64; 3], q: [f64; 3] },
    /// Distance from `p` to the plane `ax + by + cz + d = 0`.
    PointPlane { p: [f64; 3], plane: [f64; 4] },
    /// Amount of ideal gas `n = pV/(RT)` (SI units).
    GasMoles { p: f64, v: f64, t: f64 },
    /// Fraction of nuclei left after time `t` with half-life `half_life`.
    DecayLeft { t: f64, half_life: f64 },
    /// Molar mass of a formula (g/mol).
    MolarMass { formula: String },
    /// Mass (g) of product from `mass_in` grams of a reactant: `mass_in / m_in * ratio * m_out`.
    Stoichiometry { mass_in: f64, formula_in: String, ratio: f64, formula_out: String },
}

/// One item written by a template.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub topic: &'static str,
    pub level: Level,
    pub stem: String,
    pub body: Body,
    pub check: Option<KeyCheck>,
}

impl Draft {
    pub fn new(topic: &'static str, level: Level, stem: impl Into<String>, body: Body) -> Self {
        Self { topic, level, stem: stem.into(), body, check: None }
    }

    /// Records how to recompute the key.
    pub fn checked(mut self, value: f64, how: Check) -> Self {
        self.check = Some(KeyCheck { value, how, is_key: true });
        self
    }

    /// Records how to recompute a quantity the key is derived from.
    pub fn checked_aux(mut self, value: f64, how: Check) -> Self {
        self.check = Some(KeyCheck { value, how, is_key: false });
        self
    }
}

/// A shared setting (stimulus) and the items delivered with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub title: String,
    pub text: String,
    pub drafts: Vec<Draft>,
}

/// Texts compared for distinctness: spacing and `{,}` vs `,` do not make options different.
pub fn option_key(s: &str) -> String {
    s.replace("{,}", ",").chars().filter(|c| !c.is_whitespace()).collect()
}

/// A single-choice body: the key plus the first three distractors that differ from it and from
/// each other, in random order. `None` when the mistakes do not give three distinct distractors
/// (the template then draws new parameters).
pub fn choice(rng: &mut Rng, correct: String, distractors: impl IntoIterator<Item = String>) -> Option<Body> {
    let mut seen = vec![option_key(&correct)];
    let mut wrong = Vec::with_capacity(3);
    for d in distractors {
        let k = option_key(&d);
        if !seen.contains(&k) {
            seen.push(k);
            wrong.push(d);
            if wrong.len() == 3 {
                break;
            }
        }
    }
    if wrong.len() < 3 {
        return None;
    }
    wrong.shuffle(rng);
    let key = rng.random_range(0..4);
    let mut options = wrong;
    options.insert(key, correct);
    Some(Body::Choice { options, key })
}

/// As [`choice`] for options that are numbers shown in math mode.
pub fn choice_num(rng: &mut Rng, correct: f64, distractors: &[f64], decimals: usize) -> Option<Body> {
    let f = |x: f64| format!("${}$", num(x, decimals));
    choice(rng, f(correct), distractors.iter().map(|&x| f(x)))
}

/// One statement of a true/false group: its true and (when there is one) false wording.
pub struct Stmt {
    pub level: Level,
    pub yes: String,
    pub no: Option<String>,
}

pub fn stmt(level: Level, yes: impl Into<String>, no: impl Into<String>) -> Stmt {
    Stmt { level, yes: yes.into(), no: Some(no.into()) }
}

/// A true/false group body: each statement shown true or false at random, redrawn until the group
/// holds both kinds (a group of four true statements teaches guessing, not physics).
pub fn true_false(rng: &mut Rng, stmts: [Stmt; 4]) -> Body {
    let can_be_false: Vec<bool> = stmts.iter().map(|s| s.no.is_some()).collect();
    let mut keys;
    loop {
        keys = can_be_false.iter().map(|&f| !f || rng.random_bool(0.5)).collect::<Vec<bool>>();
        let trues = keys.iter().filter(|k| **k).count();
        if (1..=3).contains(&trues) || !can_be_false.iter().any(|f| *f) {
            break;
        }
    }
    let statements = stmts
        .into_iter()
        .zip(&keys)
        .map(|(s, &k)| (if k { s.yes } else { s.no.unwrap_or(s.yes) }, s.level))
        .collect();
    Body::TrueFalse { statements, keys }
}

/// The rounding instruction for `decimals` places, as written in THPT stems.
pub fn round_phrase(decimals: usize) -> &'static str {
    match decimals {
        0 => "(làm tròn kết quả đến hàng đơn vị)",
        1 => "(làm tròn kết quả đến hàng phần mười)",
        _ => "(làm tròn kết quả đến hàng phần trăm)",
    }
}

/// A short-answer body for `x` rounded to `decimals` places: the fixed-decimals form and the
/// form without trailing zeros are both accepted, as long as each fits the 4-character box.
/// `None` when even the shortest form does not fit.
pub fn short(x: f64, decimals: usize) -> Option<Body> {
    let fixed = fixed(x, decimals);
    let trimmed = trim(&fixed);
    let mut accepted = Vec::new();
    for s in [fixed, trimmed] {
        if khaothi_domain::item::check_short_answer_key(&s).is_ok() && !accepted.contains(&s) {
            accepted.push(s);
        }
    }
    if accepted.is_empty() { None } else { Some(Body::Short { accepted }) }
}

/// A short-answer body for an exact value that needs no rounding (an integer or a short decimal).
pub fn short_exact(x: f64) -> Option<Body> {
    let r = (x * 100.0).round() / 100.0;
    if (r - x).abs() > 1e-9 {
        return None;
    }
    let s = trim(&fixed(x, 2));
    khaothi_domain::item::check_short_answer_key(&s).ok()?;
    Some(Body::Short { accepted: vec![s] })
}

/// `x` with exactly `decimals` places and a decimal comma; never `-0`.
pub fn fixed(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x);
    let s = if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    };
    s.replace('.', ",")
}

fn trim(s: &str) -> String {
    if s.contains(',') { s.trim_end_matches('0').trim_end_matches(',').to_string() } else { s.to_string() }
}

/// `x` rounded to at most `decimals` places, trailing zeros dropped, decimal comma: for text.
pub fn dec(x: f64, decimals: usize) -> String {
    trim(&fixed(x, decimals))
}

/// As [`dec`] for math mode: the comma is braced (`2{,}5`) so TeX does not space it as
/// punctuation.
pub fn num(x: f64, decimals: usize) -> String {
    dec(x, decimals).replace(',', "{,}")
}

/// An integer shown with a sign before it for sums: `+ 3`, `- 3`.
pub fn signed(x: i64) -> String {
    if x < 0 { format!("- {}", -x) } else { format!("+ {x}") }
}

/// Chemical formula to math mode: `CH3COOC2H5` → `$\mathrm{CH_3COOC_2H_5}$`.
pub fn chem(formula: &str) -> String {
    let mut out = String::from("$\\mathrm{");
    let mut chars = formula.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut digits = c.to_string();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(*d);
                chars.next();
            }
            out.push_str(&format!("_{{{digits}}}"));
        } else if c == '=' {
            out.push('=');
        } else {
            out.push(c);
        }
    }
    out.push_str("}$");
    out
}

/// Draws one of `xs`.
pub fn pick<T: Clone>(rng: &mut Rng, xs: &[T]) -> T {
    xs[rng.random_range(0..xs.len())].clone()
}

/// A random integer in `lo..=hi` other than zero.
pub fn nonzero(rng: &mut Rng, lo: i64, hi: i64) -> i64 {
    loop {
        let x = rng.random_range(lo..=hi);
        if x != 0 {
            return x;
        }
    }
}

/// Exact rational arithmetic for mathematics keys (antiderivatives, integrals, probabilities).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Q {
    pub n: i64,
    pub d: i64,
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.abs().max(1) } else { gcd(b, a % b) }
}

impl Q {
    pub fn new(n: i64, d: i64) -> Self {
        assert!(d != 0, "zero denominator");
        let g = gcd(n, d);
        let s = if d < 0 { -1 } else { 1 };
        Q { n: s * n / g, d: s * d / g }
    }
    pub fn int(n: i64) -> Self {
        Q { n, d: 1 }
    }
    pub fn f(self) -> f64 {
        self.n as f64 / self.d as f64
    }
    pub fn is_int(self) -> bool {
        self.d == 1
    }
    pub fn plus(self, o: Q) -> Q {
        Q::new(self.n * o.d + o.n * self.d, self.d * o.d)
    }
    pub fn minus(self, o: Q) -> Q {
        self.plus(Q::new(-o.n, o.d))
    }
    pub fn times(self, o: Q) -> Q {
        Q::new(self.n * o.n, self.d * o.d)
    }
    pub fn over(self, o: Q) -> Q {
        Q::new(self.n * o.d, self.d * o.n)
    }
    /// TeX: `3`, `-\dfrac{3}{2}`.
    pub fn tex(self) -> String {
        if self.d == 1 {
            self.n.to_string()
        } else if self.n < 0 {
            format!("-\\dfrac{{{}}}{{{}}}", -self.n, self.d)
        } else {
            format!("\\dfrac{{{}}}{{{}}}", self.n, self.d)
        }
    }
}

/// A polynomial in `var` from coefficients by ascending power, highest power first: `x^3-3x+1`.
pub fn poly_tex(coeffs: &[Q], var: &str) -> String {
    let mut out = String::new();
    for (p, c) in coeffs.iter().enumerate().rev() {
        if c.n == 0 {
            continue;
        }
        let neg = c.n < 0;
        let abs = Q::new(c.n.abs(), c.d);
        if out.is_empty() {
            if neg {
                out.push('-');
            }
        } else {
            out.push_str(if neg { " - " } else { " + " });
        }
        let coef = if abs == Q::int(1) && p > 0 { String::new() } else { abs.tex() };
        out.push_str(&coef);
        match p {
            0 => {}
            1 => out.push_str(var),
            _ => out.push_str(&format!("{var}^{{{p}}}")),
        }
    }
    if out.is_empty() { "0".into() } else { out }
}

/// Integer coefficients as rationals.
pub fn qs(c: &[i64]) -> Vec<Q> {
    c.iter().map(|&x| Q::int(x)).collect()
}

/// Value of an integer polynomial (ascending powers) at an integer point.
pub fn peval(c: &[i64], x: i64) -> i64 {
    c.iter().rev().fold(0, |acc, &k| acc * x + k)
}

/// Value of a rational polynomial at a rational point.
pub fn qeval(c: &[Q], x: Q) -> Q {
    c.iter().rev().fold(Q::int(0), |acc, &k| acc.times(x).plus(k))
}

pub fn as_f64(c: &[i64]) -> Vec<f64> {
    c.iter().map(|&x| x as f64).collect()
}

/// Vietnamese interval notation in math mode: `(-\infty;2)`, `[1;3]`.
pub fn interval(lo: Option<i64>, hi: Option<i64>, closed: bool) -> String {
    let l = lo.map_or("-\\infty".to_string(), |x| x.to_string());
    let h = hi.map_or("+\\infty".to_string(), |x| x.to_string());
    let (a, b) = if closed { ("[", "]") } else { ("(", ")") };
    format!("${a}{l};{h}{b}$")
}

/// A point or vector in Oxyz: `(1;-2;3)`.
pub fn triple(v: [i64; 3]) -> String {
    format!("({};{};{})", v[0], v[1], v[2])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn choices_are_distinct_and_keyed() {
        let mut rng = Rng::seed_from_u64(1);
        for _ in 0..50 {
            let b = choice(&mut rng, "$2$".into(), ["$2$", "$3$", "$3$", "$4$", "$5$"].map(String::from))
                .unwrap();
            let Body::Choice { options, key } = b else { unreachable!() };
            assert_eq!(options[key], "$2$");
            let mut o = options.clone();
            o.sort();
            o.dedup();
            assert_eq!(o.len(), 4);
        }
        assert!(choice(&mut rng, "1".into(), ["1", "2", "2"].map(String::from)).is_none());
    }

    #[test]
    fn short_answers_fit_the_box() {
        assert_eq!(short(2.5, 2), Some(Body::Short { accepted: vec!["2,50".into(), "2,5".into()] }));
        assert_eq!(short(12.46, 2), None);
        assert_eq!(short(12.46, 1), Some(Body::Short { accepted: vec!["12,5".into()] }));
        assert_eq!(short(-0.001, 1), Some(Body::Short { accepted: vec!["0,0".into(), "0".into()] }));
        assert_eq!(short_exact(3.0), Some(Body::Short { accepted: vec!["3".into()] }));
        assert_eq!(short_exact(1.0 / 3.0), None);
        assert_eq!(short_exact(10000.0), None);
    }

    #[test]
    fn numbers_and_polynomials_read_as_a_teacher_writes_them() {
        assert_eq!(num(2.5, 2), "2{,}5");
        assert_eq!(dec(-3.0, 1), "-3");
        assert_eq!(poly_tex(&qs(&[1, -3, 0, 1]), "x"), "x^{3} - 3x + 1");
        assert_eq!(
            poly_tex(&[Q::new(1, 2), Q::int(0), Q::new(-1, 3)], "x"),
            "-\\dfrac{1}{3}x^{2} + \\dfrac{1}{2}"
        );
        assert_eq!(chem("CH3COOC2H5"), "$\\mathrm{CH_{3}COOC_{2}H_{5}}$");
        assert_eq!(Q::new(6, -4), Q { n: -3, d: 2 });
        assert_eq!(peval(&[1, -3, 0, 1], 2), 3);
    }
}
