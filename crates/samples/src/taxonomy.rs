//! The curriculum taxonomy of the sample bank: `12.<chapter>.<section>` per subject, with the
//! Vietnamese names of the 2018 general-education programme (chương trình GDPT 2018, lớp 12).
//!
//! Blueprints (ma trận đề) are written against these codes, so the table is part of the sample
//! bank's contract: codes are only ever added, never renumbered.

use serde_json::{Map, Value, json};

/// One subject's chapters and sections.
#[derive(Debug, Clone, Copy)]
pub struct SubjectTaxonomy {
    /// Subject code as used in items (`toan`, `vat_ly`, `hoa_hoc`).
    pub subject: &'static str,
    /// Vietnamese subject name.
    pub name: &'static str,
    /// Prefix of item ids (`TOAN12`, `LY12`, `HOA12`).
    pub id_prefix: &'static str,
    /// `(code, name)` of every chapter (`12.1`) and section (`12.1.1`), chapters first in order.
    pub topics: &'static [(&'static str, &'static str)],
}

pub const TOAN: SubjectTaxonomy = SubjectTaxonomy {
    subject: "toan",
    name: "Toán",
    id_prefix: "TOAN12",
    topics: &[
        ("12.1", "Ứng dụng đạo hàm để khảo sát và vẽ đồ thị hàm số"),
        ("12.1.1", "Tính đơn điệu của hàm số"),
        ("12.1.2", "Cực trị của hàm số"),
        ("12.1.3", "Giá trị lớn nhất và giá trị nhỏ nhất của hàm số"),
        ("12.1.4", "Đường tiệm cận của đồ thị hàm số"),
        ("12.1.5", "Khảo sát sự biến thiên và vẽ đồ thị hàm số"),
        ("12.1.6", "Ứng dụng đạo hàm giải bài toán thực tế"),
        ("12.2", "Nguyên hàm và tích phân"),
        ("12.2.1", "Nguyên hàm"),
        ("12.2.2", "Tích phân"),
        ("12.2.3", "Ứng dụng hình học của tích phân (diện tích, thể tích)"),
        ("12.2.4", "Ứng dụng tích phân trong chuyển động và thực tế"),
        ("12.3", "Phương pháp tọa độ trong không gian Oxyz"),
        ("12.3.1", "Vectơ và tọa độ của vectơ trong không gian"),
        ("12.3.2", "Phương trình mặt phẳng"),
        ("12.3.3", "Phương trình đường thẳng"),
        ("12.3.4", "Phương trình mặt cầu"),
        ("12.3.5", "Khoảng cách và góc trong không gian"),
        ("12.4", "Thống kê: các số đặc trưng đo mức độ phân tán của mẫu số liệu ghép nhóm"),
        ("12.4.1", "Khoảng biến thiên và khoảng tứ phân vị"),
        ("12.4.2", "Phương sai và độ lệch chuẩn"),
        ("12.5", "Xác suất"),
        ("12.5.1", "Xác suất cổ điển và quy tắc tính xác suất"),
        ("12.5.2", "Xác suất có điều kiện"),
        ("12.5.3", "Công thức xác suất toàn phần và công thức Bayes"),
        ("12.6", "Hàm số mũ và hàm số lôgarit (ôn tập lớp 11)"),
        ("12.6.1", "Lũy thừa và lôgarit"),
        ("12.6.2", "Phương trình, bất phương trình mũ và lôgarit"),
        ("12.6.3", "Mô hình tăng trưởng mũ trong thực tế"),
        ("12.7", "Hàm số lượng giác và phương trình lượng giác (ôn tập lớp 11)"),
        ("12.7.1", "Giá trị lượng giác và công thức lượng giác"),
        ("12.7.2", "Phương trình lượng giác"),
    ],
};

pub const VAT_LY: SubjectTaxonomy = SubjectTaxonomy {
    subject: "vat_ly",
    name: "Vật lý",
    id_prefix: "LY12",
    topics: &[
        ("12.1", "Vật lí nhiệt"),
        ("12.1.1", "Cấu trúc của chất và sự chuyển thể"),
        ("12.1.2", "Nội năng và định luật I của nhiệt động lực học"),
        ("12.1.3", "Thang nhiệt độ, nhiệt kế"),
        ("12.1.4", "Nhiệt dung riêng"),
        ("12.1.5", "Nhiệt nóng chảy riêng và nhiệt hóa hơi riêng"),
        ("12.2", "Khí lí tưởng"),
        ("12.2.1", "Mô hình động học phân tử chất khí"),
        ("12.2.2", "Định luật Boyle"),
        ("12.2.3", "Định luật Charles"),
        ("12.2.4", "Phương trình trạng thái của khí lí tưởng"),
        ("12.2.5", "Áp suất khí theo mô hình động học phân tử, động năng phân tử"),
        ("12.3", "Từ trường"),
        ("12.3.1", "Khái niệm từ trường, đường sức từ"),
        ("12.3.2", "Lực từ tác dụng lên đoạn dây dẫn mang dòng điện, cảm ứng từ"),
        ("12.3.3", "Từ thông và hiện tượng cảm ứng điện từ"),
        ("12.3.4", "Dòng điện xoay chiều và máy biến áp"),
        ("12.4", "Vật lí hạt nhân"),
        ("12.4.1", "Cấu trúc hạt nhân"),
        ("12.4.2", "Độ hụt khối và năng lượng liên kết"),
        ("12.4.3", "Phản ứng hạt nhân: phân hạch và nhiệt hạch"),
        ("12.4.4", "Hiện tượng phóng xạ, định luật phóng xạ"),
        ("12.4.5", "An toàn phóng xạ và ứng dụng"),
    ],
};

pub const HOA_HOC: SubjectTaxonomy = SubjectTaxonomy {
    subject: "hoa_hoc",
    name: "Hóa học",
    id_prefix: "HOA12",
    topics: &[
        ("12.1", "Ester – lipid (este – lipit)"),
        ("12.1.1", "Ester: cấu tạo, danh pháp, tính chất"),
        ("12.1.2", "Lipid và chất béo"),
        ("12.1.3", "Xà phòng và chất giặt rửa"),
        ("12.2", "Carbohydrate (cacbohiđrat)"),
        ("12.2.1", "Glucose và fructose"),
        ("12.2.2", "Saccharose và maltose"),
        ("12.2.3", "Tinh bột và cellulose"),
        ("12.3", "Hợp chất chứa nitrogen: amine, amino acid, peptide, protein (amin – amino axit)"),
        ("12.3.1", "Amine"),
        ("12.3.2", "Amino acid"),
        ("12.3.3", "Peptide và protein"),
        ("12.4", "Polymer (polime)"),
        ("12.4.1", "Đại cương về polymer"),
        ("12.4.2", "Vật liệu polymer: chất dẻo, tơ, cao su"),
        ("12.5", "Pin điện và điện phân"),
        ("12.5.1", "Thế điện cực chuẩn và pin điện hóa"),
        ("12.5.2", "Điện phân"),
        ("12.6", "Đại cương về kim loại"),
        ("12.6.1", "Cấu tạo và tính chất vật lí của kim loại"),
        ("12.6.2", "Tính chất hóa học của kim loại, dãy điện hóa"),
        ("12.6.3", "Tách kim loại (điều chế kim loại)"),
        ("12.6.4", "Hợp kim và sự ăn mòn kim loại"),
    ],
};

/// Every subject of the sample bank, in the order the files are written.
pub const SUBJECTS: [SubjectTaxonomy; 3] = [TOAN, VAT_LY, HOA_HOC];

impl SubjectTaxonomy {
    /// The Vietnamese name of a topic code, if the code is in the taxonomy.
    pub fn topic_name(&self, code: &str) -> Option<&'static str> {
        self.topics.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
    }

    /// Section codes (three segments): the codes items are tagged with.
    pub fn sections(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.topics.iter().map(|(c, _)| *c).filter(|c| c.split('.').count() == 3)
    }
}

/// The subject with this code.
pub fn subject(code: &str) -> Option<&'static SubjectTaxonomy> {
    SUBJECTS.iter().find(|s| s.subject == code)
}

/// `taxonomy.json`: `{"grade":12,"subjects":{"toan":{"name":"Toán","id_prefix":"TOAN12",
/// "topics":{"12.1":"…","12.1.1":"…"}}}}`. Codes sort correctly as strings (one digit a segment).
pub fn taxonomy_json() -> Value {
    let mut subjects = Map::new();
    for s in SUBJECTS {
        let topics: Map<String, Value> =
            s.topics.iter().map(|(c, n)| ((*c).to_string(), Value::from(*n))).collect();
        subjects.insert(
            s.subject.to_string(),
            json!({"name": s.name, "id_prefix": s.id_prefix, "topics": topics}),
        );
    }
    json!({"grade": 12, "scheme": "12.<chương>.<bài>", "subjects": subjects})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_section_has_its_chapter_and_codes_are_unique() {
        for s in SUBJECTS {
            let mut seen = std::collections::HashSet::new();
            for (code, name) in s.topics {
                assert!(seen.insert(*code), "{} {code} twice", s.subject);
                assert!(khaothi_domain::item::is_topic_code(code));
                assert!(!name.is_empty());
                let segs: Vec<&str> = code.split('.').collect();
                assert_eq!(segs[0], "12");
                assert!(
                    segs[1..].iter().all(|x| x.len() == 1),
                    "{code}: one digit a segment keeps string order"
                );
                if segs.len() == 3 {
                    let chapter = format!("12.{}", segs[1]);
                    assert!(s.topic_name(&chapter).is_some(), "{code} without chapter");
                }
            }
        }
    }
}
