//! Config file and command line, in redis.conf syntax.
//!
//! The shell only tokenizes: it keeps the directives it needs itself (where
//! to listen, which library to load) and passes the rest, with their file and
//! line, to the logic, which knows the settings and refuses unknown ones.

use hotkv_abi::text::split_args;
use std::path::{Path, PathBuf};

/// One directive and where it came from, for error messages.
#[derive(Debug, Clone)]
pub struct Directive {
    pub name: String,
    pub args: Vec<Vec<u8>>,
    pub origin: String,
}

/// Reads a config file (following `include`), appending its directives.
pub fn read_file(path: &Path, out: &mut Vec<Directive>, depth: usize) -> Result<(), String> {
    if depth > 16 {
        return Err(format!("{}: include nesting too deep", path.display()));
    }
    let text = std::fs::read(path).map_err(|e| format!("can't open config file '{}': {e}", path.display()))?;
    for (n, line) in text.split(|&c| c == b'\n').enumerate() {
        let origin = format!("{}:{}", path.display(), n + 1);
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() || trimmed[0] == b'#' {
            continue;
        }
        let mut words = split_args(trimmed).map_err(|e| format!("{origin}: {e}"))?;
        let name = String::from_utf8_lossy(&words.remove(0)).to_ascii_lowercase();
        if name == "include" {
            let [file] = words.as_slice() else {
                return Err(format!("{origin}: include takes one file"));
            };
            let inc = PathBuf::from(String::from_utf8_lossy(file).into_owned());
            let inc = if inc.is_relative() { path.parent().unwrap_or(Path::new(".")).join(inc) } else { inc };
            read_file(&inc, out, depth + 1)?;
        } else {
            out.push(Directive { name, args: words, origin });
        }
    }
    Ok(())
}

/// Parses the command line: `[configfile] [--name arg ...]...`, like
/// redis-server. Command-line directives come after the file's, so they win.
pub fn from_command_line(argv: &[String]) -> Result<(Option<PathBuf>, Vec<Directive>), String> {
    let mut file = None;
    let mut rest = argv;
    if let Some(first) = argv.first() {
        if !first.starts_with("--") {
            file = Some(PathBuf::from(first));
            rest = &argv[1..];
        }
    }
    let mut out = Vec::new();
    if let Some(f) = &file {
        read_file(f, &mut out, 0)?;
    }
    let mut i = 0;
    while i < rest.len() {
        let Some(name) = rest[i].strip_prefix("--") else {
            return Err(format!("unexpected argument '{}' (directives are --name value)", rest[i]));
        };
        let mut args = Vec::new();
        i += 1;
        while i < rest.len() && !rest[i].starts_with("--") {
            args.push(rest[i].as_bytes().to_vec());
            i += 1;
        }
        let name = if name == "logic" { "logic-library".to_string() } else { name.to_ascii_lowercase() };
        out.push(Directive { name, args, origin: "command line".into() });
    }
    Ok((file, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_groups_values() {
        let argv: Vec<String> = ["--port", "7000", "--bind", "127.0.0.1", "::1", "--logic", "x.so"].iter().map(|s| s.to_string()).collect();
        let (file, d) = from_command_line(&argv).unwrap();
        assert!(file.is_none());
        assert_eq!(d[1].args.len(), 2);
        assert_eq!(d[2].name, "logic-library");
    }
}
