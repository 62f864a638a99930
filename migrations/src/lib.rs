//! Migrations, one migrator per service: the bank and the delivery server own separate databases
//! (DESIGN §2, §6), so neither can read the other's tables.

pub use sea_orm_migration::prelude::*;

mod bank_m0001_initial;

/// The item-bank database.
pub struct BankMigrator;

#[async_trait::async_trait]
impl MigratorTrait for BankMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(bank_m0001_initial::Migration)]
    }
}
