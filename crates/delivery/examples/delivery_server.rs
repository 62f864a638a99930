//! A delivery server process for crash tests (and trying the server before `khaothi delivery
//! serve` is wired): configuration from `KHAOTHI__DELIVERY__*`, prints `listening <addr>`.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = khaothi_delivery::DeliveryConfig::load(None)?;
    let app = khaothi_delivery::Application::build(config).await?;
    println!("listening {}", app.addr);
    app.run_until(async {
        // Ctrl-C or SIGTERM (what a service manager sends), as `khaothi delivery serve` does.
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
    })
    .await?;
    Ok(())
}
