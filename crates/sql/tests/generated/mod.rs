//! Random expressions rendered as SQL with PostgreSQL's precedence rules.
//!
//! Each generated tree is rendered twice: as SQL text with only the parentheses precedence
//! requires (plus some at random), and as the fully parenthesised shape the parser must build
//! from that text. The properties check both the parser's precedence (the shapes agree) and
//! `Display` (printing the parse and parsing again gives an equal tree).

use proptest::prelude::*;

use crate::common::{assert_round_trip, expr, shape};

/// Binding powers, as in the parser (PostgreSQL's `gram.y`).
const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const IS: u8 = 4;
const COMPARISON: u8 = 5;
const PATTERN: u8 = 6;
const OTHER: u8 = 8;
const ADDITIVE: u8 = 9;
const MULTIPLICATIVE: u8 = 10;
const EXPONENT: u8 = 11;
const COLLATE: u8 = 13;
const UNARY: u8 = 14;
const SUBSCRIPT: u8 = 15;
const CAST: u8 = 17;
const ATOM: u8 = 100;

/// (as written, as printed, level)
const BINARY_OPERATORS: &[(&str, &str, u8)] = &[
    ("OR", "OR", OR),
    ("AND", "AND", AND),
    ("=", "=", COMPARISON),
    ("<>", "<>", COMPARISON),
    ("!=", "<>", COMPARISON),
    ("<", "<", COMPARISON),
    ("<=", "<=", COMPARISON),
    (">", ">", COMPARISON),
    (">=", ">=", COMPARISON),
    ("||", "||", OTHER),
    ("~", "~", OTHER),
    ("!~*", "!~*", OTHER),
    ("->>", "->>", OTHER),
    ("&", "&", OTHER),
    ("#", "#", OTHER),
    ("<<", "<<", OTHER),
    ("+", "+", ADDITIVE),
    ("-", "-", ADDITIVE),
    ("*", "*", MULTIPLICATIVE),
    ("/", "/", MULTIPLICATIVE),
    ("%", "%", MULTIPLICATIVE),
    ("^", "^", EXPONENT),
];

/// (as written, as printed)
const TYPES: &[(&str, &str)] = &[
    ("int", "integer"),
    ("text", "text"),
    ("numeric(10,2)", "numeric(10, 2)"),
    ("double precision", "double precision"),
    ("varchar(3)", "character varying(3)"),
    ("int4[]", "integer[]"),
    ("timestamp with time zone", "timestamptz"),
];

/// Atoms print exactly as written.
const ATOMS: &[&str] = &[
    "a",
    "t.b",
    "0",
    "42",
    "1.5",
    "'x'",
    "''",
    "$1",
    "TRUE",
    "FALSE",
    "NULL",
    "f(a, 1)",
    "count(*)",
    "lower('X')",
];

#[derive(Debug, Clone)]
pub struct Node {
    kind: Kind,
    /// Parenthesised whether or not precedence needs it.
    parentheses: bool,
}

#[derive(Debug, Clone)]
enum Kind {
    Atom(&'static str),
    /// `-`, `+` or `NOT`.
    Unary(&'static str, Box<Node>),
    Binary(usize, Box<Node>, Box<Node>),
    Is(Box<Node>, &'static str, bool),
    IsDistinct(Box<Node>, Box<Node>, bool),
    Between(Box<Node>, Box<Node>, Box<Node>, bool),
    InList(Box<Node>, Vec<Node>, bool),
    Like(Box<Node>, Box<Node>, bool, bool),
    Cast(Box<Node>, usize),
    Subscript(Box<Node>, Box<Node>),
    Collate(Box<Node>),
}

impl Node {
    /// How tightly the node binds when written without parentheses.
    fn level(&self) -> u8 {
        if self.parentheses {
            return ATOM;
        }
        match &self.kind {
            Kind::Atom(_) => ATOM,
            Kind::Unary("NOT", _) => NOT,
            Kind::Unary(..) => UNARY,
            Kind::Binary(op, ..) => BINARY_OPERATORS[*op].2,
            Kind::Is(..) | Kind::IsDistinct(..) => IS,
            Kind::Between(..) | Kind::InList(..) | Kind::Like(..) => PATTERN,
            Kind::Cast(..) => CAST,
            Kind::Subscript(..) => SUBSCRIPT,
            Kind::Collate(..) => COLLATE,
        }
    }

    /// Whether a `COLLATE` appears anywhere in the node (conservatively, even inside brackets).
    fn contains_collate(&self) -> bool {
        match &self.kind {
            Kind::Atom(_) => false,
            Kind::Collate(_) => true,
            Kind::Unary(_, operand) | Kind::Is(operand, ..) | Kind::Cast(operand, _) => {
                operand.contains_collate()
            }
            Kind::Binary(_, left, right)
            | Kind::IsDistinct(left, right, _)
            | Kind::Like(left, right, ..)
            | Kind::Subscript(left, right) => left.contains_collate() || right.contains_collate(),
            Kind::Between(operand, low, high, _) => {
                operand.contains_collate() || low.contains_collate() || high.contains_collate()
            }
            Kind::InList(operand, list, _) => {
                operand.contains_collate() || list.iter().any(Node::contains_collate)
            }
        }
    }

    fn is_unwrapped(&self, test: impl Fn(&Kind) -> bool) -> bool {
        !self.parentheses && test(&self.kind)
    }

    /// SQL text with the parentheses precedence requires.
    pub fn sql(&self) -> String {
        let text = self.sql_without_own_parentheses();
        if self.parentheses {
            format!("({text})")
        } else {
            text
        }
    }

    fn sql_without_own_parentheses(&self) -> String {
        let not = |negated: &bool| if *negated { "NOT " } else { "" };
        match &self.kind {
            Kind::Atom(text) => text.to_string(),
            Kind::Unary(op, operand) => {
                let min = if *op == "NOT" { NOT } else { UNARY };
                // A minus straight before a number would fold into the literal.
                let number = operand.is_unwrapped(
                    |kind| matches!(kind, Kind::Atom(text) if text.starts_with(|c: char| c.is_ascii_digit())),
                );
                format!("{op} {}", operand.operand(min, number))
            }
            Kind::Binary(op, left, right) => {
                let (written, _, level) = BINARY_OPERATORS[*op];
                let left_min = if level == COMPARISON {
                    level + 1
                } else {
                    level
                };
                format!(
                    "{} {written} {}",
                    left.operand(left_min, false),
                    right.operand(level + 1, false)
                )
            }
            Kind::Is(operand, test, negated) => {
                let distinct = operand.is_unwrapped(|kind| matches!(kind, Kind::IsDistinct(..)));
                format!(
                    "{} IS {}{test}",
                    operand.operand(IS, distinct),
                    not(negated)
                )
            }
            Kind::IsDistinct(left, right, negated) => {
                let distinct = left.is_unwrapped(|kind| matches!(kind, Kind::IsDistinct(..)));
                format!(
                    "{} IS {}DISTINCT FROM {}",
                    left.operand(IS, distinct),
                    not(negated),
                    right.operand(IS + 1, false)
                )
            }
            Kind::Between(operand, low, high, negated) => {
                // The low bound is a b_expr: no COLLATE outside parentheses.
                let collate = low.contains_collate();
                format!(
                    "{} {}BETWEEN {} AND {}",
                    operand.operand(PATTERN + 1, false),
                    not(negated),
                    low.operand(OTHER, collate),
                    high.operand(PATTERN + 1, false)
                )
            }
            Kind::InList(operand, list, negated) => {
                let items: Vec<String> = list.iter().map(Node::sql).collect();
                format!(
                    "{} {}IN ({})",
                    operand.operand(PATTERN + 1, false),
                    not(negated),
                    items.join(", ")
                )
            }
            Kind::Like(operand, pattern, negated, ilike) => format!(
                "{} {}{} {}",
                operand.operand(PATTERN + 1, false),
                not(negated),
                if *ilike { "ILIKE" } else { "LIKE" },
                pattern.operand(PATTERN + 1, false)
            ),
            Kind::Cast(operand, type_index) => {
                format!(
                    "{}::{}",
                    operand.operand(SUBSCRIPT, false),
                    TYPES[*type_index].0
                )
            }
            Kind::Subscript(operand, index) => {
                // PostgreSQL subscripts names, parameters and parenthesised expressions only.
                let other = operand.is_unwrapped(|kind| {
                    !matches!(kind, Kind::Atom("a" | "t.b" | "$1") | Kind::Subscript(..))
                });
                format!("{}[{}]", operand.operand(SUBSCRIPT, other), index.sql())
            }
            Kind::Collate(operand) => format!("{} COLLATE \"C\"", operand.operand(COLLATE, false)),
        }
    }

    /// This node as an operand that must bind at least as tightly as `min`.
    fn operand(&self, min: u8, force: bool) -> String {
        let text = self.sql();
        if !self.parentheses && (self.level() < min || force) {
            format!("({text})")
        } else {
            text
        }
    }

    /// The shape `common::shape` prints for the parse of `sql()`, without the `{}` it puts
    /// around explicit parentheses.
    pub fn shape(&self) -> String {
        let not = |negated: &bool| if *negated { "NOT " } else { "" };
        match &self.kind {
            Kind::Atom(text) => text.to_string(),
            Kind::Unary(op, operand) => format!("({op} {})", operand.shape()),
            Kind::Binary(op, left, right) => format!(
                "({} {} {})",
                left.shape(),
                BINARY_OPERATORS[*op].1,
                right.shape()
            ),
            Kind::Is(operand, test, negated) => {
                format!("({} IS {}{test})", operand.shape(), not(negated))
            }
            Kind::IsDistinct(left, right, negated) => format!(
                "({} IS {}DISTINCT FROM {})",
                left.shape(),
                not(negated),
                right.shape()
            ),
            Kind::Between(operand, low, high, negated) => format!(
                "({} {}BETWEEN {} AND {})",
                operand.shape(),
                not(negated),
                low.shape(),
                high.shape()
            ),
            Kind::InList(operand, list, negated) => {
                let items: Vec<String> = list.iter().map(Node::shape).collect();
                format!(
                    "({} {}IN [{}])",
                    operand.shape(),
                    not(negated),
                    items.join(", ")
                )
            }
            Kind::Like(operand, pattern, negated, ilike) => format!(
                "({} {}{} {})",
                operand.shape(),
                not(negated),
                if *ilike { "ILIKE" } else { "LIKE" },
                pattern.shape()
            ),
            Kind::Cast(operand, type_index) => {
                format!("({}::{})", operand.shape(), TYPES[*type_index].1)
            }
            Kind::Subscript(operand, index) => format!("({}[{}])", operand.shape(), index.shape()),
            Kind::Collate(operand) => format!("({} COLLATE \"C\")", operand.shape()),
        }
    }
}

fn node(kind: Kind, parentheses: bool) -> Node {
    Node { kind, parentheses }
}

pub fn nodes() -> impl Strategy<Value = Node> {
    let leaf = (0..ATOMS.len(), prop::bool::weighted(0.1))
        .prop_map(|(index, parentheses)| node(Kind::Atom(ATOMS[index]), parentheses));
    leaf.prop_recursive(6, 48, 4, |inner| {
        let boxed = inner.clone().prop_map(Box::new);
        let kind = prop_oneof![
            4 => (0..BINARY_OPERATORS.len(), boxed.clone(), boxed.clone())
                .prop_map(|(op, left, right)| Kind::Binary(op, left, right)),
            1 => (prop::sample::select(vec!["-", "+", "NOT"]), boxed.clone())
                .prop_map(|(op, operand)| Kind::Unary(op, operand)),
            1 => (boxed.clone(), prop::sample::select(vec!["NULL", "TRUE", "FALSE", "UNKNOWN"]), any::<bool>())
                .prop_map(|(operand, test, negated)| Kind::Is(operand, test, negated)),
            1 => (boxed.clone(), boxed.clone(), any::<bool>())
                .prop_map(|(left, right, negated)| Kind::IsDistinct(left, right, negated)),
            1 => (boxed.clone(), boxed.clone(), boxed.clone(), any::<bool>())
                .prop_map(|(operand, low, high, negated)| Kind::Between(operand, low, high, negated)),
            1 => (boxed.clone(), prop::collection::vec(inner.clone(), 1..4), any::<bool>())
                .prop_map(|(operand, list, negated)| Kind::InList(operand, list, negated)),
            1 => (boxed.clone(), boxed.clone(), any::<bool>(), any::<bool>())
                .prop_map(|(operand, pattern, negated, ilike)| Kind::Like(operand, pattern, negated, ilike)),
            1 => (boxed.clone(), 0..TYPES.len()).prop_map(|(operand, type_index)| Kind::Cast(operand, type_index)),
            1 => (boxed.clone(), boxed.clone()).prop_map(|(operand, index)| Kind::Subscript(operand, index)),
            1 => boxed.prop_map(Kind::Collate),
        ];
        (kind, prop::bool::weighted(0.1)).prop_map(|(kind, parentheses)| node(kind, parentheses))
    })
}

proptest! {
    #![proptest_config(crate::common::proptest_config(1000))]

    #[test]
    fn generated_expressions_parse_with_postgres_precedence(tree in nodes()) {
        let sql = tree.sql();
        let parsed = shape(&expr(&sql)).replace(['{', '}'], "");
        prop_assert_eq!(parsed, tree.shape(), "sql: {}", sql);
    }

    #[test]
    fn generated_expressions_round_trip(tree in nodes()) {
        assert_round_trip(&format!("SELECT {} FROM t WHERE {}", tree.sql(), tree.sql()));
    }
}
