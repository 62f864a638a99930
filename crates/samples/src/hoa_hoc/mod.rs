//! Hóa học 12: the templates of the chemistry bank.

pub mod chem;
pub mod huu_co;
pub mod vo_co;

use crate::bank::Templates;

pub const TEMPLATES: Templates = Templates {
    single_choice: &[
        huu_co::ten_ester,
        huu_co::dong_phan_ester,
        huu_co::trang_bac,
        huu_co::khai_niem,
        huu_co::khai_niem,
        huu_co::monomer,
        vo_co::cuc_am_cua_pin,
        vo_co::kim_loai_khu_ion,
        vo_co::tinh_chat_vat_li,
        vo_co::tach_kim_loai,
        vo_co::an_mon,
    ],
    true_false: &[huu_co::tf_pool, vo_co::kim_loai_tf],
    short_answer: &[
        huu_co::xa_phong_hoa_ester,
        huu_co::hieu_suat_ester_hoa,
        huu_co::glycerol_tu_chat_beo,
        huu_co::hidro_hoa_triolein,
        huu_co::len_men_glucose,
        huu_co::he_so_polymer_hoa,
        huu_co::amine_hcl,
        huu_co::tim_amine,
        huu_co::amino_naoh,
        huu_co::phan_tu_khoi_peptide,
        vo_co::suat_dien_dong_pin,
        vo_co::dien_phan_dong,
        vo_co::dien_phan_thoi_gian,
        vo_co::kim_loai_hcl,
        vo_co::hon_hop_kim_loai,
    ],
    pairs: &[huu_co::ester_pair, vo_co::kim_loai_pair],
    groups: &[huu_co::con_tu_san_group, huu_co::xa_phong_group, vo_co::pin_group, vo_co::ma_dong_group],
};
