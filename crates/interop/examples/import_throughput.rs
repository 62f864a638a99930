//! Measures JSON Lines import (parse, validate, render-check) and export on a synthetic file:
//! `cargo run --release -p khaothi-interop --example import_throughput [items]`.

use std::time::Instant;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let mut input = String::new();
    for i in 0..n {
        input.push_str(&format!(
            r#"{{"id":"TOAN12-{i:05}","subject":"toan","grade":12,"topic":"12.1.{t}","level":"hieu","kind":"single_choice","stem":"Cho hàm số $y = \\frac{{x^2 - {i}x + 1}}{{\\sqrt{{x^2+1}}}}$. Giá trị lớn nhất của hàm số trên đoạn $[0; {t}]$ bằng bao nhiêu? Biết rằng $\\lim_{{x \\to +\\infty}} y = 1$.","options":["$\\dfrac{{1}}{{2}}$","$\\sqrt{{2}}$","$2\\sqrt{{3}} - 1$","$\\pi$"],"key":"B","irt":{{"model":"2pl","a":1.1,"b":0.2}}}}"#,
            t = i % 9 + 1
        ));
        input.push('\n');
    }
    let start = Instant::now();
    let mut report = khaothi_interop::parse_jsonl(&input);
    let parsed = start.elapsed();
    let items: Vec<_> =
        report.apply(khaothi_interop::ImportPolicy::AllOrNothing).into_iter().map(|(_, i)| i).collect();
    assert_eq!(items.len(), n, "{:?}", report.lines.iter().find(|l| !l.messages.is_empty()));
    let start = Instant::now();
    let rendered: usize = items
        .iter()
        .map(|i| khaothi_render::render_item(i, Some(&[3, 2, 1, 0]), &|_| None).unwrap().stem_html.len())
        .sum();
    let render = start.elapsed();
    let start = Instant::now();
    let out = khaothi_interop::write_jsonl(&items).unwrap();
    let export = start.elapsed();
    println!(
        "{n} items, {:.1} MB: import+check {:.2?} ({:.0} items/s), render {:.2?} ({} bytes of stem HTML), export {:.2?}",
        input.len() as f64 / 1e6,
        parsed,
        n as f64 / parsed.as_secs_f64(),
        render,
        rendered,
        export
    );
    assert_eq!(out.lines().count(), n);
}
