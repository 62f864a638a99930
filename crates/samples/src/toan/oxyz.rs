//! Toán 12.3: phương pháp tọa độ trong không gian Oxyz. Normals are drawn from Pythagorean
//! quadruples so that distances are whole numbers where the stem does not ask for rounding.

use khaothi_domain::Level::{Biet, Hieu, VanDung};
use rand::Rng as _;

use crate::draft::{
    Check, Draft, Rng, choice, nonzero, pick, round_phrase, short_exact, stmt, triple, true_false,
};
use crate::toan::dao_ham::short_rounded;

type V = [i64; 3];

fn add(a: V, b: V) -> V {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}
fn sub(a: V, b: V) -> V {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
fn scale(k: i64, a: V) -> V {
    [k * a[0], k * a[1], k * a[2]]
}
pub fn dot(a: V, b: V) -> i64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}
pub fn cross(a: V, b: V) -> V {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}
fn parallel(a: V, b: V) -> bool {
    cross(a, b) == [0, 0, 0]
}
fn f3(a: V) -> [f64; 3] {
    a.map(|x| x as f64)
}

fn point(rng: &mut Rng, r: i64) -> V {
    [rng.random_range(-r..=r), rng.random_range(-r..=r), rng.random_range(-r..=r)]
}

/// A vector of whole length: a signed, permuted Pythagorean quadruple.
pub fn whole_vector(rng: &mut Rng) -> (V, i64) {
    let (v, len) = pick(
        rng,
        &[([1, 2, 2], 3), ([2, 3, 6], 7), ([1, 4, 8], 9), ([4, 4, 7], 9), ([2, 6, 9], 11), ([6, 6, 7], 11)],
    );
    let mut v = v;
    for i in (1..3).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
    (v.map(|x| if rng.random_bool(0.5) { -x } else { x }), len)
}

/// `2x - y + 3z - 5 = 0`.
pub fn plane_tex(p: [i64; 4]) -> String {
    let mut s = String::new();
    for (c, var) in p[..3].iter().zip(["x", "y", "z"]) {
        if *c == 0 {
            continue;
        }
        let abs = c.abs();
        let coef = if abs == 1 { String::new() } else { abs.to_string() };
        if s.is_empty() {
            s.push_str(if *c < 0 { "-" } else { "" });
        } else {
            s.push_str(if *c < 0 { " - " } else { " + " });
        }
        s.push_str(&format!("{coef}{var}"));
    }
    if p[3] != 0 {
        s.push_str(&format!(" {} {}", if p[3] < 0 { "-" } else { "+" }, p[3].abs()));
    }
    format!("{s} = 0")
}

/// Planes given by proportional equations are the same plane.
fn same_plane(p: [i64; 4], q: [i64; 4]) -> bool {
    (0..4).all(|i| (0..4).all(|j| p[i] * q[j] == p[j] * q[i]))
}

pub fn vecto_tong(rng: &mut Rng) -> Option<Draft> {
    let a = point(rng, 4);
    let b = point(rng, 4);
    let m = rng.random_range(2..=3);
    let t = |v: V| format!("${}$", triple(v));
    let body =
        choice(rng, t(add(a, scale(m, b))), [t(sub(a, scale(m, b))), t(add(scale(m, a), b)), t(add(a, b))])?;
    let stem = format!(
        "Trong không gian $Oxyz$, cho hai vectơ $\\vec a = {}$ và $\\vec b = {}$. Tọa độ của vectơ $\\vec a + {m}\\vec b$ là",
        triple(a),
        triple(b)
    );
    Some(Draft::new("12.3.1", Biet, stem, body))
}

pub fn trung_diem(rng: &mut Rng) -> Option<Draft> {
    let a = point(rng, 5);
    let b = add(a, scale(2, point(rng, 3)));
    if a == b {
        return None;
    }
    let mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2];
    let t = |v: V| format!("${}$", triple(v));
    let body = choice(
        rng,
        t(mid),
        [t(sub(b, a)), t(add(a, b)), t(scale(1, [(b[0] - a[0]) / 2, (b[1] - a[1]) / 2, (b[2] - a[2]) / 2]))],
    )?;
    let stem = format!(
        "Trong không gian $Oxyz$, cho hai điểm $A{}$ và $B{}$. Tọa độ trung điểm $I$ của đoạn thẳng $AB$ là",
        triple(a),
        triple(b)
    );
    Some(Draft::new("12.3.1", Biet, stem, body))
}

pub fn tich_vo_huong(rng: &mut Rng) -> Option<Draft> {
    let a = point(rng, 5);
    let b = point(rng, 5);
    let v = dot(a, b);
    let stem = format!(
        "Trong không gian $Oxyz$, cho hai vectơ $\\vec u = {}$ và $\\vec v = {}$. Tính tích vô hướng $\\vec u\\cdot\\vec v$.",
        triple(a),
        triple(b)
    );
    Some(Draft::new("12.3.1", Hieu, stem, short_exact(v as f64)?))
}

pub fn do_dai_doan(rng: &mut Rng) -> Option<Draft> {
    let a = point(rng, 5);
    let (d, len) = whole_vector(rng);
    let b = add(a, d);
    let stem = format!(
        "Trong không gian $Oxyz$, cho hai điểm $A{}$ và $B{}$. Tính độ dài đoạn thẳng $AB$.",
        triple(a),
        triple(b)
    );
    let check = Check::Distance { p: f3(a), q: f3(b) };
    Some(Draft::new("12.3.1", Hieu, stem, short_exact(len as f64)?).checked(len as f64, check))
}

fn random_plane(rng: &mut Rng) -> [i64; 4] {
    [nonzero(rng, -4, 4), rng.random_range(-4..=4), nonzero(rng, -4, 4), rng.random_range(-7..=7)]
}

pub fn vecto_phap_tuyen(rng: &mut Rng) -> Option<Draft> {
    let p = random_plane(rng);
    let n = [p[0], p[1], p[2]];
    let t = |v: V| format!("$\\vec n = {}$", triple(v));
    let candidates = [
        [p[0], p[1], p[3]],
        [p[1], p[2], p[3]],
        [p[0], -p[1], p[2]],
        [p[2], p[1], p[0]],
        [-p[0], p[1], -p[2] + 1],
    ];
    let wrong: Vec<String> =
        candidates.into_iter().filter(|c| !parallel(*c, n) && *c != [0, 0, 0]).map(t).collect();
    let body = choice(rng, t(n), wrong)?;
    let stem =
        format!("Trong không gian $Oxyz$, mặt phẳng $(P): {}$ có một vectơ pháp tuyến là", plane_tex(p));
    Some(Draft::new("12.3.2", Biet, stem, body))
}

/// The plane through `m` with normal `n`.
fn plane_through(m: V, n: V) -> [i64; 4] {
    [n[0], n[1], n[2], -dot(n, m)]
}

pub fn mat_phang_qua_diem(rng: &mut Rng) -> Option<Draft> {
    let m = point(rng, 4);
    let n = [nonzero(rng, -4, 4), rng.random_range(-4..=4), nonzero(rng, -4, 4)];
    let correct = plane_through(m, n);
    let mut wrong = Vec::new();
    for w in
        [[n[0], n[1], n[2], dot(n, m)], [m[0], m[1], m[2], -dot(n, m)], [n[0], n[1], n[2], -dot(n, m) + 1]]
    {
        if !same_plane(w, correct) && w[..3] != [0, 0, 0] && !wrong.iter().any(|x| same_plane(*x, w)) {
            wrong.push(w);
        }
    }
    let t = |p: [i64; 4]| format!("${}$", plane_tex(p));
    let body = choice(rng, t(correct), wrong.into_iter().map(t))?;
    let stem = format!(
        "Trong không gian $Oxyz$, phương trình mặt phẳng đi qua điểm $M{}$ và có vectơ pháp tuyến $\\vec n = {}$ là",
        triple(m),
        triple(n)
    );
    Some(Draft::new("12.3.2", Hieu, stem, body))
}

pub fn doan_chan(rng: &mut Rng) -> Option<Draft> {
    let a = nonzero(rng, -5, 5);
    let b = nonzero(rng, -5, 5);
    let c = nonzero(rng, -5, 5);
    let eq = |x: i64, y: i64, z: i64, rhs: &str| {
        format!("$\\dfrac{{x}}{{{x}}} + \\dfrac{{y}}{{{y}}} + \\dfrac{{z}}{{{z}}} = {rhs}$")
    };
    let wrong =
        [eq(a, b, c, "0"), eq(a, b, c, "-1"), format!("${}$", plane_tex([a, b, c, -1])), eq(b, a, c, "1")];
    let body = choice(rng, eq(a, b, c, "1"), wrong)?;
    let stem = format!(
        "Trong không gian $Oxyz$, mặt phẳng đi qua ba điểm $A({a};0;0)$, $B(0;{b};0)$ và $C(0;0;{c})$ có phương trình là"
    );
    Some(Draft::new("12.3.2", Hieu, stem, body))
}

pub fn khoang_cach_diem_mp(rng: &mut Rng) -> Option<Draft> {
    let (n, len) = whole_vector(rng);
    let d = rng.random_range(-9..=9);
    let m = point(rng, 4);
    let num = (dot(n, m) + d).abs();
    if num == 0 {
        return None;
    }
    let dist = num as f64 / len as f64;
    let p = [n[0], n[1], n[2], d];
    let (body, phrase) = match short_exact(dist) {
        Some(b) => (b, String::new()),
        None => {
            let (b, dd) = short_rounded(dist)?;
            (b, format!(" {}", round_phrase(dd)))
        }
    };
    let stem = format!(
        "Trong không gian $Oxyz$, tính khoảng cách từ điểm $M{}$ đến mặt phẳng $(P): {}${phrase}.",
        triple(m),
        plane_tex(p)
    );
    let check = Check::PointPlane { p: f3(m), plane: p.map(|x| x as f64) };
    Some(Draft::new("12.3.5", Hieu, stem, body).checked(dist, check))
}

fn line_tex(p: V, u: V) -> String {
    let part = |c: i64, var: &str, den: i64| {
        let num = if c == 0 {
            var.to_string()
        } else if c > 0 {
            format!("{var} - {c}")
        } else {
            format!("{var} + {}", -c)
        };
        format!("\\dfrac{{{num}}}{{{den}}}")
    };
    format!("{} = {} = {}", part(p[0], "x", u[0]), part(p[1], "y", u[1]), part(p[2], "z", u[2]))
}

fn direction(rng: &mut Rng) -> V {
    [nonzero(rng, -4, 4), nonzero(rng, -4, 4), nonzero(rng, -4, 4)]
}

pub fn vecto_chi_phuong(rng: &mut Rng) -> Option<Draft> {
    let p = point(rng, 4);
    let u = direction(rng);
    let t = |v: V| format!("$\\vec u = {}$", triple(v));
    let wrong: Vec<String> = [p, scale(-1, p), [u[0], u[1], -u[2]], [u[1], u[0], u[2]]]
        .into_iter()
        .filter(|c| !parallel(*c, u) && *c != [0, 0, 0])
        .map(t)
        .collect();
    let body = choice(rng, t(u), wrong)?;
    let stem =
        format!("Trong không gian $Oxyz$, đường thẳng $d: {}$ có một vectơ chỉ phương là", line_tex(p, u));
    Some(Draft::new("12.3.3", Biet, stem, body))
}

fn on_line(p: V, u: V, x: V) -> bool {
    parallel(sub(x, p), u)
}

pub fn diem_thuoc_duong(rng: &mut Rng) -> Option<Draft> {
    let p = point(rng, 4);
    let u = direction(rng);
    let t0 = pick(rng, &[-1, 2]);
    let correct = add(p, scale(t0, u));
    let wrong: Vec<String> = [u, add(p, [u[0], u[1], u[2] + 1]), scale(-1, p), add(u, [1, 0, 0])]
        .into_iter()
        .filter(|c| !on_line(p, u, *c))
        .map(|v| format!("${}$", triple(v)))
        .collect();
    let body = choice(rng, format!("${}$", triple(correct)), wrong)?;
    let param = |c: i64, k: i64, var: &str| {
        let lin = crate::draft::poly_tex(&crate::draft::qs(&[c, k]), "t");
        format!("{var} = {lin}")
    };
    let stem = format!(
        "Trong không gian $Oxyz$, cho đường thẳng $d: \\begin{{cases}} {} \\\\ {} \\\\ {} \\end{{cases}}$ ($t \\in \\mathbb{{R}}$). \
         Điểm nào dưới đây thuộc $d$?",
        param(p[0], u[0], "x"),
        param(p[1], u[1], "y"),
        param(p[2], u[2], "z")
    );
    Some(Draft::new("12.3.3", Hieu, stem, body))
}

pub fn mat_cau_tam_ban_kinh(rng: &mut Rng) -> Option<Draft> {
    let i = point(rng, 5);
    if i.contains(&0) {
        return None;
    }
    let r = rng.random_range(2..=6);
    let sq =
        |c: i64, var: &str| if c > 0 { format!("({var} - {c})^2") } else { format!("({var} + {})^2", -c) };
    let eq = format!("{} + {} + {} = {}", sq(i[0], "x"), sq(i[1], "y"), sq(i[2], "z"), r * r);
    let opt = |c: V, rr: i64| format!("Tâm $I{}$, bán kính $R = {rr}$", triple(c));
    let body = choice(rng, opt(i, r), [opt(scale(-1, i), r), opt(i, r * r), opt(scale(-1, i), r * r)])?;
    let stem = format!("Trong không gian $Oxyz$, mặt cầu $(S): {eq}$ có tâm và bán kính là");
    Some(Draft::new("12.3.4", Biet, stem, body))
}

fn sphere_general(i: V, r: i64) -> String {
    let d = dot(i, i) - r * r;
    let lin = |c: i64, var: &str| {
        if c == 0 {
            String::new()
        } else {
            format!(" {} {}{var}", if c > 0 { "-" } else { "+" }, 2 * c.abs())
        }
    };
    let dd = if d == 0 { String::new() } else { format!(" {} {}", if d > 0 { "+" } else { "-" }, d.abs()) };
    format!("x^2 + y^2 + z^2{}{}{}{dd} = 0", lin(i[0], "x"), lin(i[1], "y"), lin(i[2], "z"))
}

pub fn ban_kinh_mat_cau(rng: &mut Rng) -> Option<Draft> {
    let i = point(rng, 4);
    let r = rng.random_range(1..=7);
    let stem = format!("Trong không gian $Oxyz$, tính bán kính của mặt cầu $(S): {}$.", sphere_general(i, r));
    Some(Draft::new("12.3.4", Hieu, stem, short_exact(r as f64)?))
}

pub fn mat_cau_tiep_xuc(rng: &mut Rng) -> Option<Draft> {
    let (n, len) = whole_vector(rng);
    let i = point(rng, 4);
    let r = rng.random_range(1..=4);
    // Choose d so that |n·I + d| = r·len: the plane is tangent with whole radius r.
    let d = r * len - dot(n, i);
    let p = [n[0], n[1], n[2], d];
    let stem = format!(
        "Trong không gian $Oxyz$, cho mặt cầu $(S)$ có tâm $I{}$ và tiếp xúc với mặt phẳng $(P): {}$. \
         Tính diện tích mặt cầu $(S)$ theo đơn vị $\\pi$ (tức là tìm $k$ sao cho $S = k\\pi$).",
        triple(i),
        plane_tex(p)
    );
    let k = 4 * r * r;
    let check = Check::PointPlane { p: f3(i), plane: p.map(|x| x as f64) };
    Some(Draft::new("12.3.4", VanDung, stem, short_exact(k as f64)?).checked_aux(r as f64, check))
}

pub fn goc_hai_mat_phang(rng: &mut Rng) -> Option<Draft> {
    let n1 = [nonzero(rng, -3, 3), rng.random_range(-3..=3), rng.random_range(-3..=3)];
    let n2 = [rng.random_range(-3..=3), nonzero(rng, -3, 3), rng.random_range(-3..=3)];
    if parallel(n1, n2) || dot(n1, n2) == 0 {
        return None;
    }
    let cos = dot(n1, n2).abs() as f64 / ((dot(n1, n1) as f64).sqrt() * (dot(n2, n2) as f64).sqrt());
    let deg = cos.acos().to_degrees();
    if (deg - deg.round()).abs() > 0.45 || (deg.fract() - 0.5).abs() < 0.02 {
        return None; // too close to a rounding boundary to be fair
    }
    let p1 = [n1[0], n1[1], n1[2], rng.random_range(-5..=5)];
    let p2 = [n2[0], n2[1], n2[2], rng.random_range(-5..=5)];
    let stem = format!(
        "Trong không gian $Oxyz$, tính góc giữa hai mặt phẳng $(P): {}$ và $(Q): {}$ (đơn vị: độ, làm tròn kết \
         quả đến hàng đơn vị).",
        plane_tex(p1),
        plane_tex(p2)
    );
    Some(Draft::new("12.3.5", VanDung, stem, short_exact(deg.round())?))
}

pub fn tam_giac_tf(rng: &mut Rng) -> Option<Draft> {
    let a = point(rng, 3);
    let ab = point(rng, 3);
    let right = rng.random_bool(0.5);
    let ac = if right {
        // A vector perpendicular to AB.
        let c = cross(ab, point(rng, 2));
        if c == [0, 0, 0] {
            return None;
        }
        c
    } else {
        point(rng, 3)
    };
    if ab == [0, 0, 0] || ac == [0, 0, 0] || parallel(ab, ac) || ac.iter().any(|x| x.abs() > 12) {
        return None;
    }
    let b = add(a, ab);
    let c = add(a, ac);
    let s = add(add(a, b), c);
    if s.iter().any(|x| x % 3 != 0) {
        return None;
    }
    let g = s.map(|x| x / 3);
    let d = dot(ab, ac);
    let is_right = d == 0;
    let off = nonzero(rng, -2, 2);
    let body = true_false(
        rng,
        [
            stmt(
                Biet,
                format!("$\\overrightarrow{{AB}} = {}$.", triple(ab)),
                format!("$\\overrightarrow{{AB}} = {}$.", triple(sub(a, b))),
            ),
            stmt(
                Hieu,
                format!("$\\overrightarrow{{AB}}\\cdot\\overrightarrow{{AC}} = {d}$."),
                format!("$\\overrightarrow{{AB}}\\cdot\\overrightarrow{{AC}} = {}$.", d + off),
            ),
            stmt(
                Hieu,
                format!("Tam giác $ABC$ {} tại $A$.", if is_right { "vuông" } else { "không vuông" }),
                format!("Tam giác $ABC$ {} tại $A$.", if is_right { "không vuông" } else { "vuông" }),
            ),
            stmt(
                VanDung,
                format!("Trọng tâm của tam giác $ABC$ là $G{}$.", triple(g)),
                format!("Trọng tâm của tam giác $ABC$ là $G{}$.", triple(add(g, [0, off, 0]))),
            ),
        ],
    );
    let stem = format!(
        "Trong không gian $Oxyz$, cho ba điểm $A{}$, $B{}$ và $C{}$.",
        triple(a),
        triple(b),
        triple(c)
    );
    Some(Draft::new("12.3.1", Hieu, stem, body))
}

/// One plane written two ways: its equation (choice) and a distance from a point to it (short
/// answer); the second stem shows the first item's key.
pub fn mat_phang_pair(rng: &mut Rng) -> Option<[Draft; 2]> {
    let (n, len) = whole_vector(rng);
    let m = point(rng, 3);
    let p = plane_through(m, n);
    let alt = [n[0], n[1], n[2], dot(n, m)];
    if same_plane(alt, p) {
        return None;
    }
    let t = |q: [i64; 4]| format!("${}$", plane_tex(q));
    let first = Draft::new(
        "12.3.2",
        Hieu,
        format!(
            "Trong không gian $Oxyz$, mặt phẳng $(P)$ đi qua điểm $M{}$ và vuông góc với vectơ $\\vec n = {}$ có phương trình là",
            triple(m),
            triple(n)
        ),
        choice(rng, t(p), [t(alt), t([m[0], m[1], m[2], -dot(n, m)]), t([n[0], n[1], n[2], p[3] + 1])])?,
    );
    let k = rng.random_range(1..=4);
    let q = add(m, scale(k, n));
    let dist = (k * len) as f64;
    let second = Draft::new(
        "12.3.5",
        Hieu,
        format!(
            "Trong không gian $Oxyz$, tính khoảng cách từ điểm $N{}$ đến mặt phẳng $(P): {}$.",
            triple(q),
            plane_tex(p)
        ),
        short_exact(dist)?,
    )
    .checked(dist, Check::PointPlane { p: f3(q), plane: p.map(|x| x as f64) });
    Some([first, second])
}

/// Radar coverage (a sphere) and a straight flight path: distance, direction and whether the
/// aircraft enters the covered zone.
pub fn radar_group(rng: &mut Rng) -> Option<crate::draft::Group> {
    let r = pick(rng, &[300, 400, 500]);
    let a = [rng.random_range(-8..=-4) * 100, rng.random_range(2..=6) * 100, rng.random_range(8..=12)];
    let (u, len) = whole_vector(rng);
    let k = rng.random_range(50..=120);
    let b = add(a, scale(k, u));
    let ab = sub(b, a);
    let ab_len = k * len;
    // Distance from O to the line AB: |OA × u| / |u|.
    let cr = cross(a, u);
    let dist = (dot(cr, cr) as f64).sqrt() / len as f64;
    let oa = (dot(a, a) as f64).sqrt();
    let text = format!(
        "Trong không gian $Oxyz$ (đơn vị trên mỗi trục là kilômét), một trạm radar đặt tại gốc tọa độ $O$ theo dõi \
         được mọi vật thể cách nó không quá ${r}$ km. Một máy bay bay theo đường thẳng từ vị trí $A{}$ đến vị trí \
         $B{}$.",
        triple(a),
        triple(b)
    );
    let sa = Draft::new(
        "12.3.1",
        Hieu,
        "Tính quãng đường (kilômét) máy bay bay từ $A$ đến $B$.",
        short_exact(ab_len as f64)?,
    )
    .checked(ab_len as f64, Check::Distance { p: f3(a), q: f3(b) });
    let t = |v: V| format!("${}$", triple(v));
    let sc = Draft::new(
        "12.3.3",
        Biet,
        "Một vectơ chỉ phương của đường bay $AB$ là",
        choice(
            rng,
            t(u),
            [a, add(a, b), [u[0], -u[1], u[2]], [u[1], u[0], u[2]]]
                .into_iter()
                .filter(|c| !parallel(*c, u))
                .map(t),
        )?,
    );
    let inside = oa <= r as f64;
    let enters = dist <= r as f64;
    let tf = Draft::new(
        "12.3.5",
        VanDung,
        "Xét tính đúng sai của các khẳng định sau.",
        true_false(
            rng,
            [
                stmt(
                    Biet,
                    format!("$\\overrightarrow{{AB}} = {}$.", triple(ab)),
                    format!("$\\overrightarrow{{AB}} = {}$.", triple(add(a, b))),
                ),
                stmt(
                    Hieu,
                    format!(
                        "Tại vị trí $A$, máy bay {} vùng theo dõi của radar.",
                        if inside { "nằm trong" } else { "nằm ngoài" }
                    ),
                    format!(
                        "Tại vị trí $A$, máy bay {} vùng theo dõi của radar.",
                        if inside { "nằm ngoài" } else { "nằm trong" }
                    ),
                ),
                stmt(
                    VanDung,
                    format!(
                        "Khoảng cách từ $O$ đến đường bay $AB$ xấp xỉ ${}$ km (làm tròn đến hàng đơn vị).",
                        crate::draft::num(dist.round(), 0)
                    ),
                    format!(
                        "Khoảng cách từ $O$ đến đường bay $AB$ xấp xỉ ${}$ km (làm tròn đến hàng đơn vị).",
                        crate::draft::num(dist.round() + 37.0, 0)
                    ),
                ),
                stmt(
                    VanDung,
                    format!(
                        "Trên đường bay (kéo dài) qua $A$ và $B$, {} điểm mà radar theo dõi được máy bay.",
                        if enters { "có" } else { "không có" }
                    ),
                    format!(
                        "Trên đường bay (kéo dài) qua $A$ và $B$, {} điểm mà radar theo dõi được máy bay.",
                        if enters { "không có" } else { "có" }
                    ),
                ),
            ],
        ),
    );
    if (dist - dist.round()).abs() > 0.45 || (dist - r as f64).abs() < 5.0 {
        return None;
    }
    Some(crate::draft::Group { title: "Radar theo dõi máy bay".into(), text, drafts: vec![sa, sc, tf] })
}
