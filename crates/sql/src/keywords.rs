//! SQL keywords: PostgreSQL 15's full list, each with its category.
//!
//! PostgreSQL sorts its 460 keywords into four categories that decide where a word may be used
//! as a name (see "SQL Key Words" in its documentation and `pg_get_keywords()`):
//!
//! | category | may name a column/table | may name a function/type | example |
//! | --- | --- | --- | --- |
//! | unreserved | yes | yes | `name`, `key`, `value`, `level` |
//! | column name | yes | no (special syntax) | `timestamp`, `position`, `coalesce` |
//! | type/function name | no | yes | `left`, `join`, `like` |
//! | reserved | no | no | `select`, `from`, `user` |
//!
//! A fifth bit says whether the word may follow an expression as a column alias without `AS`
//! (`SELECT 1 value` works, `SELECT 1 year` does not). The table below is copied from
//! `pg_get_keywords()` of PostgreSQL 15 and must stay sorted (compile-time lookups binary-search
//! it); the lexer looks each word up once through a hash index built at compile time, and the
//! parser compares the resulting [`Keyword`] numbers, never strings. Parser code
//! names keywords through the constants in [`kw`], which are resolved at compile time, so a
//! misspelt keyword is a build error rather than a branch that never matches.

/// Where a keyword may be used as an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Usable as any name.
    Unreserved,
    /// Usable as a column or table name, not as a function or type name.
    ColumnName,
    /// Usable as a function or type name, not as a column or table name.
    TypeFunctionName,
    /// Usable only quoted (or as a label after `AS`).
    Reserved,
}

use Category::{ColumnName, Reserved, TypeFunctionName, Unreserved};

/// A keyword: an index into PostgreSQL's keyword table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Keyword(u16);

/// The longest keyword (`current_timestamp`), in bytes.
const KEYWORD_BYTES_MAX: usize = 17;

impl Keyword {
    /// The keyword spelled `word` (lower case). Evaluated at compile time for the [`kw`]
    /// constants; panics (a build error there) when `word` is not a keyword.
    pub(crate) const fn named(word: &str) -> Keyword {
        let word = word.as_bytes();
        let mut low = 0;
        let mut high = KEYWORDS.len();
        while low < high {
            let middle = (low + high) / 2;
            match compare_bytes(KEYWORDS[middle].0.as_bytes(), word) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Keyword(middle as u16),
            }
        }
        panic!("not a PostgreSQL keyword")
    }

    /// The keyword a word is, compared case-insensitively (ASCII only, as PostgreSQL folds).
    /// One hash of the folded word and, usually, one comparison.
    pub fn lookup(word: &str) -> Option<Keyword> {
        let bytes = word.as_bytes();
        if bytes.is_empty() || bytes.len() > KEYWORD_BYTES_MAX {
            return None;
        }
        let mut slot = hash_folded(bytes);
        loop {
            let entry = INDEX[slot];
            if entry == EMPTY_SLOT {
                return None;
            }
            if TABLE[entry as usize]
                .0
                .as_bytes()
                .eq_ignore_ascii_case(bytes)
            {
                return Some(Keyword(entry));
            }
            slot = (slot + 1) & (INDEX_SLOTS - 1);
        }
    }

    /// The keyword in lower case.
    pub fn as_str(self) -> &'static str {
        TABLE[self.0 as usize].0
    }

    pub fn category(self) -> Category {
        TABLE[self.0 as usize].1
    }

    /// Whether the keyword may be a column alias without `AS`.
    pub fn is_bare_label(self) -> bool {
        TABLE[self.0 as usize].2
    }
}

/// Slots of the open-addressing index from a keyword's hash to its table entry: a power of
/// two more than twice the number of keywords, so probes are short.
const INDEX_SLOTS: usize = 1024;
const EMPTY_SLOT: u16 = u16::MAX;

/// FNV-1a over the ASCII-lower-cased bytes, reduced to a slot.
const fn hash_folded(bytes: &[u8]) -> usize {
    let mut hash: u32 = 0x811c_9dc5;
    let mut index = 0;
    while index < bytes.len() {
        hash ^= bytes[index].to_ascii_lowercase() as u32;
        hash = hash.wrapping_mul(0x0100_0193);
        index += 1;
    }
    hash as usize & (INDEX_SLOTS - 1)
}

/// Built at compile time: every keyword's table index at its hash slot (linear probing).
static INDEX: [u16; INDEX_SLOTS] = build_index();

const fn build_index() -> [u16; INDEX_SLOTS] {
    assert!(
        KEYWORDS.len() * 2 < INDEX_SLOTS,
        "the keyword index must stay sparse"
    );
    let mut index = [EMPTY_SLOT; INDEX_SLOTS];
    let mut entry = 0;
    while entry < KEYWORDS.len() {
        let mut slot = hash_folded(KEYWORDS[entry].0.as_bytes());
        while index[slot] != EMPTY_SLOT {
            slot = (slot + 1) & (INDEX_SLOTS - 1);
        }
        index[slot] = entry as u16;
        entry += 1;
    }
    index
}

const fn compare_bytes(left: &[u8], right: &[u8]) -> std::cmp::Ordering {
    let mut index = 0;
    while index < left.len() && index < right.len() {
        if left[index] < right[index] {
            return std::cmp::Ordering::Less;
        }
        if left[index] > right[index] {
            return std::cmp::Ordering::Greater;
        }
        index += 1;
    }
    if left.len() < right.len() {
        std::cmp::Ordering::Less
    } else if left.len() > right.len() {
        std::cmp::Ordering::Greater
    } else {
        std::cmp::Ordering::Equal
    }
}

/// Whether `word` (lower case) is a reserved keyword.
pub fn is_reserved(word: &str) -> bool {
    Keyword::lookup(word).is_some_and(|keyword| keyword.category() == Reserved)
}

/// Whether `word` (lower case) must be quoted to be read back as an identifier in every
/// position: any keyword that is not unreserved.
pub fn requires_quotes(word: &str) -> bool {
    Keyword::lookup(word).is_some_and(|keyword| keyword.category() != Unreserved)
}

macro_rules! keyword_table {
    ($(($name:ident, $word:literal, $category:ident, $bare:literal),)*) => {
        /// (word, category, may be a bare column label), sorted by word.
        const KEYWORDS: &[(&str, Category, bool)] = &[$(($word, $category, $bare),)*];
        /// The same table at one address, for run-time lookups.
        static TABLE: &[(&str, Category, bool)] = KEYWORDS;

        /// One constant per keyword, named after it in upper case.
        pub mod kw {
            use super::Keyword;
            $(pub const $name: Keyword = Keyword::named($word);)*
        }
    };
}

keyword_table! {
    (ABORT, "abort", Unreserved, true),
    (ABSOLUTE, "absolute", Unreserved, true),
    (ACCESS, "access", Unreserved, true),
    (ACTION, "action", Unreserved, true),
    (ADD, "add", Unreserved, true),
    (ADMIN, "admin", Unreserved, true),
    (AFTER, "after", Unreserved, true),
    (AGGREGATE, "aggregate", Unreserved, true),
    (ALL, "all", Reserved, true),
    (ALSO, "also", Unreserved, true),
    (ALTER, "alter", Unreserved, true),
    (ALWAYS, "always", Unreserved, true),
    (ANALYSE, "analyse", Reserved, true),
    (ANALYZE, "analyze", Reserved, true),
    (AND, "and", Reserved, true),
    (ANY, "any", Reserved, true),
    (ARRAY, "array", Reserved, false),
    (AS, "as", Reserved, false),
    (ASC, "asc", Reserved, true),
    (ASENSITIVE, "asensitive", Unreserved, true),
    (ASSERTION, "assertion", Unreserved, true),
    (ASSIGNMENT, "assignment", Unreserved, true),
    (ASYMMETRIC, "asymmetric", Reserved, true),
    (AT, "at", Unreserved, true),
    (ATOMIC, "atomic", Unreserved, true),
    (ATTACH, "attach", Unreserved, true),
    (ATTRIBUTE, "attribute", Unreserved, true),
    (AUTHORIZATION, "authorization", TypeFunctionName, true),
    (BACKWARD, "backward", Unreserved, true),
    (BEFORE, "before", Unreserved, true),
    (BEGIN, "begin", Unreserved, true),
    (BETWEEN, "between", ColumnName, true),
    (BIGINT, "bigint", ColumnName, true),
    (BINARY, "binary", TypeFunctionName, true),
    (BIT, "bit", ColumnName, true),
    (BOOLEAN, "boolean", ColumnName, true),
    (BOTH, "both", Reserved, true),
    (BREADTH, "breadth", Unreserved, true),
    (BY, "by", Unreserved, true),
    (CACHE, "cache", Unreserved, true),
    (CALL, "call", Unreserved, true),
    (CALLED, "called", Unreserved, true),
    (CASCADE, "cascade", Unreserved, true),
    (CASCADED, "cascaded", Unreserved, true),
    (CASE, "case", Reserved, true),
    (CAST, "cast", Reserved, true),
    (CATALOG, "catalog", Unreserved, true),
    (CHAIN, "chain", Unreserved, true),
    (CHAR, "char", ColumnName, false),
    (CHARACTER, "character", ColumnName, false),
    (CHARACTERISTICS, "characteristics", Unreserved, true),
    (CHECK, "check", Reserved, true),
    (CHECKPOINT, "checkpoint", Unreserved, true),
    (CLASS, "class", Unreserved, true),
    (CLOSE, "close", Unreserved, true),
    (CLUSTER, "cluster", Unreserved, true),
    (COALESCE, "coalesce", ColumnName, true),
    (COLLATE, "collate", Reserved, true),
    (COLLATION, "collation", TypeFunctionName, true),
    (COLUMN, "column", Reserved, true),
    (COLUMNS, "columns", Unreserved, true),
    (COMMENT, "comment", Unreserved, true),
    (COMMENTS, "comments", Unreserved, true),
    (COMMIT, "commit", Unreserved, true),
    (COMMITTED, "committed", Unreserved, true),
    (COMPRESSION, "compression", Unreserved, true),
    (CONCURRENTLY, "concurrently", TypeFunctionName, true),
    (CONFIGURATION, "configuration", Unreserved, true),
    (CONFLICT, "conflict", Unreserved, true),
    (CONNECTION, "connection", Unreserved, true),
    (CONSTRAINT, "constraint", Reserved, true),
    (CONSTRAINTS, "constraints", Unreserved, true),
    (CONTENT, "content", Unreserved, true),
    (CONTINUE, "continue", Unreserved, true),
    (CONVERSION, "conversion", Unreserved, true),
    (COPY, "copy", Unreserved, true),
    (COST, "cost", Unreserved, true),
    (CREATE, "create", Reserved, false),
    (CROSS, "cross", TypeFunctionName, true),
    (CSV, "csv", Unreserved, true),
    (CUBE, "cube", Unreserved, true),
    (CURRENT, "current", Unreserved, true),
    (CURRENT_CATALOG, "current_catalog", Reserved, true),
    (CURRENT_DATE, "current_date", Reserved, true),
    (CURRENT_ROLE, "current_role", Reserved, true),
    (CURRENT_SCHEMA, "current_schema", TypeFunctionName, true),
    (CURRENT_TIME, "current_time", Reserved, true),
    (CURRENT_TIMESTAMP, "current_timestamp", Reserved, true),
    (CURRENT_USER, "current_user", Reserved, true),
    (CURSOR, "cursor", Unreserved, true),
    (CYCLE, "cycle", Unreserved, true),
    (DATA, "data", Unreserved, true),
    (DATABASE, "database", Unreserved, true),
    (DAY, "day", Unreserved, false),
    (DEALLOCATE, "deallocate", Unreserved, true),
    (DEC, "dec", ColumnName, true),
    (DECIMAL, "decimal", ColumnName, true),
    (DECLARE, "declare", Unreserved, true),
    (DEFAULT, "default", Reserved, true),
    (DEFAULTS, "defaults", Unreserved, true),
    (DEFERRABLE, "deferrable", Reserved, true),
    (DEFERRED, "deferred", Unreserved, true),
    (DEFINER, "definer", Unreserved, true),
    (DELETE, "delete", Unreserved, true),
    (DELIMITER, "delimiter", Unreserved, true),
    (DELIMITERS, "delimiters", Unreserved, true),
    (DEPENDS, "depends", Unreserved, true),
    (DEPTH, "depth", Unreserved, true),
    (DESC, "desc", Reserved, true),
    (DETACH, "detach", Unreserved, true),
    (DICTIONARY, "dictionary", Unreserved, true),
    (DISABLE, "disable", Unreserved, true),
    (DISCARD, "discard", Unreserved, true),
    (DISTINCT, "distinct", Reserved, true),
    (DO, "do", Reserved, true),
    (DOCUMENT, "document", Unreserved, true),
    (DOMAIN, "domain", Unreserved, true),
    (DOUBLE, "double", Unreserved, true),
    (DROP, "drop", Unreserved, true),
    (EACH, "each", Unreserved, true),
    (ELSE, "else", Reserved, true),
    (ENABLE, "enable", Unreserved, true),
    (ENCODING, "encoding", Unreserved, true),
    (ENCRYPTED, "encrypted", Unreserved, true),
    (END, "end", Reserved, true),
    (ENUM, "enum", Unreserved, true),
    (ESCAPE, "escape", Unreserved, true),
    (EVENT, "event", Unreserved, true),
    (EXCEPT, "except", Reserved, false),
    (EXCLUDE, "exclude", Unreserved, true),
    (EXCLUDING, "excluding", Unreserved, true),
    (EXCLUSIVE, "exclusive", Unreserved, true),
    (EXECUTE, "execute", Unreserved, true),
    (EXISTS, "exists", ColumnName, true),
    (EXPLAIN, "explain", Unreserved, true),
    (EXPRESSION, "expression", Unreserved, true),
    (EXTENSION, "extension", Unreserved, true),
    (EXTERNAL, "external", Unreserved, true),
    (EXTRACT, "extract", ColumnName, true),
    (FALSE, "false", Reserved, true),
    (FAMILY, "family", Unreserved, true),
    (FETCH, "fetch", Reserved, false),
    (FILTER, "filter", Unreserved, false),
    (FINALIZE, "finalize", Unreserved, true),
    (FIRST, "first", Unreserved, true),
    (FLOAT, "float", ColumnName, true),
    (FOLLOWING, "following", Unreserved, true),
    (FOR, "for", Reserved, false),
    (FORCE, "force", Unreserved, true),
    (FOREIGN, "foreign", Reserved, true),
    (FORWARD, "forward", Unreserved, true),
    (FREEZE, "freeze", TypeFunctionName, true),
    (FROM, "from", Reserved, false),
    (FULL, "full", TypeFunctionName, true),
    (FUNCTION, "function", Unreserved, true),
    (FUNCTIONS, "functions", Unreserved, true),
    (GENERATED, "generated", Unreserved, true),
    (GLOBAL, "global", Unreserved, true),
    (GRANT, "grant", Reserved, false),
    (GRANTED, "granted", Unreserved, true),
    (GREATEST, "greatest", ColumnName, true),
    (GROUP, "group", Reserved, false),
    (GROUPING, "grouping", ColumnName, true),
    (GROUPS, "groups", Unreserved, true),
    (HANDLER, "handler", Unreserved, true),
    (HAVING, "having", Reserved, false),
    (HEADER, "header", Unreserved, true),
    (HOLD, "hold", Unreserved, true),
    (HOUR, "hour", Unreserved, false),
    (IDENTITY, "identity", Unreserved, true),
    (IF, "if", Unreserved, true),
    (ILIKE, "ilike", TypeFunctionName, true),
    (IMMEDIATE, "immediate", Unreserved, true),
    (IMMUTABLE, "immutable", Unreserved, true),
    (IMPLICIT, "implicit", Unreserved, true),
    (IMPORT, "import", Unreserved, true),
    (IN, "in", Reserved, true),
    (INCLUDE, "include", Unreserved, true),
    (INCLUDING, "including", Unreserved, true),
    (INCREMENT, "increment", Unreserved, true),
    (INDEX, "index", Unreserved, true),
    (INDEXES, "indexes", Unreserved, true),
    (INHERIT, "inherit", Unreserved, true),
    (INHERITS, "inherits", Unreserved, true),
    (INITIALLY, "initially", Reserved, true),
    (INLINE, "inline", Unreserved, true),
    (INNER, "inner", TypeFunctionName, true),
    (INOUT, "inout", ColumnName, true),
    (INPUT, "input", Unreserved, true),
    (INSENSITIVE, "insensitive", Unreserved, true),
    (INSERT, "insert", Unreserved, true),
    (INSTEAD, "instead", Unreserved, true),
    (INT, "int", ColumnName, true),
    (INTEGER, "integer", ColumnName, true),
    (INTERSECT, "intersect", Reserved, false),
    (INTERVAL, "interval", ColumnName, true),
    (INTO, "into", Reserved, false),
    (INVOKER, "invoker", Unreserved, true),
    (IS, "is", TypeFunctionName, true),
    (ISNULL, "isnull", TypeFunctionName, false),
    (ISOLATION, "isolation", Unreserved, true),
    (JOIN, "join", TypeFunctionName, true),
    (KEY, "key", Unreserved, true),
    (LABEL, "label", Unreserved, true),
    (LANGUAGE, "language", Unreserved, true),
    (LARGE, "large", Unreserved, true),
    (LAST, "last", Unreserved, true),
    (LATERAL, "lateral", Reserved, true),
    (LEADING, "leading", Reserved, true),
    (LEAKPROOF, "leakproof", Unreserved, true),
    (LEAST, "least", ColumnName, true),
    (LEFT, "left", TypeFunctionName, true),
    (LEVEL, "level", Unreserved, true),
    (LIKE, "like", TypeFunctionName, true),
    (LIMIT, "limit", Reserved, false),
    (LISTEN, "listen", Unreserved, true),
    (LOAD, "load", Unreserved, true),
    (LOCAL, "local", Unreserved, true),
    (LOCALTIME, "localtime", Reserved, true),
    (LOCALTIMESTAMP, "localtimestamp", Reserved, true),
    (LOCATION, "location", Unreserved, true),
    (LOCK, "lock", Unreserved, true),
    (LOCKED, "locked", Unreserved, true),
    (LOGGED, "logged", Unreserved, true),
    (MAPPING, "mapping", Unreserved, true),
    (MATCH, "match", Unreserved, true),
    (MATCHED, "matched", Unreserved, true),
    (MATERIALIZED, "materialized", Unreserved, true),
    (MAXVALUE, "maxvalue", Unreserved, true),
    (MERGE, "merge", Unreserved, true),
    (METHOD, "method", Unreserved, true),
    (MINUTE, "minute", Unreserved, false),
    (MINVALUE, "minvalue", Unreserved, true),
    (MODE, "mode", Unreserved, true),
    (MONTH, "month", Unreserved, false),
    (MOVE, "move", Unreserved, true),
    (NAME, "name", Unreserved, true),
    (NAMES, "names", Unreserved, true),
    (NATIONAL, "national", ColumnName, true),
    (NATURAL, "natural", TypeFunctionName, true),
    (NCHAR, "nchar", ColumnName, true),
    (NEW, "new", Unreserved, true),
    (NEXT, "next", Unreserved, true),
    (NFC, "nfc", Unreserved, true),
    (NFD, "nfd", Unreserved, true),
    (NFKC, "nfkc", Unreserved, true),
    (NFKD, "nfkd", Unreserved, true),
    (NO, "no", Unreserved, true),
    (NONE, "none", ColumnName, true),
    (NORMALIZE, "normalize", ColumnName, true),
    (NORMALIZED, "normalized", Unreserved, true),
    (NOT, "not", Reserved, true),
    (NOTHING, "nothing", Unreserved, true),
    (NOTIFY, "notify", Unreserved, true),
    (NOTNULL, "notnull", TypeFunctionName, false),
    (NOWAIT, "nowait", Unreserved, true),
    (NULL, "null", Reserved, true),
    (NULLIF, "nullif", ColumnName, true),
    (NULLS, "nulls", Unreserved, true),
    (NUMERIC, "numeric", ColumnName, true),
    (OBJECT, "object", Unreserved, true),
    (OF, "of", Unreserved, true),
    (OFF, "off", Unreserved, true),
    (OFFSET, "offset", Reserved, false),
    (OIDS, "oids", Unreserved, true),
    (OLD, "old", Unreserved, true),
    (ON, "on", Reserved, false),
    (ONLY, "only", Reserved, true),
    (OPERATOR, "operator", Unreserved, true),
    (OPTION, "option", Unreserved, true),
    (OPTIONS, "options", Unreserved, true),
    (OR, "or", Reserved, true),
    (ORDER, "order", Reserved, false),
    (ORDINALITY, "ordinality", Unreserved, true),
    (OTHERS, "others", Unreserved, true),
    (OUT, "out", ColumnName, true),
    (OUTER, "outer", TypeFunctionName, true),
    (OVER, "over", Unreserved, false),
    (OVERLAPS, "overlaps", TypeFunctionName, false),
    (OVERLAY, "overlay", ColumnName, true),
    (OVERRIDING, "overriding", Unreserved, true),
    (OWNED, "owned", Unreserved, true),
    (OWNER, "owner", Unreserved, true),
    (PARALLEL, "parallel", Unreserved, true),
    (PARAMETER, "parameter", Unreserved, true),
    (PARSER, "parser", Unreserved, true),
    (PARTIAL, "partial", Unreserved, true),
    (PARTITION, "partition", Unreserved, true),
    (PASSING, "passing", Unreserved, true),
    (PASSWORD, "password", Unreserved, true),
    (PLACING, "placing", Reserved, true),
    (PLANS, "plans", Unreserved, true),
    (POLICY, "policy", Unreserved, true),
    (POSITION, "position", ColumnName, true),
    (PRECEDING, "preceding", Unreserved, true),
    (PRECISION, "precision", ColumnName, false),
    (PREPARE, "prepare", Unreserved, true),
    (PREPARED, "prepared", Unreserved, true),
    (PRESERVE, "preserve", Unreserved, true),
    (PRIMARY, "primary", Reserved, true),
    (PRIOR, "prior", Unreserved, true),
    (PRIVILEGES, "privileges", Unreserved, true),
    (PROCEDURAL, "procedural", Unreserved, true),
    (PROCEDURE, "procedure", Unreserved, true),
    (PROCEDURES, "procedures", Unreserved, true),
    (PROGRAM, "program", Unreserved, true),
    (PUBLICATION, "publication", Unreserved, true),
    (QUOTE, "quote", Unreserved, true),
    (RANGE, "range", Unreserved, true),
    (READ, "read", Unreserved, true),
    (REAL, "real", ColumnName, true),
    (REASSIGN, "reassign", Unreserved, true),
    (RECHECK, "recheck", Unreserved, true),
    (RECURSIVE, "recursive", Unreserved, true),
    (REF, "ref", Unreserved, true),
    (REFERENCES, "references", Reserved, true),
    (REFERENCING, "referencing", Unreserved, true),
    (REFRESH, "refresh", Unreserved, true),
    (REINDEX, "reindex", Unreserved, true),
    (RELATIVE, "relative", Unreserved, true),
    (RELEASE, "release", Unreserved, true),
    (RENAME, "rename", Unreserved, true),
    (REPEATABLE, "repeatable", Unreserved, true),
    (REPLACE, "replace", Unreserved, true),
    (REPLICA, "replica", Unreserved, true),
    (RESET, "reset", Unreserved, true),
    (RESTART, "restart", Unreserved, true),
    (RESTRICT, "restrict", Unreserved, true),
    (RETURN, "return", Unreserved, true),
    (RETURNING, "returning", Reserved, false),
    (RETURNS, "returns", Unreserved, true),
    (REVOKE, "revoke", Unreserved, true),
    (RIGHT, "right", TypeFunctionName, true),
    (ROLE, "role", Unreserved, true),
    (ROLLBACK, "rollback", Unreserved, true),
    (ROLLUP, "rollup", Unreserved, true),
    (ROUTINE, "routine", Unreserved, true),
    (ROUTINES, "routines", Unreserved, true),
    (ROW, "row", ColumnName, true),
    (ROWS, "rows", Unreserved, true),
    (RULE, "rule", Unreserved, true),
    (SAVEPOINT, "savepoint", Unreserved, true),
    (SCHEMA, "schema", Unreserved, true),
    (SCHEMAS, "schemas", Unreserved, true),
    (SCROLL, "scroll", Unreserved, true),
    (SEARCH, "search", Unreserved, true),
    (SECOND, "second", Unreserved, false),
    (SECURITY, "security", Unreserved, true),
    (SELECT, "select", Reserved, true),
    (SEQUENCE, "sequence", Unreserved, true),
    (SEQUENCES, "sequences", Unreserved, true),
    (SERIALIZABLE, "serializable", Unreserved, true),
    (SERVER, "server", Unreserved, true),
    (SESSION, "session", Unreserved, true),
    (SESSION_USER, "session_user", Reserved, true),
    (SET, "set", Unreserved, true),
    (SETOF, "setof", ColumnName, true),
    (SETS, "sets", Unreserved, true),
    (SHARE, "share", Unreserved, true),
    (SHOW, "show", Unreserved, true),
    (SIMILAR, "similar", TypeFunctionName, true),
    (SIMPLE, "simple", Unreserved, true),
    (SKIP, "skip", Unreserved, true),
    (SMALLINT, "smallint", ColumnName, true),
    (SNAPSHOT, "snapshot", Unreserved, true),
    (SOME, "some", Reserved, true),
    (SQL, "sql", Unreserved, true),
    (STABLE, "stable", Unreserved, true),
    (STANDALONE, "standalone", Unreserved, true),
    (START, "start", Unreserved, true),
    (STATEMENT, "statement", Unreserved, true),
    (STATISTICS, "statistics", Unreserved, true),
    (STDIN, "stdin", Unreserved, true),
    (STDOUT, "stdout", Unreserved, true),
    (STORAGE, "storage", Unreserved, true),
    (STORED, "stored", Unreserved, true),
    (STRICT, "strict", Unreserved, true),
    (STRIP, "strip", Unreserved, true),
    (SUBSCRIPTION, "subscription", Unreserved, true),
    (SUBSTRING, "substring", ColumnName, true),
    (SUPPORT, "support", Unreserved, true),
    (SYMMETRIC, "symmetric", Reserved, true),
    (SYSID, "sysid", Unreserved, true),
    (SYSTEM, "system", Unreserved, true),
    (TABLE, "table", Reserved, true),
    (TABLES, "tables", Unreserved, true),
    (TABLESAMPLE, "tablesample", TypeFunctionName, true),
    (TABLESPACE, "tablespace", Unreserved, true),
    (TEMP, "temp", Unreserved, true),
    (TEMPLATE, "template", Unreserved, true),
    (TEMPORARY, "temporary", Unreserved, true),
    (TEXT, "text", Unreserved, true),
    (THEN, "then", Reserved, true),
    (TIES, "ties", Unreserved, true),
    (TIME, "time", ColumnName, true),
    (TIMESTAMP, "timestamp", ColumnName, true),
    (TO, "to", Reserved, false),
    (TRAILING, "trailing", Reserved, true),
    (TRANSACTION, "transaction", Unreserved, true),
    (TRANSFORM, "transform", Unreserved, true),
    (TREAT, "treat", ColumnName, true),
    (TRIGGER, "trigger", Unreserved, true),
    (TRIM, "trim", ColumnName, true),
    (TRUE, "true", Reserved, true),
    (TRUNCATE, "truncate", Unreserved, true),
    (TRUSTED, "trusted", Unreserved, true),
    (TYPE, "type", Unreserved, true),
    (TYPES, "types", Unreserved, true),
    (UESCAPE, "uescape", Unreserved, true),
    (UNBOUNDED, "unbounded", Unreserved, true),
    (UNCOMMITTED, "uncommitted", Unreserved, true),
    (UNENCRYPTED, "unencrypted", Unreserved, true),
    (UNION, "union", Reserved, false),
    (UNIQUE, "unique", Reserved, true),
    (UNKNOWN, "unknown", Unreserved, true),
    (UNLISTEN, "unlisten", Unreserved, true),
    (UNLOGGED, "unlogged", Unreserved, true),
    (UNTIL, "until", Unreserved, true),
    (UPDATE, "update", Unreserved, true),
    (USER, "user", Reserved, true),
    (USING, "using", Reserved, true),
    (VACUUM, "vacuum", Unreserved, true),
    (VALID, "valid", Unreserved, true),
    (VALIDATE, "validate", Unreserved, true),
    (VALIDATOR, "validator", Unreserved, true),
    (VALUE, "value", Unreserved, true),
    (VALUES, "values", ColumnName, true),
    (VARCHAR, "varchar", ColumnName, true),
    (VARIADIC, "variadic", Reserved, true),
    (VARYING, "varying", Unreserved, false),
    (VERBOSE, "verbose", TypeFunctionName, true),
    (VERSION, "version", Unreserved, true),
    (VIEW, "view", Unreserved, true),
    (VIEWS, "views", Unreserved, true),
    (VOLATILE, "volatile", Unreserved, true),
    (WHEN, "when", Reserved, true),
    (WHERE, "where", Reserved, false),
    (WHITESPACE, "whitespace", Unreserved, true),
    (WINDOW, "window", Reserved, false),
    (WITH, "with", Reserved, false),
    (WITHIN, "within", Unreserved, false),
    (WITHOUT, "without", Unreserved, false),
    (WORK, "work", Unreserved, true),
    (WRAPPER, "wrapper", Unreserved, true),
    (WRITE, "write", Unreserved, true),
    (XML, "xml", Unreserved, true),
    (XMLATTRIBUTES, "xmlattributes", ColumnName, true),
    (XMLCONCAT, "xmlconcat", ColumnName, true),
    (XMLELEMENT, "xmlelement", ColumnName, true),
    (XMLEXISTS, "xmlexists", ColumnName, true),
    (XMLFOREST, "xmlforest", ColumnName, true),
    (XMLNAMESPACES, "xmlnamespaces", ColumnName, true),
    (XMLPARSE, "xmlparse", ColumnName, true),
    (XMLPI, "xmlpi", ColumnName, true),
    (XMLROOT, "xmlroot", ColumnName, true),
    (XMLSERIALIZE, "xmlserialize", ColumnName, true),
    (XMLTABLE, "xmltable", ColumnName, true),
    (YEAR, "year", Unreserved, false),
    (YES, "yes", Unreserved, true),
    (ZONE, "zone", Unreserved, true),
}

/// Quotes an identifier when PostgreSQL would (its `quote_ident`): double quotes unless the name
/// is lower-case, starts with a letter or `_`, and is not a keyword that needs quoting.
pub fn quote_identifier(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !requires_quotes(name);
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for pair in TABLE.windows(2) {
            assert!(
                pair[0].0 < pair[1].0,
                "{} must sort before {}",
                pair[0].0,
                pair[1].0
            );
        }
        assert_eq!(TABLE.len(), 460, "PostgreSQL 15 has 460 keywords");
        assert!(TABLE.iter().all(|entry| entry.0.len() <= KEYWORD_BYTES_MAX));
    }

    #[test]
    fn every_keyword_is_found_through_the_index() {
        for (index, entry) in TABLE.iter().enumerate() {
            assert_eq!(
                Keyword::lookup(entry.0),
                Some(Keyword(index as u16)),
                "{}",
                entry.0
            );
            assert_eq!(
                Keyword::lookup(&entry.0.to_ascii_uppercase()),
                Some(Keyword(index as u16))
            );
            assert_eq!(Keyword::named(entry.0), Keyword(index as u16));
        }
    }

    #[test]
    fn lookup_folds_ascii_case_only() {
        assert_eq!(Keyword::lookup("SeLeCt"), Some(kw::SELECT));
        assert_eq!(Keyword::lookup("select"), Some(kw::SELECT));
        assert_eq!(Keyword::lookup("selectx"), None);
        assert_eq!(Keyword::lookup("customer"), None);
        assert_eq!(Keyword::lookup(""), None);
        assert_eq!(Keyword::lookup("current_timestamp_"), None);
        assert_eq!(Keyword::lookup("SELECT\u{0}"), None);
        assert_eq!(Keyword::lookup("ſelect"), None);
        assert_eq!(kw::SELECT.as_str(), "select");
        assert_eq!(kw::ZONE.as_str(), "zone");
        assert_eq!(kw::ABORT.as_str(), "abort");
    }

    #[test]
    fn categories_match_postgres() {
        assert_eq!(kw::SELECT.category(), Reserved);
        assert_eq!(kw::LEFT.category(), TypeFunctionName);
        assert_eq!(kw::TIMESTAMP.category(), ColumnName);
        assert_eq!(kw::NAME.category(), Unreserved);
        assert!(is_reserved("user"));
        assert!(!is_reserved("name"));
        assert!(!is_reserved("left"));
        assert!(requires_quotes("left"));
        assert!(requires_quotes("position"));
        assert!(!requires_quotes("value"));
        assert!(!kw::YEAR.is_bare_label());
        assert!(kw::VALUE.is_bare_label());
        assert!(kw::AND.is_bare_label());
    }
}
