//! The processes of a container with their memory, through the top API (`GET /containers/{id}/top`),
//! which runs `ps` on the engine's host: nothing is needed inside the image.
//!
//! Owns: the `ps` arguments asked for ([`PS_ARGS`]) and the pure parser of the answer ([`parse_top`]),
//! which reads columns by their titles, so that an engine that ignores `ps_args` (and answers with
//! `ps -ef`'s `UID PID PPID C STIME TTY TIME CMD`) still yields the PIDs and commands, without memory.
//! Must not: judge the numbers (that is the sizing model's job).

use super::client::Engine;
use super::error::DockerError;
use bollard::models::ContainerTopResponse;
use bollard::query_parameters::TopOptions;
use serde::Serialize;

/// `ps` output columns asked for: PID, parent PID, user, resident and virtual size (KiB), command line.
pub const PS_ARGS: &str = "-o pid,ppid,user,rss,vsz,args";

/// One process of the container, as the host's `ps` sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Process {
    /// Host PID.
    pub pid: u32,
    pub ppid: Option<u32>,
    /// As the host names the uid (a number when the host has no such user).
    pub user: Option<String>,
    /// Resident set size in bytes (`ps` reports KiB).
    pub rss_bytes: Option<u64>,
    /// Virtual size in bytes: what Odoo's `limit_memory_*` measure.
    pub vsz_bytes: Option<u64>,
    pub command: String,
}

fn column(titles: &[String], names: &[&str]) -> Option<usize> {
    titles
        .iter()
        .position(|t| names.iter().any(|n| t.trim().eq_ignore_ascii_case(n)))
}

fn kib(value: &str) -> Option<u64> {
    value.trim().parse::<u64>().ok().and_then(|k| k.checked_mul(1024))
}

/// Parses the top API's answer. Fails only when there is no PID column (nothing can be matched then);
/// rows with an unreadable PID are skipped.
pub fn parse_top(answer: &ContainerTopResponse) -> Result<Vec<Process>, String> {
    let titles = answer.titles.clone().unwrap_or_default();
    let pid_col = column(&titles, &["PID"])
        .ok_or_else(|| format!("no PID column in the answer ({})", titles.join(" ")))?;
    let ppid_col = column(&titles, &["PPID"]);
    let user_col = column(&titles, &["USER", "UID", "RUSER", "EUSER"]);
    let rss_col = column(&titles, &["RSS", "RSZ", "RES"]);
    let vsz_col = column(&titles, &["VSZ", "VSIZE", "VIRT"]);
    let cmd_col = column(&titles, &["COMMAND", "CMD", "ARGS"]);
    let mut out = Vec::new();
    for row in answer.processes.as_deref().unwrap_or_default() {
        let cell = |i: Option<usize>| i.and_then(|i| row.get(i)).map(|s| s.trim());
        let Some(pid) = cell(Some(pid_col)).and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        out.push(Process {
            pid,
            ppid: cell(ppid_col).and_then(|p| p.parse().ok()),
            user: cell(user_col).filter(|u| !u.is_empty()).map(str::to_string),
            rss_bytes: cell(rss_col).and_then(kib),
            vsz_bytes: cell(vsz_col).and_then(kib),
            command: cell(cmd_col).unwrap_or_default().to_string(),
        });
    }
    Ok(out)
}

/// The container's processes with their memory. A stopped container is [`DockerError::NotRunning`].
pub async fn processes(engine: &Engine, container: &str) -> Result<Vec<Process>, DockerError> {
    let options = TopOptions {
        ps_args: PS_ARGS.to_string(),
    };
    let answer = engine
        .bollard()
        .top_processes(container, Some(options))
        .await
        .map_err(|e| {
            super::control::container_error(
                engine,
                container,
                &format!("list the processes of container {container}"),
                e,
            )
        })?;
    parse_top(&answer).map_err(|reason| DockerError::Transport {
        host: engine.host().to_string(),
        action: format!("list the processes of container {container}"),
        message: reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(titles: &[&str], rows: &[&[&str]]) -> ContainerTopResponse {
        ContainerTopResponse {
            titles: Some(titles.iter().map(|s| s.to_string()).collect()),
            processes: Some(
                rows.iter()
                    .map(|r| r.iter().map(|s| s.to_string()).collect())
                    .collect(),
            ),
        }
    }

    #[test]
    fn our_columns() {
        let a = answer(
            &["PID", "PPID", "USER", "RSS", "VSZ", "COMMAND"],
            &[
                &[
                    "4242",
                    "4200",
                    "101",
                    "2048",
                    "10240",
                    "/bin/sh /usr/bin/odoo --workers 2",
                ],
                &["4250", "4242", "systemd-network", "512", "1024", "sleep 1000000"],
                &["x", "1", "root", "1", "1", "garbage"],
            ],
        );
        let p = parse_top(&a).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(
            p[0],
            Process {
                pid: 4242,
                ppid: Some(4200),
                user: Some("101".into()),
                rss_bytes: Some(2048 * 1024),
                vsz_bytes: Some(10240 * 1024),
                command: "/bin/sh /usr/bin/odoo --workers 2".into(),
            }
        );
        assert_eq!(p[1].ppid, Some(4242));
    }

    #[test]
    fn engines_that_ignore_ps_args() {
        let a = answer(
            &["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"],
            &[&[
                "101",
                "4242",
                "4200",
                "0",
                "10:00",
                "?",
                "00:00:00",
                "/bin/sh /usr/bin/odoo",
            ]],
        );
        let p = parse_top(&a).unwrap();
        assert_eq!(p[0].pid, 4242);
        assert_eq!(p[0].user.as_deref(), Some("101"));
        assert_eq!((p[0].rss_bytes, p[0].vsz_bytes), (None, None));
        assert_eq!(p[0].command, "/bin/sh /usr/bin/odoo");
    }

    #[test]
    fn odd_answers() {
        assert!(parse_top(&answer(&["USER", "CMD"], &[&["a", "b"]])).is_err());
        assert!(parse_top(&ContainerTopResponse::default()).is_err());
        let p = parse_top(&answer(
            &["PID", "RSS"],
            &[&["1"], &["2", "-"], &["3", "99999999999999999999"]],
        ))
        .unwrap();
        assert_eq!(p.len(), 3);
        assert!(p.iter().all(|x| x.rss_bytes.is_none() && x.command.is_empty()));
        let p = parse_top(&answer(&["PID"], &[])).unwrap();
        assert!(p.is_empty());
    }
}
