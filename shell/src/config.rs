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
    read_included(path, out, depth, None)
}

/// [`read_file`]; `from` is the `include` line that named `path`, for errors.
fn read_included(path: &Path, out: &mut Vec<Directive>, depth: usize, from: Option<&str>) -> Result<(), String> {
    let at = from.map(|o| format!("{o}: ")).unwrap_or_default();
    if depth > 16 {
        return Err(format!("{at}{}: include nesting too deep", path.display()));
    }
    let text = std::fs::read(path).map_err(|e| format!("{at}can't open config file '{}': {e}", path.display()))?;
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
            read_included(&inc, out, depth + 1, Some(&origin))?;
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
    fn include_is_relative_and_errors_name_the_line() {
        let dir = std::env::temp_dir().join(format!("hotkv-shell-conf-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("top.conf"), "# c\nport 1\ninclude sub/a.conf\nsave 900 1\nsave 300 10\n").unwrap();
        std::fs::write(dir.join("sub/a.conf"), "hz \"5\"\n").unwrap();
        let mut d = Vec::new();
        read_file(&dir.join("top.conf"), &mut d, 0).unwrap();
        let names: Vec<&str> = d.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["port", "hz", "save", "save"], "repeated directives kept in order");
        assert_eq!(d[1].args, vec![b"5".to_vec()]);
        assert!(d[1].origin.ends_with("sub/a.conf:1"), "{}", d[1].origin);
        assert!(d[3].origin.ends_with("top.conf:5"));
        std::fs::write(dir.join("top.conf"), "port 1\ninclude nosuch.conf\n").unwrap();
        let e = read_file(&dir.join("top.conf"), &mut Vec::new(), 0).unwrap_err();
        assert!(e.contains("top.conf:2: can't open config file") && e.contains("nosuch.conf"), "{e}");
        std::fs::write(dir.join("top.conf"), "port 1\nbind 'a\n").unwrap();
        let e = read_file(&dir.join("top.conf"), &mut Vec::new(), 0).unwrap_err();
        assert!(e.contains("top.conf:2: unbalanced quotes"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn command_line_groups_values() {
        let argv: Vec<String> = ["--port", "7000", "--bind", "127.0.0.1", "::1", "--logic", "x.so"].iter().map(|s| s.to_string()).collect();
        let (file, d) = from_command_line(&argv).unwrap();
        assert!(file.is_none());
        assert_eq!(d[1].args.len(), 2);
        assert_eq!(d[2].name, "logic-library");
    }
}
