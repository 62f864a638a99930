//! Toán 12.4 (thống kê, mẫu số liệu ghép nhóm) and 12.5 (xác suất có điều kiện, xác suất toàn
//! phần, Bayes). Grouped-data statistics use the textbook formulas of the 2018 programme.

use khaothi_domain::Level::{Biet, Hieu, VanDung};
use rand::Rng as _;

use crate::draft::{
    Draft, Group, Q, Rng, choice, choice_num, dec, num, pick, round_phrase, short, short_exact, stmt,
    true_false,
};
use crate::toan::dao_ham::short_rounded;

/// A grouped sample: classes `[start + i·width; start + (i+1)·width)` with their frequencies.
#[derive(Debug, Clone)]
pub struct Grouped {
    pub what: &'static str,
    pub value: &'static str,
    pub count: &'static str,
    pub start: f64,
    pub width: f64,
    pub freq: Vec<u32>,
}

const CONTEXTS: [(&str, &str, &str, &[f64], f64); 5] = [
    (
        "thời gian tự học mỗi ngày của các học sinh lớp 12A",
        "Thời gian (phút)",
        "Số học sinh",
        &[20.0, 30.0],
        10.0,
    ),
    (
        "chiều cao của các cây keo giống trong một vườn ươm",
        "Chiều cao (cm)",
        "Số cây",
        &[40.0, 45.0, 50.0],
        5.0,
    ),
    (
        "cân nặng của các học sinh nam khối 12 của một trường",
        "Cân nặng (kg)",
        "Số học sinh",
        &[45.0, 50.0],
        5.0,
    ),
    (
        "thời gian hoàn thành bài chạy 3 km của các vận động viên nghiệp dư",
        "Thời gian (phút)",
        "Số người",
        &[12.0, 14.0],
        2.0,
    ),
    ("số giờ sử dụng mạng xã hội trong một tuần của các học sinh", "Số giờ", "Số học sinh", &[0.0, 5.0], 5.0),
];

impl Grouped {
    pub fn draw(rng: &mut Rng) -> Grouped {
        let (what, value, count, starts, width) = pick(rng, &CONTEXTS);
        let start = pick(rng, starts);
        let freq = (0..5).map(|i| rng.random_range(if i == 0 || i == 4 { 1..=6 } else { 3..=14 })).collect();
        Grouped { what, value, count, start, width, freq }
    }
    pub fn n(&self) -> f64 {
        self.freq.iter().sum::<u32>() as f64
    }
    fn lower(&self, i: usize) -> f64 {
        self.start + i as f64 * self.width
    }
    fn mid(&self, i: usize) -> f64 {
        self.lower(i) + self.width / 2.0
    }
    pub fn range(&self) -> f64 {
        self.width * self.freq.len() as f64
    }
    pub fn mean(&self) -> f64 {
        self.freq.iter().enumerate().map(|(i, &f)| f as f64 * self.mid(i)).sum::<f64>() / self.n()
    }
    /// Population variance `(1/n) Σ nᵢ (cᵢ − x̄)²`, the textbook's `s²`.
    pub fn variance(&self) -> f64 {
        let m = self.mean();
        self.freq.iter().enumerate().map(|(i, &f)| f as f64 * (self.mid(i) - m).powi(2)).sum::<f64>()
            / self.n()
    }
    /// The class holding position `pos` and the grouped-data quantile there.
    pub fn quantile(&self, pos: f64) -> (usize, f64) {
        let mut cum = 0.0;
        for (i, &f) in self.freq.iter().enumerate() {
            if cum + f as f64 >= pos {
                return (i, self.lower(i) + (pos - cum) / f as f64 * self.width);
            }
            cum += f as f64;
        }
        (self.freq.len() - 1, self.lower(self.freq.len()))
    }
    pub fn iqr(&self) -> f64 {
        self.quantile(3.0 * self.n() / 4.0).1 - self.quantile(self.n() / 4.0).1
    }
    fn class(&self, i: usize) -> String {
        format!("$[{};{})$", num(self.lower(i), 1), num(self.lower(i + 1), 1))
    }
    /// The sample as a Markdown table, as printed in the textbook.
    pub fn table(&self) -> String {
        let head: Vec<String> = (0..self.freq.len()).map(|i| self.class(i)).collect();
        let row: Vec<String> = self.freq.iter().map(u32::to_string).collect();
        format!(
            "| {} | {} |\n|{}|\n| {} | {} |",
            self.value,
            head.join(" | "),
            vec!["---"; self.freq.len() + 1].join("|"),
            self.count,
            row.join(" | ")
        )
    }
    pub fn intro(&self) -> String {
        format!("Mẫu số liệu ghép nhóm sau cho biết {}:\n\n{}\n", self.what, self.table())
    }
}

/// A rounded value and its instruction, or `None` when it does not fit the answer box.
fn rounded(x: f64) -> Option<(crate::draft::Body, String)> {
    let (b, d) = short_rounded(x)?;
    Some((b, round_phrase(d).to_string()))
}

pub fn khoang_bien_thien(rng: &mut Rng) -> Option<Draft> {
    let g = Grouped::draw(rng);
    let r = g.range();
    let max_f = *g.freq.iter().max()? as f64;
    let min_f = *g.freq.iter().min()? as f64;
    let wrong = [r - g.width, max_f - min_f, g.width, r + g.width, g.lower(4)];
    let body = choice_num(rng, r, &wrong, 1)?;
    let stem = format!("{}\nKhoảng biến thiên của mẫu số liệu ghép nhóm trên là", g.intro());
    Some(Draft::new("12.4.1", Biet, stem, body))
}

pub fn tu_phan_vi(rng: &mut Rng) -> Option<Draft> {
    let g = Grouped::draw(rng);
    let (body, phrase) = rounded(g.iqr())?;
    let stem = format!("{}\nTính khoảng tứ phân vị của mẫu số liệu ghép nhóm trên {phrase}.", g.intro());
    Some(Draft::new("12.4.1", VanDung, stem, body))
}

pub fn do_lech_chuan(rng: &mut Rng) -> Option<Draft> {
    let g = Grouped::draw(rng);
    let (body, phrase) = rounded(g.variance().sqrt())?;
    let stem = format!("{}\nTính độ lệch chuẩn của mẫu số liệu ghép nhóm trên {phrase}.", g.intro());
    Some(Draft::new("12.4.2", VanDung, stem, body))
}

pub fn phuong_sai(rng: &mut Rng) -> Option<Draft> {
    let g = Grouped::draw(rng);
    let v = g.variance();
    let s = v.sqrt();
    let mean = g.mean();
    let r2 = |x: f64| (x * 100.0).round() / 100.0;
    let body = choice_num(rng, r2(v), &[r2(s), r2(v * g.n() / (g.n() - 1.0)), r2(v + g.width), r2(mean)], 2)?;
    let stem =
        format!("{}\nPhương sai của mẫu số liệu ghép nhóm trên (làm tròn đến hàng phần trăm) là", g.intro());
    Some(Draft::new("12.4.2", Hieu, stem, body))
}

pub fn thong_ke_tf(rng: &mut Rng) -> Option<Draft> {
    let g = Grouped::draw(rng);
    let (q1_class, _) = g.quantile(g.n() / 4.0);
    let other = if q1_class == 0 { 1 } else { q1_class - 1 };
    let mean = g.mean();
    let s = g.variance().sqrt();
    let v = g.variance();
    if (v - s).abs() < 0.1 {
        return None;
    }
    let body = true_false(
        rng,
        [
            stmt(
                Biet,
                format!("Khoảng biến thiên của mẫu số liệu bằng ${}$.", num(g.range(), 1)),
                format!("Khoảng biến thiên của mẫu số liệu bằng ${}$.", num(g.range() - g.width, 1)),
            ),
            stmt(
                Hieu,
                format!(
                    "Số trung bình của mẫu số liệu xấp xỉ ${}$ (làm tròn đến hàng phần trăm).",
                    num(mean, 2)
                ),
                format!(
                    "Số trung bình của mẫu số liệu xấp xỉ ${}$ (làm tròn đến hàng phần trăm).",
                    num(mean + g.width / 2.0, 2)
                ),
            ),
            stmt(
                Hieu,
                format!("Tứ phân vị thứ nhất của mẫu số liệu thuộc nhóm {}.", g.class(q1_class)),
                format!("Tứ phân vị thứ nhất của mẫu số liệu thuộc nhóm {}.", g.class(other)),
            ),
            stmt(
                VanDung,
                format!(
                    "Độ lệch chuẩn của mẫu số liệu xấp xỉ ${}$ (làm tròn đến hàng phần trăm).",
                    num(s, 2)
                ),
                format!(
                    "Độ lệch chuẩn của mẫu số liệu xấp xỉ ${}$ (làm tròn đến hàng phần trăm).",
                    num(v, 2)
                ),
            ),
        ],
    );
    Some(Draft::new("12.4.2", Hieu, g.intro(), body))
}

/// The stimulus group on one grouped sample: range, interquartile range, standard deviation.
pub fn thong_ke_group(rng: &mut Rng) -> Option<Group> {
    let g = Grouped::draw(rng);
    let (iqr, p1) = rounded(g.iqr())?;
    let (sd, p2) = rounded(g.variance().sqrt())?;
    let r = g.range();
    let range = Draft::new(
        "12.4.1",
        Biet,
        "Khoảng biến thiên của mẫu số liệu ghép nhóm trên là",
        choice_num(rng, r, &[r - g.width, g.width, r + g.width, g.lower(4)], 1)?,
    );
    let iqr = Draft::new("12.4.1", VanDung, format!("Tính khoảng tứ phân vị của mẫu số liệu {p1}."), iqr);
    let sd = Draft::new("12.4.2", VanDung, format!("Tính độ lệch chuẩn của mẫu số liệu {p2}."), sd);
    let title = format!("Mẫu số liệu ghép nhóm: {}", g.what);
    Some(Group { title, text: g.intro(), drafts: vec![range, iqr, sd] })
}

pub fn xac_suat_dieu_kien(rng: &mut Rng) -> Option<Draft> {
    // P(A|B) = P(AB)/P(B) with "nice" decimals.
    let pb: f64 = pick(rng, &[0.4, 0.5, 0.8, 0.25]);
    let ratio: f64 = pick(rng, &[0.2, 0.4, 0.5, 0.6, 0.75]);
    let pab = pb * ratio;
    let pa = pick(rng, &[0.3, 0.45, 0.6, 0.7]);
    if pab > pa || ((pab * 100.0).round() - pab * 100.0).abs() > 1e-9 {
        return None;
    }
    let body = choice_num(rng, ratio, &[pab / pa, pa * pb, pab, pab / (pa * pb)], 2)?;
    let stem = format!(
        "Cho hai biến cố $A$ và $B$ với $P(A) = {}$, $P(B) = {}$ và $P(AB) = {}$. Xác suất $P(A\\,|\\,B)$ bằng",
        num(pa, 2),
        num(pb, 2),
        num(pab, 3)
    );
    Some(Draft::new("12.5.2", Biet, stem, body))
}

pub fn khong_hoan_lai(rng: &mut Rng) -> Option<Draft> {
    let red = rng.random_range(3..=9);
    let blue = rng.random_range(3..=9);
    let first_red = rng.random_bool(0.5);
    let (fc, sc, same) = (if first_red { "đỏ" } else { "xanh" }, pick(rng, &["đỏ", "xanh"]), 0);
    let _ = same;
    let (num_favour, total) = match (first_red, sc == "đỏ") {
        (true, true) => (red - 1, red + blue - 1),
        (true, false) => (blue, red + blue - 1),
        (false, true) => (red, red + blue - 1),
        (false, false) => (blue - 1, red + blue - 1),
    };
    let p = num_favour as f64 / total as f64;
    let body = short(p, 2)?;
    let stem = format!(
        "Một hộp có ${red}$ viên bi đỏ và ${blue}$ viên bi xanh có cùng kích thước và khối lượng. Lấy ngẫu nhiên lần \
         lượt hai viên bi, không hoàn lại. Biết rằng viên bi lấy ra lần thứ nhất màu {fc}, tính xác suất để viên bi \
         lấy ra lần thứ hai màu {sc} (làm tròn kết quả đến hàng phần trăm)."
    );
    Some(Draft::new("12.5.2", Hieu, stem, body))
}

pub fn bayes_nha_may(rng: &mut Rng) -> Option<Draft> {
    let share = rng.random_range(3..=7) * 10; // % of products from line I
    let d1 = rng.random_range(1..=6); // defect rates in %
    let d2 = rng.random_range(1..=6);
    if d1 == d2 {
        return None;
    }
    let (s, p1, p2) = (share as f64 / 100.0, d1 as f64 / 100.0, d2 as f64 / 100.0);
    let total = s * p1 + (1.0 - s) * p2;
    let post = s * p1 / total;
    let ask_total = rng.random_bool(0.3);
    let intro = format!(
        "Một nhà máy có hai dây chuyền sản xuất. Dây chuyền I làm ra ${share}\\%$ tổng số sản phẩm với tỉ lệ phế \
         phẩm ${d1}\\%$; dây chuyền II làm ra phần còn lại với tỉ lệ phế phẩm ${d2}\\%$. Chọn ngẫu nhiên một sản \
         phẩm của nhà máy."
    );
    let (stem, body, topic) = if ask_total {
        (
            format!(
                "{intro} Tính xác suất (tính theo phần trăm) để sản phẩm đó là phế phẩm {}.",
                round_phrase(1)
            ),
            short(total * 100.0, 1)?,
            "12.5.3",
        )
    } else {
        (
            format!(
                "{intro} Biết rằng sản phẩm đó là phế phẩm, tính xác suất để nó do dây chuyền I sản xuất {}.",
                round_phrase(2)
            ),
            short(post, 2)?,
            "12.5.3",
        )
    };
    Some(Draft::new(topic, VanDung, stem, body))
}

pub fn hai_xuc_xac(rng: &mut Rng) -> Option<Draft> {
    let s = rng.random_range(3..=11);
    let ways = (1..=6).flat_map(|a| (1..=6).map(move |b| a + b)).filter(|&x| x == s).count() as i64;
    let t = |q: Q| format!("${}$", q.tex());
    let body = choice(
        rng,
        t(Q::new(ways, 36)),
        [t(Q::new(ways, 6)), t(Q::new(ways + 1, 36)), t(Q::new(ways, 12)), t(Q::new(ways - 1, 36))],
    )?;
    let stem = format!(
        "Gieo đồng thời hai con xúc xắc cân đối và đồng chất. Xác suất để tổng số chấm xuất hiện trên hai con xúc xắc bằng ${s}$ là"
    );
    Some(Draft::new("12.5.1", Biet, stem, body))
}

fn c2(n: i64) -> i64 {
    n * (n - 1) / 2
}

pub fn chon_hai_hoc_sinh(rng: &mut Rng) -> Option<Draft> {
    let boys = rng.random_range(4..=15);
    let girls = rng.random_range(4..=15);
    let p = Q::new(c2(girls), c2(boys + girls));
    let t = |q: Q| format!("${}$", q.tex());
    let wrong = [
        Q::new(girls, boys + girls),
        Q::new(c2(boys), c2(boys + girls)),
        Q::new(girls * (girls - 1), (boys + girls) * (boys + girls)),
        Q::new(c2(girls), boys * girls),
    ];
    let body = choice(rng, t(p), wrong.into_iter().map(t))?;
    let stem = format!(
        "Một nhóm học sinh gồm ${boys}$ bạn nam và ${girls}$ bạn nữ. Chọn ngẫu nhiên hai bạn trong nhóm. Xác suất để \
         chọn được hai bạn nữ là"
    );
    Some(Draft::new("12.5.1", Hieu, stem, body))
}

/// A screening test: prevalence, sensitivity and specificity; the classic Bayes surprise.
pub fn xet_nghiem_group(rng: &mut Rng) -> Option<Group> {
    let prev = pick(rng, &[1, 2, 4, 5, 8, 10]); // % of the population with the disease
    let sens = pick(rng, &[90, 95, 98]);
    let spec = pick(rng, &[90, 95, 97, 99]);
    let (p, se, sp) = (prev as f64 / 100.0, sens as f64 / 100.0, spec as f64 / 100.0);
    let pos = p * se + (1.0 - p) * (1.0 - sp);
    let post = p * se / pos;
    let text = format!(
        "Một bệnh có tỉ lệ người mắc trong cộng đồng là ${prev}\\%$. Một loại xét nghiệm cho kết quả dương tính với \
         ${sens}\\%$ số người mắc bệnh và cho kết quả âm tính với ${spec}\\%$ số người không mắc bệnh. Chọn ngẫu nhiên \
         một người trong cộng đồng để làm xét nghiệm."
    );
    let tf = Draft::new(
        "12.5.3",
        Hieu,
        "Gọi $A$ là biến cố \"người đó mắc bệnh\", $B$ là biến cố \"xét nghiệm cho kết quả dương tính\". Xét tính đúng sai của các khẳng định sau.",
        true_false(
            rng,
            [
                stmt(
                    Biet,
                    format!("$P(B\\,|\\,A) = {}$.", num(se, 2)),
                    format!("$P(B\\,|\\,A) = {}$.", num(1.0 - se, 2)),
                ),
                stmt(
                    Hieu,
                    format!("$P(B\\,|\\,\\overline{{A}}) = {}$.", num(1.0 - sp, 2)),
                    format!("$P(B\\,|\\,\\overline{{A}}) = {}$.", num(sp, 2)),
                ),
                stmt(Hieu, format!("$P(B) = {}$.", num(pos, 4)), format!("$P(B) = {}$.", num(p * se, 4))),
                stmt(
                    VanDung,
                    format!(
                        "Nếu người đó có kết quả dương tính thì xác suất người đó mắc bệnh lớn hơn ${}$.",
                        num(((post * 10.0).floor()) / 10.0, 1)
                    ),
                    format!(
                        "Nếu người đó có kết quả dương tính thì xác suất người đó mắc bệnh lớn hơn ${}$.",
                        num(((post * 10.0).ceil()) / 10.0, 1)
                    ),
                ),
            ],
        ),
    );
    if (post * 10.0).fract() < 0.05 || (post * 10.0).fract() > 0.95 {
        return None;
    }
    let sa = Draft::new(
        "12.5.3",
        VanDung,
        format!(
            "Biết người đó có kết quả xét nghiệm dương tính, tính xác suất người đó mắc bệnh {}.",
            round_phrase(2)
        ),
        short(post, 2)?,
    );
    let sa2 = Draft::new(
        "12.5.3",
        Hieu,
        format!(
            "Tính xác suất (tính theo phần trăm) để người đó có kết quả xét nghiệm dương tính {}.",
            round_phrase(1)
        ),
        short(pos * 100.0, 1)?,
    );
    let _ = dec;
    let _ = short_exact;
    Some(Group { title: "Xét nghiệm sàng lọc một bệnh".into(), text, drafts: vec![tf, sa, sa2] })
}
