//! Migrations, one migrator per service: the bank and the delivery server own separate databases
//! (DESIGN §2, §6), so neither can read the other's tables.

pub use sea_orm_migration::prelude::*;

mod bank_m0001_initial;
mod bank_m0002_results;
mod bank_m0003_packages;
mod bank_m0004_api_search;
mod bank_m0004_conf_org_settings;
mod bank_m0004_paper_enemy_pairs;
mod bank_m0005_conf_stimulus_versions;
mod bank_m0006_conf_calibration_jobs;
mod bank_m0100_sec_refresh_families;
mod bank_m0101_fin12_board_pages;
mod bank_m0120_cert_tables;
mod bank_m0130_cat_simulation_jobs;
mod bank_m0160_control_room;
mod bank_m0180_paper_sittings;
mod delivery_m0001_initial;
mod delivery_m0002_proctoring;
mod delivery_m0003_results;
mod delivery_m0004_chains;
mod delivery_m0100_sec_refresh_tokens;
mod delivery_m0101_seb_event_settings;
mod delivery_m0110_console_candidate_groups;
mod delivery_m0111_console_room_layouts;
mod delivery_m0120_omrin_paper;
mod delivery_m0140_catdel_adaptive_steps;
mod delivery_m0150_nodes_cluster;
mod delivery_m0170_paper_held_sheets;

/// The item-bank database.
pub struct BankMigrator;

#[async_trait::async_trait]
impl MigratorTrait for BankMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(bank_m0001_initial::Migration),
            Box::new(bank_m0002_results::Migration),
            Box::new(bank_m0003_packages::Migration),
            Box::new(bank_m0004_paper_enemy_pairs::Migration),
            Box::new(bank_m0004_api_search::Migration),
            Box::new(bank_m0004_conf_org_settings::Migration),
            Box::new(bank_m0005_conf_stimulus_versions::Migration),
            Box::new(bank_m0006_conf_calibration_jobs::Migration),
            Box::new(bank_m0100_sec_refresh_families::Migration),
            Box::new(bank_m0101_fin12_board_pages::Migration),
            Box::new(bank_m0120_cert_tables::Migration),
            Box::new(bank_m0130_cat_simulation_jobs::Migration),
            Box::new(bank_m0160_control_room::Migration),
            Box::new(bank_m0180_paper_sittings::Migration),
        ]
    }
}

/// The delivery server's database.
pub struct DeliveryMigrator;

#[async_trait::async_trait]
impl MigratorTrait for DeliveryMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(delivery_m0001_initial::Migration),
            Box::new(delivery_m0002_proctoring::Migration),
            Box::new(delivery_m0003_results::Migration),
            Box::new(delivery_m0004_chains::Migration),
            Box::new(delivery_m0100_sec_refresh_tokens::Migration),
            Box::new(delivery_m0101_seb_event_settings::Migration),
            Box::new(delivery_m0110_console_candidate_groups::Migration),
            Box::new(delivery_m0111_console_room_layouts::Migration),
            Box::new(delivery_m0120_omrin_paper::Migration),
            Box::new(delivery_m0140_catdel_adaptive_steps::Migration),
            Box::new(delivery_m0150_nodes_cluster::Migration),
            Box::new(delivery_m0170_paper_held_sheets::Migration),
        ]
    }
}
