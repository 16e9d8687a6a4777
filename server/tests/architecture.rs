//! The server's layering, checked on its source (ARCHITECTURE.md, "Architecture invariants").
//!
//! Layers, top to bottom: HTTP handlers (`src/http/**`) and the command line (`cli.rs`,
//! `main.rs`, `terminal.rs`); services (`claims.rs`, `health.rs`, `scope.rs` …); stores; then
//! the `domain` crate. Nothing imports upward, and no two files import each other, directly or
//! through others.
//!
//! The file-level import graph is built from the source text alone (std only): every
//! `crate::…`, `super::…` and `self::…` path, in `use` trees and in code, and every path that
//! starts with the name of a child module (`session::router()` in `http/mod.rs`). A path names
//! the file of the longest module prefix that exists (`crate::http::verify::by_number` →
//! `http/verify.rs`, `crate::auth::Caller` → `auth.rs`). `mod x;` declarations are the module
//! tree, not imports, and are not counted. Comments and string literals are skipped.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

/// Edges the rules below tolerate for now, as (from, to), paths relative to `server/src`.
/// Empty: an entry here needs a reason and an issue, and the test fails on an entry that no
/// longer matches any import, so it cannot be forgotten.
const TEMPORARILY_ALLOWED_EDGES: &[(&str, &str)] = &[];

/// The top layer: the only files that may use HTTP types, and that no other file may import.
fn is_top_layer(file: &str) -> bool {
    file.starts_with("http/") || matches!(file, "cli.rs" | "main.rs" | "terminal.rs")
}

/// Names that belong to the HTTP layer only (framework crates and types).
const HTTP_ONLY_NAMES: &[&str] = &["axum", "StatusCode"];

#[test]
fn no_import_cycle_between_server_files() {
    let graph = Graph::of_dir(&src_dir());
    let allowed = allowed_edges(&graph);
    let edges = graph.edges_without(&allowed);
    let cycles = find_cycles(&edges);
    let mut report = String::new();
    for component in strongly_connected(&edges) {
        if component.len() > 1 {
            let files: Vec<&str> = component.iter().map(String::as_str).collect();
            report.push_str(&format!(
                "\n  {} files import each other: {}",
                files.len(),
                files.join(", ")
            ));
        }
    }
    for cycle in &cycles {
        report.push_str(&format!("\n  cycle: {}\n", cycle.join(" → ")));
        for pair in cycle.windows(2) {
            let line = graph.edges[&(pair[0].clone(), pair[1].clone())];
            report.push_str(&format!("    {}:{line} → {}\n", pair[0], pair[1]));
        }
    }
    assert!(
        cycles.is_empty(),
        "server/src has import cycles (file → file; each edge with the line of its first import):{report}"
    );
}

#[test]
fn nothing_below_http_and_cli_imports_upward_or_uses_http_types() {
    let graph = Graph::of_dir(&src_dir());
    let violations = layering_violations(&graph, &allowed_edges(&graph));
    assert!(
        violations.is_empty(),
        "only src/http/**, cli.rs, main.rs and terminal.rs may import the HTTP layer or the \
         command line, or use HTTP types (services return `ServiceError`, not `AppError`):\n  {}",
        violations.join("\n  ")
    );
}

/// Files below the top layer that import a top-layer file or name an HTTP-only type.
fn layering_violations(graph: &Graph, allowed: &BTreeSet<(String, String)>) -> Vec<String> {
    let mut violations = Vec::new();
    for ((from, to), line) in &graph.edges {
        if !is_top_layer(from) && is_top_layer(to) && !allowed.contains(&(from.clone(), to.clone()))
        {
            violations.push(format!("{from}:{line} imports {to}"));
        }
    }
    for (file, source) in &graph.files {
        if is_top_layer(file) {
            continue;
        }
        for token in &source.tokens {
            if let Tok::Ident(name) = &token.tok {
                if HTTP_ONLY_NAMES.contains(&name.as_str()) {
                    violations.push(format!("{file}:{} uses `{name}`", token.line));
                }
            }
        }
    }
    violations
}

/// Only the stores write SQL (and `db.rs`, which opens, migrates and pings the database):
/// no other file of `server/src` runs a query.
#[test]
fn only_the_stores_write_sql() {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut offenders = Vec::new();
    for path in files {
        let rel = path
            .strip_prefix(&src)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        if rel.starts_with("store/") || rel == "db.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        // sqlx's queries, and rusqlite's (the SQLite hot path, `db::SqliteFast`).
        for needle in [
            "sqlx::query",
            "query_as(",
            "query_scalar(",
            "AssertSqlSafe",
            "prepare_cached(",
            "execute_batch(",
            "query_row(",
            "rusqlite::params",
        ] {
            if let Some(at) = text.find(needle) {
                let line = text[..at].lines().count() + 1;
                offenders.push(format!("{rel}:{line}: {needle}"));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "SQL outside server/src/store/ (move it into the store of its table):\n{}",
        offenders.join("\n")
    );
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The allow-listed edges, each checked to still exist.
fn allowed_edges(graph: &Graph) -> BTreeSet<(String, String)> {
    let allowed: BTreeSet<(String, String)> = TEMPORARILY_ALLOWED_EDGES
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let stale: Vec<_> = allowed
        .iter()
        .filter(|edge| !graph.edges.contains_key(*edge))
        .collect();
    assert!(
        stale.is_empty(),
        "TEMPORARILY_ALLOWED_EDGES lists imports that no longer exist; remove them: {stale:?}"
    );
    allowed
}

// ---------------------------------------------------------------------------------------------
// The graph
// ---------------------------------------------------------------------------------------------

struct Source {
    /// Module path of the file: `http/office/mod.rs` → ["http", "office"]; `lib.rs` → [].
    module: Vec<String>,
    tokens: Vec<Token>,
}

struct Graph {
    /// Path relative to `src` ('/'-separated) → its module and code tokens.
    files: BTreeMap<String, Source>,
    /// (from, to) → line of the first reference in `from`. No self-edges.
    edges: BTreeMap<(String, String), usize>,
}

impl Graph {
    fn of_dir(src: &Path) -> Self {
        let mut paths = Vec::new();
        rust_files(src, &mut paths);
        let sources = paths
            .iter()
            .map(|path| {
                let relative = path
                    .strip_prefix(src)
                    .unwrap_or(path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                let text = std::fs::read_to_string(path)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
                (relative, text)
            })
            .collect::<Vec<_>>();
        Self::of_sources(
            &sources
                .iter()
                .map(|(p, t)| (p.as_str(), t.as_str()))
                .collect::<Vec<_>>(),
        )
    }

    /// The graph of in-memory files, given as (path relative to `src`, text).
    fn of_sources(sources: &[(&str, &str)]) -> Self {
        let files: BTreeMap<String, Source> = sources
            .iter()
            .map(|(path, text)| {
                let source = Source {
                    module: module_of(path),
                    tokens: tokenize(text),
                };
                (path.to_string(), source)
            })
            .collect();
        // Module path → file. The library root wins over `main.rs` (both are the root).
        let mut modules: BTreeMap<Vec<String>, String> = BTreeMap::new();
        for (path, source) in &files {
            if path != "main.rs" {
                modules.insert(source.module.clone(), path.clone());
            }
        }
        let mut edges = BTreeMap::new();
        for (path, source) in &files {
            for (target, line) in references(source, &modules) {
                let Some(to) = resolve(&target, &modules) else {
                    continue;
                };
                if to != *path {
                    edges.entry((path.clone(), to.clone())).or_insert(line);
                }
            }
        }
        Graph { files, edges }
    }

    fn edges_without(
        &self,
        allowed: &BTreeSet<(String, String)>,
    ) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for file in self.files.keys() {
            out.entry(file.clone()).or_default();
        }
        for (from, to) in self.edges.keys() {
            if !allowed.contains(&(from.clone(), to.clone())) {
                out.entry(from.clone()).or_default().insert(to.clone());
            }
        }
        out
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `lib.rs`, `main.rs` → []; `a/mod.rs` → [a]; `a/b.rs` → [a, b].
fn module_of(path: &str) -> Vec<String> {
    let mut parts: Vec<String> = path.split('/').map(str::to_string).collect();
    let Some(last) = parts.pop() else {
        return parts;
    };
    let stem = last.trim_end_matches(".rs");
    let at_root = parts.is_empty();
    if !(stem == "mod" || (at_root && (stem == "lib" || stem == "main"))) {
        parts.push(stem.to_string());
    }
    parts
}

/// The file of the longest existing module prefix of an absolute path.
fn resolve(path: &[String], modules: &BTreeMap<Vec<String>, String>) -> Option<String> {
    (0..=path.len())
        .rev()
        .find_map(|n| modules.get(&path[..n]).cloned())
}

/// Every module path a file refers to, made absolute, with its line.
fn references(
    source: &Source,
    modules: &BTreeMap<Vec<String>, String>,
) -> Vec<(Vec<String>, usize)> {
    let tokens = &source.tokens;
    let mut out = Vec::new();
    // Inline modules (`mod tests { … }`): name and the brace depth inside them.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        let current: Vec<String> = source
            .module
            .iter()
            .cloned()
            .chain(inline.iter().map(|(name, _)| name.clone()))
            .collect();
        match &tokens[i].tok {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Tok::Ident(kw) if kw == "mod" => {
                if let (Some(Tok::Ident(name)), Some(Tok::Punct('{'))) = (
                    tokens.get(i + 1).map(|t| &t.tok),
                    tokens.get(i + 2).map(|t| &t.tok),
                ) {
                    depth += 1;
                    inline.push((name.clone(), depth));
                    i += 3;
                    continue;
                }
            }
            Tok::Ident(first) if starts_path(tokens, i) => {
                let is_child = {
                    let mut child = current.clone();
                    child.push(first.clone());
                    modules.contains_key(&child)
                };
                if matches!(first.as_str(), "crate" | "super" | "self") || is_child {
                    let line = tokens[i].line;
                    let (leaves, next) = use_tree(tokens, i);
                    for leaf in leaves {
                        if let Some(absolute) = absolute(&current, &leaf) {
                            out.push((absolute, line));
                        }
                    }
                    i = next;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Is `tokens[i]` the first segment of a path (`x::…`, not `a::x::…`, `.x::<T>` or
/// `pub(in crate::x)`)?
fn starts_path(tokens: &[Token], i: usize) -> bool {
    let next_is_sep = matches!(tokens.get(i + 1).map(|t| &t.tok), Some(Tok::PathSep));
    let previous = i.checked_sub(1).map(|p| &tokens[p].tok);
    let after_sep_or_dot = matches!(previous, Some(Tok::PathSep | Tok::Punct('.')));
    let visibility = matches!(previous, Some(Tok::Ident(kw)) if kw == "in");
    next_is_sep && !after_sep_or_dot && !visibility
}

/// The paths of a `use` tree or a plain path starting at `tokens[i]`, and the index after it.
/// `a::{self, b::C, d::*}` → [a, self], [a, b, C], [a, d].
fn use_tree(tokens: &[Token], mut i: usize) -> (Vec<Vec<String>>, usize) {
    let mut segments = Vec::new();
    loop {
        match tokens.get(i).map(|t| &t.tok) {
            Some(Tok::Ident(name)) => {
                segments.push(name.clone());
                i += 1;
                if matches!(tokens.get(i).map(|t| &t.tok), Some(Tok::PathSep)) {
                    i += 1;
                    continue;
                }
                return (vec![segments], i);
            }
            Some(Tok::Punct('*')) => return (vec![segments], i + 1),
            Some(Tok::Punct('{')) => {
                i += 1;
                let mut leaves = Vec::new();
                loop {
                    match tokens.get(i).map(|t| &t.tok) {
                        None => return (leaves, i),
                        Some(Tok::Punct('}')) => return (leaves, i + 1),
                        Some(Tok::Punct(',')) => i += 1,
                        Some(Tok::Ident(kw)) if kw == "as" => i += 2,
                        _ => {
                            let (inner, next) = use_tree(tokens, i);
                            for leaf in inner {
                                leaves.push(segments.iter().cloned().chain(leaf).collect());
                            }
                            // Never loop on a token no tree starts with.
                            i = next.max(i + 1);
                        }
                    }
                }
            }
            // `::<T>` (turbofish) or anything else ends the path.
            _ => return (vec![segments], i),
        }
    }
}

/// A path made absolute from the module it is written in; `None` above the crate root.
fn absolute(current: &[String], path: &[String]) -> Option<Vec<String>> {
    let mut out: Vec<String> = current.to_vec();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            out.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                out.pop()?;
                rest = &rest[1..];
            }
        }
        _ => {}
    }
    out.extend(rest.iter().filter(|s| *s != "self").cloned());
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Tokens: identifiers, `::` and single punctuation, without comments, strings and characters
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    PathSep,
    Punct(char),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let at = |k: usize| chars.get(k).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\n' => {
                line += 1;
                i += 1;
            }
            c if c.is_whitespace() => i += 1,
            '/' if at(i + 1) == '/' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if at(i + 1) == '*' => {
                let mut nesting = 0;
                while i < chars.len() {
                    if chars[i] == '/' && at(i + 1) == '*' {
                        nesting += 1;
                        i += 2;
                    } else if chars[i] == '*' && at(i + 1) == '/' {
                        nesting -= 1;
                        i += 2;
                        if nesting == 0 {
                            break;
                        }
                    } else {
                        if chars[i] == '\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                }
            }
            '"' => i = skip_string(&chars, i + 1, &mut line),
            '\'' => {
                if at(i + 1) == '\\' {
                    // An escaped character literal: '\n', '\'', '\u{3000}'.
                    i += 3;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else if at(i + 2) == '\'' {
                    i += 3; // 'x'
                } else {
                    i += 1; // a lifetime or label: 'a, 'static
                }
            }
            ':' if at(i + 1) == ':' => {
                tokens.push(Token {
                    tok: Tok::PathSep,
                    line,
                });
                i += 2;
            }
            c if is_ident_char(c) => {
                let start = i;
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                // String prefixes: b"…", r"…", r#"…"#, br#"…"#, c"…"; raw identifiers r#x.
                let raw = matches!(word.as_str(), "r" | "br" | "cr");
                if raw && (at(i) == '"' || at(i) == '#') {
                    let mut hashes = 0;
                    while at(i + hashes) == '#' {
                        hashes += 1;
                    }
                    if at(i + hashes) == '"' {
                        i = skip_raw_string(&chars, i + hashes + 1, hashes, &mut line);
                        continue;
                    }
                    if word == "r" && hashes == 1 {
                        i += 1; // raw identifier: the word follows
                        continue;
                    }
                }
                if matches!(word.as_str(), "b" | "c") && at(i) == '"' {
                    i = skip_string(&chars, i + 1, &mut line);
                    continue;
                }
                if word == "b" && at(i) == '\'' {
                    continue; // b'x': the quote is handled as a character literal
                }
                let tok = if c.is_ascii_digit() {
                    Tok::Punct('0') // a number: never part of a path
                } else {
                    Tok::Ident(word)
                };
                tokens.push(Token { tok, line });
            }
            c => {
                tokens.push(Token {
                    tok: Tok::Punct(c),
                    line,
                });
                i += 1;
            }
        }
    }
    tokens
}

/// Past the closing quote of a string whose body starts at `i`.
fn skip_string(chars: &[char], mut i: usize, line: &mut usize) -> usize {
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                if chars.get(i + 1) == Some(&'\n') {
                    *line += 1;
                }
                i += 2;
            }
            '"' => return i + 1,
            '\n' => {
                *line += 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    i
}

/// Past the closing `"###` of a raw string whose body starts at `i`.
fn skip_raw_string(chars: &[char], mut i: usize, hashes: usize, line: &mut usize) -> usize {
    while i < chars.len() {
        if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
            return i + 1 + hashes;
        }
        if chars[i] == '\n' {
            *line += 1;
        }
        i += 1;
    }
    i
}

// ---------------------------------------------------------------------------------------------
// Cycles
// ---------------------------------------------------------------------------------------------

/// One cycle per strongly connected component of more than one file, as a path that starts and
/// ends at the component's first file (the shortest such cycle). Empty when the graph is acyclic.
fn find_cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut cycles = Vec::new();
    for component in strongly_connected(graph) {
        if component.len() < 2 {
            continue;
        }
        let Some(start) = component.iter().next() else {
            continue;
        };
        // Breadth-first from `start` inside the component, back to `start`.
        let mut previous: BTreeMap<&String, &String> = BTreeMap::new();
        let mut queue = VecDeque::from([start]);
        let mut closing = None;
        while let Some(node) = queue.pop_front() {
            for next in graph.get(node).into_iter().flatten() {
                if !component.contains(next) {
                    continue;
                }
                if next == start {
                    closing = Some(node);
                    break;
                }
                if !previous.contains_key(next) {
                    previous.insert(next, node);
                    queue.push_back(next);
                }
            }
            if closing.is_some() {
                break;
            }
        }
        let mut cycle = vec![start.clone()];
        let mut node = closing;
        while let Some(n) = node {
            cycle.push(n.clone());
            node = if n == start {
                None
            } else {
                previous.get(n).copied()
            };
        }
        cycle.reverse();
        cycles.push(cycle);
    }
    cycles.sort();
    cycles
}

/// Tarjan's strongly connected components.
fn strongly_connected(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    struct State<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g String, usize>,
        low: BTreeMap<&'g String, usize>,
        stack: Vec<&'g String>,
        on_stack: BTreeSet<&'g String>,
        components: Vec<BTreeSet<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, node: &'g String) {
        let n = s.index.len();
        s.index.insert(node, n);
        s.low.insert(node, n);
        s.stack.push(node);
        s.on_stack.insert(node);
        let graph = s.graph;
        for next in graph.get(node).into_iter().flatten() {
            if !s.index.contains_key(next) {
                visit(s, next);
                let low = s.low[next].min(s.low[node]);
                s.low.insert(node, low);
            } else if s.on_stack.contains(next) {
                let low = s.index[next].min(s.low[node]);
                s.low.insert(node, low);
            }
        }
        if s.low[node] == s.index[node] {
            let mut component = BTreeSet::new();
            while let Some(top) = s.stack.pop() {
                s.on_stack.remove(top);
                component.insert(top.clone());
                if top == node {
                    break;
                }
            }
            s.components.push(component);
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for node in graph.keys() {
        if !state.index.contains_key(node) {
            visit(&mut state, node);
        }
    }
    state.components
}

// ---------------------------------------------------------------------------------------------
// The checker checked, on small synthetic inputs
// ---------------------------------------------------------------------------------------------

fn graph_of(edges: &[(&str, &str)]) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in edges {
        graph
            .entry(from.to_string())
            .or_default()
            .insert(to.to_string());
        graph.entry(to.to_string()).or_default();
    }
    graph
}

#[test]
fn a_cycle_is_found_and_printed_in_order() {
    let graph = graph_of(&[
        ("a.rs", "b.rs"),
        ("b.rs", "c.rs"),
        ("c.rs", "a.rs"),
        ("c.rs", "d.rs"),
        ("d.rs", "e.rs"),
        ("x.rs", "y.rs"),
        ("y.rs", "x.rs"),
    ]);
    assert_eq!(
        find_cycles(&graph),
        vec![
            vec!["a.rs", "b.rs", "c.rs", "a.rs"],
            vec!["x.rs", "y.rs", "x.rs"]
        ]
    );
}

#[test]
fn an_acyclic_graph_has_no_cycle() {
    let graph = graph_of(&[
        ("a.rs", "b.rs"),
        ("a.rs", "c.rs"),
        ("b.rs", "d.rs"),
        ("c.rs", "d.rs"),
    ]);
    assert!(find_cycles(&graph).is_empty());
}

#[test]
fn imports_are_read_from_use_trees_and_paths_but_not_comments_or_strings() {
    let graph = Graph::of_sources(&[
        ("lib.rs", "pub mod a; pub mod b; pub mod c; pub mod web;"),
        (
            "a.rs",
            "//! See [`crate::c`].\n\
             use crate::{b::{self, Thing as Other}, web::*};\n\
             fn f() -> &'static str { let _ = '\"'; \"crate::c\" }\n\
             /* crate::c /* nested */ crate::c */\n\
             #[cfg(test)] mod tests { use super::*; }",
        ),
        (
            "b.rs",
            "pub(in crate::web) fn g() { crate::web::routes::h::<u8>(); }",
        ),
        ("c.rs", "fn c() { let s = r#\"crate::a \"quoted\" \"#; }"),
        ("web/mod.rs", "mod routes; fn app() { routes::h(); }"),
        (
            "web/routes.rs",
            "use super::super::c;\nfn h() { self::inner(); let v = x.collect::<Vec<_>>(); }",
        ),
    ]);
    let edges: Vec<(&str, &str, usize)> = graph
        .edges
        .iter()
        .map(|((a, b), line)| (a.as_str(), b.as_str(), *line))
        .collect();
    assert_eq!(
        edges,
        vec![
            ("a.rs", "b.rs", 2),
            ("a.rs", "web/mod.rs", 2),
            ("b.rs", "web/routes.rs", 1),
            ("web/mod.rs", "web/routes.rs", 1),
            ("web/routes.rs", "c.rs", 1),
        ]
    );
    let cycles = find_cycles(&graph.edges_without(&BTreeSet::new()));
    assert!(cycles.is_empty(), "{cycles:?}");
}

#[test]
fn a_file_cycle_through_super_is_found() {
    let graph = Graph::of_sources(&[
        ("lib.rs", "pub mod web;"),
        (
            "web/mod.rs",
            "mod routes; pub struct State; fn app() { routes::h(); }",
        ),
        ("web/routes.rs", "use super::State; pub fn h() {}"),
    ]);
    let cycles = find_cycles(&graph.edges_without(&BTreeSet::new()));
    assert_eq!(
        cycles,
        vec![vec!["web/mod.rs", "web/routes.rs", "web/mod.rs"]]
    );
}

#[test]
fn upward_imports_and_http_types_below_the_top_layer_are_reported() {
    let graph = Graph::of_sources(&[
        (
            "lib.rs",
            "pub mod cli; pub mod http; pub mod scope; pub mod feed; pub mod seed;",
        ),
        ("cli.rs", "use crate::{http, scope}; use axum::Router;"),
        (
            "http/mod.rs",
            "use crate::scope; fn f() -> axum::http::StatusCode { axum::http::StatusCode::OK }",
        ),
        ("scope.rs", "use crate::http::error::AppError;"),
        ("feed.rs", "fn f() { crate::cli::main(); }"),
        (
            "seed.rs",
            "// crate::http, axum::Router and StatusCode in a comment are fine.\n\
             use axum::http::StatusCode;",
        ),
    ]);
    assert_eq!(
        layering_violations(&graph, &BTreeSet::new()),
        vec![
            "feed.rs:1 imports cli.rs",
            "scope.rs:1 imports http/mod.rs",
            "seed.rs:2 uses `axum`",
            "seed.rs:2 uses `StatusCode`",
        ]
    );
    let allowed = BTreeSet::from([("scope.rs".to_string(), "http/mod.rs".to_string())]);
    assert_eq!(layering_violations(&graph, &allowed).len(), 3);
}
