use super::*;

#[test]
fn normalising_folds_marks_case_and_numbers() {
    assert_eq!(normalise("Hàm số $y=x^3-3x$ ĐỒNG biến"), "ham so y x 0 0 x dong bien");
    assert_eq!(normalise("Giá trị 12,5 và 7"), normalise("Giá trị 3,75 và 1024"));
    assert_eq!(normalise("$\\frac{1}{2}$"), "frac 0 0");
    assert_eq!(shingles("a b"), vec!["a b"]);
    assert_eq!(shingles("a b c d"), vec!["a b c", "b c d"]);
    assert!(shingles("").is_empty());
}

const A: &str = "Một ô tô đang chạy với vận tốc 24 m/s thì người lái đạp phanh. Từ thời điểm đó, ô tô \
                 chuyển động chậm dần đều với vận tốc v(t) = -4t + 24 (m/s). Tính quãng đường ô tô đi được.";

#[test]
fn one_template_with_other_numbers_is_found_and_other_items_are_not() {
    let b = A.replace("24", "18").replace("-4t", "-3t");
    let edited =
        A.replace("Tính quãng đường", "Hỏi quãng đường").replace("đi được.", "đi được là bao nhiêu mét?");
    let other = "Trong không gian Oxyz, cho mặt phẳng (P): x - 3z - 1 = 0. Một vectơ pháp tuyến của (P) là";
    let found = near_duplicates(&[A, &b, other, &edited], 0.5);
    let pairs: Vec<(usize, usize)> = found.pairs.iter().map(|p| (p.a, p.b)).collect();
    assert!(pairs.contains(&(0, 1)), "{found:?}");
    assert!(pairs.contains(&(0, 3)) && pairs.contains(&(1, 3)), "{found:?}");
    assert!(!pairs.iter().any(|&(a, b)| a == 2 || b == 2), "{found:?}");
    assert_eq!(found.pairs[0].similarity, 1.0, "numbers do not tell a template's copies apart");
}

#[test]
fn a_large_bank_is_not_compared_pair_by_pair() {
    // 20,000 distinct synthetic texts: the bands propose a tiny share of the 2·10⁸ pairs.
    let words = [
        "hàm",
        "số",
        "đồ",
        "thị",
        "khoảng",
        "biến",
        "tích",
        "phân",
        "xác",
        "suất",
        "vectơ",
        "mặt",
        "phẳng",
        "đường",
        "thẳng",
        "cực",
        "trị",
        "giá",
        "lớn",
        "nhất",
    ];
    let mut state = 7u64;
    let mut next = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let texts: Vec<String> = (0..20_000)
        .map(|_| (0..14).map(|_| words[next() % words.len()]).collect::<Vec<_>>().join(" "))
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let found = near_duplicates(&refs, DEFAULT_THRESHOLD);
    let all_pairs = 20_000u64 * 19_999 / 2;
    assert!(found.comparisons * 100 < all_pairs, "{} comparisons of {all_pairs}", found.comparisons);
}

proptest::proptest! {
    #[test]
    fn a_text_is_its_own_duplicate_and_order_of_input_does_not_matter(words in proptest::collection::vec("[a-zđơư]{1,8}", 3..30)) {
        let text = words.join(" ");
        let found = near_duplicates(&[&text, &text], 0.99);
        proptest::prop_assert_eq!(found.pairs.len(), 1);
        proptest::prop_assert_eq!(found.pairs[0].similarity, 1.0);
    }
}
