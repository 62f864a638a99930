//! Vật lý 12: the templates of the physics bank.

pub mod nhiet;
pub mod tu_hat_nhan;

use khaothi_domain::Level::{Hieu, VanDung};
use rand::Rng as _;

use crate::bank::Templates;
use crate::draft::{Check, Draft, Rng, choice_num, num, pick, short, short_exact};
use nhiet::{C_WATER, R, fit};

/// Half-life: the mass left (choice) and the mass decayed (short answer) of one sample.
fn ban_ra_pair(rng: &mut Rng) -> Option<[Draft; 2]> {
    let (name, half, unit) = pick(
        rng,
        &[
            ("${}^{210}_{84}\\mathrm{Po}$", 138.0, "ngày"),
            ("${}^{60}_{27}\\mathrm{Co}$", 5.27, "năm"),
            ("${}^{32}_{15}\\mathrm{P}$", 14.3, "ngày"),
            ("${}^{222}_{86}\\mathrm{Rn}$", 3.8, "ngày"),
        ],
    );
    let m0 = pick(rng, &[8.0, 16.0, 24.0, 32.0, 64.0]);
    let k = rng.random_range(1..=3);
    let left = m0 / 2f64.powi(k);
    let t = half * k as f64;
    let setting = format!(
        "Một mẫu chất phóng xạ {name} (chu kì bán rã ${}$ {unit}) ban đầu có khối lượng ${}$ g.",
        num(half, 2),
        num(m0, 0)
    );
    let a = Draft::new(
        "12.4.4",
        Hieu,
        format!("{setting} Sau ${}$ {unit}, khối lượng (g) chất phóng xạ còn lại là", num(t, 2)),
        choice_num(rng, left, &[m0 - left, m0 / (2.0 * k as f64), left / 2.0, m0 / 3f64.powi(k)], 2)?,
    )
    .checked_aux(left / m0, Check::DecayLeft { t, half_life: half });
    let b = Draft::new(
        "12.4.4",
        VanDung,
        format!("{setting} Tính khối lượng (g) chất phóng xạ đã bị phân rã sau ${}$ {unit}.", num(t, 2)),
        short_exact(m0 - left)?,
    );
    Some([a, b])
}

/// One gas sample: amount of substance and then its mass.
fn khi_pair(rng: &mut Rng) -> Option<[Draft; 2]> {
    let (gas, m) =
        pick(rng, &[("oxygen", 32.0), ("nitrogen", 28.0), ("helium", 4.0), ("carbon dioxide", 44.0)]);
    let v_l = pick(rng, &[8.31, 16.62, 24.93, 41.55]);
    let p_kpa = pick(rng, &[100.0, 150.0, 200.0, 300.0]);
    let t = pick(rng, &[300.0, 400.0, 500.0]);
    let n = p_kpa * v_l / (R * t);
    let setting = format!(
        "Một bình có thể tích ${}$ lít chứa khí {gas} (khối lượng mol ${}$ g/mol) ở áp suất ${}$ kPa và nhiệt độ ${}$ K. \
         Coi khí là khí lí tưởng, lấy $R = 8{{,}}31\\ \\mathrm{{J/(mol.K)}}$.",
        num(v_l, 2),
        num(m, 0),
        num(p_kpa, 0),
        num(t, 0)
    );
    let a = Draft::new(
        "12.2.4",
        Hieu,
        format!("{setting} Tính số mol khí trong bình."),
        short_exact((n * 100.0).round() / 100.0)?,
    )
    .checked(n, Check::GasMoles { p: p_kpa * 1000.0, v: v_l / 1000.0, t });
    let (body, phrase) = fit(n * m)?;
    let b = Draft::new(
        "12.2.4",
        VanDung,
        format!("{setting} Tính khối lượng (g) khí trong bình {phrase}."),
        body,
    );
    if ((n * 100.0).round() - n * 100.0).abs() > 1e-6 {
        return None;
    }
    Some([a, b])
}

/// Heating water: the heat needed (choice) and the heating time at a given power (short answer).
fn dun_nuoc_pair(rng: &mut Rng) -> Option<[Draft; 2]> {
    let m = pick(rng, &[0.5, 1.0, 1.5, 2.0]);
    let t1 = pick(rng, &[20, 25, 30]);
    let t2 = pick(rng, &[60, 80, 100]);
    let p = pick(rng, &[500.0, 800.0, 1000.0, 1200.0]);
    let q = m * C_WATER * (t2 - t1) as f64;
    let setting = format!(
        "Dùng một dây đun có công suất ${}$ W để đun ${}$ kg nước từ ${t1}\\ ^\\circ\\mathrm{{C}}$ lên ${t2}\\ ^\\circ\\mathrm{{C}}$. \
         Biết nhiệt dung riêng của nước là $4200\\ \\mathrm{{J/(kg.K)}}$ và bỏ qua mọi hao phí.",
        num(p, 0),
        num(m, 1)
    );
    let a = Draft::new(
        "12.1.4",
        Hieu,
        format!("{setting} Nhiệt lượng (kJ) nước thu vào là"),
        choice_num(
            rng,
            q / 1000.0,
            &[m * C_WATER * t2 as f64 / 1000.0, q, m * C_WATER * (t1 + t2) as f64 / 1000.0],
            1,
        )?,
    );
    let (body, phrase) = fit(q / p / 60.0)?;
    let b = Draft::new("12.1.4", VanDung, format!("{setting} Tính thời gian đun (phút) {phrase}."), body);
    let _ = short;
    Some([a, b])
}

pub const TEMPLATES: Templates = Templates {
    single_choice: &[
        nhiet::khai_niem,
        nhiet::khai_niem,
        nhiet::nhiet_do_kelvin,
        nhiet::nhiet_luong,
        nhiet::hoa_hoi,
        nhiet::dinh_luat_i,
        nhiet::boyle,
        tu_hat_nhan::cau_tao_hat_nhan,
        tu_hat_nhan::hat_nhan_con,
        tu_hat_nhan::bao_toan_phan_ung,
        tu_hat_nhan::chu_ki_ban_ra,
        tu_hat_nhan::khai_niem,
        tu_hat_nhan::luc_tu,
        tu_hat_nhan::tu_thong,
        tu_hat_nhan::dien_ap_hieu_dung,
    ],
    true_false: &[nhiet::khi_tf, tu_hat_nhan::tu_truong_tf, tu_hat_nhan::phong_xa_tf],
    short_answer: &[
        nhiet::can_bang_nhiet,
        nhiet::nong_chay,
        nhiet::nuoc_da_thanh_nuoc,
        nhiet::charles,
        nhiet::so_mol_khi,
        nhiet::dong_nang_phan_tu,
        nhiet::toc_do_can_quan_phuong,
        tu_hat_nhan::phan_tram_con_lai,
        tu_hat_nhan::tuoi_c14,
        tu_hat_nhan::nang_luong_lien_ket,
        tu_hat_nhan::cam_ung_tu,
        tu_hat_nhan::suat_dien_dong,
        tu_hat_nhan::may_bien_ap,
    ],
    pairs: &[ban_ra_pair, khi_pair, dun_nuoc_pair],
    groups: &[nhiet::xilanh_group, nhiet::am_dien_group, tu_hat_nhan::iod_group, tu_hat_nhan::bien_ap_group],
};
