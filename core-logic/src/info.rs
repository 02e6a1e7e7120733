//! INFO: the server, clients, memory, persistence, stats, keyspace and logic sections,
//! with Redis's field names where Redis has the field.

use crate::host::{self, host};
use crate::networking;
use crate::reply::Reply;
use crate::server::Server;
use hotkv_abi::state::Client;
use std::fmt::Write;

/// Redis's `bytesToHuman`.
pub fn bytes_to_human(n: u64) -> String {
    let n = n as f64;
    const K: f64 = 1024.0;
    if n < K {
        format!("{}B", n as u64)
    } else if n < K * K {
        format!("{:.2}K", n / K)
    } else if n < K * K * K {
        format!("{:.2}M", n / (K * K))
    } else if n < K * K * K * K {
        format!("{:.2}G", n / (K * K * K))
    } else {
        format!("{:.2}T", n / (K * K * K * K))
    }
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    pages * 4096
}

const SECTIONS: &[&str] = &["server", "clients", "memory", "persistence", "stats", "keyspace", "logic"];

/// Builds the text of the named sections.
pub fn render(srv: &mut Server, sections: &[String]) -> String {
    let all = sections.is_empty() || sections.iter().any(|s| s == "all" || s == "everything" || s == "default");
    let mut out = String::new();
    for name in SECTIONS {
        if !all && !sections.iter().any(|s| s == name) {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        let mut title = name.to_string();
        title[..1].make_ascii_uppercase();
        let _ = write!(out, "# {title}\r\n");
        let mut f = |k: &str, v: &dyn std::fmt::Display| {
            let _ = write!(out, "{k}:{v}\r\n");
        };
        section(srv, name, &mut f);
    }
    out
}

fn section(srv: &mut Server, name: &str, f: &mut dyn FnMut(&str, &dyn std::fmt::Display)) {
    let h = host();
    // SAFETY: the shell's status is valid and unchanged while we run.
    let sh = unsafe { &*(h.status)(h.ctx) };
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let st = &*srv.st;
    match name {
        "server" => {
            let uptime = (srv.now_ms - st.start_unix_ms) / 1000;
            f("redis_version", &crate::server::REDIS_VERSION);
            f("hotkv_version", &crate::VERSION);
            f("redis_git_sha1", &"00000000");
            f("redis_git_dirty", &0);
            f("redis_build_id", &crate::BUILD_ID);
            f("redis_mode", &"standalone");
            f("os", &format!("{} {}", std::env::consts::OS, std::env::consts::ARCH));
            f("arch_bits", &64);
            f("multiplexing_api", &"epoll");
            f("process_id", &sh.pid);
            f("run_id", &format!("{:016x}{:016x}{:08x}", st.hash_seed, st.hash_seed.rotate_left(17) ^ 0x9e37_79b9, st.start_unix_ms as u32));
            f("tcp_port", &sh.port);
            f("server_time_usec", &host::unix_us());
            f("uptime_in_seconds", &uptime);
            f("uptime_in_days", &(uptime / 86400));
            f("hz", &srv.cfg.hz);
            f("configured_hz", &srv.cfg.hz);
            f("lru_clock", &srv.lru_clock());
            f("executable", &text(&sh.executable));
            f("config_file", &text(&sh.config_file));
        }
        "clients" => {
            let mut max_in = 0;
            let mut max_out = 0;
            networking::for_each_client(srv, |p| {
                // SAFETY: live clients, read-only.
                let c = unsafe { &*p };
                max_in = max_in.max(c.qbuf.capacity());
                max_out = max_out.max(c.reply.capacity());
            });
            f("connected_clients", &networking::connected_clients(srv));
            f("cluster_connections", &0);
            f("maxclients", &srv.cfg.maxclients);
            f("client_recent_max_input_buffer", &max_in);
            f("client_recent_max_output_buffer", &max_out);
            f("blocked_clients", &srv.st.blocked.len());
            f("tracking_clients", &0);
            // SAFETY: clients in `blocked` are live; only read.
            f("clients_in_timeout_table", &srv.st.blocked.iter().filter(|&&p| unsafe { (*p).bstate.deadline_ms } != 0).count());
        }
        "memory" => {
            let used = host::used_memory() as u64;
            let rss = rss_bytes();
            f("used_memory", &used);
            f("used_memory_human", &bytes_to_human(used));
            f("used_memory_rss", &rss);
            f("used_memory_rss_human", &bytes_to_human(rss));
            f("maxmemory", &srv.cfg.maxmemory);
            f("maxmemory_human", &bytes_to_human(srv.cfg.maxmemory));
            f("maxmemory_policy", &"noeviction");
            f("mem_fragmentation_ratio", &format!("{:.2}", rss as f64 / used.max(1) as f64));
            f("mem_allocator", &"libc");
        }
        "persistence" => crate::bgsave::info(srv, f),
        "stats" => {
            let s = &st.stats;
            let samples = &s.ops_samples;
            let n = (s.ops_sample_idx as usize).min(samples.len()).max(1);
            f("total_connections_received", &s.total_connections_received);
            f("total_commands_processed", &s.total_commands_processed);
            f("instantaneous_ops_per_sec", &(samples.iter().sum::<u64>() / n as u64));
            f("total_net_input_bytes", &s.net_input_bytes);
            f("total_net_output_bytes", &s.net_output_bytes);
            f("rejected_connections", &s.rejected_connections);
            f("expired_keys", &s.expired_keys);
            f("evicted_keys", &s.evicted_keys);
            f("keyspace_hits", &s.keyspace_hits);
            f("keyspace_misses", &s.keyspace_misses);
            f("pubsub_channels", &st.pubsub_channels.len());
            f("pubsub_patterns", &st.pubsub_patterns.len());
            // No shard channels (SSUBSCRIBE) in hotkv.
            f("pubsubshard_channels", &0);
            f("latest_fork_usec", &st.persist.stat_fork_usec);
            f("total_forks", &st.total_forks);
            f("total_error_replies", &s.total_error_replies);
            f("total_reads_processed", &s.total_reads_processed);
            f("total_writes_processed", &s.total_writes_processed);
        }
        "keyspace" => {
            for (i, db) in st.dbs.iter().enumerate() {
                if !db.dict.is_empty() {
                    f(&format!("db{i}"), &format!("keys={},expires={},avg_ttl={}", db.dict.len(), db.volatile.len(), db.avg_ttl_ms));
                }
            }
        }
        "logic" => {
            let args: Vec<String> = sh.args.iter().map(|a| text(a)).collect();
            f("logic_version", &crate::VERSION);
            f("logic_build_id", &crate::BUILD_ID);
            f("logic_abi_version", &hotkv_abi::ABI_VERSION);
            f("logic_layout_version", &hotkv_abi::LAYOUT_VERSION);
            f("logic_path", &text(&sh.path));
            f("logic_source_path", &text(&sh.source_path));
            f("logic_loaded_at", &(sh.loaded_at_unix_us / 1_000_000));
            f("logic_generation", &sh.generation);
            f("logic_args", &args.join(" "));
            f("logic_upgrades", &sh.upgrades);
            f("logic_failed_upgrades", &sh.failed_upgrades);
            f("logic_last_pause_us", &sh.last_pause_us);
            f("logic_previous_version", &text(&sh.previous_version));
            f("logic_upgrade_in_progress", &sh.upgrade_in_progress);
        }
        _ => {}
    }
}

pub fn info(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let sections: Vec<String> = argv[1..].iter().map(|a| String::from_utf8_lossy(a).to_ascii_lowercase()).collect();
    let text = render(srv, &sections);
    c.add_verbatim(text.as_bytes());
}
