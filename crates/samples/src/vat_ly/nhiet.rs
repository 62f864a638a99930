//! Vật lý 12.1 (vật lí nhiệt) and 12.2 (khí lí tưởng). Constants as printed in THPT papers:
//! `R = 8,31 J/(mol.K)`, `k = 1,38.10⁻²³ J/K`, `T(K) = t(°C) + 273`.

use khaothi_domain::Level::{Biet, Hieu, VanDung, VanDungCao};
use rand::Rng as _;

use crate::draft::{
    Check, Draft, Group, Rng, choice, choice_num, num, pick, round_phrase, short, stmt, true_false,
};

pub const R: f64 = 8.31;
pub const BOLTZMANN: f64 = 1.38e-23;
pub const C_WATER: f64 = 4200.0;
pub const C_ICE: f64 = 2100.0;
pub const LAMBDA_ICE: f64 = 3.34e5;
pub const L_WATER: f64 = 2.26e6;

/// The first of 2, 1 and 0 decimals at which `x` fits the answer box, with its instruction.
pub fn fit(x: f64) -> Option<(crate::draft::Body, &'static str)> {
    (0..=2).rev().find_map(|d| short(x, d).map(|b| (b, round_phrase(d))))
}

/// Conceptual questions with fixed wording: `(topic, level, stem, key, distractors)`.
const CONCEPTS: &[(&str, u8, &str, &str, [&str; 3])] = &[
    (
        "12.1.1",
        0,
        "Quá trình chuyển từ thể rắn sang thể lỏng của một chất được gọi là",
        "sự nóng chảy",
        ["sự đông đặc", "sự hóa hơi", "sự ngưng tụ"],
    ),
    (
        "12.1.1",
        0,
        "Quá trình chuyển từ thể lỏng sang thể khí xảy ra ở bề mặt chất lỏng được gọi là",
        "sự bay hơi",
        ["sự sôi", "sự ngưng tụ", "sự thăng hoa"],
    ),
    (
        "12.1.1",
        1,
        "Ở thể khí, các phân tử",
        "chuyển động hỗn loạn không ngừng và lực tương tác giữa chúng rất yếu",
        [
            "dao động quanh các vị trí cân bằng cố định",
            "sắp xếp có trật tự và liên kết chặt chẽ với nhau",
            "đứng yên và cách nhau những khoảng rất lớn",
        ],
    ),
    (
        "12.1.1",
        1,
        "Chất rắn kết tinh khác chất rắn vô định hình ở chỗ chất rắn kết tinh",
        "có nhiệt độ nóng chảy xác định",
        [
            "không có hình dạng riêng",
            "có thể tích thay đổi theo bình chứa",
            "nóng chảy trong một khoảng nhiệt độ",
        ],
    ),
    (
        "12.1.2",
        0,
        "Nội năng của một vật là",
        "tổng động năng và thế năng của các phân tử cấu tạo nên vật",
        [
            "tổng động năng của các phân tử cấu tạo nên vật",
            "nhiệt lượng mà vật nhận được",
            "cơ năng của vật trong chuyển động có hướng",
        ],
    ),
    (
        "12.1.2",
        1,
        "Theo định luật I của nhiệt động lực học $\\Delta U = A + Q$, khi khí nhận nhiệt lượng và thực hiện công thì",
        "$Q > 0$ và $A < 0$",
        ["$Q < 0$ và $A > 0$", "$Q > 0$ và $A > 0$", "$Q < 0$ và $A < 0$"],
    ),
    (
        "12.1.3",
        0,
        "Trong thang nhiệt độ Kelvin, nhiệt độ $0\\ \\mathrm{K}$ là",
        "nhiệt độ không tuyệt đối",
        [
            "nhiệt độ nóng chảy của nước đá",
            "nhiệt độ sôi của nước",
            "nhiệt độ thấp nhất đo được trong tự nhiên trên Trái Đất",
        ],
    ),
    (
        "12.1.4",
        0,
        "Nhiệt dung riêng của một chất cho biết",
        "nhiệt lượng cần truyền cho $1$ kg chất đó để nhiệt độ tăng thêm $1$ K",
        [
            "nhiệt lượng cần để $1$ kg chất đó nóng chảy hoàn toàn",
            "nhiệt lượng cần để $1$ kg chất đó hóa hơi hoàn toàn",
            "nhiệt độ cần thiết để chất đó bắt đầu sôi",
        ],
    ),
    (
        "12.2.1",
        0,
        "Theo mô hình động học phân tử, chất khí lí tưởng có đặc điểm nào sau đây?",
        "Các phân tử được coi là chất điểm, chỉ tương tác khi va chạm",
        [
            "Các phân tử hút nhau mạnh ở mọi khoảng cách",
            "Các phân tử đứng yên ở những vị trí cố định",
            "Thể tích riêng của các phân tử rất lớn so với thể tích bình",
        ],
    ),
    (
        "12.2.2",
        0,
        "Trong hệ tọa độ $(p, V)$, đường đẳng nhiệt của một lượng khí lí tưởng là",
        "một đường hypebol",
        ["một đường thẳng đi qua gốc tọa độ", "một đường thẳng song song với trục $OV$", "một đường parabol"],
    ),
    (
        "12.2.3",
        0,
        "Khi áp suất không đổi, thể tích của một lượng khí lí tưởng xác định",
        "tỉ lệ thuận với nhiệt độ tuyệt đối",
        [
            "tỉ lệ nghịch với nhiệt độ tuyệt đối",
            "tỉ lệ thuận với nhiệt độ Celsius",
            "không phụ thuộc vào nhiệt độ",
        ],
    ),
    (
        "12.2.5",
        1,
        "Áp suất chất khí lên thành bình là do",
        "các phân tử khí va chạm với thành bình",
        [
            "các phân tử khí hút thành bình",
            "trọng lượng của khối khí",
            "các phân tử khí đứng yên đè lên thành bình",
        ],
    ),
];

pub fn khai_niem(rng: &mut Rng) -> Option<Draft> {
    let (topic, level, stem, key, wrong) = pick(rng, CONCEPTS);
    let level = [Biet, Hieu][level as usize];
    let body = choice(rng, key.to_string(), wrong.iter().map(|s| s.to_string()))?;
    Some(Draft::new(topic, level, stem, body))
}

pub fn nhiet_do_kelvin(rng: &mut Rng) -> Option<Draft> {
    let t = rng.random_range(-50..=150);
    let to_kelvin = rng.random_bool(0.5);
    let (given, want, correct, wrong) = if to_kelvin {
        (format!("${t}\\ ^\\circ\\mathrm{{C}}$"), "nhiệt độ tuyệt đối", t + 273, [t - 273, 273 - t, t + 373])
    } else {
        (
            format!("${}\\ \\mathrm{{K}}$", t + 273),
            "nhiệt độ Celsius",
            t,
            [t + 273 + 273, 273 - (t + 273), t + 100],
        )
    };
    let unit = if to_kelvin { "\\ \\mathrm{K}" } else { "\\ ^\\circ\\mathrm{C}" };
    let f = |x: i64| format!("${x}{unit}$");
    let body = choice(rng, f(correct), wrong.into_iter().map(f))?;
    let stem = format!("Một vật có nhiệt độ {given}. {} tương ứng của vật là", capital(want));
    Some(Draft::new("12.1.3", Biet, stem, body))
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

pub fn nhiet_luong(rng: &mut Rng) -> Option<Draft> {
    let (name, c) = pick(rng, &[("nước", 4200.0), ("nhôm", 880.0), ("đồng", 380.0), ("sắt", 460.0)]);
    let m_g = pick(rng, &[200, 250, 400, 500, 800]);
    let t1 = rng.random_range(2..=6) * 5;
    let t2 = t1 + rng.random_range(4..=14) * 5;
    let q = m_g as f64 / 1000.0 * c * (t2 - t1) as f64 / 1000.0; // kJ
    let m = m_g as f64 / 1000.0;
    // Mistakes: the final temperature instead of the rise, grams left as kilograms, the sum of temperatures.
    let wrong = [m * c * t2 as f64 / 1000.0, q * 1000.0, q / 2.0, m * c * (t1 + t2) as f64 / 1000.0];
    let body = choice_num(rng, q, &wrong, 2)?;
    let stem = format!(
        "Cần cung cấp nhiệt lượng bao nhiêu kilôjun để làm nóng ${m_g}$ g {name} từ ${t1}\\ ^\\circ\\mathrm{{C}}$ lên \
         ${t2}\\ ^\\circ\\mathrm{{C}}$? Biết nhiệt dung riêng của {name} là ${}\\ \\mathrm{{J/(kg.K)}}$.",
        num(c, 0)
    );
    Some(Draft::new("12.1.4", Hieu, stem, body))
}

pub fn can_bang_nhiet(rng: &mut Rng) -> Option<Draft> {
    // Two water masses mix: t = (m1 t1 + m2 t2) / (m1 + m2).
    let m1 = pick(rng, &[100, 150, 200, 250, 300]);
    let m2 = pick(rng, &[100, 200, 300, 400, 500]);
    let t1 = rng.random_range(70..=95);
    let t2 = rng.random_range(10..=30);
    let t = (m1 * t1 + m2 * t2) as f64 / (m1 + m2) as f64;
    let (body, phrase) = fit(t)?;
    let stem = format!(
        "Đổ ${m1}$ g nước ở ${t1}\\ ^\\circ\\mathrm{{C}}$ vào ${m2}$ g nước ở ${t2}\\ ^\\circ\\mathrm{{C}}$. Bỏ qua sự \
         trao đổi nhiệt với bình và môi trường. Nhiệt độ của nước khi cân bằng nhiệt là bao nhiêu độ C {phrase}?"
    );
    Some(Draft::new("12.1.4", VanDung, stem, body))
}

pub fn nong_chay(rng: &mut Rng) -> Option<Draft> {
    let m = pick(rng, &[0.2, 0.3, 0.5, 0.6, 0.8, 1.2, 1.5, 2.0]);
    let q = m * LAMBDA_ICE / 1000.0;
    let (body, phrase) = fit(q)?;
    let stem = format!(
        "Tính nhiệt lượng (kJ) cần cung cấp để làm nóng chảy hoàn toàn ${}$ kg nước đá ở $0\\ ^\\circ\\mathrm{{C}}$ {phrase}. \
         Biết nhiệt nóng chảy riêng của nước đá là $3{{,}}34.10^5\\ \\mathrm{{J/kg}}$.",
        num(m, 1)
    );
    Some(Draft::new("12.1.5", Hieu, stem, body))
}

pub fn nuoc_da_thanh_nuoc(rng: &mut Rng) -> Option<Draft> {
    let m = pick(rng, &[0.1, 0.2, 0.25, 0.4, 0.5]);
    let t_ice = rng.random_range(2..=4) * 5;
    let t_w = rng.random_range(2..=8) * 5;
    let q = m * (C_ICE * t_ice as f64 + LAMBDA_ICE + C_WATER * t_w as f64) / 1000.0;
    let (body, phrase) = fit(q)?;
    let stem = format!(
        "Tính nhiệt lượng (kJ) cần cung cấp để ${}$ kg nước đá ở $-{t_ice}\\ ^\\circ\\mathrm{{C}}$ chuyển hoàn toàn thành \
         nước ở ${t_w}\\ ^\\circ\\mathrm{{C}}$ {phrase}. Biết nhiệt dung riêng của nước đá là $2100\\ \\mathrm{{J/(kg.K)}}$, \
         của nước là $4200\\ \\mathrm{{J/(kg.K)}}$; nhiệt nóng chảy riêng của nước đá là $3{{,}}34.10^5\\ \\mathrm{{J/kg}}$.",
        num(m, 2)
    );
    Some(Draft::new("12.1.5", VanDungCao, stem, body))
}

pub fn hoa_hoi(rng: &mut Rng) -> Option<Draft> {
    let m_g = pick(rng, &[50, 100, 150, 200, 250, 400]);
    let q = m_g as f64 / 1000.0 * L_WATER / 1000.0;
    let body = choice_num(
        rng,
        q,
        &[q * 1000.0, q / 10.0, m_g as f64 * 2.26, m_g as f64 / 1000.0 * LAMBDA_ICE / 1000.0],
        1,
    )?;
    let stem = format!(
        "Nhiệt lượng (kJ) cần cung cấp để làm ${m_g}$ g nước ở $100\\ ^\\circ\\mathrm{{C}}$ hóa hơi hoàn toàn là bao nhiêu? \
         Biết nhiệt hóa hơi riêng của nước là $2{{,}}26.10^6\\ \\mathrm{{J/kg}}$."
    );
    Some(Draft::new("12.1.5", Hieu, stem, body))
}

pub fn dinh_luat_i(rng: &mut Rng) -> Option<Draft> {
    let q = rng.random_range(2..=20) * 50;
    let a = rng.random_range(1..=15) * 20;
    if a == q {
        return None;
    }
    let du = q - a;
    let f = |x: i64| format!("${x}$ J");
    let body = choice(rng, f(du), [f(q + a), f(a - q), f(-(q + a))])?;
    let stem = format!(
        "Người ta truyền cho khí trong xilanh nhiệt lượng ${q}$ J. Khí nở ra và thực hiện công ${a}$ J đẩy pittông. \
         Độ biến thiên nội năng của khí là"
    );
    Some(Draft::new("12.1.2", Hieu, stem, body))
}

pub fn boyle(rng: &mut Rng) -> Option<Draft> {
    let p1 = pick(rng, &[1.0, 1.5, 2.0, 2.5, 3.0]);
    let v1 = pick(rng, &[2.0, 3.0, 4.0, 6.0, 8.0, 12.0]);
    let v2 = pick(rng, &[1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 10.0]);
    if v1 == v2 {
        return None;
    }
    let p2 = p1 * v1 / v2;
    let body = choice_num(rng, p2, &[p1 * v2 / v1, p1 * (v1 - v2).abs(), p1 + (v1 - v2), p2 * 2.0], 2)?;
    if ((p2 * 100.0).round() - p2 * 100.0).abs() > 1e-9 {
        return None;
    }
    let change = if v2 < v1 {
        "Nén đẳng nhiệt lượng khí đó"
    } else {
        "Cho lượng khí đó giãn đẳng nhiệt"
    };
    let stem = format!(
        "Một lượng khí lí tưởng có thể tích ${}$ lít ở áp suất ${}$ atm. {change} đến thể tích ${}$ lít. Áp suất của \
         khí lúc sau (tính theo atm) là",
        num(v1, 1),
        num(p1, 1),
        num(v2, 1)
    );
    Some(Draft::new("12.2.2", Hieu, stem, body))
}

pub fn charles(rng: &mut Rng) -> Option<Draft> {
    let v1 = pick(rng, &[2.0, 3.0, 4.0, 5.0, 6.0]);
    let t1 = rng.random_range(0..=8) * 5 + 7; // °C
    let t2 = t1 + rng.random_range(2..=20) * 10;
    let v2 = v1 * (t2 + 273) as f64 / (t1 + 273) as f64;
    let (body, phrase) = fit(v2)?;
    let stem = format!(
        "Một lượng khí lí tưởng có thể tích ${}$ lít ở nhiệt độ ${t1}\\ ^\\circ\\mathrm{{C}}$. Đun nóng đẳng áp lượng khí \
         đến nhiệt độ ${t2}\\ ^\\circ\\mathrm{{C}}$. Thể tích của khí lúc sau là bao nhiêu lít {phrase}?",
        num(v1, 1)
    );
    Some(Draft::new("12.2.3", VanDung, stem, body))
}

pub fn so_mol_khi(rng: &mut Rng) -> Option<Draft> {
    let p_kpa = pick(rng, &[100.0, 150.0, 200.0, 250.0, 300.0]);
    let v_l = pick(rng, &[5.0, 8.0, 10.0, 12.0, 20.0, 25.0]);
    let t_c = rng.random_range(0..=12) * 5;
    let t = (t_c + 273) as f64;
    let n = p_kpa * 1000.0 * v_l / 1000.0 / (R * t);
    let (body, phrase) = fit(n)?;
    let stem = format!(
        "Một bình kín có thể tích ${}$ lít chứa khí lí tưởng ở áp suất ${}$ kPa và nhiệt độ ${t_c}\\ ^\\circ\\mathrm{{C}}$. \
         Lấy $R = 8{{,}}31\\ \\mathrm{{J/(mol.K)}}$. Số mol khí trong bình là bao nhiêu {phrase}?",
        num(v_l, 1),
        num(p_kpa, 0)
    );
    Some(
        Draft::new("12.2.4", VanDung, stem, body)
            .checked(n, Check::GasMoles { p: p_kpa * 1000.0, v: v_l / 1000.0, t }),
    )
}

pub fn dong_nang_phan_tu(rng: &mut Rng) -> Option<Draft> {
    let t_c = rng.random_range(-3..=20) * 10;
    let t = (t_c + 273) as f64;
    let e = 1.5 * BOLTZMANN * t / 1e-21;
    let body = short(e, 2)?;
    let stem = format!(
        "Động năng tịnh tiến trung bình của phân tử khí lí tưởng ở nhiệt độ ${t_c}\\ ^\\circ\\mathrm{{C}}$ là $x.10^{{-21}}$ J. \
         Tìm $x$ (làm tròn kết quả đến hàng phần trăm). Lấy $k = 1{{,}}38.10^{{-23}}\\ \\mathrm{{J/K}}$."
    );
    Some(Draft::new("12.2.5", Hieu, stem, body))
}

pub fn toc_do_can_quan_phuong(rng: &mut Rng) -> Option<Draft> {
    let (gas, m) = pick(
        rng,
        &[
            ("oxygen ($\\mathrm{O_2}$)", 0.032),
            ("nitrogen ($\\mathrm{N_2}$)", 0.028),
            ("hydrogen ($\\mathrm{H_2}$)", 0.002),
            ("helium", 0.004),
        ],
    );
    let t_c = rng.random_range(0..=10) * 10;
    let v = (3.0 * R * (t_c + 273) as f64 / m).sqrt();
    let body = short(v, 0)?;
    let stem = format!(
        "Tính tốc độ căn quân phương (m/s) của phân tử khí {gas} ở nhiệt độ ${t_c}\\ ^\\circ\\mathrm{{C}}$ (làm tròn kết quả \
         đến hàng đơn vị). Biết khối lượng mol của khí là ${}$ g/mol; lấy $R = 8{{,}}31\\ \\mathrm{{J/(mol.K)}}$.",
        num(m * 1000.0, 0)
    );
    Some(Draft::new("12.2.5", VanDung, stem, body))
}

pub fn khi_tf(rng: &mut Rng) -> Option<Draft> {
    let p1 = pick(rng, &[1.0, 2.0]);
    let v1 = pick(rng, &[4.0, 6.0, 8.0]);
    let t1 = pick(rng, &[27, 7, 17]);
    let t1k = (t1 + 273) as f64;
    let p2 = p1 * 2.0;
    let t2k = t1k * 1.5;
    let v2 = p1 * v1 * t2k / (t1k * p2);
    let body = true_false(
        rng,
        [
            stmt(
                Biet,
                format!("Nhiệt độ tuyệt đối ban đầu của khí là ${}$ K.", num(t1k, 0)),
                format!("Nhiệt độ tuyệt đối ban đầu của khí là ${t1}$ K."),
            ),
            stmt(
                Hieu,
                "Trong quá trình biến đổi, tích $\\dfrac{pV}{T}$ của lượng khí không đổi.".to_string(),
                "Trong quá trình biến đổi, tích $pV$ của lượng khí không đổi.".to_string(),
            ),
            stmt(
                Hieu,
                format!(
                    "Nhiệt độ của khí ở trạng thái sau là ${}\\ ^\\circ\\mathrm{{C}}$.",
                    num(t2k - 273.0, 1)
                ),
                format!(
                    "Nhiệt độ của khí ở trạng thái sau là ${}\\ ^\\circ\\mathrm{{C}}$.",
                    num(t1 as f64 * 1.5, 1)
                ),
            ),
            stmt(
                VanDung,
                format!("Thể tích của khí ở trạng thái sau là ${}$ lít.", num(v2, 2)),
                format!("Thể tích của khí ở trạng thái sau là ${}$ lít.", num(v1 * 1.5 * 2.0, 2)),
            ),
        ],
    );
    let stem = format!(
        "Một lượng khí lí tưởng ở trạng thái ban đầu có áp suất ${}$ atm, thể tích ${}$ lít và nhiệt độ ${t1}\\ ^\\circ\\mathrm{{C}}$. \
         Người ta biến đổi lượng khí sao cho áp suất tăng gấp đôi và nhiệt độ tuyệt đối tăng gấp $1{{,}}5$ lần.",
        num(p1, 1),
        num(v1, 1)
    );
    Some(Draft::new("12.2.4", Hieu, stem, body))
}

/// A cylinder of gas under a piston: Boyle, then heating at constant pressure.
pub fn xilanh_group(rng: &mut Rng) -> Option<Group> {
    let v1 = pick(rng, &[3.0, 4.0, 6.0, 8.0]);
    let p1 = pick(rng, &[1.0, 1.2, 1.5]);
    let t1 = pick(rng, &[27, 17, 7]);
    let k = pick(rng, &[2.0, 3.0, 4.0]);
    let v2 = v1 / k;
    let p2 = p1 * k;
    let t3 = t1 + pick(rng, &[60, 90, 120, 150]);
    let v3 = v2 * (t3 + 273) as f64 / (t1 + 273) as f64;
    let text = format!(
        "Một xilanh đặt thẳng đứng chứa ${}$ lít khí lí tưởng ở áp suất ${}$ atm và nhiệt độ ${t1}\\ ^\\circ\\mathrm{{C}}$. \
         Đầu tiên, người ta nén chậm pittông để nhiệt độ khí không đổi cho đến khi thể tích giảm ${}$ lần. Sau đó, giữ \
         áp suất không đổi và đun nóng khí đến ${t3}\\ ^\\circ\\mathrm{{C}}$.",
        num(v1, 1),
        num(p1, 1),
        num(k, 0)
    );
    let sc = Draft::new(
        "12.2.2",
        Biet,
        "Sau giai đoạn nén, áp suất của khí (tính theo atm) là",
        choice_num(rng, p2, &[p1 / k, p1 + k, p1 * k * k], 2)?,
    );
    let (sa_body, phrase) = fit(v3)?;
    let sa = Draft::new(
        "12.2.3",
        VanDung,
        format!("Tính thể tích (lít) của khí ở cuối quá trình {phrase}."),
        sa_body,
    );
    let tf = Draft::new(
        "12.2.4",
        Hieu,
        "Xét tính đúng sai của các khẳng định sau.",
        true_false(
            rng,
            [
                stmt(
                    Biet,
                    "Trong giai đoạn nén, nhiệt độ của khí không đổi nên nội năng của khí không đổi.",
                    "Trong giai đoạn nén, nội năng của khí tăng vì khí nhận công.",
                ),
                stmt(
                    Hieu,
                    format!("Sau giai đoạn nén, thể tích khí là ${}$ lít.", num(v2, 2)),
                    format!("Sau giai đoạn nén, thể tích khí là ${}$ lít.", num(v1 * k, 2)),
                ),
                stmt(
                    Hieu,
                    "Trong giai đoạn đun nóng, thể tích khí tỉ lệ thuận với nhiệt độ tuyệt đối.",
                    "Trong giai đoạn đun nóng, thể tích khí tỉ lệ thuận với nhiệt độ Celsius.",
                ),
                stmt(
                    VanDung,
                    format!(
                        "Trong giai đoạn đun nóng, khối lượng riêng của khí giảm ${}$ lần.",
                        num((t3 + 273) as f64 / (t1 + 273) as f64, 2)
                    ),
                    format!(
                        "Trong giai đoạn đun nóng, khối lượng riêng của khí tăng ${}$ lần.",
                        num((t3 + 273) as f64 / (t1 + 273) as f64, 2)
                    ),
                ),
            ],
        ),
    );
    Some(Group { title: "Khí trong xilanh".into(), text, drafts: vec![sc, sa, tf] })
}

/// An electric kettle: energy to heat and boil water, time at a given power.
pub fn am_dien_group(rng: &mut Rng) -> Option<Group> {
    let m = pick(rng, &[1.0, 1.5, 2.0]);
    let t0 = pick(rng, &[20, 25, 30]);
    let p = pick(rng, &[1000, 1500, 1800, 2000]);
    let eff = pick(rng, &[80, 85, 90]);
    let q = m * C_WATER * (100 - t0) as f64; // J
    let time = q / (p as f64 * eff as f64 / 100.0);
    let text = format!(
        "Một ấm điện có công suất ${p}$ W dùng để đun ${}$ lít nước (khối lượng ${}$ kg) từ ${t0}\\ ^\\circ\\mathrm{{C}}$. \
         Hiệu suất của ấm là ${eff}\\%$. Biết nhiệt dung riêng của nước là $4200\\ \\mathrm{{J/(kg.K)}}$, nhiệt hóa hơi \
         riêng của nước là $2{{,}}26.10^6\\ \\mathrm{{J/kg}}$.",
        num(m, 1),
        num(m, 1)
    );
    let q_kj = q / 1000.0;
    let sc = Draft::new(
        "12.1.4",
        Hieu,
        "Nhiệt lượng (kJ) nước cần nhận để nóng từ nhiệt độ ban đầu đến $100\\ ^\\circ\\mathrm{C}$ là",
        choice_num(
            rng,
            q_kj,
            &[
                m * C_WATER * 100.0 / 1000.0,
                q_kj * 1000.0 / 1000.0 * (eff as f64 / 100.0),
                m * C_WATER * t0 as f64 / 1000.0,
            ],
            1,
        )?,
    );
    let (t_body, phrase) = fit(time / 60.0)?;
    let sa = Draft::new(
        "12.1.4",
        VanDung,
        format!("Tính thời gian (phút) đun để nước bắt đầu sôi {phrase}."),
        t_body,
    );
    let boil = 0.1 * m * L_WATER / (p as f64 * eff as f64 / 100.0);
    let tf = Draft::new(
        "12.1.5",
        VanDung,
        "Xét tính đúng sai của các khẳng định sau.",
        true_false(
            rng,
            [
                stmt(
                    Biet,
                    "Khi nước sôi, nhiệt độ của nước không đổi dù vẫn tiếp tục nhận nhiệt.",
                    "Khi nước sôi, nhiệt độ của nước tiếp tục tăng đều theo thời gian.",
                ),
                stmt(
                    Hieu,
                    format!("Công suất có ích của ấm là ${}$ W.", num(p as f64 * eff as f64 / 100.0, 0)),
                    format!(
                        "Công suất có ích của ấm là ${}$ W.",
                        num(p as f64 * (100 - eff) as f64 / 100.0, 0)
                    ),
                ),
                stmt(
                    Hieu,
                    "Nhiệt lượng ấm tỏa ra môi trường bằng phần năng lượng điện không chuyển thành nhiệt của nước.",
                    "Toàn bộ năng lượng điện ấm tiêu thụ đều chuyển thành nhiệt lượng của nước.",
                ),
                stmt(
                    VanDung,
                    format!(
                        "Sau khi nước sôi, cần thêm khoảng ${}$ giây để $10\\%$ lượng nước hóa hơi.",
                        num(boil.round(), 0)
                    ),
                    format!(
                        "Sau khi nước sôi, cần thêm khoảng ${}$ giây để $10\\%$ lượng nước hóa hơi.",
                        num((boil * 10.0).round(), 0)
                    ),
                ),
            ],
        ),
    );
    Some(Group { title: "Đun nước bằng ấm điện".into(), text, drafts: vec![sc, sa, tf] })
}
