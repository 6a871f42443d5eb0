//! The flags every command accepts, and what users type into flags, parsed
//! once at the edge. The subcommands, and the parsed command line, live in
//! `commands`, which imports this module and never the other way.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

mod choices;
mod values;

pub use values::{FlagValue, Parsed, Serial, Window, parse_duration, parse_time};

/// Flags every command accepts.
#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// The CA store directory
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "MTLSCTL_DIR",
        default_value = "pki",
        value_name = "DIR"
    )]
    pub dir: PathBuf,
    /// Print the result as one JSON document on stdout; human text goes to stderr
    #[arg(long, global = true, help_heading = "Global options")]
    pub json: bool,
    /// Print only warnings and errors
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub quiet: bool,
    /// Never prompt (implied when stdin is not a terminal or CI is set)
    #[arg(long, global = true, help_heading = "Global options")]
    pub batch: bool,
    /// When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)
    #[arg(long, global = true, help_heading = "Global options", value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
