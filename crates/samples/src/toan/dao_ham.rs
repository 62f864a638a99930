//! Toán 12.1: ứng dụng đạo hàm — tính đơn điệu, cực trị, GTLN–GTNN, tiệm cận, khảo sát hàm số,
//! bài toán thực tế. Keys are computed from the drawn coefficients with exact integer arithmetic.

use khaothi_domain::Level::{Biet, Hieu, VanDung, VanDungCao};
use rand::Rng as _;

use crate::draft::{
    Body, Check, Draft, Q, Rng, as_f64, choice, choice_num, interval, nonzero, peval, pick, poly_tex, qs,
    short, short_exact, stmt, true_false,
};

/// `y = k x³ + … ` with `y' = 3k(x − p)(x − q)`, `p < q`: integer coefficients by construction.
#[derive(Debug, Clone, Copy)]
pub struct Cubic {
    pub k: i64,
    pub p: i64,
    pub q: i64,
    pub d: i64,
}

impl Cubic {
    pub fn draw(rng: &mut Rng) -> Option<Cubic> {
        let k = pick(rng, &[1, 1, 1, -1, -1, 2]);
        let p = rng.random_range(-3..=2);
        let q = rng.random_range(p + 1..=3);
        let d = rng.random_range(-5..=5);
        ((k * (p + q)) % 2 == 0).then_some(Cubic { k, p, q, d })
    }
    /// Coefficients by ascending power.
    pub fn coeffs(&self) -> Vec<i64> {
        let Cubic { k, p, q, d } = *self;
        vec![d, 3 * k * p * q, -3 * k * (p + q) / 2, k]
    }
    pub fn tex(&self) -> String {
        poly_tex(&qs(&self.coeffs()), "x")
    }
    pub fn at(&self, x: i64) -> i64 {
        peval(&self.coeffs(), x)
    }
    /// `(point of local maximum, point of local minimum)`.
    pub fn extrema(&self) -> (i64, i64) {
        if self.k > 0 { (self.p, self.q) } else { (self.q, self.p) }
    }
    /// `y'` written out.
    pub fn derivative_tex(&self) -> String {
        let c = self.coeffs();
        poly_tex(&qs(&[c[1], 2 * c[2], 3 * c[3]]), "x")
    }
}

pub fn don_dieu(rng: &mut Rng) -> Option<Draft> {
    let c = Cubic::draw(rng)?;
    let (p, q) = (c.p, c.q);
    let increasing = rng.random_bool(0.5);
    // For k > 0 the function increases outside [p, q] and decreases inside.
    let outer_is_answer = increasing == (c.k > 0);
    let (correct, wrong) = if outer_is_answer {
        let side = if rng.random_bool(0.5) {
            interval(None, Some(p), false)
        } else {
            interval(Some(q), None, false)
        };
        (
            side,
            vec![
                interval(Some(p), Some(q), false),
                interval(None, Some(q), false),
                interval(Some(p), None, false),
            ],
        )
    } else {
        (
            interval(Some(p), Some(q), false),
            vec![
                interval(None, Some(p), false),
                interval(Some(q), None, false),
                interval(None, Some(q), false),
            ],
        )
    };
    let verb = if increasing { "đồng biến" } else { "nghịch biến" };
    let stem = format!("Hàm số $y = {}$ {verb} trên khoảng nào dưới đây?", c.tex());
    Some(Draft::new("12.1.1", Hieu, stem, choice(rng, correct, wrong)?))
}

pub fn dao_ham_tai_diem(rng: &mut Rng) -> Option<Draft> {
    let c = Cubic::draw(rng)?;
    let x0 = rng.random_range(-3..=3);
    let co = c.coeffs();
    let der = [co[1], 2 * co[2], 3 * co[3]];
    let v = peval(&der, x0);
    let wrong_power = peval(&[co[1], co[2], co[3]], x0); // forgot to multiply by the exponent
    let body =
        choice_num(rng, v as f64, &[wrong_power as f64, c.at(x0) as f64, -v as f64, (v + 3) as f64], 0)?;
    let stem = format!("Cho hàm số $f(x) = {}$. Giá trị của $f'({x0})$ bằng", c.tex());
    Some(
        Draft::new("12.1.1", Biet, stem, body)
            .checked(v as f64, Check::PolyDerivative { coeffs: as_f64(&co), x: x0 as f64 }),
    )
}

pub fn diem_cuc_dai(rng: &mut Rng) -> Option<Draft> {
    let c = Cubic::draw(rng)?;
    let (xmax, xmin) = c.extrema();
    let body = choice(
        rng,
        format!("$x = {xmax}$"),
        [
            format!("$x = {xmin}$"),
            format!("$x = {}$", c.at(xmax)),
            format!("$x = {}$", -xmax),
            format!("$x = {}$", c.at(xmin)),
        ],
    )?;
    let stem = format!("Hàm số $y = {}$ đạt cực đại tại điểm", c.tex());
    Some(Draft::new("12.1.2", Biet, stem, body))
}

pub fn gia_tri_cuc_tieu(rng: &mut Rng) -> Option<Draft> {
    let c = Cubic::draw(rng)?;
    let (_, xmin) = c.extrema();
    let v = c.at(xmin);
    let stem = format!("Tìm giá trị cực tiểu của hàm số $y = {}$.", c.tex());
    // The critical points are at least 1 apart: on [xmin ± 0.5] the local minimum is the minimum.
    let check = Check::PolyMin { coeffs: as_f64(&c.coeffs()), a: xmin as f64 - 0.5, b: xmin as f64 + 0.5 };
    Some(Draft::new("12.1.2", Hieu, stem, short_exact(v as f64)?).checked(v as f64, check))
}

pub fn so_cuc_tri_trung_phuong(rng: &mut Rng) -> Option<Draft> {
    let a = nonzero(rng, -3, 3);
    let b = nonzero(rng, -6, 6);
    let c = rng.random_range(-5..=5);
    let n = if a * b < 0 { 3 } else { 1 };
    let stem = format!("Hàm số $y = {}$ có bao nhiêu điểm cực trị?", poly_tex(&qs(&[c, 0, b, 0, a]), "x"));
    let body = choice_num(rng, n as f64, &[0.0, 1.0, 2.0, 3.0], 0)?;
    Some(Draft::new("12.1.2", Hieu, stem, body))
}

/// Values of the cubic at the ends of `[lo, hi]` and at the critical points inside.
fn candidates(c: &Cubic, lo: i64, hi: i64) -> Vec<i64> {
    [lo, c.p, c.q, hi].into_iter().filter(|x| (lo..=hi).contains(x)).map(|x| c.at(x)).collect()
}

fn segment(rng: &mut Rng, c: &Cubic) -> (i64, i64) {
    let lo = rng.random_range(c.p - 2..=c.p);
    let hi = rng.random_range(c.q..=c.q + 2);
    (lo, hi)
}

pub fn gtln(rng: &mut Rng) -> Option<Draft> {
    let c = Cubic::draw(rng)?;
    let (lo, hi) = segment(rng, &c);
    let vals = candidates(&c, lo, hi);
    let max = *vals.iter().max()?;
    let min = *vals.iter().min()?;
    let local_max = c.at(c.extrema().0);
    let wrong = [min as f64, local_max as f64, c.at(lo) as f64, c.at(hi) as f64, (max + 2) as f64];
    let body = choice_num(rng, max as f64, &wrong, 0)?;
    let stem = format!("Giá trị lớn nhất của hàm số $y = {}$ trên đoạn $[{lo};{hi}]$ bằng", c.tex());
    let check = Check::PolyMax { coeffs: as_f64(&c.coeffs()), a: lo as f64, b: hi as f64 };
    Some(Draft::new("12.1.3", Hieu, stem, body).checked(max as f64, check))
}

pub fn gtnn(rng: &mut Rng) -> Option<Draft> {
    let c = Cubic::draw(rng)?;
    let (lo, hi) = segment(rng, &c);
    let min = *candidates(&c, lo, hi).iter().min()?;
    let stem = format!("Tìm giá trị nhỏ nhất của hàm số $y = {}$ trên đoạn $[{lo};{hi}]$.", c.tex());
    let check = Check::PolyMin { coeffs: as_f64(&c.coeffs()), a: lo as f64, b: hi as f64 };
    Some(Draft::new("12.1.3", Hieu, stem, short_exact(min as f64)?).checked(min as f64, check))
}

/// `y = (ax + b)/(x + d)` with `ad − b ≠ 0` (otherwise the graph is a line).
fn homographic(rng: &mut Rng) -> Option<(i64, i64, i64)> {
    let a = nonzero(rng, -4, 4);
    let b = rng.random_range(-6..=6);
    let d = nonzero(rng, -5, 5);
    (a * d - b != 0).then_some((a, b, d))
}

fn homographic_tex(a: i64, b: i64, d: i64) -> String {
    let num = poly_tex(&qs(&[b, a]), "x");
    let den = poly_tex(&qs(&[d, 1]), "x");
    format!("y = \\dfrac{{{num}}}{{{den}}}")
}

pub fn tiem_can_dung(rng: &mut Rng) -> Option<Draft> {
    let (a, b, d) = homographic(rng)?;
    let body = choice(
        rng,
        format!("$x = {}$", -d),
        [format!("$x = {d}$"), format!("$y = {a}$"), format!("$y = {}$", -d), format!("$x = {a}$")],
    )?;
    let stem = format!("Tiệm cận đứng của đồ thị hàm số ${}$ là đường thẳng", homographic_tex(a, b, d));
    Some(Draft::new("12.1.4", Biet, stem, body))
}

pub fn tiem_can_ngang(rng: &mut Rng) -> Option<Draft> {
    let (a, b, d) = homographic(rng)?;
    let body = choice(
        rng,
        format!("$y = {a}$"),
        [format!("$x = {}$", -d), format!("$y = {}$", -d), format!("$y = {}$", -a), format!("$x = {a}$")],
    )?;
    let stem = format!("Tiệm cận ngang của đồ thị hàm số ${}$ là đường thẳng", homographic_tex(a, b, d));
    Some(Draft::new("12.1.4", Biet, stem, body))
}

pub fn so_tiem_can(rng: &mut Rng) -> Option<Draft> {
    // y = (x + a) / ((x − r1)(x − r2)): a horizontal asymptote y = 0 and one vertical asymptote per
    // denominator root not cancelled by the numerator.
    let r1 = rng.random_range(-4..=4);
    let r2 = rng.random_range(-4..=4);
    let a = if rng.random_bool(0.4) { -r1 } else { rng.random_range(-5..=5) };
    let mut roots = vec![r1, r2];
    roots.dedup();
    let vertical = roots.iter().filter(|&&r| r != -a).count();
    let total = vertical + 1;
    let den = poly_tex(&qs(&[r1 * r2, -(r1 + r2), 1]), "x");
    let num = poly_tex(&qs(&[a, 1]), "x");
    let stem = format!(
        "Tổng số đường tiệm cận đứng và tiệm cận ngang của đồ thị hàm số $y = \\dfrac{{{num}}}{{{den}}}$ là"
    );
    let body = choice_num(rng, total as f64, &[1.0, 2.0, 3.0, 4.0, 0.0], 0)?;
    Some(Draft::new("12.1.4", Hieu, stem, body))
}

pub fn tam_doi_xung(rng: &mut Rng) -> Option<Draft> {
    let c = Cubic::draw(rng)?;
    if (c.p + c.q) % 2 != 0 {
        return None;
    }
    let x0 = (c.p + c.q) / 2;
    let y0 = c.at(x0);
    let pt = |x: i64, y: i64| format!("$I({x};{y})$");
    let body = choice(rng, pt(x0, y0), [pt(-x0, y0), pt(x0, -y0), pt(y0, x0), pt(-x0, -y0), pt(x0, c.d)])?;
    let stem = format!("Tâm đối xứng của đồ thị hàm số $y = {}$ là điểm", c.tex());
    Some(Draft::new("12.1.5", Hieu, stem, body))
}

pub fn cat_truc_hoanh(rng: &mut Rng) -> Option<Draft> {
    // y = x³ − 3a x² + m: extrema at 0 and 2a with values m and m − 4a³, three roots iff
    // 0 < m < 4a³ (a > 0) — 4a³ − 1 integer values.
    let a = rng.random_range(1..=2);
    let e = rng.random_range(-3..=3);
    // Shifted: y = x³ − 3a x² + e + m has three roots iff −e < m < 4a³ − e: still 4a³ − 1 values.
    let n = 4 * a * a * a - 1;
    let base = poly_tex(&qs(&[e, 0, -3 * a, 1]), "x");
    let stem = format!(
        "Có bao nhiêu giá trị nguyên của tham số $m$ để đồ thị hàm số $y = {base} + m$ cắt trục hoành tại ba điểm phân biệt?"
    );
    Some(Draft::new("12.1.5", VanDungCao, stem, short_exact(n as f64)?))
}

pub fn van_toc_lon_nhat(rng: &mut Rng) -> Option<Draft> {
    // s = −t³/3 + k t² + c t ⇒ v = −t² + 2kt + c, largest at t = k: v = k² + c.
    let k = rng.random_range(2..=9);
    let c = rng.random_range(0..=12);
    let big_t = rng.random_range(k + 1..=k + 6);
    let s = poly_tex(&[Q::int(0), Q::int(c), Q::int(k), Q::new(-1, 3)], "t");
    let v = k * k + c;
    let stem = format!(
        "Một vật chuyển động theo quy luật $s = {s}$, trong đó $t$ (giây) là thời gian tính từ lúc vật bắt đầu \
         chuyển động và $s$ (mét) là quãng đường vật đi được. Trong khoảng thời gian ${big_t}$ giây kể từ lúc \
         bắt đầu chuyển động, vận tốc lớn nhất của vật bằng bao nhiêu mét/giây?"
    );
    let check = Check::PolyMax { coeffs: vec![c as f64, 2.0 * k as f64, -1.0], a: 0.0, b: big_t as f64 };
    Some(Draft::new("12.1.6", VanDung, stem, short_exact(v as f64)?).checked(v as f64, check))
}

pub fn khao_sat_tf(rng: &mut Rng) -> Option<Draft> {
    let c = Cubic::draw(rng)?;
    let (xmax, xmin) = c.extrema();
    let (lo, hi) = segment(rng, &c);
    let vals = candidates(&c, lo, hi);
    let max = *vals.iter().max()?;
    let co = c.coeffs();
    let off = nonzero(rng, -3, 3);
    let wrong_der = poly_tex(&qs(&[co[1], -2 * co[2], 3 * co[3]]), "x");
    if co[2] == 0 {
        return None;
    }
    let (mono, anti) =
        if c.k > 0 { ("nghịch biến", "đồng biến") } else { ("đồng biến", "nghịch biến") };
    let body = true_false(
        rng,
        [
            stmt(Biet, format!("$y' = {}$.", c.derivative_tex()), format!("$y' = {wrong_der}$.")),
            stmt(
                Hieu,
                format!("Hàm số {mono} trên khoảng $({};{})$.", c.p, c.q),
                format!("Hàm số {anti} trên khoảng $({};{})$.", c.p, c.q),
            ),
            stmt(
                Hieu,
                format!("Giá trị cực đại của hàm số bằng ${}$.", c.at(xmax)),
                format!("Giá trị cực đại của hàm số bằng ${}$.", c.at(xmin)),
            ),
            stmt(
                VanDung,
                format!("Giá trị lớn nhất của hàm số trên đoạn $[{lo};{hi}]$ bằng ${max}$."),
                format!("Giá trị lớn nhất của hàm số trên đoạn $[{lo};{hi}]$ bằng ${}$.", max + off),
            ),
        ],
    );
    let stem = format!("Cho hàm số $y = {}$.", c.tex());
    Some(Draft::new("12.1.5", Hieu, stem, body))
}

pub fn phan_thuc_tf(rng: &mut Rng) -> Option<Draft> {
    let (a, b, d) = homographic(rng)?;
    if b % a != 0 {
        return None;
    }
    let det = a * d - b;
    let (mono, anti) =
        if det > 0 { ("đồng biến", "nghịch biến") } else { ("nghịch biến", "đồng biến") };
    let root = -b / a;
    let body = true_false(
        rng,
        [
            stmt(
                Biet,
                format!("Đồ thị hàm số có tiệm cận đứng là đường thẳng $x = {}$.", -d),
                format!("Đồ thị hàm số có tiệm cận đứng là đường thẳng $x = {d}$."),
            ),
            stmt(
                Biet,
                format!("Đồ thị hàm số có tiệm cận ngang là đường thẳng $y = {a}$."),
                format!("Đồ thị hàm số có tiệm cận ngang là đường thẳng $y = {}$.", -d),
            ),
            stmt(
                Hieu,
                format!("Hàm số {mono} trên từng khoảng xác định."),
                format!("Hàm số {anti} trên từng khoảng xác định."),
            ),
            stmt(
                VanDung,
                format!("Đồ thị hàm số cắt trục hoành tại điểm có hoành độ bằng ${root}$."),
                format!(
                    "Đồ thị hàm số cắt trục hoành tại điểm có hoành độ bằng ${}$.",
                    -root + if root == 0 { 1 } else { 0 }
                ),
            ),
        ],
    );
    let stem = format!("Cho hàm số ${}$.", homographic_tex(a, b, d));
    Some(Draft::new("12.1.4", Hieu, stem, body))
}

/// Fence along a river: `L` metres of fence for three sides, area `x(L − 2x)` largest at `x = L/4`.
pub fn hang_rao_pair(rng: &mut Rng) -> Option<[Draft; 2]> {
    let l = 8 * rng.random_range(5..=35);
    let x = l / 4;
    let s = l * l / 8;
    let setting = format!(
        "Một người nông dân có ${l}$ m lưới thép muốn rào một mảnh vườn hình chữ nhật dọc theo bờ sông; \
         cạnh nằm trên bờ sông không cần rào."
    );
    let a = Draft::new(
        "12.1.6",
        VanDung,
        format!(
            "{setting} Độ dài (mét) cạnh vuông góc với bờ sông để diện tích mảnh vườn lớn nhất là bao nhiêu?"
        ),
        short_exact(x as f64)?,
    );
    let b = Draft::new(
        "12.1.6",
        VanDung,
        format!("{setting} Diện tích lớn nhất (mét vuông) của mảnh vườn rào được là bao nhiêu?"),
        short_exact(s as f64)?,
    )
    .checked(s as f64, Check::PolyMax { coeffs: vec![0.0, l as f64, -2.0], a: 0.0, b: l as f64 / 2.0 });
    Some([a, b])
}

/// One cubic, asked once for the point of maximum and once for the maximum value.
pub fn cuc_dai_pair(rng: &mut Rng) -> Option<[Draft; 2]> {
    let c = Cubic::draw(rng)?;
    let (xmax, xmin) = c.extrema();
    let a = Draft::new(
        "12.1.2",
        Biet,
        format!("Điểm cực đại của hàm số $y = {}$ là", c.tex()),
        choice(
            rng,
            format!("$x = {xmax}$"),
            [format!("$x = {xmin}$"), format!("$x = {}$", -xmax), format!("$x = {}$", c.at(xmax))],
        )?,
    );
    let v = c.at(xmax);
    let b = Draft::new(
        "12.1.2",
        Hieu,
        format!("Tìm giá trị cực đại của hàm số $y = {}$.", c.tex()),
        short_exact(v as f64)?,
    )
    .checked(
        v as f64,
        Check::PolyMax { coeffs: as_f64(&c.coeffs()), a: xmax as f64 - 0.5, b: xmax as f64 + 0.5 },
    );
    Some([a, b])
}

/// Open box from a square sheet: cut squares of side `x` at the corners, `V = x(L − 2x)²`, largest at
/// `x = L/6`.
pub fn hop_khong_nap_pair(rng: &mut Rng) -> Option<[Draft; 2]> {
    let l = 6 * rng.random_range(2..=6);
    let x = l / 6;
    let v = x * (l - 2 * x) * (l - 2 * x);
    let setting = format!(
        "Từ một tấm bìa hình vuông cạnh ${l}$ cm, người ta cắt bỏ ở bốn góc bốn hình vuông bằng nhau cạnh $x$ cm \
         rồi gập lại thành một chiếc hộp không nắp."
    );
    let a = Draft::new(
        "12.1.6",
        VanDung,
        format!("{setting} Tìm $x$ để thể tích của chiếc hộp lớn nhất."),
        short_exact(x as f64)?,
    );
    let b = Draft::new(
        "12.1.6",
        VanDungCao,
        format!("{setting} Thể tích lớn nhất của chiếc hộp bằng bao nhiêu centimét khối?"),
        short_exact(v as f64)?,
    )
    .checked(
        v as f64,
        Check::PolyMax { coeffs: vec![0.0, (l * l) as f64, -4.0 * l as f64, 4.0], a: 0.0, b: l as f64 / 2.0 },
    );
    Some([a, b])
}

/// Used by the tank stimulus group: a value rounded for the THPT box.
pub fn short_rounded(x: f64) -> Option<(Body, usize)> {
    (0..=2).rev().find_map(|d| short(x, d).map(|b| (b, d)))
}
