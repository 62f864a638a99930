//! `khaothi migrate`: bring a database to the newest schema without starting a service.

#[derive(clap::Args, Debug)]
pub struct Args {
    /// `sqlite://path/to/bank.db` or `postgres://user:pass@host/db`.
    #[arg(long)]
    pub database_url: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    crate::runtime()?.block_on(async move {
        let db = khaothi_store::connect(&args.database_url).await?;
        khaothi_store::migrate_bank(&db).await?;
        eprintln!("the bank database is at the newest schema");
        Ok(())
    })
}
