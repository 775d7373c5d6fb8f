//! odoo-sizer: sizes Odoo (workers, cron workers, memory and time limits, db_maxconn) for the CPU and
//! memory its container really has, and rewrites odoo.conf losslessly.
//!
//! Data flows one way: limits → plan → document edit → write / exec / Docker API. The modules before the
//! last arrow are pure; I/O lives at the edges (`limits::reader`, the writers, the Docker client).

pub mod apply;
pub mod arena;
pub mod cli;
pub mod cmdline;
pub mod commands;
pub mod conf;
pub mod docker;
pub mod error;
pub mod inspect;
pub mod limits;
pub mod lint;
pub mod logging;
pub mod odoo;
pub mod pg;
pub mod plan;
pub mod watch;
pub mod write;
