//! Vietnamese text handling: NFC on input, diacritic-insensitive search keys, and refusal of the
//! legacy 8-bit encodings (TCVN3/ABC, VNI) that still circulate in schools' Word files.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Normalises to NFC, so `hoà` typed with a combining accent and precomposed compare equal.
pub fn normalize(s: &str) -> String {
    s.nfc().collect()
}

/// A search key: NFD, combining marks dropped, `đ` → `d`, lowercase. `ham so` finds `Hàm số`.
pub fn fold_for_search(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Characters that TCVN3 (ABC) or VNI text shows when read as Unicode and that Vietnamese written in
/// Unicode never puts right after a letter (TCVN3 `Hµm sè`, VNI `Haøm soá` for `Hàm số`).
const LEGACY_MARKERS: &[char] = &[
    'µ', '¶', '·', '¸', '¹', '¨', '©', 'ª', '«', '¬', '®', '¾', '»', '¼', '½', 'Æ', 'Ç', 'Ë', 'Î', 'Ï', 'Ñ',
    'Ö', 'Ø', 'ß', 'ä', 'å', 'æ', 'ç', 'ë', 'ï', 'ñ', 'ö', 'ø', 'û', 'ü', 'ÿ', 'Ü', 'Û',
];

/// Looks for text typed in a legacy Vietnamese encoding and mis-read as Unicode.
/// Returns a message for the author when at least two words carry the tell-tale characters.
pub fn detect_legacy_encoding(s: &str) -> Option<String> {
    let mut hits = 0usize;
    let mut example = None;
    for word in s.split_whitespace() {
        let chars: Vec<char> = word.chars().collect();
        let suspicious =
            chars.windows(2).any(|w| w[0].is_ascii_alphabetic() && LEGACY_MARKERS.contains(&w[1]));
        if suspicious {
            hits += 1;
            example.get_or_insert_with(|| word.to_string());
        }
    }
    (hits >= 2).then(|| {
        format!(
            "the text looks like a legacy Vietnamese encoding (TCVN3/ABC or VNI), e.g. \"{}\"; \
             convert it to Unicode (UTF-8) first, e.g. with Unikey's converter",
            example.unwrap_or_default()
        )
    })
}

/// Decodes an uploaded file: UTF-8 (a BOM is allowed) or a clear refusal naming the byte offset and
/// the likely cause. Legacy-encoded text that happens to be valid UTF-8 is caught too.
pub fn decode_text(bytes: &[u8]) -> Result<String, String> {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => match detect_legacy_encoding(s) {
            Some(msg) => Err(msg),
            None => Ok(normalize(s)),
        },
        Err(e) => {
            let at = e.valid_up_to();
            let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
            Err(format!(
                "the file is not UTF-8 (invalid byte 0x{:02X} at byte {at}, line {line}); \
                 legacy Vietnamese encodings (TCVN3/ABC, VNI) and Windows-1258 are not accepted: \
                 save the file as Unicode (UTF-8)",
                bytes[at]
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_diacritics_and_case() {
        assert_eq!(fold_for_search("Hàm số ĐỒNG BIẾN"), "ham so dong bien");
        assert!(fold_for_search("Tính đạo hàm của hàm số").contains("ham so"));
    }

    #[test]
    fn nfc_composes_combining_marks() {
        let decomposed = "ho\u{0061}\u{0300}"; // "hoà" with a combining grave
        assert_eq!(normalize(decomposed), "hoà");
    }

    #[test]
    fn legacy_encodings_are_refused() {
        assert!(detect_legacy_encoding("Cho hµm sè y = x. T×m ®¹o hµm").is_some()); // TCVN3
        assert!(detect_legacy_encoding("Cho haøm soá y = x. Tìm ñaïo haøm").is_some()); // VNI
        assert!(detect_legacy_encoding("Cho hàm số y = x². Tìm đạo hàm, nhiệt độ 25 °C, 5 µm").is_none());
        let cp1258 = b"H\xe0m s\xf4"; // not UTF-8
        let err = decode_text(cp1258).unwrap_err();
        assert!(err.contains("not UTF-8") && err.contains("TCVN3"), "{err}");
    }

    proptest::proptest! {
        #[test]
        fn folding_is_idempotent(s in "\\PC{0,40}") {
            let once = fold_for_search(&s);
            proptest::prop_assert_eq!(fold_for_search(&once), once);
        }
    }
}
