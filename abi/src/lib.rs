//! The contract between the hotkv shell and its logic libraries.
//!
//! Everything that crosses the boundary is defined here and nowhere else:
//! - [`host::HostApi`]: what the shell offers (memory, logging, clock,
//!   readiness, connections, upgrades);
//! - [`logic::LogicApi`] and [`logic::ENTRY_SYMBOL`]: what a library offers;
//! - [`state::ServerState`]: the swap-surviving state, built from the pinned
//!   containers [`vec::RVec`], [`dict::RDict`], [`object`] and
//!   [`clientlist`];
//! - [`layout`]: the fingerprints both sides compare before a swap.

pub mod clientlist;
pub mod dict;
pub mod frozen;
pub mod hash;
pub mod hashobj;
pub mod host;
pub mod layout;
pub mod listobj;
pub mod logic;
pub mod object;
pub mod setobj;
pub mod state;
pub mod text;
pub mod vec;
pub mod zsetobj;

/// Version of the function tables and call types. A library of another ABI
/// version is refused before any of its code runs beyond the entry symbol.
pub const ABI_VERSION: u32 = 4;

/// Version of the state layout. Bumped with every change to a state type; a
/// library migrates states of older versions down to its `min_layout_version`.
pub const LAYOUT_VERSION: u32 = 12;

pub use layout::{ABI_FINGERPRINT, LAYOUT_FINGERPRINT};
