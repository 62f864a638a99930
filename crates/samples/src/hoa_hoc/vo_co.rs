//! Hóa học 12.5 (pin điện và điện phân) and 12.6 (đại cương kim loại). Standard electrode
//! potentials are those of the 2018 textbooks.

use khaothi_domain::Level::{Biet, Hieu, VanDung, VanDungCao};
use rand::seq::SliceRandom;

use crate::draft::{
    Check, Draft, Group, Rng, chem, choice, choice_num, num, pick, short_exact, stmt, true_false,
};
use crate::hoa_hoc::chem::{FARADAY, MOLAR_VOLUME, atomic_mass};
use crate::hoa_hoc::huu_co::fit;

/// `(metal, ion charge, E° of Mⁿ⁺/M in volts)`.
const COUPLES: &[(&str, i64, f64)] = &[
    ("Mg", 2, -2.37),
    ("Al", 3, -1.66),
    ("Zn", 2, -0.76),
    ("Fe", 2, -0.44),
    ("Ni", 2, -0.26),
    ("Sn", 2, -0.14),
    ("Pb", 2, -0.13),
    ("Cu", 2, 0.34),
    ("Ag", 1, 0.80),
];

fn ion(metal: &str, charge: i64) -> String {
    let c = if charge == 1 { "+".to_string() } else { format!("{charge}+") };
    format!("$\\mathrm{{{metal}^{{{c}}}}}$")
}

fn two_couples(rng: &mut Rng) -> ((&'static str, i64, f64), (&'static str, i64, f64)) {
    let mut idx: Vec<usize> = (0..COUPLES.len()).collect();
    idx.shuffle(rng);
    let (a, b) = (COUPLES[idx[0]], COUPLES[idx[1]]);
    if a.2 < b.2 { (a, b) } else { (b, a) }
}

pub fn suat_dien_dong_pin(rng: &mut Rng) -> Option<Draft> {
    let (anode, cathode) = two_couples(rng);
    let e = cathode.2 - anode.2;
    let stem = format!(
        "Cho thế điện cực chuẩn $E^\\circ_{{\\mathrm{{{a}^{{{ac}+}}/{a}}}}} = {}$ V và $E^\\circ_{{\\mathrm{{{c}^{{{cc}+}}/{c}}}}} = {}$ V. \
         Sức điện động chuẩn (V) của pin điện hóa {a}–{c} là bao nhiêu?",
        num(anode.2, 2),
        num(cathode.2, 2),
        a = anode.0,
        c = cathode.0,
        ac = if anode.1 == 1 { String::new() } else { anode.1.to_string() },
        cc = if cathode.1 == 1 { String::new() } else { cathode.1.to_string() },
    );
    Some(Draft::new("12.5.1", Hieu, stem, crate::draft::short(e, 2)?))
}

pub fn cuc_am_cua_pin(rng: &mut Rng) -> Option<Draft> {
    let (anode, cathode) = two_couples(rng);
    let o = |s: String| s;
    let correct = format!("Kim loại {} là cực âm (anode) và bị oxi hóa", anode.0);
    let wrong = [
        format!("Kim loại {} là cực âm (anode) và bị oxi hóa", cathode.0),
        format!("Kim loại {} là cực dương (cathode) và bị khử", anode.0),
        format!("Ion {} bị oxi hóa ở cực dương", ion(cathode.0, cathode.1)),
    ];
    let stem = format!(
        "Xét pin điện hóa được ghép từ hai cặp oxi hóa – khử {}/{} ($E^\\circ = {}$ V) và {}/{} ($E^\\circ = {}$ V). \
         Phát biểu nào sau đây đúng khi pin hoạt động?",
        ion(anode.0, anode.1),
        anode.0,
        num(anode.2, 2),
        ion(cathode.0, cathode.1),
        cathode.0,
        num(cathode.2, 2)
    );
    Some(Draft::new("12.5.1", Hieu, stem, choice(rng, o(correct), wrong)?))
}

pub fn kim_loai_khu_ion(rng: &mut Rng) -> Option<Draft> {
    let target = pick(rng, &[("Cu", 2), ("Ag", 1), ("Pb", 2)]);
    let e_target = COUPLES.iter().find(|c| c.0 == target.0)?.2;
    let mut stronger: Vec<&str> =
        COUPLES.iter().filter(|c| c.2 < e_target && c.0 != "Al" && c.0 != "Mg").map(|c| c.0).collect();
    let weaker: Vec<String> = COUPLES
        .iter()
        .filter(|c| c.2 >= e_target)
        .map(|c| c.0.to_string())
        .chain(["Au".to_string(), "Pt".to_string()])
        .collect();
    stronger.shuffle(rng);
    let correct = stronger.first()?.to_string();
    let stem = format!(
        "Kim loại nào sau đây khử được ion {} trong dung dịch muối của nó thành kim loại?",
        ion(target.0, target.1)
    );
    Some(Draft::new("12.6.2", Hieu, stem, choice(rng, correct, weaker)?))
}

pub fn dien_phan_dong(rng: &mut Rng) -> Option<Draft> {
    let i = pick(rng, &[2.0, 2.5, 4.0, 5.0, 10.0]);
    let t = pick(rng, &[965.0, 1930.0, 2895.0, 3860.0, 4825.0]);
    let mass = 64.0 * i * t / (2.0 * FARADAY);
    let (body, phrase) = fit(mass)?;
    let stem = format!(
        "Điện phân dung dịch $\\mathrm{{CuSO_4}}$ với điện cực trơ, cường độ dòng điện ${}$ A trong ${}$ giây. Giả thiết \
         hiệu suất điện phân là $100\\%$ và $\\mathrm{{Cu^{{2+}}}}$ còn dư. Khối lượng Cu (gam) bám vào cathode là bao nhiêu {phrase}? \
         Biết $F = 96500$ C/mol.",
        num(i, 1),
        num(t, 0)
    );
    Some(Draft::new("12.5.2", VanDung, stem, body))
}

pub fn dien_phan_thoi_gian(rng: &mut Rng) -> Option<Draft> {
    let (metal, n) = pick(rng, &[("Ag", 1.0), ("Cu", 2.0), ("Zn", 2.0)]);
    let i = pick(rng, &[1.0, 2.0, 5.0]);
    let mass = pick(rng, &[1.08, 2.16, 3.2, 6.4, 1.3, 2.6]);
    let t_min = mass / atomic_mass(metal)? * n * FARADAY / i / 60.0;
    let (body, phrase) = fit(t_min)?;
    let salt = match metal {
        "Ag" => "AgNO3",
        "Cu" => "CuSO4",
        _ => "ZnSO4",
    };
    let stem = format!(
        "Mạ kim loại bằng cách điện phân dung dịch {} với dòng điện không đổi ${}$ A, hiệu suất $100\\%$. Cần thời gian \
         bao nhiêu phút để thu được ${}$ gam {metal} bám trên vật cần mạ {phrase}? Biết $F = 96500$ C/mol.",
        chem(salt),
        num(i, 0),
        num(mass, 2)
    );
    Some(Draft::new("12.5.2", VanDung, stem, body))
}

pub fn kim_loai_hcl(rng: &mut Rng) -> Option<Draft> {
    let (metal, valence) = pick(rng, &[("Mg", 2.0), ("Zn", 2.0), ("Fe", 2.0), ("Al", 3.0)]);
    let mass = pick(rng, &[1.2, 2.4, 3.6, 2.7, 5.4, 6.5, 5.6, 11.2, 13.0]);
    let v = mass / atomic_mass(metal)? * valence / 2.0 * MOLAR_VOLUME;
    let (body, phrase) = fit(v)?;
    let stem = format!(
        "Hòa tan hoàn toàn ${}$ gam {metal} trong dung dịch HCl dư. Thể tích khí $\\mathrm{{H_2}}$ (lít, ở điều kiện chuẩn) \
         thu được là bao nhiêu {phrase}? Biết ở điều kiện chuẩn, $1$ mol khí chiếm thể tích $24{{,}}79$ lít.",
        num(mass, 1)
    );
    let ratio = valence / 2.0;
    let check =
        Check::Stoichiometry { mass_in: mass, formula_in: metal.into(), ratio, formula_out: "H2".into() };
    Some(Draft::new("12.6.2", Hieu, stem, body).checked_aux(v / MOLAR_VOLUME * 2.0, check))
}

pub fn hon_hop_kim_loai(rng: &mut Rng) -> Option<Draft> {
    let n_mg = pick(rng, &[0.05, 0.1, 0.15, 0.2]);
    let n_al = pick(rng, &[0.05, 0.1, 0.2]);
    let mass = n_mg * 24.0 + n_al * 27.0;
    let v = (n_mg + 1.5 * n_al) * MOLAR_VOLUME;
    let pct = n_mg * 24.0 / mass * 100.0;
    let (body, phrase) = fit(pct)?;
    let stem = format!(
        "Hòa tan hoàn toàn ${}$ gam hỗn hợp Mg và Al trong dung dịch HCl dư, thu được ${}$ lít khí $\\mathrm{{H_2}}$ \
         (điều kiện chuẩn, $24{{,}}79$ L/mol). Phần trăm khối lượng của Mg trong hỗn hợp là bao nhiêu {phrase}?",
        num(mass, 2),
        num(v, 4)
    );
    Some(Draft::new("12.6.2", VanDungCao, stem, body))
}

const METAL_FACTS: &[(&str, &str, [&str; 3])] = &[
    ("Kim loại dẫn điện tốt nhất là", "Ag", ["Cu", "Al", "Au"]),
    ("Kim loại có nhiệt độ nóng chảy cao nhất là", "W", ["Fe", "Cr", "Cu"]),
    ("Kim loại ở trạng thái lỏng ở điều kiện thường là", "Hg", ["Na", "Pb", "Sn"]),
    ("Kim loại cứng nhất là", "Cr", ["W", "Fe", "Cu"]),
    ("Kim loại có khối lượng riêng nhỏ nhất là", "Li", ["Na", "Al", "Mg"]),
    ("Kim loại dẻo nhất, có thể dát thành lá mỏng nhất là", "Au", ["Ag", "Al", "Cu"]),
];

pub fn tinh_chat_vat_li(rng: &mut Rng) -> Option<Draft> {
    let (stem, key, wrong) = pick(rng, METAL_FACTS);
    Some(Draft::new("12.6.1", Biet, stem, choice(rng, key.to_string(), wrong.iter().map(|s| s.to_string()))?))
}

const EXTRACTION: &[(&str, &str)] = &[
    ("Na", "điện phân nóng chảy"),
    ("Al", "điện phân nóng chảy"),
    ("Mg", "điện phân nóng chảy"),
    ("Ca", "điện phân nóng chảy"),
    ("Fe", "nhiệt luyện"),
    ("Cu", "thủy luyện"),
    ("Ag", "thủy luyện"),
];

pub fn tach_kim_loai(rng: &mut Rng) -> Option<Draft> {
    let (metal, method) = pick(rng, EXTRACTION);
    let all = ["điện phân nóng chảy", "nhiệt luyện", "thủy luyện", "điện phân dung dịch"];
    let stem =
        format!("Trong công nghiệp, kim loại {metal} thường được điều chế bằng phương pháp nào sau đây?");
    let body = choice(rng, method.to_string(), all.iter().filter(|m| **m != method).map(|s| s.to_string()))?;
    Some(Draft::new("12.6.3", Biet, stem, body))
}

pub fn an_mon(rng: &mut Rng) -> Option<Draft> {
    let (a, b) = two_couples(rng);
    let stem = format!(
        "Hai thanh kim loại {} và {} được nối với nhau bằng dây dẫn rồi cùng nhúng vào dung dịch chất điện li. Phát biểu \
         nào sau đây đúng?",
        a.0, b.0
    );
    let correct = format!("{} bị ăn mòn điện hóa và đóng vai trò cực âm", a.0);
    let wrong = [
        format!("{} bị ăn mòn điện hóa và đóng vai trò cực âm", b.0),
        "Cả hai kim loại đều không bị ăn mòn".to_string(),
        format!("{} bị ăn mòn hóa học, {} không thay đổi", b.0, a.0),
    ];
    Some(Draft::new("12.6.4", Hieu, stem, choice(rng, correct, wrong)?))
}

/// A Zn–Cu galvanic cell.
pub fn pin_group(rng: &mut Rng) -> Option<Group> {
    let (anode, cathode) = two_couples(rng);
    let e = cathode.2 - anode.2;
    let text = format!(
        "Một nhóm học sinh lắp pin điện hóa gồm thanh {a} nhúng trong dung dịch muối {ai} $1$ M và thanh {c} nhúng trong \
         dung dịch muối {ci} $1$ M, hai dung dịch nối với nhau bằng cầu muối chứa $\\mathrm{{KNO_3}}$. Biết \
         $E^\\circ$ của cặp {ai}/{a} là ${ea}$ V và của cặp {ci}/{c} là ${ec}$ V.",
        a = anode.0,
        c = cathode.0,
        ai = ion(anode.0, anode.1),
        ci = ion(cathode.0, cathode.1),
        ea = num(anode.2, 2),
        ec = num(cathode.2, 2)
    );
    let sa = Draft::new("12.5.1", Hieu, "Tính sức điện động chuẩn (V) của pin.", crate::draft::short(e, 2)?);
    let tf = Draft::new(
        "12.5.1",
        Hieu,
        "Xét tính đúng sai của các khẳng định sau khi pin hoạt động.",
        true_false(
            rng,
            [
                stmt(
                    Biet,
                    format!("Thanh {} là cực âm (anode).", anode.0),
                    format!("Thanh {} là cực âm (anode).", cathode.0),
                ),
                stmt(
                    Hieu,
                    format!("Electron di chuyển qua dây dẫn từ thanh {} sang thanh {}.", anode.0, cathode.0),
                    format!("Electron di chuyển qua dây dẫn từ thanh {} sang thanh {}.", cathode.0, anode.0),
                ),
                stmt(
                    Hieu,
                    format!("Khối lượng thanh {} tăng dần.", cathode.0),
                    format!("Khối lượng thanh {} tăng dần.", anode.0),
                ),
                stmt(
                    VanDung,
                    "Cầu muối giúp trung hòa điện tích trong hai dung dịch để pin hoạt động liên tục.",
                    "Nếu bỏ cầu muối đi, pin vẫn hoạt động bình thường.",
                ),
            ],
        ),
    );
    Some(Group { title: format!("Pin điện hóa {}–{}", anode.0, cathode.0), text, drafts: vec![sa, tf] })
}

/// Copper plating of a steel key by electrolysis.
pub fn ma_dong_group(rng: &mut Rng) -> Option<Group> {
    let i = pick(rng, &[0.5, 1.0, 1.5, 2.0]);
    let minutes = pick(rng, &[16, 32, 48, 64]);
    let t = minutes as f64 * 60.0;
    let text = format!(
        "Để mạ đồng cho một chiếc chìa khóa bằng thép, người ta dùng chìa khóa làm cathode, một thanh đồng làm anode và \
         dung dịch $\\mathrm{{CuSO_4}}$ làm dung dịch điện phân. Cho dòng điện không đổi ${}$ A chạy qua trong ${minutes}$ phút. \
         Biết $F = 96500$ C/mol; hiệu suất điện phân là $100\\%$.",
        num(i, 1)
    );
    let q = i * t;
    let mass = 64.0 * q / (2.0 * FARADAY);
    let sc = Draft::new(
        "12.5.2",
        Biet,
        "Quá trình xảy ra ở cathode (chìa khóa) là",
        choice(
            rng,
            "$\\mathrm{Cu^{2+} + 2e \\rightarrow Cu}$".to_string(),
            [
                "$\\mathrm{Cu \\rightarrow Cu^{2+} + 2e}$".to_string(),
                "$\\mathrm{2H_2O \\rightarrow O_2 + 4H^+ + 4e}$".to_string(),
                "$\\mathrm{Fe \\rightarrow Fe^{2+} + 2e}$".to_string(),
            ],
        )?,
    );
    let (body, phrase) = fit(mass)?;
    let sa = Draft::new(
        "12.5.2",
        VanDung,
        format!("Tính khối lượng đồng (gam) bám trên chìa khóa {phrase}."),
        body,
    );
    let charge = Draft::new(
        "12.5.2",
        Hieu,
        "Điện lượng (C) đã chạy qua dung dịch là",
        choice_num(rng, q, &[i * minutes as f64, q * 2.0, q / 2.0], 0)?,
    );
    let _ = short_exact;
    Some(Group { title: "Mạ đồng bằng điện phân".into(), text, drafts: vec![sc, charge, sa] })
}

/// One metal sample: the hydrogen volume and the salt mass.
pub fn kim_loai_pair(rng: &mut Rng) -> Option<[Draft; 2]> {
    let (metal, valence, salt) =
        pick(rng, &[("Mg", 2.0, "MgCl2"), ("Zn", 2.0, "ZnCl2"), ("Fe", 2.0, "FeCl2"), ("Al", 3.0, "AlCl3")]);
    let mass = pick(rng, &[2.4, 4.8, 6.5, 13.0, 5.6, 11.2, 2.7, 5.4]);
    let n = mass / atomic_mass(metal)?;
    let setting = format!("Cho ${}$ gam {metal} tác dụng hoàn toàn với dung dịch HCl dư.", num(mass, 1));
    let v = n * valence / 2.0 * MOLAR_VOLUME;
    let (b1, p1) = fit(v)?;
    let a = Draft::new(
        "12.6.2",
        Hieu,
        format!(
            "{setting} Thể tích khí $\\mathrm{{H_2}}$ thu được (lít, điều kiện chuẩn $24{{,}}79$ L/mol) là bao nhiêu {p1}?"
        ),
        b1,
    );
    let salt_mass = n * crate::hoa_hoc::chem::molar_mass(salt)?;
    let (b2, p2) = fit(salt_mass)?;
    let b = Draft::new(
        "12.6.2",
        Hieu,
        format!("{setting} Khối lượng muối (gam) thu được là bao nhiêu {p2}?"),
        b2,
    )
    .checked(
        salt_mass,
        Check::Stoichiometry {
            mass_in: mass,
            formula_in: metal.into(),
            ratio: 1.0,
            formula_out: salt.into(),
        },
    );
    Some([a, b])
}

pub fn kim_loai_tf(rng: &mut Rng) -> Option<Draft> {
    let (a, b) = two_couples(rng);
    let body = true_false(
        rng,
        [
            stmt(
                Biet,
                format!("Tính khử của {} mạnh hơn tính khử của {}.", a.0, b.0),
                format!("Tính khử của {} mạnh hơn tính khử của {}.", b.0, a.0),
            ),
            stmt(
                Hieu,
                format!("Kim loại {} khử được ion {} trong dung dịch.", a.0, ion(b.0, b.1)),
                format!("Kim loại {} khử được ion {} trong dung dịch.", b.0, ion(a.0, a.1)),
            ),
            stmt(
                Hieu,
                format!("Trong pin điện hóa {}–{}, {} là cực âm.", a.0, b.0, a.0),
                format!("Trong pin điện hóa {}–{}, {} là cực âm.", a.0, b.0, b.0),
            ),
            stmt(
                VanDung,
                format!("Sức điện động chuẩn của pin {}–{} là ${}$ V.", a.0, b.0, num(b.2 - a.2, 2)),
                format!("Sức điện động chuẩn của pin {}–{} là ${}$ V.", a.0, b.0, num(b.2 + a.2, 2)),
            ),
        ],
    );
    if (b.2 + a.2 - (b.2 - a.2)).abs() < 1e-9 || (b.2 + a.2).abs() < 1e-9 {
        return None;
    }
    let stem = format!(
        "Cho thế điện cực chuẩn của các cặp {}/{} và {}/{} lần lượt là ${}$ V và ${}$ V.",
        ion(a.0, a.1),
        a.0,
        ion(b.0, b.1),
        b.0,
        num(a.2, 2),
        num(b.2, 2)
    );
    Some(Draft::new("12.6.2", Hieu, stem, body))
}
