//! Toán 12.2: nguyên hàm, tích phân, ứng dụng hình học và chuyển động. Integrals of polynomials
//! are exact rationals.

use khaothi_domain::Level::{Biet, Hieu, VanDung};
use rand::Rng as _;

use crate::draft::{
    Check, Draft, Q, Rng, as_f64, choice, nonzero, pick, poly_tex, qeval, qs, round_phrase, short_exact,
};
use crate::toan::dao_ham::short_rounded;

/// The antiderivative (constant 0) of a polynomial given by ascending integer coefficients.
pub fn antiderivative(c: &[i64]) -> Vec<Q> {
    let mut out = vec![Q::int(0)];
    out.extend(c.iter().enumerate().map(|(p, &k)| Q::new(k, p as i64 + 1)));
    out
}

/// `∫_a^b p(x) dx` exactly.
pub fn integral(c: &[i64], a: i64, b: i64) -> Q {
    let f = antiderivative(c);
    qeval(&f, Q::int(b)).minus(qeval(&f, Q::int(a)))
}

fn quadratic(rng: &mut Rng) -> Vec<i64> {
    vec![rng.random_range(-5..=5), rng.random_range(-6..=6), nonzero(rng, -4, 4) * pick(rng, &[1, 3])]
}

pub fn nguyen_ham_da_thuc(rng: &mut Rng) -> Option<Draft> {
    let c = quadratic(rng);
    let f = poly_tex(&qs(&c), "x");
    let with_c = |p: String| format!("$F(x) = {p} + C$");
    let correct = with_c(poly_tex(&antiderivative(&c), "x"));
    let derivative = with_c(poly_tex(&qs(&[c[1], 2 * c[2]]), "x"));
    let no_divide = with_c(poly_tex(&qs(&[0, c[0], c[1], c[2]]), "x"));
    let half = with_c(poly_tex(&[Q::int(0), Q::int(c[0]), Q::new(c[1], 2), Q::new(c[2], 2)], "x"));
    let body = choice(rng, correct, [derivative, no_divide, half])?;
    let stem = format!("Họ tất cả các nguyên hàm của hàm số $f(x) = {f}$ là");
    Some(Draft::new("12.2.1", Biet, stem, body))
}

pub fn nguyen_ham_co_ban(rng: &mut Rng) -> Option<Draft> {
    let k: i64 = rng.random_range(2..=7);
    let inv = Q::new(1, k).tex();
    let c = |s: String| format!("${s} + C$");
    let (f, correct, wrong) = match rng.random_range(0..5) {
        0 => (
            format!("e^{{{k}x}}"),
            c(format!("{inv}e^{{{k}x}}")),
            vec![
                c(format!("{k}e^{{{k}x}}")),
                c(format!("e^{{{k}x}}")),
                c(format!("\\dfrac{{1}}{{{}}}e^{{{k}x + 1}}", k + 1)),
            ],
        ),
        1 => (
            format!("\\cos {k}x"),
            c(format!("{inv}\\sin {k}x")),
            vec![c(format!("-{inv}\\sin {k}x")), c(format!("{k}\\sin {k}x")), c(format!("-{k}\\sin {k}x"))],
        ),
        2 => (
            format!("\\sin {k}x"),
            c(format!("-{inv}\\cos {k}x")),
            vec![c(format!("{inv}\\cos {k}x")), c(format!("{k}\\cos {k}x")), c(format!("-{k}\\cos {k}x"))],
        ),
        3 => {
            let a = pick(rng, &[2, 3, 5]);
            (
                format!("{a}^x"),
                c(format!("\\dfrac{{{a}^x}}{{\\ln {a}}}")),
                vec![
                    c(format!("{a}^x\\ln {a}")),
                    c(format!("\\dfrac{{{a}^{{x+1}}}}{{x+1}}")),
                    c(format!("{a}^x")),
                ],
            )
        }
        _ => {
            let a = nonzero(rng, -6, 6);
            let lin = poly_tex(&qs(&[a, 1]), "x");
            (
                format!("\\dfrac{{1}}{{{lin}}}"),
                c(format!("\\ln\\left|{lin}\\right|")),
                vec![
                    c(format!("-\\dfrac{{1}}{{({lin})^2}}")),
                    c(format!("\\dfrac{{1}}{{({lin})^2}}")),
                    c(format!("-\\ln\\left|{lin}\\right|")),
                ],
            )
        }
    };
    let stem = format!("Họ tất cả các nguyên hàm của hàm số $f(x) = {f}$ là");
    Some(Draft::new("12.2.1", Biet, stem, choice(rng, correct, wrong)?))
}

pub fn nguyen_ham_dieu_kien(rng: &mut Rng) -> Option<Draft> {
    // F'(x) = a x + b, F(0) = c ⇒ F(x) = a/2 x² + b x + c.
    let a = 2 * nonzero(rng, -3, 3);
    let b = rng.random_range(-5..=5);
    let c0 = rng.random_range(-5..=5);
    let x1 = nonzero(rng, -3, 3);
    let v = a / 2 * x1 * x1 + b * x1 + c0;
    let f = poly_tex(&qs(&[b, a]), "x");
    let stem =
        format!("Biết $F(x)$ là một nguyên hàm của hàm số $f(x) = {f}$ và $F(0) = {c0}$. Tính $F({x1})$.");
    let check = Check::PolyIntegral { coeffs: vec![b as f64, a as f64], a: 0.0, b: x1 as f64 };
    Some(Draft::new("12.2.1", Hieu, stem, short_exact(v as f64)?).checked_aux((v - c0) as f64, check))
}

pub fn tinh_chat_tich_phan(rng: &mut Rng) -> Option<Draft> {
    let (a, b) = (rng.random_range(-2..=1), rng.random_range(2..=5));
    let p = nonzero(rng, -6, 8);
    let q = nonzero(rng, -6, 8);
    let m = rng.random_range(2..=4);
    let n = rng.random_range(1..=3);
    let v = m * p - n * q;
    let ng = if n == 1 { String::new() } else { n.to_string() };
    let stem = format!(
        "Cho $\\displaystyle\\int_{{{a}}}^{{{b}}} f(x)\\,dx = {p}$ và $\\displaystyle\\int_{{{a}}}^{{{b}}} g(x)\\,dx = {q}$. \
         Giá trị của $\\displaystyle\\int_{{{a}}}^{{{b}}} \\left[{m}f(x) - {ng}g(x)\\right]dx$ bằng"
    );
    let wrong = [m * p + n * q, p - q, m * p - q, m * (p - q) * n];
    let body = crate::draft::choice_num(rng, v as f64, &wrong.map(|x| x as f64), 0)?;
    Some(Draft::new("12.2.2", Biet, stem, body))
}

pub fn chen_can(rng: &mut Rng) -> Option<Draft> {
    let a = rng.random_range(-3..=0);
    let b = rng.random_range(a + 1..=a + 3);
    let c = rng.random_range(b + 1..=b + 3);
    let p = nonzero(rng, -5, 9);
    let q = nonzero(rng, -5, 9);
    let stem = format!(
        "Cho hàm số $f(x)$ liên tục trên $\\mathbb{{R}}$, $\\displaystyle\\int_{{{a}}}^{{{b}}} f(x)\\,dx = {p}$ và \
         $\\displaystyle\\int_{{{b}}}^{{{c}}} f(x)\\,dx = {q}$. Tính $\\displaystyle\\int_{{{a}}}^{{{c}}} f(x)\\,dx$."
    );
    let body = crate::draft::choice_num(
        rng,
        (p + q) as f64,
        &[(p - q) as f64, (q - p) as f64, (p * q) as f64, (p + q + 1) as f64],
        0,
    )?;
    Some(Draft::new("12.2.2", Biet, stem, body))
}

fn bounds(rng: &mut Rng) -> (i64, i64) {
    let a = rng.random_range(-2..=1);
    (a, rng.random_range(a + 1..=3))
}

pub fn tich_phan_da_thuc(rng: &mut Rng) -> Option<Draft> {
    let c = quadratic(rng);
    let (a, b) = bounds(rng);
    let v = integral(&c, a, b);
    let f = poly_tex(&qs(&c), "x");
    let check = Check::PolyIntegral { coeffs: as_f64(&c), a: a as f64, b: b as f64 };
    let (body, phrase) = match short_exact(v.f()) {
        Some(body) => (body, String::new()),
        None => {
            let (body, d) = short_rounded(v.f())?;
            (body, format!(" {}", round_phrase(d)))
        }
    };
    let stem = format!("Tính tích phân $\\displaystyle\\int_{{{a}}}^{{{b}}} \\left({f}\\right)dx${phrase}.");
    Some(Draft::new("12.2.2", Hieu, stem, body).checked(v.f(), check))
}

pub fn tich_phan_trac_nghiem(rng: &mut Rng) -> Option<Draft> {
    let c = quadratic(rng);
    let (a, b) = bounds(rng);
    let v = integral(&c, a, b);
    let f = antiderivative(&c);
    let only_upper = qeval(&f, Q::int(b));
    // Mistake: differentiating instead of integrating, f'(b) − f'(a).
    let der = [c[1], 2 * c[2]];
    let diff = Q::int(crate::draft::peval(&der, b) - crate::draft::peval(&der, a));
    let t = |q: Q| format!("${}$", q.tex());
    let body = choice(rng, t(v), [t(Q::new(-v.n, v.d)), t(only_upper), t(diff), t(v.plus(Q::int(1)))])?;
    let stem = format!(
        "Giá trị của $\\displaystyle\\int_{{{a}}}^{{{b}}} \\left({}\\right)dx$ bằng",
        poly_tex(&qs(&c), "x")
    );
    let check = Check::PolyIntegral { coeffs: as_f64(&c), a: a as f64, b: b as f64 };
    Some(Draft::new("12.2.2", Hieu, stem, body).checked(v.f(), check))
}

pub fn dien_tich_parabol(rng: &mut Rng) -> Option<Draft> {
    // y = x² + s x + t and y = m x + n meet at p < q; the area between them is (q − p)³/6.
    let p: i64 = rng.random_range(-3..=1);
    let q: i64 = rng.random_range(p + 1..=p + 5);
    let m = rng.random_range(-3..=3);
    let n = rng.random_range(-4..=4);
    let (s, t) = (m - (p + q), n + p * q);
    let area = Q::new((q - p).pow(3), 6);
    let parab = poly_tex(&qs(&[t, s, 1]), "x");
    let line = poly_tex(&qs(&[n, m]), "x");
    let (body, phrase) = match short_exact(area.f()) {
        Some(b) => (b, String::new()),
        None => {
            let (b, d) = short_rounded(area.f())?;
            (b, format!(" {}", round_phrase(d)))
        }
    };
    let stem = format!(
        "Tính diện tích hình phẳng giới hạn bởi parabol $y = {parab}$ và đường thẳng $y = {line}${phrase}."
    );
    let check = Check::AreaBetween {
        f: vec![t as f64, s as f64, 1.0],
        g: vec![n as f64, m as f64],
        a: p as f64,
        b: q as f64,
    };
    Some(Draft::new("12.2.3", VanDung, stem, body).checked(area.f(), check))
}

pub fn the_tich_non(rng: &mut Rng) -> Option<Draft> {
    // y = kx on [0, a] around Ox: a cone, V = π k² a³ / 3.
    let k = rng.random_range(1..=3);
    let a = rng.random_range(1..=4);
    let pi = |q: Q| {
        if q.is_int() { format!("${}\\pi$", q.n) } else { format!("$\\dfrac{{{}\\pi}}{{{}}}$", q.n, q.d) }
    };
    let v = Q::new(k * k * a * a * a, 3);
    let no_square = Q::new(k * a * a, 2);
    let plain = |q: Q| format!("${}$", q.tex());
    let body = choice(
        rng,
        pi(v),
        [pi(no_square), plain(v), pi(Q::int(k * k * a * a * a)), pi(Q::new(k * k * a * a, 2))],
    )?;
    let kx = if k == 1 { "x".to_string() } else { format!("{k}x") };
    let stem = format!(
        "Cho hình phẳng giới hạn bởi đường thẳng $y = {kx}$, trục hoành và đường thẳng $x = {a}$. Thể tích khối tròn \
         xoay tạo thành khi quay hình phẳng đó quanh trục $Ox$ bằng"
    );
    Some(Draft::new("12.2.3", Hieu, stem, body))
}

pub fn cong_thuc_dien_tich(rng: &mut Rng) -> Option<Draft> {
    let (f, g) = pick(rng, &[("f(x)", "g(x)"), ("f_1(x)", "f_2(x)")]);
    let (a, b) = pick(rng, &[("a", "b"), ("1", "3"), ("0", "2")]);
    let int = |body: &str| format!("$S = \\displaystyle\\int_{{{a}}}^{{{b}}} {body}\\,dx$");
    let area = rng.random_bool(0.6);
    let (stem, correct, wrong) = if area {
        (
            format!(
                "Cho hai hàm số ${f}$ và ${g}$ liên tục trên đoạn $[{a};{b}]$. Diện tích $S$ của hình phẳng giới hạn \
                 bởi đồ thị hai hàm số đó và hai đường thẳng $x = {a}$, $x = {b}$ được tính theo công thức"
            ),
            int(&format!("\\left|{f} - {g}\\right|")),
            vec![
                int(&format!("\\left[{f} - {g}\\right]")),
                format!("$S = \\pi\\displaystyle\\int_{{{a}}}^{{{b}}} \\left|{f} - {g}\\right|dx$"),
                int(&format!("\\left[{f} - {g}\\right]^2")),
            ],
        )
    } else {
        (
            format!(
                "Cho hàm số ${f}$ liên tục trên đoạn $[{a};{b}]$. Thể tích $V$ của khối tròn xoay tạo thành khi quay \
                 hình phẳng giới hạn bởi đồ thị hàm số $y = {f}$, trục hoành và hai đường thẳng $x = {a}$, $x = {b}$ \
                 quanh trục $Ox$ là"
            ),
            format!("$V = \\pi\\displaystyle\\int_{{{a}}}^{{{b}}} \\left[{f}\\right]^2dx$"),
            vec![
                format!("$V = \\displaystyle\\int_{{{a}}}^{{{b}}} \\left[{f}\\right]^2dx$"),
                format!("$V = \\pi\\displaystyle\\int_{{{a}}}^{{{b}}} {f}\\,dx$"),
                format!("$V = \\pi^2\\displaystyle\\int_{{{a}}}^{{{b}}} \\left|{f}\\right|dx$"),
            ],
        )
    };
    Some(Draft::new("12.2.3", Biet, stem, choice(rng, correct, wrong)?))
}

pub fn quang_duong_tu_van_toc(rng: &mut Rng) -> Option<Draft> {
    // v(t) = 3t² + 2bt ⇒ s(T) = T³ + bT².
    let b = rng.random_range(0..=6);
    let big_t: i64 = rng.random_range(2..=10);
    let s = big_t.pow(3) + b * big_t * big_t;
    let v = poly_tex(&qs(&[0, 2 * b, 3]), "t");
    let stem = format!(
        "Một vật chuyển động với vận tốc $v(t) = {v}$ (m/s), trong đó $t$ (giây) là thời gian tính từ lúc bắt đầu \
         chuyển động. Tính quãng đường (mét) vật đi được trong ${big_t}$ giây đầu tiên."
    );
    let check = Check::PolyIntegral { coeffs: vec![0.0, 2.0 * b as f64, 3.0], a: 0.0, b: big_t as f64 };
    Some(Draft::new("12.2.4", VanDung, stem, short_exact(s as f64)?).checked(s as f64, check))
}

pub fn tich_phan_tf(rng: &mut Rng) -> Option<Draft> {
    let c = quadratic(rng);
    let (a, b) = bounds(rng);
    let v = integral(&c, a, b);
    let f = poly_tex(&qs(&c), "x");
    let big_f = antiderivative(&c);
    let wrong_f = poly_tex(&[Q::int(0), Q::int(c[0]), Q::int(c[1]), Q::int(c[2])], "x");
    let x1 = nonzero(rng, -2, 2);
    let fx1 = qeval(&big_f, Q::int(x1)).plus(Q::int(1));
    let body = crate::draft::true_false(
        rng,
        [
            crate::draft::stmt(
                Biet,
                format!("$F(x) = {}$ là một nguyên hàm của $f(x)$.", poly_tex(&big_f, "x")),
                format!("$F(x) = {wrong_f}$ là một nguyên hàm của $f(x)$."),
            ),
            crate::draft::stmt(
                Hieu,
                format!("Nguyên hàm $G(x)$ của $f(x)$ thỏa mãn $G(0) = 1$ có $G({x1}) = {}$.", fx1.tex()),
                format!(
                    "Nguyên hàm $G(x)$ của $f(x)$ thỏa mãn $G(0) = 1$ có $G({x1}) = {}$.",
                    fx1.minus(Q::int(1)).tex()
                ),
            ),
            crate::draft::stmt(
                Hieu,
                format!("$\\displaystyle\\int_{{{a}}}^{{{b}}} f(x)\\,dx = {}$.", v.tex()),
                format!(
                    "$\\displaystyle\\int_{{{a}}}^{{{b}}} f(x)\\,dx = {}$.",
                    Q::new(-v.n, v.d).plus(Q::int(if v.n == 0 { 1 } else { 0 })).tex()
                ),
            ),
            crate::draft::stmt(
                VanDung,
                format!(
                    "$\\displaystyle\\int_{{{a}}}^{{{b}}} \\left[2f(x) + 1\\right]dx = {}$.",
                    v.times(Q::int(2)).plus(Q::int(b - a)).tex()
                ),
                format!(
                    "$\\displaystyle\\int_{{{a}}}^{{{b}}} \\left[2f(x) + 1\\right]dx = {}$.",
                    v.times(Q::int(2)).plus(Q::int(1)).tex()
                ),
            ),
        ],
    );
    if b - a == 1 {
        return None; // the false variant of the last statement would be true
    }
    let stem = format!("Cho hàm số $f(x) = {f}$.");
    Some(Draft::new("12.2.2", Hieu, stem, body))
}

/// One polynomial: its antiderivative family and one integral of it.
pub fn tich_phan_pair(rng: &mut Rng) -> Option<[Draft; 2]> {
    let c = quadratic(rng);
    let (a, b) = bounds(rng);
    let v = integral(&c, a, b);
    let f = poly_tex(&qs(&c), "x");
    let with_c = |p: String| format!("${p} + C$");
    let first = Draft::new(
        "12.2.1",
        Biet,
        format!("Họ nguyên hàm của hàm số $f(x) = {f}$ là"),
        choice(
            rng,
            with_c(poly_tex(&antiderivative(&c), "x")),
            [
                with_c(poly_tex(&qs(&[c[1], 2 * c[2]]), "x")),
                with_c(poly_tex(&qs(&[0, c[0], c[1], c[2]]), "x")),
                with_c(poly_tex(&[Q::int(0), Q::int(c[0]), Q::new(c[1], 2), Q::int(c[2])], "x")),
            ],
        )?,
    );
    let second = Draft::new(
        "12.2.2",
        Hieu,
        format!("Tính $\\displaystyle\\int_{{{a}}}^{{{b}}} \\left({f}\\right)dx$."),
        short_exact(v.f())?,
    )
    .checked(v.f(), Check::PolyIntegral { coeffs: as_f64(&c), a: a as f64, b: b as f64 });
    Some([first, second])
}
