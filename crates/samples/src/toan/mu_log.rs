//! Toán 12.6 (mũ – lôgarit) and 12.7 (lượng giác), both revised from grade 11 in the THPT
//! exam, plus the stimulus groups on motion and on an optimisation setting.

use khaothi_domain::Level::{Biet, Hieu, VanDung};
use rand::Rng as _;

use crate::draft::{
    Check, Draft, Group, Q, Rng, choice, choice_num, interval, nonzero, num, pick, poly_tex, qs,
    round_phrase, short, short_exact, stmt, true_false,
};

pub fn log_bieu_thuc(rng: &mut Rng) -> Option<Draft> {
    let p = rng.random_range(1..=4);
    let q = rng.random_range(1..=4);
    if p == q {
        return None;
    }
    let quotient = rng.random_bool(0.4);
    let op = if quotient { "-" } else { "+" };
    let lin = |x: i64, y: i64, op: &str| {
        let c = |k: i64, v: &str| if k == 1 { v.to_string() } else { format!("{k}{v}") };
        format!("${} {op} {}$", c(x, "m"), c(y, "n"))
    };
    let other = if quotient { "+" } else { "-" };
    let pq = p * q;
    let body = choice(rng, lin(p, q, op), [lin(q, p, op), lin(p, q, other), format!("${pq}mn$")])?;
    let inner =
        if quotient { format!("\\dfrac{{b^{{{p}}}}}{{c^{{{q}}}}}") } else { format!("b^{{{p}}}c^{{{q}}}") };
    let stem = format!(
        "Cho $a, b, c$ là các số thực dương, $a \\ne 1$, $\\log_a b = m$ và $\\log_a c = n$. Khi đó $\\log_a\\left({inner}\\right)$ bằng"
    );
    Some(Draft::new("12.6.1", Hieu, stem, body))
}

pub fn tinh_log(rng: &mut Rng) -> Option<Draft> {
    let b1 = pick(rng, &[2, 3, 5]);
    let b2 = pick(rng, &[2, 3, 5, 10]);
    let e1 = rng.random_range(1..=5);
    let e2 = rng.random_range(1..=3);
    let arg1 = (b1 as i64).pow(e1);
    let arg2 = (b2 as i64).pow(e2);
    let v = e1 as f64 - e2 as f64;
    let stem = format!(
        "Giá trị của biểu thức $P = \\log_{{{b1}}} {arg1} + \\log_{{{b2}}} \\dfrac{{1}}{{{arg2}}}$ bằng"
    );
    let body = choice_num(
        rng,
        v,
        &[(e1 + e2) as f64, -v, (arg1 as f64 / b1 as f64) - e2 as f64, (e1 * e2) as f64],
        0,
    )?;
    Some(Draft::new("12.6.1", Biet, stem, body))
}

pub fn phuong_trinh_mu(rng: &mut Rng) -> Option<Draft> {
    // b^{px + q} = b^r ⇒ x = (r − q)/p.
    let b = pick(rng, &[2, 3, 5]);
    let p = nonzero(rng, -3, 3);
    let x = rng.random_range(-3..=4);
    let q = rng.random_range(-4..=4);
    let r = p * x + q;
    if !(0..=7).contains(&r) || (b as i64).pow(r as u32) > 3125 {
        return None;
    }
    let rhs = (b as i64).pow(r as u32);
    let exp = poly_tex(&qs(&[q, p]), "x");
    let t = |v: Q| format!("$x = {}$", v.tex());
    let wrong = [Q::new(r + q, p), Q::new(rhs - q, p), Q::new(r, p), Q::int(x + 1)];
    let body = choice(rng, t(Q::int(x)), wrong.into_iter().map(t))?;
    let stem = format!("Nghiệm của phương trình ${b}^{{{exp}}} = {rhs}$ là");
    Some(Draft::new("12.6.2", Hieu, stem, body))
}

pub fn bat_phuong_trinh_log(rng: &mut Rng) -> Option<Draft> {
    let a = rng.random_range(-4..=4);
    let k = rng.random_range(1..=4);
    let base: i64 = pick(rng, &[2, 3]);
    let hi = a + base.pow(k as u32);
    let lin = poly_tex(&qs(&[-a, 1]), "x");
    let less = rng.random_bool(0.6);
    let (correct, wrong) = if less {
        (
            interval(Some(a), Some(hi), false),
            vec![
                interval(None, Some(hi), false),
                interval(Some(hi), None, false),
                interval(Some(a), Some(a + base * k), false),
                interval(Some(a), Some(a + k), false),
            ],
        )
    } else {
        (
            interval(Some(hi), None, false),
            vec![
                interval(Some(a), Some(hi), false),
                interval(None, Some(hi), false),
                interval(Some(a + base * k), None, false),
                interval(Some(a), None, false),
            ],
        )
    };
    let sign = if less { "<" } else { ">" };
    let stem = format!("Tập nghiệm của bất phương trình $\\log_{{{base}}}({lin}) {sign} {k}$ là");
    Some(Draft::new("12.6.2", Hieu, stem, choice(rng, correct, wrong)?))
}

pub fn lai_kep(rng: &mut Rng) -> Option<Draft> {
    let principal = pick(rng, &[50, 100, 200, 300, 500]);
    let rate: f64 = pick(rng, &[5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0]);
    let target_factor: f64 = pick(rng, &[1.5, 2.0]);
    let years = (target_factor.ln() / (1.0 + rate / 100.0).ln()).ceil();
    let target = principal as f64 * target_factor;
    let stem = format!(
        "Một người gửi ${principal}$ triệu đồng vào ngân hàng theo thể thức lãi kép, kì hạn một năm, với lãi suất \
         ${}\\%$ một năm và không rút tiền ra. Hỏi sau ít nhất bao nhiêu năm người đó nhận được số tiền (cả vốn lẫn \
         lãi) không ít hơn ${}$ triệu đồng? (Giả sử lãi suất không thay đổi.)",
        num(rate, 1),
        num(target, 0)
    );
    Some(Draft::new("12.6.3", VanDung, stem, short_exact(years)?))
}

pub fn tang_truong_vi_khuan(rng: &mut Rng) -> Option<Draft> {
    let n0 = pick(rng, &[100, 200, 500, 1000]);
    let r: f64 = pick(rng, &[0.1, 0.15, 0.2, 0.25, 0.3]);
    let factor: f64 = pick(rng, &[3.0, 5.0, 10.0, 20.0]);
    let t = factor.ln() / r;
    let stem = format!(
        "Số lượng vi khuẩn trong một môi trường nuôi cấy tăng theo công thức $N(t) = {n0}e^{{{}t}}$, trong đó $t$ là \
         thời gian tính bằng giờ. Sau bao nhiêu giờ thì số vi khuẩn đạt ${}$ con {}?",
        num(r, 2),
        num(n0 as f64 * factor, 0),
        round_phrase(1)
    );
    Some(Draft::new("12.6.3", VanDung, stem, short(t, 1)?))
}

pub fn phuong_trinh_luong_giac(rng: &mut Rng) -> Option<Draft> {
    let (eq, correct, wrong): (&str, &str, [&str; 4]) = pick(
        rng,
        &[
            (
                "\\sin x = \\dfrac{1}{2}",
                "$x = \\dfrac{\\pi}{6} + k2\\pi$ hoặc $x = \\dfrac{5\\pi}{6} + k2\\pi$ $(k \\in \\mathbb{Z})$",
                [
                    "$x = \\pm\\dfrac{\\pi}{6} + k2\\pi$ $(k \\in \\mathbb{Z})$",
                    "$x = \\dfrac{\\pi}{3} + k2\\pi$ hoặc $x = \\dfrac{2\\pi}{3} + k2\\pi$ $(k \\in \\mathbb{Z})$",
                    "$x = \\dfrac{\\pi}{6} + k\\pi$ $(k \\in \\mathbb{Z})$",
                    "$x = \\pm\\dfrac{\\pi}{3} + k2\\pi$ $(k \\in \\mathbb{Z})$",
                ],
            ),
            (
                "\\cos x = \\dfrac{1}{2}",
                "$x = \\pm\\dfrac{\\pi}{3} + k2\\pi$ $(k \\in \\mathbb{Z})$",
                [
                    "$x = \\pm\\dfrac{\\pi}{6} + k2\\pi$ $(k \\in \\mathbb{Z})$",
                    "$x = \\dfrac{\\pi}{3} + k2\\pi$ hoặc $x = \\dfrac{2\\pi}{3} + k2\\pi$ $(k \\in \\mathbb{Z})$",
                    "$x = \\dfrac{\\pi}{3} + k\\pi$ $(k \\in \\mathbb{Z})$",
                    "$x = \\pm\\dfrac{2\\pi}{3} + k2\\pi$ $(k \\in \\mathbb{Z})$",
                ],
            ),
            (
                "\\tan x = 1",
                "$x = \\dfrac{\\pi}{4} + k\\pi$ $(k \\in \\mathbb{Z})$",
                [
                    "$x = \\dfrac{\\pi}{4} + k2\\pi$ $(k \\in \\mathbb{Z})$",
                    "$x = \\pm\\dfrac{\\pi}{4} + k2\\pi$ $(k \\in \\mathbb{Z})$",
                    "$x = -\\dfrac{\\pi}{4} + k\\pi$ $(k \\in \\mathbb{Z})$",
                    "$x = \\dfrac{\\pi}{2} + k\\pi$ $(k \\in \\mathbb{Z})$",
                ],
            ),
            (
                "\\cos x = -\\dfrac{\\sqrt{2}}{2}",
                "$x = \\pm\\dfrac{3\\pi}{4} + k2\\pi$ $(k \\in \\mathbb{Z})$",
                [
                    "$x = \\pm\\dfrac{\\pi}{4} + k2\\pi$ $(k \\in \\mathbb{Z})$",
                    "$x = -\\dfrac{\\pi}{4} + k2\\pi$ hoặc $x = \\dfrac{5\\pi}{4} + k2\\pi$ $(k \\in \\mathbb{Z})$",
                    "$x = \\dfrac{3\\pi}{4} + k\\pi$ $(k \\in \\mathbb{Z})$",
                    "$x = \\pm\\dfrac{2\\pi}{3} + k2\\pi$ $(k \\in \\mathbb{Z})$",
                ],
            ),
            (
                "\\sin x = -1",
                "$x = -\\dfrac{\\pi}{2} + k2\\pi$ $(k \\in \\mathbb{Z})$",
                [
                    "$x = \\dfrac{\\pi}{2} + k2\\pi$ $(k \\in \\mathbb{Z})$",
                    "$x = -\\dfrac{\\pi}{2} + k\\pi$ $(k \\in \\mathbb{Z})$",
                    "$x = \\pi + k2\\pi$ $(k \\in \\mathbb{Z})$",
                    "$x = k\\pi$ $(k \\in \\mathbb{Z})$",
                ],
            ),
            (
                "\\tan x = \\sqrt{3}",
                "$x = \\dfrac{\\pi}{3} + k\\pi$ $(k \\in \\mathbb{Z})$",
                [
                    "$x = \\dfrac{\\pi}{6} + k\\pi$ $(k \\in \\mathbb{Z})$",
                    "$x = \\dfrac{\\pi}{3} + k2\\pi$ $(k \\in \\mathbb{Z})$",
                    "$x = \\pm\\dfrac{\\pi}{3} + k2\\pi$ $(k \\in \\mathbb{Z})$",
                    "$x = -\\dfrac{\\pi}{3} + k\\pi$ $(k \\in \\mathbb{Z})$",
                ],
            ),
        ],
    );
    let stem = format!("Nghiệm của phương trình ${eq}$ là");
    let body = choice(rng, correct.to_string(), wrong.iter().map(|s| s.to_string()))?;
    Some(Draft::new("12.7.2", Biet, stem, body))
}

pub fn gia_tri_luong_giac(rng: &mut Rng) -> Option<Draft> {
    let (a, b, c) = pick(rng, &[(3, 4, 5), (5, 12, 13), (8, 15, 17), (7, 24, 25), (4, 3, 5), (12, 5, 13)]);
    // sin α = a/c with α in the second quadrant (cos < 0) or the first.
    let second = rng.random_bool(0.6);
    let cos = if second { Q::new(-b, c) } else { Q::new(b, c) };
    let t = |q: Q| format!("$\\cos\\alpha = {}$", q.tex());
    let wrong = [Q::new(-cos.n, cos.d), Q::new(-a, c), Q::new(b, a), Q::new(a, c)];
    let body = choice(rng, t(cos), wrong.into_iter().map(t))?;
    let range = if second { "\\dfrac{\\pi}{2} < \\alpha < \\pi" } else { "0 < \\alpha < \\dfrac{\\pi}{2}" };
    let stem =
        format!("Cho $\\sin\\alpha = \\dfrac{{{a}}}{{{c}}}$ với ${range}$. Giá trị của $\\cos\\alpha$ là");
    Some(Draft::new("12.7.1", Hieu, stem, body))
}

pub fn so_nghiem_luong_giac(rng: &mut Rng) -> Option<Draft> {
    // a sin x + b = 0 or a cos x + b = 0 on [0; kπ]: count solutions by listing them.
    let (lhs, value): (&str, f64) = pick(
        rng,
        &[
            ("2\\sin x - 1", 0.5),
            ("2\\sin x + 1", -0.5),
            ("2\\cos x - 1", 0.5),
            ("2\\cos x + \\sqrt{3}", -(3f64.sqrt()) / 2.0),
            ("\\sqrt{2}\\sin x - 1", 2f64.sqrt() / 2.0),
            ("\\sin x", 0.0),
            ("\\cos x - 1", 1.0),
        ],
    );
    let is_sin = lhs.contains("sin");
    let k = rng.random_range(2..=6);
    let hi = k as f64 * std::f64::consts::PI;
    let base = if is_sin { value.asin() } else { value.acos() };
    let mut sols: Vec<f64> = Vec::new();
    for n in -2..=8 {
        let shift = n as f64 * 2.0 * std::f64::consts::PI;
        let family = if is_sin {
            [base + shift, std::f64::consts::PI - base + shift]
        } else {
            [base + shift, -base + shift]
        };
        for x in family {
            if x > -1e-9 && x < hi + 1e-9 && !sols.iter().any(|s| (s - x).abs() < 1e-7) {
                sols.push(x);
            }
        }
    }
    let kp = if k == 1 { "\\pi".to_string() } else { format!("{k}\\pi") };
    let stem = format!("Phương trình ${lhs} = 0$ có bao nhiêu nghiệm thuộc đoạn $[0;{kp}]$?");
    Some(Draft::new("12.7.2", VanDung, stem, short_exact(sols.len() as f64)?))
}

pub fn mu_log_tf(rng: &mut Rng) -> Option<Draft> {
    let n0 = pick(rng, &[1000, 2000, 5000]);
    let r = pick(rng, &[2, 3, 4, 5]); // % per year
    let years = rng.random_range(5..=15);
    let after = n0 as f64 * (1.0 + r as f64 / 100.0).powi(years);
    let double = (2f64.ln() / (1.0 + r as f64 / 100.0).ln()).ceil();
    let body = true_false(
        rng,
        [
            stmt(
                Biet,
                format!("Sau $1$ năm, số cá thể là ${}$.", num(n0 as f64 * (1.0 + r as f64 / 100.0), 0)),
                format!("Sau $1$ năm, số cá thể là ${}$.", num(n0 as f64 * r as f64, 0)),
            ),
            stmt(
                Hieu,
                format!("Số cá thể sau $n$ năm là $N_n = {n0}\\cdot {}^n$.", num(1.0 + r as f64 / 100.0, 2)),
                format!("Số cá thể sau $n$ năm là $N_n = {n0}\\cdot {}^n$.", num(r as f64 / 100.0, 2)),
            ),
            stmt(
                Hieu,
                format!(
                    "Sau ${years}$ năm, số cá thể xấp xỉ ${}$ (làm tròn đến hàng đơn vị).",
                    num(after.round(), 0)
                ),
                format!(
                    "Sau ${years}$ năm, số cá thể xấp xỉ ${}$ (làm tròn đến hàng đơn vị).",
                    num((n0 as f64 * (1.0 + r as f64 * years as f64 / 100.0)).round(), 0)
                ),
            ),
            stmt(
                VanDung,
                format!("Sau ít nhất ${}$ năm thì số cá thể tăng gấp đôi so với ban đầu.", num(double, 0)),
                format!(
                    "Sau ít nhất ${}$ năm thì số cá thể tăng gấp đôi so với ban đầu.",
                    num(double + 2.0, 0)
                ),
            ),
        ],
    );
    let stem = format!(
        "Một quần thể sinh vật hiện có ${n0}$ cá thể; mỗi năm số cá thể tăng thêm ${r}\\%$ so với năm trước."
    );
    Some(Draft::new("12.6.3", Hieu, stem, body))
}

/// A braking car: stopping time, stopping distance and whether it stops before an obstacle.
pub fn phanh_xe_group(rng: &mut Rng) -> Option<Group> {
    let v0 = pick(rng, &[10, 12, 15, 16, 20, 24]);
    let k = pick(rng, &[2, 4, 5, 8]);
    if v0 % k != 0 {
        return None;
    }
    let t_stop = v0 / k;
    let s = Q::new(v0 * v0, 2 * k);
    let gap = s.f().round() as i64 + pick(rng, &[-3, -2, 2, 3, 5]);
    let v = poly_tex(&qs(&[v0, -k]), "t");
    let text = format!(
        "Một ô tô đang chạy với vận tốc ${v0}$ m/s thì người lái đạp phanh. Từ thời điểm đó, ô tô chuyển động chậm \
         dần đều với vận tốc $v(t) = {v}$ (m/s), trong đó $t$ (giây) là thời gian tính từ lúc bắt đầu đạp phanh. \
         Lúc bắt đầu đạp phanh, ô tô cách một chướng ngại vật ${gap}$ m."
    );
    let time = Draft::new(
        "12.2.4",
        Biet,
        "Kể từ lúc đạp phanh, sau bao nhiêu giây thì ô tô dừng hẳn?",
        choice_num(
            rng,
            t_stop as f64,
            &[(v0 * k) as f64, (t_stop * 2) as f64, (t_stop + 1) as f64, (v0 - k) as f64],
            0,
        )?,
    );
    let dist = Draft::new(
        "12.2.4",
        VanDung,
        format!(
            "Tính quãng đường (mét) ô tô đi được kể từ lúc đạp phanh đến khi dừng hẳn {}.",
            round_phrase(1)
        ),
        short(s.f(), 1)?,
    )
    .checked(s.f(), Check::PolyIntegral { coeffs: vec![v0 as f64, -k as f64], a: 0.0, b: t_stop as f64 });
    let stops_before = s.f() < gap as f64;
    let tf = Draft::new(
        "12.2.4",
        Hieu,
        "Xét tính đúng sai của các khẳng định sau.",
        true_false(
            rng,
            [
                stmt(
                    Biet,
                    format!("Vận tốc của ô tô sau $1$ giây kể từ lúc đạp phanh là ${}$ m/s.", v0 - k),
                    format!("Vận tốc của ô tô sau $1$ giây kể từ lúc đạp phanh là ${}$ m/s.", v0 + k),
                ),
                stmt(
                    Hieu,
                    format!(
                        "Quãng đường ô tô đi được sau $t$ giây kể từ lúc đạp phanh là $s(t) = {}$ (m).",
                        poly_tex(&[Q::int(0), Q::int(v0), Q::new(-k, 2)], "t")
                    ),
                    format!(
                        "Quãng đường ô tô đi được sau $t$ giây kể từ lúc đạp phanh là $s(t) = {}$ (m).",
                        poly_tex(&[Q::int(0), Q::int(v0), Q::int(-k)], "t")
                    ),
                ),
                stmt(
                    Hieu,
                    format!(
                        "Trong giây đầu tiên kể từ lúc đạp phanh, ô tô đi được ${}$ m.",
                        Q::int(v0).minus(Q::new(k, 2)).tex()
                    ),
                    format!("Trong giây đầu tiên kể từ lúc đạp phanh, ô tô đi được ${}$ m.", v0 - k),
                ),
                stmt(
                    VanDung,
                    format!(
                        "Ô tô {} trước khi chạm chướng ngại vật.",
                        if stops_before { "dừng lại" } else { "không kịp dừng lại" }
                    ),
                    format!(
                        "Ô tô {} trước khi chạm chướng ngại vật.",
                        if stops_before { "không kịp dừng lại" } else { "dừng lại" }
                    ),
                ),
            ],
        ),
    );
    Some(Group { title: "Ô tô đạp phanh".into(), text, drafts: vec![time, dist, tf] })
}

/// An open tank with a square base and a fixed volume: the cheapest (least area) shape.
pub fn be_nuoc_group(rng: &mut Rng) -> Option<Group> {
    // S(x) = x² + 4V/x, least at x = ∛(2V); V chosen so that x is whole.
    let x = rng.random_range(2..=6);
    let v = Q::new(x * x * x, 2);
    let s = x * x + 4 * x * x * x / (2 * x);
    let price = pick(rng, &[300, 400, 500]); // thousand đồng per m²
    let text = format!(
        "Một người thợ cần xây một bể chứa nước dạng hình hộp chữ nhật không nắp, đáy là hình vuông cạnh $x$ (m), \
         có thể tích ${}$ m³. Chi phí xây mỗi mét vuông (đáy và thành bể) là ${price}$ nghìn đồng. Bỏ qua độ dày \
         của đáy và thành bể.",
        num(v.f(), 1)
    );
    let vv = num(v.f(), 1);
    let vv4 = num(4.0 * v.f(), 1);
    let vv2 = num(2.0 * v.f(), 1);
    let area = Draft::new(
        "12.1.6",
        Hieu,
        "Tổng diện tích đáy và thành bể (tính theo mét vuông) là hàm số nào của $x$?",
        choice(
            rng,
            format!("$S(x) = x^2 + \\dfrac{{{vv4}}}{{x}}$"),
            [
                format!("$S(x) = x^2 + \\dfrac{{{vv2}}}{{x}}$"),
                format!("$S(x) = 2x^2 + \\dfrac{{{vv4}}}{{x}}$"),
                format!("$S(x) = x^2 + \\dfrac{{{vv}}}{{x}}$"),
            ],
        )?,
    );
    let side = Draft::new(
        "12.1.6",
        VanDung,
        "Tìm $x$ (mét) để chi phí xây bể là thấp nhất.",
        short_exact(x as f64)?,
    );
    let cost = (s * price) as f64 / 1000.0;
    let cost_item = Draft::new(
        "12.1.6",
        VanDung,
        format!("Chi phí thấp nhất để xây bể là bao nhiêu triệu đồng {}?", round_phrase(1)),
        short(cost, 1)?,
    );
    Some(Group { title: "Xây bể nước không nắp".into(), text, drafts: vec![area, side, cost_item] })
}
