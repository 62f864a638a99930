//! A bank server process for the browser tests (they run the bank as its own process, as a school
//! does): configuration from `KHAOTHI__BANK__*`, prints `listening <addr>` once bound.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = khaothi_bank::BankConfig::load(None)?;
    let app = khaothi_bank::Application::build(config).await?;
    println!("listening {}", app.addr);
    app.run_until(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
