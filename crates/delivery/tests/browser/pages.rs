//! The page-side sanitizer against hostile item markup, and the lab check page.

use serde_json::json;

use crate::harness::*;

/// Markup no item may ever bring into a candidate's page, mixed with the MathML it must keep.
const MALICIOUS: &str = r#"<p onclick="window.__pwned='p'">Cho <b>hàm số</b> <math display="inline"><mfrac><mn>1</mn><mi href="javascript:window.__pwned='mi'">x</mi></mfrac><maction actiontype="statusline"><mi>y</mi><mtext>j</mtext></maction></math></p>
<img src="x" onerror="window.__pwned='img'"><img src="javascript:window.__pwned='src'"><img src="https://evil.example/x.png"><img src="/api/v1/media/hinh-1.png" alt="hình 1">
<script>window.__pwned='script'</script><iframe srcdoc="<script>parent.__pwned='iframe'</script>"></iframe>
<svg><script>window.__pwned='svg'</script><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>
<a href="javascript:window.__pwned='a'">link text</a><form action="/x"><input name="q"></form>
<math><annotation-xml encoding="text/html"><img src=y onerror="window.__pwned='ann'"></annotation-xml><semantics><mi>z</mi><annotation encoding="application/x-tex">z</annotation></semantics></math>
<span style="color: red; background-image: url(https://evil.example/t.png)">đỏ</span><div id="login-form" name="x">clobber</div><!-- comment -->"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_sanitizer_drops_script_and_keeps_mathml() {
    let _serial = SERIAL.lock().await;
    let Some((chromium, chromedriver)) = programs() else { return };
    let server = Server::start();
    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let c = driver.session().await;
    c.goto(&format!("{}/", server.base)).await.unwrap();
    wait_for(&c, "!document.getElementById('view-login').hidden", "the page").await;
    let out = c
        .execute_async(
            r#"const [html, done] = arguments;
               import('/static/sanitize.js').then((m) => {
                 const box = document.createElement('div');
                 box.id = 'sanitized';
                 box.append(m.sanitize(html));
                 document.body.append(box);
                 // Give any handler that survived a chance to run (image errors fire async).
                 setTimeout(() => done({
                   html: box.innerHTML,
                   pwned: window.__pwned || null,
                   math: box.querySelectorAll('math').length,
                   mathNs: box.querySelector('mfrac')?.namespaceURI,
                   imgs: [...box.querySelectorAll('img')].map((i) => i.getAttribute('src')),
                   color: box.querySelector('span')?.style.color,
                   bg: box.querySelector('span')?.style.backgroundImage,
                 }), 1500);
               });"#,
            vec![json!(MALICIOUS)],
        )
        .await
        .unwrap();
    let html = out["html"].as_str().unwrap().to_lowercase();
    assert_eq!(out["pwned"], json!(null), "a handler ran: {html}");
    for bad in [
        "<script",
        "onerror",
        "onclick",
        "javascript:",
        "<iframe",
        "<svg",
        "<a ",
        "<form",
        "<input",
        "href",
        "evil.example",
        "id=",
        "name=",
        "<!--",
        "annotation-xml",
    ] {
        assert!(!html.contains(bad), "`{bad}` survived: {html}");
    }
    assert_eq!(out["math"], json!(2), "{html}");
    assert_eq!(out["mathNs"], json!("http://www.w3.org/1998/Math/MathML"));
    assert_eq!(out["imgs"], json!(["x", "/api/v1/media/hinh-1.png"]), "only same-site images stay");
    assert_eq!(out["color"], json!("red"));
    assert_eq!(out["bg"], json!(""));
    for kept in [
        "hàm số",
        "link text",
        "<mfrac>",
        "<annotation encoding=\"application/x-tex\">z</annotation>",
        "đỏ",
        "clobber",
    ] {
        assert!(html.contains(kept), "`{kept}` was lost: {html}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_page_passes_on_the_test_browser() {
    let _serial = SERIAL.lock().await;
    let Some((chromium, chromedriver)) = programs() else { return };
    let server = Server::start();
    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let c = driver.session().await;
    c.goto(&format!("{}/check", server.base)).await.unwrap();
    wait_for(&c, "document.body.dataset.done === 'true'", "the checks").await;
    screenshot(&c, "check").await;
    let states = js(&c, "return Object.fromEntries([...document.querySelectorAll('#c-table tr')].map(r => [r.dataset.check, [r.dataset.state, r.cells[2].textContent]]))").await;
    for check in ["browser", "websocket", "drift", "fonts", "screen", "mathml", "storage"] {
        assert_eq!(states[check][0], "ok", "{check}: {states}");
    }
}
