//! A delivery server process for crash tests (and trying the server before `khaothi delivery
//! serve` is wired): configuration from `KHAOTHI__DELIVERY__*`, prints `listening <addr>`.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = khaothi_delivery::DeliveryConfig::load(None)?;
    let app = khaothi_delivery::Application::build(config).await?;
    println!("listening {}", app.addr);
    app.run_until(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
