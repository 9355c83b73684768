//! Analyses of a loaded workspace that return data, for any front end (the CLI prints them; an
//! editor server could draw them): today, Monte Carlo simulation of uncertain inputs
//! ([`simulate`]).

pub mod simulate;

pub use simulate::{simulate, Driver, Output, SimError, Simulation, SimulationSpec};
