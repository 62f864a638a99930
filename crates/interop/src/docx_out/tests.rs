//! The paper's `.docx` from the layout model: every part is well-formed XML, the masthead, parts,
//! "Câu n.", option arrangements, equations, pictures, passages, "HẾT" and the page footer are
//! where a THPT paper has them, the key never appears on the paper, and every failure (a missing
//! picture, one Word cannot show) names the question.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use khaothi_domain::form::{Form, FormItem, Version, VersionKey};
use khaothi_domain::{Choice, Item, ItemRecord};
use khaothi_render::{Paper, PaperHeading, answer_key, paper_layout};

use super::{answer_key_docx, paper_docx};
use crate::InteropError;
use crate::docx::xml::parse;

/// A 1×1 PNG.
const PNG: [u8; 70] = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 31,
    21, 196, 137, 0, 0, 0, 13, 73, 68, 65, 84, 120, 218, 99, 100, 96, 248, 95, 15, 0, 2, 135, 1, 128, 235,
    71, 186, 146, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

fn item(v: serde_json::Value) -> Item {
    ItemRecord::from_json_line(&v.to_string()).unwrap().into_item().unwrap().0
}

fn base(id: &str, kind: &str) -> serde_json::Value {
    serde_json::json!({"id": id, "subject": "toan", "grade": 12, "topic": "12.1", "level": "hieu", "kind": kind})
}

fn items() -> Vec<(Item, u32, VersionKey)> {
    let mut short = base("Q1", "single_choice");
    short["stem"] = "Cho $f(x)=\\dfrac{x+1}{x-2}$. Giá trị $f(3)$ bằng".into();
    short["options"] = serde_json::json!(["$4$", "$2$", "$-4$", "$\\sqrt{2}$"]);
    short["key"] = "A".into();
    let mut pictured = base("Q2", "single_choice");
    pictured["stem"] = "Đồ thị hàm số ở hình bên:\n\n![Hình 1](hinh-1.png)\n\nlà của hàm số nào?".into();
    pictured["options"] = serde_json::json!(["$y=x^3-3x$", "$y=-x^3+3x$", "$y=x^4-2x^2$", "$y=x^2$"]);
    pictured["key"] = "B".into();
    pictured["media"] = serde_json::json!(["hinh-1.png"]);
    pictured["stimulus"] = "S1".into();
    let mut long = base("Q3", "single_choice");
    long["stem"] = "Mệnh đề nào đúng?".into();
    long["options"] = serde_json::json!([
        "Hàm số đồng biến trên khoảng $(-1;1)$ và nghịch biến trên các khoảng còn lại của tập xác định",
        "Hàm số nghịch biến trên khoảng $(-1;1)$ và đồng biến trên các khoảng còn lại của tập xác định",
        "Hàm số đồng biến trên $\\mathbb{R}$",
        "Hàm số nghịch biến trên $\\mathbb{R}$"
    ]);
    long["key"] = "C".into();
    long["stimulus"] = "S1".into();
    let mut tf = base("T1", "true_false_group");
    tf["stem"] = "Cho hệ $\\begin{cases} x+y=3 \\\\ x-y=1 \\end{cases}$.".into();
    tf["statements"] = serde_json::json!(["$x=2$", "$y=2$", "$x+y=3$", "$\\int_0^1 x\\,dx=\\frac12$"]);
    tf["keys"] = serde_json::json!([true, false, true, true]);
    let mut sa = base("A1", "short_answer");
    sa["stem"] = "Tính $\\lim_{x\\to 0}\\dfrac{\\sin x}{x}$.".into();
    sa["answer"] = "1".into();
    vec![
        (item(short), 0, VersionKey::SingleChoice(Choice::A)),
        (item(pictured), 0, VersionKey::SingleChoice(Choice::B)),
        (item(long), 0, VersionKey::SingleChoice(Choice::C)),
        (item(tf), 1, VersionKey::TrueFalseGroup(vec![true, false, true, true])),
        (
            item(sa),
            2,
            VersionKey::ShortAnswer(khaothi_domain::ShortAnswerKey {
                accepted: vec!["1".into()],
                tolerance: None,
            }),
        ),
    ]
}

const HEADING: PaperHeading<'static> = PaperHeading {
    authority: "BỘ GIÁO DỤC VÀ ĐÀO TẠO",
    exam: "KỲ THI TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG NĂM 2025",
    label: "ĐỀ THI CHÍNH THỨC",
    subject: "toan",
    duration_minutes: Some(90),
};

struct Fixture {
    form: Form,
    version: Version,
    items: HashMap<String, Item>,
    stimuli: HashMap<String, String>,
}

fn fixture() -> Fixture {
    let list = items();
    let form = Form {
        id: "F".into(),
        number: 1,
        items: list
            .iter()
            .map(|(i, s, _)| FormItem { item_id: i.id.clone(), version: Some(1), section: *s })
            .collect(),
    };
    let version = Version {
        code: "0101".into(),
        form_id: "F".into(),
        items: list.iter().map(|(i, _, _)| i.id.clone()).collect(),
        options: BTreeMap::from([("Q1".to_string(), vec![3, 2, 1, 0])]),
        keys: list.iter().map(|(i, _, k)| (i.id.clone(), k.clone())).collect(),
    };
    let stimuli =
        HashMap::from([("S1".to_string(), "Một vật chuyển động với vận tốc $v(t)=3t^2$ (m/s).".to_string())]);
    Fixture { form, version, items: list.into_iter().map(|(i, _, _)| (i.id.clone(), i)).collect(), stimuli }
}

impl Fixture {
    fn paper(&self) -> Paper<'_> {
        Paper {
            heading: HEADING,
            form: &self.form,
            version: &self.version,
            items: &self.items,
            stimuli: &self.stimuli,
        }
    }
}

fn pictures(name: &str) -> Option<Vec<u8>> {
    (name == "hinh-1.png").then(|| PNG.to_vec())
}

/// Every entry of the package, each XML one checked to parse.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if f.name().ends_with(".xml") || f.name().ends_with(".rels") {
            parse(&data, f.name()).unwrap_or_else(|e| panic!("{} is not well-formed: {e:?}", f.name()));
        }
        out.insert(f.name().to_string(), data);
    }
    out
}

fn text(parts: &BTreeMap<String, Vec<u8>>, name: &str) -> String {
    String::from_utf8(parts[name].clone()).unwrap()
}

#[test]
fn the_paper_is_a_complete_package_laid_out_like_a_thpt_paper() {
    let f = fixture();
    let layout = paper_layout(&f.paper()).unwrap();
    let parts = unzip(&paper_docx(&layout, &pictures).unwrap());
    for name in [
        "[Content_Types].xml",
        "_rels/.rels",
        "word/document.xml",
        "word/styles.xml",
        "word/footer1.xml",
        "word/media/image1.png",
    ] {
        assert!(parts.contains_key(name), "{name} missing: {:?}", parts.keys());
    }
    assert_eq!(parts["word/media/image1.png"], PNG);
    let doc = text(&parts, "word/document.xml");
    assert!(doc.contains(&format!("(Đề thi có {:02} trang)", layout.pages)), "the layout's page count");
    for expected in [
        "BỘ GIÁO DỤC VÀ ĐÀO TẠO",
        "ĐỀ THI CHÍNH THỨC",
        "Môn thi: TOÁN",
        "Thời gian làm bài: 90 phút, không kể thời gian phát đề",
        "Họ, tên thí sinh:",
        "Số báo danh:",
        "Mã đề thi 0101",
        ">PHẦN I. <",
        ">PHẦN II. <",
        ">PHẦN III. <",
        "Sử dụng các thông tin sau cho câu 2 và câu 3.",
        ">Câu 3. <",
        ">d) <",
        "------ HẾT ------",
        "<w:pgSz w:w=\"11906\" w:h=\"16838\"/>",
    ] {
        assert!(doc.contains(expected), "{expected} missing");
    }
    // Native equations: a fraction, a system, an integral, a limit.
    for omml in ["<m:f>", "<m:eqArr>", "<m:nary>", "<m:limLow>", "<m:rad>"] {
        assert!(doc.contains(omml), "{omml} missing");
    }
    assert!(doc.contains("<w:drawing>") && doc.contains("r:embed=\"rId4\""));
    let footer = text(&parts, "word/footer1.xml");
    assert!(
        footer.contains("w:instr=\" PAGE \"")
            && footer.contains("w:instr=\" NUMPAGES \"")
            && footer.contains("Mã đề 0101")
    );
    // The paper never carries a key.
    assert!(!doc.contains("ĐÁP ÁN") && !doc.contains(">Đ<"), "a key on the paper");
}

#[test]
fn options_sit_in_a_row_of_four_two_rows_of_two_or_one_a_line_in_the_version_order() {
    let f = fixture();
    let layout = paper_layout(&f.paper()).unwrap();
    let doc = text(&unzip(&paper_docx(&layout, &pictures).unwrap()), "word/document.xml");
    let paragraphs: Vec<&str> = doc.split("<w:p>").collect();
    // Q1's options are short: one paragraph, three tabs, in the version's order (3, 2, 1, 0).
    let row = paragraphs.iter().find(|p| p.contains(">A. <") && p.contains(">D. <")).expect("a row of four");
    assert_eq!(row.matches("<w:tab/>").count(), 3, "{row}");
    let a = row.find(">A. <").unwrap();
    assert!(row[a..].find("√").is_some() || row[a..].contains("<m:rad>"), "A is the old D (√2): {row}");
    // Q3's options are long: four paragraphs, one letter each.
    let long: Vec<&&str> = paragraphs.iter().filter(|p| p.contains("tập xác định")).collect();
    assert_eq!(long.len(), 2, "one option a line");
    assert!(long.iter().all(|p| !p.contains("<w:tab/>")));
}

#[test]
fn a_missing_picture_or_one_word_cannot_show_names_the_question() {
    let f = fixture();
    let layout = paper_layout(&f.paper()).unwrap();
    let none = |_: &str| None;
    let err = paper_docx(&layout, &none).unwrap_err();
    assert!(matches!(&err, InteropError::Paper { item: Some(i), .. } if i == "Q2"), "{err}");
    assert!(err.to_string().contains("Câu 2: picture hinh-1.png is not in the bank's media"), "{err}");
    let webp = |_: &str| Some(b"RIFF\0\0\0\0WEBPVP8 ".to_vec());
    let err = paper_docx(&layout, &webp).unwrap_err();
    assert!(err.to_string().contains("not a PNG, JPEG or GIF image"), "{err}");
}

#[test]
fn the_key_document_has_one_table_per_version_with_a_column_per_part() {
    let f = fixture();
    let mut second = f.version.clone();
    second.code = "0102".into();
    second.keys.insert("Q1".into(), VersionKey::SingleChoice(Choice::D));
    let keys = vec![answer_key(&f.paper()), answer_key(&Paper { version: &second, ..f.paper() })];
    let masthead = paper_layout(&f.paper()).unwrap().masthead;
    let parts = unzip(&answer_key_docx(&masthead, &keys).unwrap());
    let doc = text(&parts, "word/document.xml");
    assert_eq!(doc.matches("<w:tbl>").count(), 2, "{doc}");
    for expected in [
        "ĐÁP ÁN MÔN TOÁN",
        "Mã đề 0101",
        "Mã đề 0102",
        ">PHẦN I<",
        ">PHẦN III<",
        ">a) Đ b) S c) Đ d) Đ<",
        "A: 1, B: 1, C: 1, D: 0",
        "A: 0, B: 1, C: 1, D: 1",
    ] {
        assert!(doc.contains(expected), "{expected} missing");
    }
    assert!(!doc.contains("Giá trị"), "the key carries no questions");
}

#[test]
fn markdown_prints_as_word_runs_and_raw_html_as_text() {
    let f = fixture();
    let mut items = f.items.clone();
    let q1 = items.get_mut("Q1").unwrap();
    q1.stem =
        "**Đậm** *nghiêng* `mã` <b>x</b> và $$\\sum_{k=1}^{n} k$$ cuối\n\n| a | b |\n|---|---|\n| 1 | 2 |"
            .into();
    let paper = Paper { items: &items, ..f.paper() };
    let doc =
        text(&unzip(&paper_docx(&paper_layout(&paper).unwrap(), &pictures).unwrap()), "word/document.xml");
    assert!(doc.contains("<w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">Đậm</w:t>"), "{doc}");
    assert!(doc.contains("<w:rPr><w:i/></w:rPr><w:t xml:space=\"preserve\">nghiêng</w:t>"));
    assert!(doc.contains("Courier New"));
    assert!(doc.contains("&lt;b&gt;"), "raw HTML is text");
    assert!(doc.contains("<m:oMathPara>"), "display math is its own paragraph");
    assert!(doc.contains("<w:tblStyle w:val=\"TableGrid\"/>"));
}
