//! Hóa học 12.1–12.4: ester – lipid, carbohydrate, hợp chất chứa nitrogen, polymer. Names follow
//! the IUPAC-based naming of the 2018 programme (ethyl acetate, glucose, glycine).
//! Long because: a generator data table (one item template per lesson of 12.1–12.4, with its data),
//! kept whole so one topic reads in one place.

use khaothi_domain::Level::{self, Biet, Hieu, VanDung, VanDungCao};
use rand::Rng as _;
use rand::seq::SliceRandom;

use crate::draft::{
    Check, Draft, Group, Rng, Stmt, chem, choice, choice_num, num, pick, round_phrase, short, stmt,
    true_false,
};
use crate::hoa_hoc::chem::{MOLAR_VOLUME, molar_mass};

/// The first of 2, 1 and 0 decimals at which `x` fits the answer box, with its instruction.
pub fn fit(x: f64) -> Option<(crate::draft::Body, &'static str)> {
    (0..=2).rev().find_map(|d| short(x, d).map(|b| (b, round_phrase(d))))
}

fn m(f: &str) -> f64 {
    molar_mass(f).expect("formula of the sample tables")
}

/// `(ester, name, sodium salt, alcohol)`.
pub const ESTERS: &[(&str, &str, &str, &str)] = &[
    ("HCOOCH3", "methyl formate", "HCOONa", "CH3OH"),
    ("HCOOC2H5", "ethyl formate", "HCOONa", "C2H5OH"),
    ("CH3COOCH3", "methyl acetate", "CH3COONa", "CH3OH"),
    ("CH3COOC2H5", "ethyl acetate", "CH3COONa", "C2H5OH"),
    ("C2H5COOCH3", "methyl propionate", "C2H5COONa", "CH3OH"),
    ("C2H5COOC2H5", "ethyl propionate", "C2H5COONa", "C2H5OH"),
    ("CH3COOC3H7", "propyl acetate", "CH3COONa", "C3H7OH"),
    ("CH2=CHCOOCH3", "methyl acrylate", "CH2=CHCOONa", "CH3OH"),
    ("CH3COOCH2CH2CH(CH3)2", "isoamyl acetate", "CH3COONa", "(CH3)2CHCH2CH2OH"),
];

pub fn ten_ester(rng: &mut Rng) -> Option<Draft> {
    let i = rng.random_range(0..ESTERS.len());
    let (f, name, _, _) = ESTERS[i];
    let mut others: Vec<String> = ESTERS.iter().filter(|e| e.1 != name).map(|e| e.1.to_string()).collect();
    others.shuffle(rng);
    let stem = format!("Ester có công thức cấu tạo {} có tên gọi là", chem(f));
    Some(Draft::new("12.1.1", Biet, stem, choice(rng, name.to_string(), others)?))
}

fn saponify(rng: &mut Rng, i: usize) -> Option<(String, f64, crate::draft::Body, &'static str, Check)> {
    let (f, _, salt, _) = ESTERS[i];
    let n = pick(rng, &[0.05, 0.1, 0.15, 0.2, 0.25, 0.3]);
    let mass = n * m(f);
    let salt_mass = n * m(salt);
    let (body, phrase) = fit(salt_mass)?;
    let check =
        Check::Stoichiometry { mass_in: mass, formula_in: f.into(), ratio: 1.0, formula_out: salt.into() };
    Some((num(mass, 2), salt_mass, body, phrase, check))
}

pub fn xa_phong_hoa_ester(rng: &mut Rng) -> Option<Draft> {
    let i = rng.random_range(0..ESTERS.len());
    let (mass, salt_mass, body, phrase, check) = saponify(rng, i)?;
    let stem = format!(
        "Xà phòng hóa hoàn toàn ${mass}$ gam ester {} bằng dung dịch NaOH vừa đủ. Cô cạn dung dịch sau phản ứng thu được \
         $m$ gam muối khan. Tính $m$ {phrase}.",
        chem(ESTERS[i].0)
    );
    Some(Draft::new("12.1.1", Hieu, stem, body).checked(salt_mass, check))
}

/// An ester's name, then its saponification: the second stem names the first's key.
pub fn ester_pair(rng: &mut Rng) -> Option<[Draft; 2]> {
    let i = rng.random_range(0..ESTERS.len());
    let (f, name, _, _) = ESTERS[i];
    let mut others: Vec<String> = ESTERS.iter().filter(|e| e.1 != name).map(|e| e.1.to_string()).collect();
    others.shuffle(rng);
    let a = Draft::new(
        "12.1.1",
        Biet,
        format!("Tên gọi của ester {} là", chem(f)),
        choice(rng, name.to_string(), others)?,
    );
    let (mass, salt_mass, body, phrase, check) = saponify(rng, i)?;
    let b = Draft::new(
        "12.1.1",
        Hieu,
        format!("Thủy phân hoàn toàn ${mass}$ gam {name} trong dung dịch NaOH dư, thu được bao nhiêu gam muối {phrase}?"),
        body,
    )
    .checked(salt_mass, check);
    Some([a, b])
}

pub fn dong_phan_ester(rng: &mut Rng) -> Option<Draft> {
    let (f, n) = pick(rng, &[("C3H6O2", 2.0), ("C4H8O2", 4.0), ("C2H4O2", 1.0)]);
    let body = choice_num(rng, n, &[n + 1.0, n + 2.0, n - 1.0, n * 2.0, 3.0], 0)?;
    let stem = format!("Số ester có cùng công thức phân tử {} là", chem(f));
    Some(Draft::new("12.1.1", Hieu, stem, body))
}

pub fn hieu_suat_ester_hoa(rng: &mut Rng) -> Option<Draft> {
    let acid_g = pick(rng, &[6.0, 9.0, 12.0, 15.0, 18.0, 24.0, 30.0]);
    let h = pick(rng, &[50, 60, 62, 65, 70, 75, 80]);
    let ester = acid_g / 60.0 * h as f64 / 100.0 * 88.0;
    let (body, phrase) = fit(ester)?;
    let stem = format!(
        "Đun nóng ${}$ gam acetic acid với lượng dư ethanol (xúc tác $\\mathrm{{H_2SO_4}}$ đặc), thu được $m$ gam ethyl \
         acetate. Biết hiệu suất phản ứng ester hóa là ${h}\\%$. Tính $m$ {phrase}.",
        num(acid_g, 0)
    );
    let check = Check::Stoichiometry {
        mass_in: acid_g,
        formula_in: "CH3COOH".into(),
        ratio: h as f64 / 100.0,
        formula_out: "CH3COOC2H5".into(),
    };
    Some(Draft::new("12.1.1", VanDung, stem, body).checked(ester, check))
}

/// `(name, triglyceride, soap)`.
const FATS: &[(&str, &str, &str)] = &[
    ("tristearin", "(C17H35COO)3C3H5", "C17H35COONa"),
    ("tripalmitin", "(C15H31COO)3C3H5", "C15H31COONa"),
    ("triolein", "(C17H33COO)3C3H5", "C17H33COONa"),
];

pub fn glycerol_tu_chat_beo(rng: &mut Rng) -> Option<Draft> {
    let (name, f, _) = pick(rng, FATS);
    let kg = pick(rng, &[8.9, 17.8, 44.5, 88.4, 80.6, 100.0, 50.0]);
    let glycerol = kg / m(f) * 92.0;
    let (body, phrase) = fit(glycerol)?;
    let stem = format!(
        "Xà phòng hóa hoàn toàn ${}$ kg {name} bằng dung dịch NaOH vừa đủ. Khối lượng glycerol (kg) thu được là bao nhiêu {phrase}?",
        num(kg, 1)
    );
    let check = Check::Stoichiometry {
        mass_in: kg,
        formula_in: f.into(),
        ratio: 1.0,
        formula_out: "C3H5(OH)3".into(),
    };
    Some(Draft::new("12.1.2", Hieu, stem, body).checked(glycerol, check))
}

pub fn hidro_hoa_triolein(rng: &mut Rng) -> Option<Draft> {
    let g = pick(rng, &[8.84, 17.68, 44.2, 88.4, 26.52]);
    let n = g / m("(C17H33COO)3C3H5");
    let v = 3.0 * n * MOLAR_VOLUME;
    let (body, phrase) = fit(v)?;
    let stem = format!(
        "Hydrogen hóa hoàn toàn ${}$ gam triolein (xúc tác Ni, đun nóng) thành tristearin. Thể tích khí $\\mathrm{{H_2}}$ \
         (lít, ở điều kiện chuẩn, $24{{,}}79$ L/mol) cần dùng là bao nhiêu {phrase}?",
        num(g, 2)
    );
    Some(Draft::new("12.1.2", VanDung, stem, body))
}

pub fn len_men_glucose(rng: &mut Rng) -> Option<Draft> {
    let g = pick(rng, &[18.0, 27.0, 36.0, 45.0, 54.0, 90.0, 180.0]);
    let h = pick(rng, &[60, 70, 75, 80, 90]);
    let ethanol = g / 180.0 * 2.0 * 46.0 * h as f64 / 100.0;
    let (body, phrase) = fit(ethanol)?;
    let stem = format!(
        "Lên men ${}$ gam glucose thành ethanol với hiệu suất ${h}\\%$. Khối lượng ethanol (gam) thu được là bao nhiêu {phrase}?",
        num(g, 0)
    );
    let check = Check::Stoichiometry {
        mass_in: g,
        formula_in: "C6H12O6".into(),
        ratio: 2.0 * h as f64 / 100.0,
        formula_out: "C2H5OH".into(),
    };
    Some(Draft::new("12.2.1", Hieu, stem, body).checked(ethanol, check))
}

pub fn trang_bac(rng: &mut Rng) -> Option<Draft> {
    let g = pick(rng, &[9.0, 18.0, 27.0, 36.0, 4.5, 13.5]);
    let ag = g / 180.0 * 2.0 * 108.0;
    let wrong = [g / 180.0 * 108.0, ag * 2.0, g / 342.0 * 4.0 * 108.0, ag / 3.0];
    let body = choice_num(rng, ag, &wrong, 2)?;
    let stem = format!(
        "Cho ${}$ gam glucose tác dụng hoàn toàn với lượng dư dung dịch $\\mathrm{{AgNO_3}}$ trong $\\mathrm{{NH_3}}$, đun \
         nóng. Khối lượng Ag (gam) thu được là",
        num(g, 1)
    );
    let check = Check::Stoichiometry {
        mass_in: g,
        formula_in: "C6H12O6".into(),
        ratio: 2.0,
        formula_out: "Ag".into(),
    };
    Some(Draft::new("12.2.1", Hieu, stem, body).checked(ag, check))
}

/// `(topic, level, stem, key, distractors)`.
type Concept = (&'static str, Level, &'static str, &'static str, [&'static str; 3]);

const CONCEPTS: &[Concept] = &[
    (
        "12.1.1",
        Biet,
        "Ester ethyl acetate có mùi thơm đặc trưng, thường được dùng làm",
        "dung môi và hương liệu",
        ["thuốc nổ", "phân bón", "chất tẩy trắng"],
    ),
    (
        "12.1.2",
        Biet,
        "Chất béo là triester của glycerol với",
        "các acid béo",
        ["acetic acid", "các amino acid", "các alcohol đơn chức"],
    ),
    (
        "12.1.3",
        Hieu,
        "Xà phòng có tác dụng tẩy rửa vì phân tử xà phòng",
        "có một đầu ưa nước và một đuôi kị nước",
        ["có tính oxi hóa mạnh", "có tính acid mạnh", "phản ứng hóa học với vết bẩn tạo khí"],
    ),
    (
        "12.2.1",
        Biet,
        "Công thức phân tử của glucose là",
        "$\\mathrm{C_6H_{12}O_6}$",
        ["$\\mathrm{C_{12}H_{22}O_{11}}$", "$\\mathrm{(C_6H_{10}O_5)_n}$", "$\\mathrm{C_2H_5OH}$"],
    ),
    (
        "12.2.2",
        Hieu,
        "Chất nào sau đây không có phản ứng tráng bạc?",
        "Saccharose",
        ["Glucose", "Fructose", "Maltose"],
    ),
    (
        "12.2.3",
        Biet,
        "Nhỏ dung dịch iodine vào hồ tinh bột thấy xuất hiện màu",
        "xanh tím",
        ["đỏ gạch", "vàng", "trắng"],
    ),
    (
        "12.2.3",
        Hieu,
        "Cellulose là nguyên liệu để sản xuất",
        "tơ visco và giấy",
        ["cao su buna", "nhựa PVC", "thủy tinh hữu cơ"],
    ),
    (
        "12.3.1",
        Biet,
        "Chất nào sau đây là amine bậc hai?",
        "$\\mathrm{CH_3NHCH_3}$",
        ["$\\mathrm{CH_3NH_2}$", "$\\mathrm{(CH_3)_3N}$", "$\\mathrm{C_6H_5NH_2}$"],
    ),
    (
        "12.3.1",
        Hieu,
        "Dung dịch chất nào sau đây làm quỳ tím chuyển sang màu xanh?",
        "Methylamine",
        ["Aniline", "Glycine", "Glucose"],
    ),
    (
        "12.3.2",
        Biet,
        "Amino acid là hợp chất hữu cơ tạp chức, phân tử chứa đồng thời",
        "nhóm amino và nhóm carboxyl",
        ["nhóm hydroxyl và nhóm carboxyl", "nhóm amino và nhóm hydroxyl", "nhóm carbonyl và nhóm amino"],
    ),
    (
        "12.3.3",
        Hieu,
        "Khi cho dung dịch lòng trắng trứng tác dụng với $\\mathrm{Cu(OH)_2}$ trong môi trường kiềm, thấy xuất hiện",
        "màu tím",
        ["kết tủa trắng", "màu xanh lam nhạt rồi mất màu", "khí không màu"],
    ),
    (
        "12.4.1",
        Biet,
        "Polymer nào sau đây được điều chế bằng phản ứng trùng ngưng?",
        "Nylon-6,6",
        ["Polyethylene", "Poly(vinyl chloride)", "Polystyrene"],
    ),
    (
        "12.4.2",
        Biet,
        "Tơ nào sau đây thuộc loại tơ thiên nhiên?",
        "Tơ tằm",
        ["Tơ nylon-6,6", "Tơ visco", "Tơ nitron"],
    ),
];

pub fn khai_niem(rng: &mut Rng) -> Option<Draft> {
    let (topic, level, stem, key, wrong) = pick(rng, CONCEPTS);
    Some(Draft::new(topic, level, stem, choice(rng, key.to_string(), wrong.iter().map(|s| s.to_string()))?))
}

/// `(polymer, abbreviation, monomer formula, monomer name)`.
const POLYMERS: &[(&str, &str, &str)] = &[
    ("polyethylene (PE)", "CH2=CH2", "ethylene"),
    ("poly(vinyl chloride) (PVC)", "CH2=CHCl", "vinyl chloride"),
    ("polystyrene (PS)", "C6H5CH=CH2", "styrene"),
    ("polypropylene (PP)", "CH2=CHCH3", "propylene"),
    ("poly(methyl methacrylate) (PMMA)", "CH2=C(CH3)COOCH3", "methyl methacrylate"),
    ("polyacrylonitrile (tơ nitron)", "CH2=CHCN", "acrylonitrile"),
    ("cao su buna", "CH2=CHCH=CH2", "buta-1,3-diene"),
];

pub fn monomer(rng: &mut Rng) -> Option<Draft> {
    let i = rng.random_range(0..POLYMERS.len());
    let (p, f, _) = POLYMERS[i];
    let mut others: Vec<String> = POLYMERS.iter().filter(|x| x.1 != f).map(|x| chem(x.1)).collect();
    others.shuffle(rng);
    let stem = format!("Polymer {p} được điều chế bằng phản ứng trùng hợp monomer nào sau đây?");
    Some(Draft::new("12.4.1", Biet, stem, choice(rng, chem(f), others)?))
}

pub fn he_so_polymer_hoa(rng: &mut Rng) -> Option<Draft> {
    let i = rng.random_range(0..4);
    let (p, f, _) = POLYMERS[i];
    let n = rng.random_range(10..=90) * 100;
    let mw = n as f64 * m(f);
    let stem = format!(
        "Một mẫu {p} có phân tử khối trung bình là ${}$. Hệ số polymer hóa trung bình của mẫu này là bao nhiêu?",
        num(mw, 1)
    );
    Some(Draft::new("12.4.1", Hieu, stem, crate::draft::short_exact(n as f64)?))
}

/// `(name, formula)` of amines for the salt calculation.
const AMINES: &[(&str, &str)] = &[
    ("methylamine", "CH3NH2"),
    ("ethylamine", "C2H5NH2"),
    ("dimethylamine", "(CH3)2NH"),
    ("trimethylamine", "(CH3)3N"),
    ("aniline", "C6H5NH2"),
];

pub fn amine_hcl(rng: &mut Rng) -> Option<Draft> {
    let (name, f) = pick(rng, AMINES);
    let n = pick(rng, &[0.05, 0.1, 0.15, 0.2]);
    let mass = n * m(f);
    let salt = mass + n * 36.5;
    let (body, phrase) = fit(salt)?;
    let stem = format!(
        "Cho ${}$ gam {name} ({}) tác dụng vừa đủ với dung dịch HCl. Khối lượng muối (gam) thu được là bao nhiêu {phrase}?",
        num(mass, 2),
        chem(f)
    );
    Some(Draft::new("12.3.1", Hieu, stem, body))
}

pub fn tim_amine(rng: &mut Rng) -> Option<Draft> {
    let (_, f) = pick(rng, AMINES);
    let n = pick(rng, &[0.1, 0.2, 0.25, 0.3]);
    let mass = n * m(f);
    let salt = mass + n * 36.5;
    let stem = format!(
        "Cho ${}$ gam một amine đơn chức X tác dụng hết với dung dịch HCl dư, thu được ${}$ gam muối. Phân tử khối của X là bao nhiêu?",
        num(mass, 2),
        num(salt, 3)
    );
    Some(Draft::new("12.3.1", VanDung, stem, crate::draft::short_exact(m(f))?))
}

/// `(name, abbreviation, formula)` of α-amino acids.
const AMINO: &[(&str, &str, &str)] = &[
    ("glycine", "Gly", "H2NCH2COOH"),
    ("alanine", "Ala", "CH3CH(NH2)COOH"),
    ("valine", "Val", "(CH3)2CHCH(NH2)COOH"),
];

pub fn amino_naoh(rng: &mut Rng) -> Option<Draft> {
    let (name, _, f) = pick(rng, AMINO);
    let n = pick(rng, &[0.1, 0.15, 0.2, 0.25]);
    let mass = n * m(f);
    let salt = mass + n * 22.0;
    let (body, phrase) = fit(salt)?;
    let stem = format!(
        "Cho ${}$ gam {name} tác dụng vừa đủ với dung dịch NaOH. Khối lượng muối (gam) thu được là bao nhiêu {phrase}?",
        num(mass, 2)
    );
    Some(Draft::new("12.3.2", Hieu, stem, body))
}

pub fn phan_tu_khoi_peptide(rng: &mut Rng) -> Option<Draft> {
    let len = rng.random_range(2..=4);
    let seq: Vec<(&str, &str, &str)> = (0..len).map(|_| pick(rng, AMINO)).collect();
    let mw: f64 = seq.iter().map(|a| m(a.2)).sum::<f64>() - 18.0 * (len - 1) as f64;
    let name: Vec<&str> = seq.iter().map(|a| a.1).collect();
    let stem = format!("Phân tử khối của peptide {} là bao nhiêu?", name.join("-"));
    Some(Draft::new("12.3.3", Hieu, stem, crate::draft::short_exact(mw)?))
}

/// Statement pools for true/false groups: `(topic, item level, stem, statements)`; four of the
/// statements are drawn for each item.
const TF_POOLS: &[(&str, Level, &str, &[(Level, &str, &str)])] = &[
    (
        "12.2.1",
        Hieu,
        "Glucose và fructose là hai monosaccharide quan trọng.",
        &[
            (
                Biet,
                "Glucose và fructose có cùng công thức phân tử $\\mathrm{C_6H_{12}O_6}$.",
                "Glucose và fructose có cùng công thức cấu tạo.",
            ),
            (Hieu, "Glucose và fructose đều có phản ứng tráng bạc.", "Fructose không có phản ứng tráng bạc."),
            (
                Hieu,
                "Dung dịch glucose hòa tan $\\mathrm{Cu(OH)_2}$ ở nhiệt độ thường tạo dung dịch màu xanh lam.",
                "Dung dịch glucose không hòa tan được $\\mathrm{Cu(OH)_2}$.",
            ),
            (
                VanDung,
                "Lên men $1$ mol glucose với hiệu suất $100\\%$ thu được $2$ mol ethanol.",
                "Lên men $1$ mol glucose với hiệu suất $100\\%$ thu được $1$ mol ethanol.",
            ),
            (Biet, "Fructose có nhiều trong mật ong.", "Fructose có nhiều trong tinh bột gạo."),
            (
                VanDung,
                "Có thể phân biệt glucose và fructose bằng nước bromine.",
                "Có thể phân biệt glucose và fructose bằng phản ứng tráng bạc.",
            ),
        ],
    ),
    (
        "12.3.2",
        Hieu,
        "Xét các amino acid glycine, alanine và glutamic acid.",
        &[
            (
                Biet,
                "Glycine có công thức $\\mathrm{H_2NCH_2COOH}$.",
                "Glycine có công thức $\\mathrm{CH_3CH(NH_2)COOH}$.",
            ),
            (
                Hieu,
                "Ở trạng thái rắn, các amino acid tồn tại chủ yếu dưới dạng ion lưỡng cực.",
                "Ở trạng thái rắn, các amino acid tồn tại chủ yếu dưới dạng phân tử trung hòa.",
            ),
            (
                Hieu,
                "Dung dịch glutamic acid làm quỳ tím chuyển sang màu hồng.",
                "Dung dịch glutamic acid không làm đổi màu quỳ tím.",
            ),
            (
                VanDung,
                "Amino acid vừa tác dụng được với dung dịch HCl vừa tác dụng được với dung dịch NaOH.",
                "Amino acid chỉ tác dụng được với dung dịch NaOH.",
            ),
            (
                Biet,
                "Các amino acid thiên nhiên hầu hết là α-amino acid.",
                "Các amino acid thiên nhiên hầu hết là β-amino acid.",
            ),
            (
                VanDung,
                "Trong điện trường ở pH bằng điểm đẳng điện, amino acid hầu như không di chuyển.",
                "Trong điện trường ở mọi pH, amino acid luôn di chuyển về cực âm.",
            ),
        ],
    ),
    (
        "12.4.2",
        Hieu,
        "Polymer và vật liệu polymer có nhiều ứng dụng trong đời sống.",
        &[
            (
                Biet,
                "Poly(vinyl chloride) được dùng làm ống dẫn nước và vỏ dây điện.",
                "Poly(vinyl chloride) được dùng làm tơ dệt vải lụa.",
            ),
            (
                Hieu,
                "Nylon-6,6 thuộc loại tơ polyamide, kém bền trong môi trường acid và kiềm.",
                "Nylon-6,6 thuộc loại tơ thiên nhiên.",
            ),
            (
                Hieu,
                "Cao su lưu hóa có tính đàn hồi và độ bền tốt hơn cao su thô.",
                "Cao su lưu hóa kém bền hơn cao su thô.",
            ),
            (
                VanDung,
                "Trùng hợp $1$ tấn ethylene với hiệu suất $80\\%$ thu được $0{,}8$ tấn polyethylene.",
                "Trùng hợp $1$ tấn ethylene với hiệu suất $80\\%$ thu được $1{,}25$ tấn polyethylene.",
            ),
            (
                Biet,
                "Polyethylene là chất dẻo, được điều chế bằng phản ứng trùng hợp.",
                "Polyethylene được điều chế bằng phản ứng trùng ngưng.",
            ),
            (
                VanDung,
                "Poly(methyl methacrylate) trong suốt, được dùng làm thủy tinh hữu cơ.",
                "Poly(methyl methacrylate) dẫn điện tốt, được dùng làm dây dẫn điện.",
            ),
        ],
    ),
    (
        "12.1.2",
        Hieu,
        "Chất béo là thành phần chính của dầu thực vật và mỡ động vật.",
        &[
            (
                Biet,
                "Chất béo là triester của glycerol với acid béo.",
                "Chất béo là diester của ethylene glycol với acid béo.",
            ),
            (
                Hieu,
                "Dầu thực vật ở điều kiện thường thường ở trạng thái lỏng vì chứa nhiều gốc acid béo không no.",
                "Dầu thực vật ở trạng thái lỏng vì chứa nhiều gốc acid béo no.",
            ),
            (
                Hieu,
                "Thủy phân chất béo trong môi trường kiềm thu được xà phòng và glycerol.",
                "Thủy phân chất béo trong môi trường kiềm thu được acid béo và ethanol.",
            ),
            (
                VanDung,
                "Hydrogen hóa triolein thu được tristearin.",
                "Hydrogen hóa tristearin thu được triolein.",
            ),
            (Biet, "Chất béo không tan trong nước và nhẹ hơn nước.", "Chất béo tan tốt trong nước."),
        ],
    ),
];

pub fn tf_pool(rng: &mut Rng) -> Option<Draft> {
    let (topic, level, stem, pool) = pick(rng, TF_POOLS);
    let mut idx: Vec<usize> = (0..pool.len()).collect();
    idx.shuffle(rng);
    let mut chosen: Vec<usize> = idx[..4].to_vec();
    chosen.sort_by_key(|&i| (pool[i].0, i));
    let stmts: [Stmt; 4] = std::array::from_fn(|k| {
        let (l, yes, no) = pool[chosen[k]];
        stmt(l, yes, no)
    });
    Some(Draft::new(topic, level, stem, true_false(rng, stmts)))
}

/// Ethanol from cassava starch: the stimulus text gives the process, items compute along it.
pub fn con_tu_san_group(rng: &mut Rng) -> Option<Group> {
    let tons = pick(rng, &[1.0, 2.0, 5.0]);
    let starch_pct = pick(rng, &[20, 25, 30]);
    let h1 = pick(rng, &[80, 85, 90]);
    let h2 = pick(rng, &[70, 75, 80]);
    let text = format!(
        "Một cơ sở sản xuất cồn dùng ${}$ tấn sắn tươi chứa ${starch_pct}\\%$ tinh bột. Tinh bột được thủy phân thành \
         glucose với hiệu suất ${h1}\\%$, sau đó glucose được lên men thành ethanol với hiệu suất ${h2}\\%$.",
        num(tons, 0)
    );
    let starch_kg = tons * 1000.0 * starch_pct as f64 / 100.0;
    let glucose_kg = starch_kg / 162.0 * 180.0 * h1 as f64 / 100.0;
    let ethanol_kg = glucose_kg / 180.0 * 92.0 * h2 as f64 / 100.0;
    let ethanol_l = ethanol_kg / 0.789;
    let (g_body, p1) = fit(glucose_kg)?;
    let (e_body, p2) = fit(ethanol_l)?;
    let g = Draft::new(
        "12.2.3",
        Hieu,
        format!("Tính khối lượng glucose (kg) thu được sau giai đoạn thủy phân {p1}."),
        g_body,
    );
    let e = Draft::new(
        "12.2.3",
        VanDungCao,
        format!(
            "Biết khối lượng riêng của ethanol là $0{{,}}789$ g/mL. Tính thể tích ethanol nguyên chất (lít) thu được {p2}."
        ),
        e_body,
    );
    let tf = Draft::new(
        "12.2.3",
        Hieu,
        "Xét tính đúng sai của các khẳng định sau.",
        true_false(
            rng,
            [
                stmt(
                    Biet,
                    "Tinh bột là polysaccharide, được tạo thành từ các mắt xích α-glucose.",
                    "Tinh bột là polysaccharide, được tạo thành từ các mắt xích β-fructose.",
                ),
                stmt(
                    Hieu,
                    format!("Khối lượng tinh bột trong lượng sắn trên là ${}$ kg.", num(starch_kg, 0)),
                    format!(
                        "Khối lượng tinh bột trong lượng sắn trên là ${}$ kg.",
                        num(tons * 1000.0 * (100 - starch_pct) as f64 / 100.0, 0)
                    ),
                ),
                stmt(
                    Hieu,
                    "Quá trình lên men glucose thành ethanol đồng thời giải phóng khí carbon dioxide.",
                    "Quá trình lên men glucose thành ethanol đồng thời giải phóng khí oxygen.",
                ),
                stmt(
                    VanDung,
                    format!(
                        "Hiệu suất chung của cả quá trình là ${}\\%$.",
                        num(h1 as f64 * h2 as f64 / 100.0, 1)
                    ),
                    format!("Hiệu suất chung của cả quá trình là ${}\\%$.", num((h1 + h2) as f64 / 2.0, 1)),
                ),
            ],
        ),
    );
    Some(Group { title: "Sản xuất cồn từ sắn".into(), text, drafts: vec![g, e, tf] })
}

/// Soap making from a fat.
pub fn xa_phong_group(rng: &mut Rng) -> Option<Group> {
    let (name, f, soap) = pick(rng, FATS);
    let kg = pick(rng, &[100.0, 200.0, 500.0]);
    let h = pick(rng, &[80, 85, 90]);
    let soap_pct = pick(rng, &[60, 72, 75]);
    let text = format!(
        "Để sản xuất xà phòng, người ta đun ${}$ kg chất béo (coi là {name} nguyên chất) với dung dịch NaOH. Hiệu suất \
         phản ứng xà phòng hóa là ${h}\\%$. Muối natri của acid béo thu được chiếm ${soap_pct}\\%$ khối lượng xà phòng thành phẩm.",
        num(kg, 0)
    );
    let salt = kg / m(f) * 3.0 * m(soap) * h as f64 / 100.0;
    let bars = salt / (soap_pct as f64 / 100.0);
    let (b1, p1) = fit(salt)?;
    let (b2, p2) = fit(bars)?;
    let d1 = Draft::new(
        "12.1.3",
        Hieu,
        format!("Tính khối lượng (kg) muối natri của acid béo thu được {p1}."),
        b1,
    )
    .checked(
        salt,
        Check::Stoichiometry {
            mass_in: kg,
            formula_in: f.into(),
            ratio: 3.0 * h as f64 / 100.0,
            formula_out: soap.into(),
        },
    );
    let d2 = Draft::new("12.1.3", VanDung, format!("Tính khối lượng (kg) xà phòng thành phẩm {p2}."), b2);
    Some(Group { title: "Sản xuất xà phòng từ chất béo".into(), text, drafts: vec![d1, d2] })
}
