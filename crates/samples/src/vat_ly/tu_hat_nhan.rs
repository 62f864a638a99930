//! Vật lý 12.3 (từ trường, cảm ứng điện từ, dòng điện xoay chiều) and 12.4 (vật lí hạt nhân).
//! Nuclides are real ones with the half-lives printed in Vietnamese textbooks.
//! Long because: a generator data table (one item template per lesson of 12.3–12.4, with its data),
//! kept whole so one topic reads in one place.

use khaothi_domain::Level::{Biet, Hieu, VanDung, VanDungCao};
use rand::Rng as _;

use crate::draft::{
    Check, Draft, Group, Rng, choice, choice_num, num, pick, short, short_exact, stmt, true_false,
};
use crate::vat_ly::nhiet::fit;

/// `(symbol, Z, A)`.
const NUCLIDES: &[(&str, i64, i64)] = &[
    ("U", 92, 235),
    ("U", 92, 238),
    ("Pu", 94, 239),
    ("C", 6, 14),
    ("Co", 27, 60),
    ("I", 53, 131),
    ("Ra", 88, 226),
    ("Po", 84, 210),
    ("Sr", 38, 90),
    ("Cs", 55, 137),
    ("Fe", 26, 56),
    ("Na", 11, 23),
    ("P", 15, 32),
    ("K", 19, 40),
    ("Rn", 86, 222),
    ("Th", 90, 232),
];

/// Element symbols by atomic number (index 0 unused), for daughters of decays.
const SYMBOLS: [&str; 97] = [
    "", "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl", "Ar",
    "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr",
    "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe",
    "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
    "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra",
    "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm",
];

fn symbol(z: i64) -> &'static str {
    SYMBOLS.get(z as usize).copied().filter(|s| !s.is_empty()).unwrap_or("X")
}

fn nuclide(sym: &str, z: i64, a: i64) -> String {
    format!("${{}}^{{{a}}}_{{{z}}}\\mathrm{{{sym}}}$")
}

pub fn cau_tao_hat_nhan(rng: &mut Rng) -> Option<Draft> {
    let (sym, z, a) = pick(rng, NUCLIDES);
    let ask_neutrons = rng.random_bool(0.6);
    let (what, correct, wrong) = if ask_neutrons {
        ("số neutron", a - z, [z, a, a + z])
    } else {
        ("số nucleon", a, [z, a - z, a + z])
    };
    let body = choice_num(rng, correct as f64, &wrong.map(|x| x as f64), 0)?;
    let stem = format!("Hạt nhân {} có {what} là", nuclide(sym, z, a));
    Some(Draft::new("12.4.1", Biet, stem, body))
}

/// `(parent, mode, half-life, unit)`: α or β⁻ decays of real nuclides.
const DECAYS: &[(&str, i64, i64, &str, f64, &str)] = &[
    ("Ra", 88, 226, "alpha", 1600.0, "năm"),
    ("Po", 84, 210, "alpha", 138.0, "ngày"),
    ("U", 92, 238, "alpha", 4.5e9, "năm"),
    ("Rn", 86, 222, "alpha", 3.8, "ngày"),
    ("C", 6, 14, "beta", 5730.0, "năm"),
    ("Co", 27, 60, "beta", 5.27, "năm"),
    ("I", 53, 131, "beta", 8.0, "ngày"),
    ("P", 15, 32, "beta", 14.3, "ngày"),
    ("Sr", 38, 90, "beta", 28.8, "năm"),
    ("Cs", 55, 137, "beta", 30.0, "năm"),
];

pub fn hat_nhan_con(rng: &mut Rng) -> Option<Draft> {
    let (sym, z, a, mode, _, _) = pick(rng, DECAYS);
    let (dz, da, name) = if mode == "alpha" { (-2, -4, "$\\alpha$") } else { (1, 0, "$\\beta^-$") };
    let d = |z2: i64, a2: i64| nuclide(symbol(z2), z2, a2);
    let correct = d(z + dz, a + da);
    let wrong = [
        d(z - dz, a + da),
        d(z + dz, a - da + if da == 0 { 1 } else { 0 }),
        d(z - 1, a),
        d(z - 4, a - 2),
        d(z + 2, a + 4),
    ];
    let body = choice(rng, correct, wrong.into_iter().filter(|w| !w.contains("mathrm{X}")))?;
    let stem = format!("Hạt nhân {} phóng xạ {name}. Hạt nhân con tạo thành là", nuclide(sym, z, a));
    Some(Draft::new("12.4.4", Hieu, stem, body))
}

pub fn bao_toan_phan_ung(rng: &mut Rng) -> Option<Draft> {
    // Fission of U-235 by a slow neutron into two real fragments plus x neutrons.
    let (s1, z1, a1, s2, z2, a2) = pick(
        rng,
        &[
            ("Xe", 54, 140, "Sr", 38, 94),
            ("Ba", 56, 141, "Kr", 36, 92),
            ("Ba", 56, 144, "Kr", 36, 89),
            ("Xe", 54, 139, "Sr", 38, 95),
            ("Cs", 55, 140, "Rb", 37, 93),
        ],
    );
    if z1 + z2 != 92 {
        return None;
    }
    let x = 236 - a1 - a2;
    let stem = format!(
        "Cho phản ứng phân hạch ${{}}^{{1}}_{{0}}\\mathrm{{n}} + {{}}^{{235}}_{{92}}\\mathrm{{U}} \\rightarrow {{}}^{{{a1}}}_{{{z1}}}\\mathrm{{{s1}}} + {{}}^{{{a2}}}_{{{z2}}}\\mathrm{{{s2}}} + x\\,{{}}^{{1}}_{{0}}\\mathrm{{n}}$. Giá trị của $x$ là"
    );
    let body = choice_num(rng, x as f64, &[1.0, 2.0, 3.0, 4.0], 0)?;
    Some(Draft::new("12.4.3", Hieu, stem, body))
}

pub fn chu_ki_ban_ra(rng: &mut Rng) -> Option<Draft> {
    let (sym, z, a, _, half, unit) = pick(rng, DECAYS);
    if half > 1e4 {
        return None;
    }
    let k = rng.random_range(1..=4);
    let m0 = pick(rng, &[16.0, 32.0, 48.0, 64.0, 80.0, 100.0, 200.0]);
    let t = half * k as f64;
    let left = m0 / 2f64.powi(k);
    let body = choice_num(
        rng,
        left,
        &[m0 - m0 / 2f64.powi(k), m0 / (2.0 * k as f64), m0 / 2f64.powi(k + 1), m0 * k as f64 / 8.0],
        2,
    )?;
    let stem = format!(
        "Chất phóng xạ {} có chu kì bán rã ${}$ {unit}. Ban đầu có ${}$ g chất này. Sau ${}$ {unit}, khối lượng (gam) \
         chất đó còn lại chưa phân rã là",
        nuclide(sym, z, a),
        num(half, 2),
        num(m0, 0),
        num(t, 2)
    );
    Some(
        Draft::new("12.4.4", Hieu, stem, body)
            .checked_aux(left / m0, Check::DecayLeft { t, half_life: half }),
    )
}

pub fn phan_tram_con_lai(rng: &mut Rng) -> Option<Draft> {
    let (sym, z, a, _, half, unit) = pick(rng, DECAYS);
    if half > 1e4 {
        return None;
    }
    let t = half * pick(rng, &[0.5, 1.5, 2.5, 3.0, 0.25]);
    let pct = 100.0 * 0.5f64.powf(t / half);
    let (body, phrase) = fit(pct)?;
    let stem = format!(
        "Chất phóng xạ {} có chu kì bán rã ${}$ {unit}. Sau ${}$ {unit}, số hạt nhân chưa phân rã còn lại bằng bao nhiêu \
         phần trăm số hạt nhân ban đầu {phrase}?",
        nuclide(sym, z, a),
        num(half, 2),
        num(t, 3)
    );
    Some(
        Draft::new("12.4.4", VanDung, stem, body)
            .checked_aux(pct / 100.0, Check::DecayLeft { t, half_life: half }),
    )
}

pub fn tuoi_c14(rng: &mut Rng) -> Option<Draft> {
    let ratio: f64 = pick(rng, &[0.25, 0.5, 0.125, 0.3, 0.4, 0.6, 0.7, 0.8]);
    let age = 5730.0 * (1.0 / ratio).log2() / 1000.0;
    let (body, phrase) = fit(age)?;
    let stem = format!(
        "Trong một mẫu gỗ cổ, tỉ lệ số hạt nhân ${{}}^{{14}}_{{6}}\\mathrm{{C}}$ so với một mẫu gỗ cùng loại vừa chặt bằng \
         ${}\\%$. Biết chu kì bán rã của ${{}}^{{14}}_{{6}}\\mathrm{{C}}$ là $5730$ năm. Tuổi của mẫu gỗ cổ là bao nhiêu \
         nghìn năm {phrase}?",
        num(ratio * 100.0, 1)
    );
    Some(
        Draft::new("12.4.4", VanDungCao, stem, body)
            .checked_aux(ratio, Check::DecayLeft { t: age * 1000.0, half_life: 5730.0 }),
    )
}

/// `(symbol, Z, A, nuclear mass in u)`.
const MASSES: &[(&str, i64, i64, f64)] = &[
    ("He", 2, 4, 4.0015),
    ("Li", 3, 7, 7.0144),
    ("C", 6, 12, 11.9967),
    ("O", 8, 16, 15.9905),
    ("Fe", 26, 56, 55.9207),
    ("Ne", 10, 20, 19.9869),
];
const M_P: f64 = 1.0073;
const M_N: f64 = 1.0087;

pub fn nang_luong_lien_ket(rng: &mut Rng) -> Option<Draft> {
    let (sym, z, a, m) = pick(rng, MASSES);
    let dm = z as f64 * M_P + (a - z) as f64 * M_N - m;
    let per = rng.random_bool(0.5);
    let w = dm * 931.5;
    let value = if per { w / a as f64 } else { w };
    let (body, phrase) = fit(value)?;
    let what = if per {
        "Năng lượng liên kết riêng (MeV/nucleon)"
    } else {
        "Năng lượng liên kết (MeV)"
    };
    let stem = format!(
        "Cho khối lượng của hạt nhân {} là ${}$ u; khối lượng của proton và neutron lần lượt là $1{{,}}0073$ u và \
         $1{{,}}0087$ u; $1\\ \\mathrm{{u}} = 931{{,}}5\\ \\mathrm{{MeV}}/c^2$. {what} của hạt nhân này là bao nhiêu {phrase}?",
        nuclide(sym, z, a),
        num(m, 4)
    );
    Some(Draft::new("12.4.2", VanDung, stem, body))
}

const NUCLEAR_CONCEPTS: &[(&str, u8, &str, &str, [&str; 3])] = &[
    (
        "12.4.1",
        0,
        "Hạt nhân nguyên tử được cấu tạo từ",
        "các proton và neutron",
        ["các proton và electron", "các neutron và electron", "các electron"],
    ),
    (
        "12.4.2",
        1,
        "Hạt nhân càng bền vững khi có",
        "năng lượng liên kết riêng càng lớn",
        ["năng lượng liên kết càng nhỏ", "số nucleon càng lớn", "độ hụt khối càng nhỏ"],
    ),
    (
        "12.4.3",
        0,
        "Phản ứng nhiệt hạch là",
        "sự kết hợp hai hạt nhân nhẹ thành một hạt nhân nặng hơn",
        [
            "sự phân chia một hạt nhân nặng thành hai hạt nhân nhẹ hơn",
            "sự phóng xạ của hạt nhân nặng",
            "phản ứng hóa học tỏa nhiều nhiệt",
        ],
    ),
    (
        "12.4.4",
        0,
        "Tia phóng xạ nào sau đây không bị lệch trong điện trường?",
        "Tia $\\gamma$",
        ["Tia $\\alpha$", "Tia $\\beta^-$", "Tia $\\beta^+$"],
    ),
    (
        "12.4.4",
        1,
        "Phát biểu nào sau đây về hiện tượng phóng xạ là đúng?",
        "Phóng xạ là quá trình tự phát, không phụ thuộc vào các yếu tố bên ngoài như nhiệt độ, áp suất",
        [
            "Có thể làm chậm quá trình phóng xạ bằng cách làm lạnh chất phóng xạ",
            "Phóng xạ chỉ xảy ra khi hạt nhân bị bắn phá bằng neutron",
            "Chu kì bán rã của một chất giảm khi khối lượng chất đó tăng",
        ],
    ),
    (
        "12.4.5",
        0,
        "Biện pháp nào sau đây giúp giảm liều chiếu xạ khi làm việc gần nguồn phóng xạ?",
        "Tăng khoảng cách tới nguồn và giảm thời gian tiếp xúc",
        [
            "Đứng gần nguồn để làm việc nhanh hơn",
            "Dùng găng tay vải mỏng để che tay",
            "Nhìn trực tiếp vào nguồn để kiểm tra",
        ],
    ),
    (
        "12.3.1",
        0,
        "Đường sức từ của từ trường do dòng điện thẳng dài gây ra là",
        "những đường tròn đồng tâm nằm trong mặt phẳng vuông góc với dòng điện",
        [
            "những đường thẳng song song với dòng điện",
            "những đường thẳng vuông góc với dòng điện",
            "những đường cong xuất phát từ dòng điện",
        ],
    ),
    (
        "12.3.3",
        1,
        "Theo định luật Lenz, dòng điện cảm ứng có chiều sao cho từ trường do nó sinh ra",
        "chống lại sự biến thiên của từ thông qua mạch",
        [
            "luôn cùng chiều với từ trường ngoài",
            "luôn ngược chiều với từ trường ngoài",
            "làm tăng sự biến thiên của từ thông qua mạch",
        ],
    ),
    (
        "12.3.4",
        0,
        "Máy biến áp hoạt động dựa trên hiện tượng",
        "cảm ứng điện từ",
        ["tự cảm", "nhiệt điện", "quang điện"],
    ),
];

pub fn khai_niem(rng: &mut Rng) -> Option<Draft> {
    let (topic, level, stem, key, wrong) = pick(rng, NUCLEAR_CONCEPTS);
    let level = [Biet, Hieu][level as usize];
    Some(Draft::new(topic, level, stem, choice(rng, key.to_string(), wrong.iter().map(|s| s.to_string()))?))
}

pub fn luc_tu(rng: &mut Rng) -> Option<Draft> {
    let b = pick(rng, &[0.02, 0.04, 0.05, 0.1, 0.2, 0.5]);
    let i = pick(rng, &[2.0, 4.0, 5.0, 10.0]);
    let l_cm = pick(rng, &[10.0, 20.0, 25.0, 50.0]);
    let angle = pick(rng, &[30, 90, 90]);
    let s = if angle == 30 { 0.5 } else { 1.0 };
    let f = b * i * l_cm / 100.0 * s;
    let wrong = [
        b * i * l_cm * s,
        b * i * l_cm / 100.0 * if angle == 30 { 3f64.sqrt() / 2.0 } else { 0.0 },
        b * i / (l_cm / 100.0) * s,
        f * 2.0,
    ];
    let body = choice_num(rng, f, &wrong, 3)?;
    let stem = format!(
        "Một đoạn dây dẫn thẳng dài ${}$ cm mang dòng điện ${}$ A đặt trong từ trường đều có cảm ứng từ ${}$ T. Dây dẫn \
         hợp với các đường sức từ một góc ${angle}^\\circ$. Độ lớn lực từ (N) tác dụng lên đoạn dây là",
        num(l_cm, 0),
        num(i, 0),
        num(b, 2)
    );
    Some(Draft::new("12.3.2", Hieu, stem, body))
}

pub fn cam_ung_tu(rng: &mut Rng) -> Option<Draft> {
    let f_mn = pick(rng, &[12.0, 15.0, 18.0, 24.0, 30.0, 36.0]);
    let i = pick(rng, &[2.0, 3.0, 4.0, 5.0, 6.0]);
    let l_cm = pick(rng, &[10.0, 15.0, 20.0, 30.0]);
    let b_mt = f_mn / (i * l_cm / 100.0);
    let (body, phrase) = fit(b_mt)?;
    let stem = format!(
        "Một đoạn dây dẫn dài ${}$ cm đặt vuông góc với các đường sức của một từ trường đều. Khi cho dòng điện ${}$ A chạy \
         qua thì lực từ tác dụng lên đoạn dây có độ lớn ${}$ mN. Tính độ lớn cảm ứng từ theo đơn vị mT {phrase}.",
        num(l_cm, 0),
        num(i, 0),
        num(f_mn, 0)
    );
    Some(Draft::new("12.3.2", VanDung, stem, body))
}

pub fn suat_dien_dong(rng: &mut Rng) -> Option<Draft> {
    let n = pick(rng, &[50, 100, 200, 500]);
    let s_cm2 = pick(rng, &[20.0, 25.0, 40.0, 50.0, 100.0]);
    let b1 = pick(rng, &[0.0, 0.1, 0.2]);
    let b2 = b1 + pick(rng, &[0.2, 0.3, 0.4, 0.5]);
    let dt = pick(rng, &[0.05, 0.1, 0.2, 0.5]);
    let e = n as f64 * (b2 - b1) * s_cm2 * 1e-4 / dt;
    let (body, phrase) = fit(e)?;
    let stem = format!(
        "Một khung dây phẳng gồm ${n}$ vòng, diện tích mỗi vòng ${}\\ \\mathrm{{cm^2}}$, đặt trong từ trường đều sao cho \
         các đường sức từ vuông góc với mặt phẳng khung. Trong thời gian ${}$ s, cảm ứng từ tăng đều từ ${}$ T đến ${}$ T. \
         Tính độ lớn suất điện động cảm ứng (V) xuất hiện trong khung {phrase}.",
        num(s_cm2, 0),
        num(dt, 2),
        num(b1, 1),
        num(b2, 1)
    );
    Some(Draft::new("12.3.3", VanDung, stem, body))
}

pub fn tu_thong(rng: &mut Rng) -> Option<Draft> {
    let b = pick(rng, &[0.1, 0.2, 0.4, 0.5]);
    let s_cm2 = pick(rng, &[50.0, 100.0, 200.0, 400.0]);
    let alpha = pick(rng, &[0, 60]);
    let c = if alpha == 0 { 1.0 } else { 0.5 };
    let phi_mwb = b * s_cm2 * 1e-4 * c * 1000.0;
    let wrong = [
        b * s_cm2 * c,
        b * s_cm2 * 1e-4 * 1000.0 * if alpha == 0 { 0.0 } else { 3f64.sqrt() / 2.0 },
        phi_mwb * 10.0,
        phi_mwb / 2.0,
    ];
    let body = choice_num(rng, phi_mwb, &wrong, 2)?;
    let stem = format!(
        "Một vòng dây phẳng có diện tích ${}\\ \\mathrm{{cm^2}}$ đặt trong từ trường đều có cảm ứng từ ${}$ T. Vectơ pháp \
         tuyến của mặt phẳng vòng dây hợp với vectơ cảm ứng từ một góc ${alpha}^\\circ$. Từ thông qua vòng dây (tính theo mWb) là",
        num(s_cm2, 0),
        num(b, 1)
    );
    Some(Draft::new("12.3.3", Hieu, stem, body))
}

pub fn may_bien_ap(rng: &mut Rng) -> Option<Draft> {
    let n1 = pick(rng, &[500, 1000, 1100, 2000, 2200]);
    let n2 = pick(rng, &[50, 100, 110, 200, 4400]);
    let u1 = pick(rng, &[110.0, 220.0]);
    let u2 = u1 * n2 as f64 / n1 as f64;
    let body = short(u2, 1)?;
    let stem = format!(
        "Một máy biến áp lí tưởng có cuộn sơ cấp ${n1}$ vòng và cuộn thứ cấp ${n2}$ vòng. Đặt vào hai đầu cuộn sơ cấp \
         điện áp xoay chiều có giá trị hiệu dụng ${}$ V. Điện áp hiệu dụng (V) ở hai đầu cuộn thứ cấp để hở là bao nhiêu?",
        num(u1, 0)
    );
    Some(Draft::new("12.3.4", Hieu, stem, body))
}

pub fn dien_ap_hieu_dung(rng: &mut Rng) -> Option<Draft> {
    let u = pick(rng, &[110, 220, 100, 200]);
    let f = pick(rng, &[50, 60]);
    let stem = format!(
        "Điện áp xoay chiều $u = {u}\\sqrt{{2}}\\cos({}\\pi t)$ (V) có giá trị hiệu dụng và tần số lần lượt là",
        2 * f
    );
    let o = |a: String, b: i64| format!("${a}$ V và ${b}$ Hz");
    let body = choice(
        rng,
        o(u.to_string(), f),
        [o(format!("{u}\\sqrt{{2}}"), f), o(u.to_string(), 2 * f), o(format!("{u}\\sqrt{{2}}"), 2 * f)],
    )?;
    Some(Draft::new("12.3.4", Biet, stem, body))
}

pub fn tu_truong_tf(rng: &mut Rng) -> Option<Draft> {
    let b = pick(rng, &[0.2, 0.5, 0.8]);
    let l = pick(rng, &[0.2, 0.5]);
    let i = pick(rng, &[2.0, 5.0, 10.0]);
    let f = b * i * l;
    let body = true_false(
        rng,
        [
            stmt(
                Biet,
                "Lực từ tác dụng lên đoạn dây có phương vuông góc với cả đoạn dây và vectơ cảm ứng từ.",
                "Lực từ tác dụng lên đoạn dây có phương song song với vectơ cảm ứng từ.",
            ),
            stmt(
                Hieu,
                format!("Độ lớn lực từ tác dụng lên đoạn dây là ${}$ N.", num(f, 2)),
                format!("Độ lớn lực từ tác dụng lên đoạn dây là ${}$ N.", num(f * 100.0, 2)),
            ),
            stmt(
                Hieu,
                "Nếu đổi chiều dòng điện thì lực từ đổi chiều nhưng giữ nguyên độ lớn.",
                "Nếu đổi chiều dòng điện thì lực từ giữ nguyên chiều và độ lớn.",
            ),
            stmt(
                VanDung,
                format!(
                    "Nếu quay đoạn dây để nó hợp với đường sức từ góc $30^\\circ$ thì lực từ có độ lớn ${}$ N.",
                    num(f / 2.0, 2)
                ),
                format!(
                    "Nếu quay đoạn dây để nó hợp với đường sức từ góc $30^\\circ$ thì lực từ có độ lớn ${}$ N.",
                    num(f * 3f64.sqrt() / 2.0, 2)
                ),
            ),
        ],
    );
    let stem = format!(
        "Một đoạn dây dẫn thẳng dài ${}$ m mang dòng điện ${}$ A được đặt vuông góc với các đường sức của một từ trường \
         đều có cảm ứng từ ${}$ T.",
        num(l, 1),
        num(i, 0),
        num(b, 1)
    );
    Some(Draft::new("12.3.2", Hieu, stem, body))
}

pub fn phong_xa_tf(rng: &mut Rng) -> Option<Draft> {
    let (sym, z, a, mode, half, unit) = pick(rng, DECAYS);
    if half > 1e4 {
        return None;
    }
    let (dz, da) = if mode == "alpha" { (-2, -4) } else { (1, 0) };
    let name = if mode == "alpha" { "$\\alpha$" } else { "$\\beta^-$" };
    let body = true_false(
        rng,
        [
            stmt(
                Biet,
                format!("Hạt nhân này có ${}$ neutron.", a - z),
                format!("Hạt nhân này có ${a}$ neutron."),
            ),
            stmt(
                Hieu,
                format!("Hạt nhân con có số khối ${}$ và số proton ${}$.", a + da, z + dz),
                format!("Hạt nhân con có số khối ${}$ và số proton ${}$.", a + da, z - dz),
            ),
            stmt(
                Hieu,
                format!(
                    "Sau ${}$ {unit}, số hạt nhân chưa phân rã còn lại bằng $25\\%$ số hạt nhân ban đầu.",
                    num(2.0 * half, 2)
                ),
                format!(
                    "Sau ${}$ {unit}, số hạt nhân chưa phân rã còn lại bằng $50\\%$ số hạt nhân ban đầu.",
                    num(2.0 * half, 2)
                ),
            ),
            stmt(
                VanDung,
                format!(
                    "Hằng số phóng xạ của chất này xấp xỉ ${}$ ({unit}$^{{-1}}$).",
                    num(2f64.ln() / half, 4)
                ),
                format!("Hằng số phóng xạ của chất này xấp xỉ ${}$ ({unit}$^{{-1}}$).", num(1.0 / half, 4)),
            ),
        ],
    );
    let stem = format!(
        "Hạt nhân {} phóng xạ {name} với chu kì bán rã ${}$ {unit}.",
        nuclide(sym, z, a),
        num(half, 2)
    );
    Some(Draft::new("12.4.4", Hieu, stem, body))
}

/// Radioactive iodine for thyroid treatment.
pub fn iod_group(rng: &mut Rng) -> Option<Group> {
    let m0 = pick(rng, &[20.0, 40.0, 50.0, 80.0, 100.0]); // µg, written as micrôgam
    let days = pick(rng, &[16, 24, 32]);
    let left = m0 * 0.5f64.powf(days as f64 / 8.0);
    let text = format!(
        "Iod phóng xạ ${{}}^{{131}}_{{53}}\\mathrm{{I}}$ được dùng trong y học để điều trị bệnh tuyến giáp; nó phóng xạ \
         $\\beta^-$ với chu kì bán rã $8$ ngày. Một bệnh nhân được cho uống một liều chứa ${}$ microgam ${{}}^{{131}}_{{53}}\\mathrm{{I}}$. \
         Giả sử toàn bộ lượng iod này được giữ lại trong cơ thể.",
        num(m0, 0)
    );
    let daughter = Draft::new(
        "12.4.4",
        Biet,
        "Hạt nhân con tạo thành khi ${}^{131}_{53}\\mathrm{I}$ phân rã là",
        choice(
            rng,
            nuclide("Xe", 54, 131),
            [nuclide("Te", 52, 131), nuclide("Sb", 51, 127), nuclide("I", 53, 130)],
        )?,
    );
    let sa = Draft::new(
        "12.4.4",
        Hieu,
        format!("Sau ${days}$ ngày, khối lượng (microgam) ${{}}^{{131}}_{{53}}\\mathrm{{I}}$ còn lại trong cơ thể bệnh nhân là bao nhiêu?"),
        short_exact(left)?,
    )
    .checked_aux(left / m0, Check::DecayLeft { t: days as f64, half_life: 8.0 });
    let tf = Draft::new(
        "12.4.5",
        Hieu,
        "Xét tính đúng sai của các khẳng định sau.",
        true_false(
            rng,
            [
                stmt(
                    Biet,
                    "Tia $\\beta^-$ là dòng các electron.",
                    "Tia $\\beta^-$ là dòng các hạt nhân helium.",
                ),
                stmt(
                    Hieu,
                    "Sau $8$ ngày, một nửa số hạt nhân ${}^{131}_{53}\\mathrm{I}$ ban đầu đã phân rã.",
                    "Sau $8$ ngày, toàn bộ số hạt nhân ${}^{131}_{53}\\mathrm{I}$ ban đầu đã phân rã.",
                ),
                stmt(
                    Hieu,
                    "Người chăm sóc bệnh nhân nên hạn chế thời gian tiếp xúc gần trong những ngày đầu sau điều trị.",
                    "Vì liều rất nhỏ nên người chăm sóc không cần bất kì biện pháp an toàn phóng xạ nào.",
                ),
                stmt(
                    VanDung,
                    format!(
                        "Sau ${}$ ngày, độ phóng xạ của lượng iod trong cơ thể giảm còn ${}\\%$ so với ban đầu.",
                        3 * 8,
                        num(12.5, 1)
                    ),
                    format!(
                        "Sau ${}$ ngày, độ phóng xạ của lượng iod trong cơ thể giảm còn ${}\\%$ so với ban đầu.",
                        3 * 8,
                        num(100.0 / 3.0, 1)
                    ),
                ),
            ],
        ),
    );
    Some(Group {
        title: "Iod phóng xạ trong điều trị tuyến giáp".into(),
        text,
        drafts: vec![daughter, sa, tf],
    })
}

/// A transformer at a small power station.
pub fn bien_ap_group(rng: &mut Rng) -> Option<Group> {
    let n1 = pick(rng, &[200, 400, 500]);
    let k = pick(rng, &[10, 20, 25]);
    let n2 = n1 * k;
    let u1 = pick(rng, &[220.0, 400.0]);
    let p_kw = pick(rng, &[11.0, 20.0, 22.0, 40.0]);
    let r = pick(rng, &[10.0, 20.0, 25.0]);
    let u2 = u1 * k as f64;
    let i2 = p_kw * 1000.0 / u2;
    let loss = i2 * i2 * r;
    let text = format!(
        "Một trạm phát điện nhỏ truyền đi công suất ${}$ kW. Điện áp hiệu dụng ở đầu ra của máy phát là ${}$ V. Trước khi \
         truyền tải, điện áp được đưa qua một máy biến áp lí tưởng có cuộn sơ cấp ${n1}$ vòng và cuộn thứ cấp ${n2}$ vòng. \
         Đường dây tải điện có điện trở tổng cộng ${}\\ \\Omega$; coi hệ số công suất bằng $1$.",
        num(p_kw, 0),
        num(u1, 0),
        num(r, 0)
    );
    let sc = Draft::new(
        "12.3.4",
        Biet,
        "Điện áp hiệu dụng (V) ở hai đầu cuộn thứ cấp của máy biến áp là",
        choice_num(rng, u2, &[u1 / k as f64, u1 * (k + 1) as f64, u2 * 2.0], 1)?,
    );
    let (body, phrase) = fit(loss)?;
    let sa = Draft::new(
        "12.3.4",
        VanDung,
        format!("Tính công suất hao phí (W) trên đường dây tải điện {phrase}."),
        body,
    );
    Some(Group {
        title: "Truyền tải điện năng qua máy biến áp".into(), text, drafts: vec![sc, sa]
    })
}
