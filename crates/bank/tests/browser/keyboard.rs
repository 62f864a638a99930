//! The sign-in page (axe-core scan, a screenshot, a wrong password said in words, Enter submits)
//! and every page of the top bar usable with the keyboard alone: Tab from the top reaches the
//! page's own controls with a visible focus ring, and every control of the page takes focus.

use khaothi_testkit::browser::{Browser, Client, Key, Locator, assert_accessible, wait_for, wait_for_text};
use serde_json::Value;

use crate::harness::*;

/// Presses Tab until the focus is inside `<main>` (at most 40 times); the focused element's tag.
async fn tab_into_main(client: &Client, page: &str) -> String {
    client
        .execute("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);", vec![])
        .await
        .unwrap();
    for _ in 0..40 {
        client.active_element().await.unwrap().send_keys(&char::from(Key::Tab).to_string()).await.unwrap();
        let inside: Value = client
            .execute(
                "const a = document.activeElement; return a && a.closest('main#view') ? a.tagName : null;",
                vec![],
            )
            .await
            .unwrap();
        if let Some(tag) = inside.as_str() {
            return tag.to_string();
        }
    }
    panic!("{page}: 40 Tabs never reached the page's controls");
}

/// The focused element draws a visible ring (outline or box shadow).
async fn focus_is_visible(client: &Client) -> bool {
    let js = "const s = getComputedStyle(document.activeElement); \
              return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';";
    client.execute(js, vec![]).await.unwrap().as_bool().unwrap()
}

/// Every visible control of the page takes focus (none is a mouse-only target).
async fn unfocusable_controls(client: &Client) -> Vec<String> {
    let js = "const out = []; \
              for (const el of document.querySelectorAll('main a[href], main button, main input, main select, main textarea, main summary')) { \
                if (el.disabled || el.offsetParent === null || el.type === 'hidden') continue; \
                el.focus(); \
                if (document.activeElement !== el) out.push(el.outerHTML.slice(0, 120)); \
              } return out;";
    let v = client.execute(js, vec![]).await.unwrap();
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_page_and_keyboard_on_every_page() {
    let _serial = SERIAL.lock().await;
    let Some(mut b) = Browser::start().await else { return };
    let bank = Bank::start();
    let c = b.session().await;
    c.goto(&format!("{}/", bank.base)).await.unwrap();
    wait_for(&c, "#username").await;
    shot(&c, "00-sign-in").await;
    assert_accessible(&c, "sign-in").await;
    // A wrong password is said in words, in an alert; the form stays.
    wait_for(&c, "#username").await.send_keys("admin").await.unwrap();
    let password = c.find(Locator::Css("#password")).await.unwrap();
    password.send_keys(&format!("sai-mat-khau{}", char::from(Key::Enter))).await.unwrap();
    wait_for(&c, "[role=alert]").await;
    assert_accessible(&c, "sign-in with an error").await;
    b.assert_no_page_errors(&c, "sign-in").await;

    // Every page of the top bar, as the admin (who sees them all), with the keyboard.
    sign_in(&c, &bank, "admin").await;
    let routes: Vec<Value> = c
        .execute("return [...document.querySelectorAll('nav a[href^=\"#/\"]')].map(a => a.getAttribute('href').slice(2));", vec![])
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .clone();
    let mut routes: Vec<String> = routes.iter().map(|r| r.as_str().unwrap().to_string()).collect();
    routes.push("writer/import".into());
    assert!(routes.len() >= 8, "the admin's top bar: {routes:?}");
    for route in &routes {
        open(&c, &bank, route).await;
        wait_for_text(&c, "main#view", "").await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        tab_into_main(&c, route).await;
        assert!(focus_is_visible(&c).await, "{route}: the keyboard focus is visible");
        let bad = unfocusable_controls(&c).await;
        assert!(bad.is_empty(), "{route}: controls the keyboard cannot reach: {bad:?}");
    }
    b.assert_no_page_errors(&c, "keyboard").await;
}
