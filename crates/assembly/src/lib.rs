//! Test assembly for khaothi: a blueprint (ma trận đề) becomes parallel forms by 0-1 integer
//! programming (van der Linden's formulation, solved through `good_lp`), each form gets shuffled
//! versions (mã đề) with their own key maps, and a blueprint no pool can meet is explained in the
//! board's terms. Pure logic: strings and items in, data out.
//!
//! - [`Blueprint::from_yaml`] parses and validates the YAML contract (docs/formats.md, "Blueprint (YAML)");
//! - [`assemble`] builds the forms; [`check_forms`] re-checks any forms against a blueprint
//!   independently of the solver;
//! - [`make_versions`] shuffles a stored form, without a solver.

pub mod assemble;
pub mod blueprint;
pub mod check;
pub mod clock;
pub mod diagnose;
pub mod diagnosis;
pub mod error;
mod improve;
pub mod info;
mod kicks;
mod level;
mod model;
pub mod mps;
pub mod options;
mod pair;
mod pool;
pub mod report;
mod reshape;
mod run;
mod sequential;
pub mod shadow;
pub mod sim;
pub mod supply;
pub mod versions;
mod window;

pub use assemble::{AssembledForm, AssemblyResult, PassSummary, PoolSummary, SuggestedEnemy, assemble};
pub use blueprint::{Blueprint, BlueprintError, BlueprintIssue};
pub use check::{Violation, check_forms};
pub use clock::Clock;
pub use diagnosis::{Diagnosis, Finding};
pub use error::AssemblyError;
pub use model::{SolveStatus, SolverChoice};
pub use mps::simultaneous_mps;
pub use options::{AssemblyOptions, Strategy};
pub use pool::{ExcludedItem, Exclusions};
pub use shadow::{ShadowModel, ShadowOptions, ShadowTest};
pub use versions::{key_counts, make_versions};
