//! Generated from PostgreSQL 15.18 by a script (see the module docs of `system`): the
//! columns of every system relation db001 answers, as PostgreSQL 15 defines them, with
//! db001's type for each (see `system` for the mapping), and the rows of `pg_type`.

use super::relation::types::*;
use super::relation::{RelationDef, c};

pub(super) const PG_NAMESPACE: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_namespace",
    oid: 2615,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("nspname", TEXT, true), c("nspowner", OID, true),
        c("nspacl", TEXT_ARRAY, false),
    ],
};

pub(super) const PG_CLASS: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_class",
    oid: 1259,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("relname", TEXT, true), c("relnamespace", OID, true),
        c("reltype", OID, true), c("reloftype", OID, true), c("relowner", OID, true),
        c("relam", OID, true), c("relfilenode", OID, true), c("reltablespace", OID, true),
        c("relpages", INT, true), c("reltuples", REAL, true), c("relallvisible", INT, true),
        c("reltoastrelid", OID, true), c("relhasindex", BOOL, true), c("relisshared", BOOL, true),
        c("relpersistence", TEXT, true), c("relkind", TEXT, true), c("relnatts", SMALLINT, true),
        c("relchecks", SMALLINT, true), c("relhasrules", BOOL, true), c("relhastriggers", BOOL, true),
        c("relhassubclass", BOOL, true), c("relrowsecurity", BOOL, true), c("relforcerowsecurity", BOOL, true),
        c("relispopulated", BOOL, true), c("relreplident", TEXT, true), c("relispartition", BOOL, true),
        c("relrewrite", OID, true), c("relfrozenxid", BIGINT, true), c("relminmxid", BIGINT, true),
        c("relacl", TEXT_ARRAY, false), c("reloptions", TEXT_ARRAY, false), c("relpartbound", TEXT, false),
    ],
};

pub(super) const PG_ATTRIBUTE: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_attribute",
    oid: 1249,
    kind: 'r',
    columns: &[
        c("attrelid", OID, true), c("attname", TEXT, true), c("atttypid", OID, true),
        c("attstattarget", INT, true), c("attlen", SMALLINT, true), c("attnum", SMALLINT, true),
        c("attndims", INT, true), c("attcacheoff", INT, true), c("atttypmod", INT, true),
        c("attbyval", BOOL, true), c("attalign", TEXT, true), c("attstorage", TEXT, true),
        c("attcompression", TEXT, true), c("attnotnull", BOOL, true), c("atthasdef", BOOL, true),
        c("atthasmissing", BOOL, true), c("attidentity", TEXT, true), c("attgenerated", TEXT, true),
        c("attisdropped", BOOL, true), c("attislocal", BOOL, true), c("attinhcount", INT, true),
        c("attcollation", OID, true), c("attacl", TEXT_ARRAY, false), c("attoptions", TEXT_ARRAY, false),
        c("attfdwoptions", TEXT_ARRAY, false), c("attmissingval", TEXT, false),
    ],
};

pub(super) const PG_TYPE: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_type",
    oid: 1247,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("typname", TEXT, true), c("typnamespace", OID, true),
        c("typowner", OID, true), c("typlen", SMALLINT, true), c("typbyval", BOOL, true),
        c("typtype", TEXT, true), c("typcategory", TEXT, true), c("typispreferred", BOOL, true),
        c("typisdefined", BOOL, true), c("typdelim", TEXT, true), c("typrelid", OID, true),
        c("typsubscript", TEXT, true), c("typelem", OID, true), c("typarray", OID, true),
        c("typinput", TEXT, true), c("typoutput", TEXT, true), c("typreceive", TEXT, true),
        c("typsend", TEXT, true), c("typmodin", TEXT, true), c("typmodout", TEXT, true),
        c("typanalyze", TEXT, true), c("typalign", TEXT, true), c("typstorage", TEXT, true),
        c("typnotnull", BOOL, true), c("typbasetype", OID, true), c("typtypmod", INT, true),
        c("typndims", INT, true), c("typcollation", OID, true), c("typdefaultbin", TEXT, false),
        c("typdefault", TEXT, false), c("typacl", TEXT_ARRAY, false),
    ],
};

pub(super) const PG_INDEX: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_index",
    oid: 2610,
    kind: 'r',
    columns: &[
        c("indexrelid", OID, true), c("indrelid", OID, true), c("indnatts", SMALLINT, true),
        c("indnkeyatts", SMALLINT, true), c("indisunique", BOOL, true), c("indnullsnotdistinct", BOOL, true),
        c("indisprimary", BOOL, true), c("indisexclusion", BOOL, true), c("indimmediate", BOOL, true),
        c("indisclustered", BOOL, true), c("indisvalid", BOOL, true), c("indcheckxmin", BOOL, true),
        c("indisready", BOOL, true), c("indislive", BOOL, true), c("indisreplident", BOOL, true),
        c("indkey", INT2VECTOR, true), c("indcollation", OIDVECTOR, true), c("indclass", OIDVECTOR, true),
        c("indoption", INT2VECTOR, true), c("indexprs", TEXT, false), c("indpred", TEXT, false),
    ],
};

pub(super) const PG_CONSTRAINT: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_constraint",
    oid: 2606,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("conname", TEXT, true), c("connamespace", OID, true),
        c("contype", TEXT, true), c("condeferrable", BOOL, true), c("condeferred", BOOL, true),
        c("convalidated", BOOL, true), c("conrelid", OID, true), c("contypid", OID, true),
        c("conindid", OID, true), c("conparentid", OID, true), c("confrelid", OID, true),
        c("confupdtype", TEXT, true), c("confdeltype", TEXT, true), c("confmatchtype", TEXT, true),
        c("conislocal", BOOL, true), c("coninhcount", INT, true), c("connoinherit", BOOL, true),
        c("conkey", SMALLINT_ARRAY, false), c("confkey", SMALLINT_ARRAY, false), c("conpfeqop", OID_ARRAY, false),
        c("conppeqop", OID_ARRAY, false), c("conffeqop", OID_ARRAY, false), c("confdelsetcols", SMALLINT_ARRAY, false),
        c("conexclop", OID_ARRAY, false), c("conbin", TEXT, false),
    ],
};

pub(super) const PG_ATTRDEF: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_attrdef",
    oid: 2604,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("adrelid", OID, true), c("adnum", SMALLINT, true),
        c("adbin", TEXT, true),
    ],
};

pub(super) const PG_DATABASE: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_database",
    oid: 1262,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("datname", TEXT, true), c("datdba", OID, true),
        c("encoding", INT, true), c("datlocprovider", TEXT, true), c("datistemplate", BOOL, true),
        c("datallowconn", BOOL, true), c("datconnlimit", INT, true), c("datfrozenxid", BIGINT, true),
        c("datminmxid", BIGINT, true), c("dattablespace", OID, true), c("datcollate", TEXT, true),
        c("datctype", TEXT, true), c("daticulocale", TEXT, false), c("datcollversion", TEXT, false),
        c("datacl", TEXT_ARRAY, false),
    ],
};

pub(super) const PG_ROLES: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_roles",
    oid: 12000,
    kind: 'v',
    columns: &[
        c("rolname", TEXT, false), c("rolsuper", BOOL, false), c("rolinherit", BOOL, false),
        c("rolcreaterole", BOOL, false), c("rolcreatedb", BOOL, false), c("rolcanlogin", BOOL, false),
        c("rolreplication", BOOL, false), c("rolconnlimit", INT, false), c("rolpassword", TEXT, false),
        c("rolvaliduntil", TIMESTAMPTZ, false), c("rolbypassrls", BOOL, false), c("rolconfig", TEXT_ARRAY, false),
        c("oid", OID, false),
    ],
};

pub(super) const PG_AUTHID: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_authid",
    oid: 1260,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("rolname", TEXT, true), c("rolsuper", BOOL, true),
        c("rolinherit", BOOL, true), c("rolcreaterole", BOOL, true), c("rolcreatedb", BOOL, true),
        c("rolcanlogin", BOOL, true), c("rolreplication", BOOL, true), c("rolbypassrls", BOOL, true),
        c("rolconnlimit", INT, true), c("rolpassword", TEXT, false), c("rolvaliduntil", TIMESTAMPTZ, false),
    ],
};

pub(super) const PG_USER: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_user",
    oid: 12014,
    kind: 'v',
    columns: &[
        c("usename", TEXT, false), c("usesysid", OID, false), c("usecreatedb", BOOL, false),
        c("usesuper", BOOL, false), c("userepl", BOOL, false), c("usebypassrls", BOOL, false),
        c("passwd", TEXT, false), c("valuntil", TIMESTAMPTZ, false), c("useconfig", TEXT_ARRAY, false),
    ],
};

pub(super) const PG_AUTH_MEMBERS: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_auth_members",
    oid: 1261,
    kind: 'r',
    columns: &[
        c("roleid", OID, true), c("member", OID, true), c("grantor", OID, true),
        c("admin_option", BOOL, true),
    ],
};

pub(super) const PG_PROC: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_proc",
    oid: 1255,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("proname", TEXT, true), c("pronamespace", OID, true),
        c("proowner", OID, true), c("prolang", OID, true), c("procost", REAL, true),
        c("prorows", REAL, true), c("provariadic", OID, true), c("prosupport", TEXT, true),
        c("prokind", TEXT, true), c("prosecdef", BOOL, true), c("proleakproof", BOOL, true),
        c("proisstrict", BOOL, true), c("proretset", BOOL, true), c("provolatile", TEXT, true),
        c("proparallel", TEXT, true), c("pronargs", SMALLINT, true), c("pronargdefaults", SMALLINT, true),
        c("prorettype", OID, true), c("proargtypes", OIDVECTOR, true), c("proallargtypes", OID_ARRAY, false),
        c("proargmodes", TEXT_ARRAY, false), c("proargnames", TEXT_ARRAY, false), c("proargdefaults", TEXT, false),
        c("protrftypes", OID_ARRAY, false), c("prosrc", TEXT, true), c("probin", TEXT, false),
        c("prosqlbody", TEXT, false), c("proconfig", TEXT_ARRAY, false), c("proacl", TEXT_ARRAY, false),
    ],
};

pub(super) const PG_AM: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_am",
    oid: 2601,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("amname", TEXT, true), c("amhandler", TEXT, true),
        c("amtype", TEXT, true),
    ],
};

pub(super) const PG_SETTINGS: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_settings",
    oid: 12104,
    kind: 'v',
    columns: &[
        c("name", TEXT, false), c("setting", TEXT, false), c("unit", TEXT, false),
        c("category", TEXT, false), c("short_desc", TEXT, false), c("extra_desc", TEXT, false),
        c("context", TEXT, false), c("vartype", TEXT, false), c("source", TEXT, false),
        c("min_val", TEXT, false), c("max_val", TEXT, false), c("enumvals", TEXT_ARRAY, false),
        c("boot_val", TEXT, false), c("reset_val", TEXT, false), c("sourcefile", TEXT, false),
        c("sourceline", INT, false), c("pending_restart", BOOL, false),
    ],
};

pub(super) const PG_DESCRIPTION: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_description",
    oid: 2609,
    kind: 'r',
    columns: &[
        c("objoid", OID, true), c("classoid", OID, true), c("objsubid", INT, true),
        c("description", TEXT, true),
    ],
};

pub(super) const PG_COLLATION: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_collation",
    oid: 3456,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("collname", TEXT, true), c("collnamespace", OID, true),
        c("collowner", OID, true), c("collprovider", TEXT, true), c("collisdeterministic", BOOL, true),
        c("collencoding", INT, true), c("collcollate", TEXT, false), c("collctype", TEXT, false),
        c("colliculocale", TEXT, false), c("collversion", TEXT, false),
    ],
};

pub(super) const PG_SEQUENCE: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_sequence",
    oid: 2224,
    kind: 'r',
    columns: &[
        c("seqrelid", OID, true), c("seqtypid", OID, true), c("seqstart", BIGINT, true),
        c("seqincrement", BIGINT, true), c("seqmax", BIGINT, true), c("seqmin", BIGINT, true),
        c("seqcache", BIGINT, true), c("seqcycle", BOOL, true),
    ],
};

pub(super) const PG_TABLES: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_tables",
    oid: 12033,
    kind: 'v',
    columns: &[
        c("schemaname", TEXT, false), c("tablename", TEXT, false), c("tableowner", TEXT, false),
        c("tablespace", TEXT, false), c("hasindexes", BOOL, false), c("hasrules", BOOL, false),
        c("hastriggers", BOOL, false), c("rowsecurity", BOOL, false),
    ],
};

pub(super) const PG_VIEWS: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_views",
    oid: 12028,
    kind: 'v',
    columns: &[
        c("schemaname", TEXT, false), c("viewname", TEXT, false), c("viewowner", TEXT, false),
        c("definition", TEXT, false),
    ],
};

pub(super) const PG_INDEXES: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_indexes",
    oid: 12043,
    kind: 'v',
    columns: &[
        c("schemaname", TEXT, false), c("tablename", TEXT, false), c("indexname", TEXT, false),
        c("tablespace", TEXT, false), c("indexdef", TEXT, false),
    ],
};

pub(super) const PG_STAT_ACTIVITY: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_stat_activity",
    oid: 12222,
    kind: 'v',
    columns: &[
        c("datid", OID, false), c("datname", TEXT, false), c("pid", INT, false),
        c("leader_pid", INT, false), c("usesysid", OID, false), c("usename", TEXT, false),
        c("application_name", TEXT, false), c("client_addr", TEXT, false), c("client_hostname", TEXT, false),
        c("client_port", INT, false), c("backend_start", TIMESTAMPTZ, false), c("xact_start", TIMESTAMPTZ, false),
        c("query_start", TIMESTAMPTZ, false), c("state_change", TIMESTAMPTZ, false), c("wait_event_type", TEXT, false),
        c("wait_event", TEXT, false), c("state", TEXT, false), c("backend_xid", BIGINT, false),
        c("backend_xmin", BIGINT, false), c("query_id", BIGINT, false), c("query", TEXT, false),
        c("backend_type", TEXT, false),
    ],
};

pub(super) const PG_INHERITS: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_inherits",
    oid: 2611,
    kind: 'r',
    columns: &[
        c("inhrelid", OID, true), c("inhparent", OID, true), c("inhseqno", INT, true),
        c("inhdetachpending", BOOL, true),
    ],
};

pub(super) const PG_TRIGGER: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_trigger",
    oid: 2620,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("tgrelid", OID, true), c("tgparentid", OID, true),
        c("tgname", TEXT, true), c("tgfoid", OID, true), c("tgtype", SMALLINT, true),
        c("tgenabled", TEXT, true), c("tgisinternal", BOOL, true), c("tgconstrrelid", OID, true),
        c("tgconstrindid", OID, true), c("tgconstraint", OID, true), c("tgdeferrable", BOOL, true),
        c("tginitdeferred", BOOL, true), c("tgnargs", SMALLINT, true), c("tgattr", INT2VECTOR, true),
        c("tgargs", BYTEA, true), c("tgqual", TEXT, false), c("tgoldtable", TEXT, false),
        c("tgnewtable", TEXT, false),
    ],
};

pub(super) const PG_POLICY: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_policy",
    oid: 3256,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("polname", TEXT, true), c("polrelid", OID, true),
        c("polcmd", TEXT, true), c("polpermissive", BOOL, true), c("polroles", OID_ARRAY, true),
        c("polqual", TEXT, false), c("polwithcheck", TEXT, false),
    ],
};

pub(super) const PG_STATISTIC_EXT: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_statistic_ext",
    oid: 3381,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("stxrelid", OID, true), c("stxname", TEXT, true),
        c("stxnamespace", OID, true), c("stxowner", OID, true), c("stxstattarget", INT, true),
        c("stxkeys", INT2VECTOR, true), c("stxkind", TEXT_ARRAY, true), c("stxexprs", TEXT, false),
    ],
};

pub(super) const PG_PUBLICATION: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_publication",
    oid: 6104,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("pubname", TEXT, true), c("pubowner", OID, true),
        c("puballtables", BOOL, true), c("pubinsert", BOOL, true), c("pubupdate", BOOL, true),
        c("pubdelete", BOOL, true), c("pubtruncate", BOOL, true), c("pubviaroot", BOOL, true),
    ],
};

pub(super) const PG_PUBLICATION_REL: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_publication_rel",
    oid: 6106,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("prpubid", OID, true), c("prrelid", OID, true),
        c("prqual", TEXT, false), c("prattrs", INT2VECTOR, false),
    ],
};

pub(super) const PG_PUBLICATION_NAMESPACE: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_publication_namespace",
    oid: 6237,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("pnpubid", OID, true), c("pnnspid", OID, true),
    ],
};

pub(super) const PG_PARTITIONED_TABLE: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_partitioned_table",
    oid: 3350,
    kind: 'r',
    columns: &[
        c("partrelid", OID, true), c("partstrat", TEXT, true), c("partnatts", SMALLINT, true),
        c("partdefid", OID, true), c("partattrs", INT2VECTOR, true), c("partclass", OIDVECTOR, true),
        c("partcollation", OIDVECTOR, true), c("partexprs", TEXT, false),
    ],
};

pub(super) const PG_RANGE: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_range",
    oid: 3541,
    kind: 'r',
    columns: &[
        c("rngtypid", OID, true), c("rngsubtype", OID, true), c("rngmultitypid", OID, true),
        c("rngcollation", OID, true), c("rngsubopc", OID, true), c("rngcanonical", TEXT, true),
        c("rngsubdiff", TEXT, true),
    ],
};

pub(super) const PG_ENUM: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_enum",
    oid: 3501,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("enumtypid", OID, true), c("enumsortorder", REAL, true),
        c("enumlabel", TEXT, true),
    ],
};

pub(super) const PG_REWRITE: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_rewrite",
    oid: 2618,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("rulename", TEXT, true), c("ev_class", OID, true),
        c("ev_type", TEXT, true), c("ev_enabled", TEXT, true), c("is_instead", BOOL, true),
        c("ev_qual", TEXT, true), c("ev_action", TEXT, true),
    ],
};

pub(super) const PG_OPCLASS: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_opclass",
    oid: 2616,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("opcmethod", OID, true), c("opcname", TEXT, true),
        c("opcnamespace", OID, true), c("opcowner", OID, true), c("opcfamily", OID, true),
        c("opcintype", OID, true), c("opcdefault", BOOL, true), c("opckeytype", OID, true),
    ],
};

pub(super) const PG_TABLESPACE: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_tablespace",
    oid: 1213,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("spcname", TEXT, true), c("spcowner", OID, true),
        c("spcacl", TEXT_ARRAY, false), c("spcoptions", TEXT_ARRAY, false),
    ],
};

pub(super) const PG_SEQUENCES: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_sequences",
    oid: 12048,
    kind: 'v',
    columns: &[
        c("schemaname", TEXT, false), c("sequencename", TEXT, false), c("sequenceowner", TEXT, false),
        c("data_type", TEXT, false), c("start_value", BIGINT, false), c("min_value", BIGINT, false),
        c("max_value", BIGINT, false), c("increment_by", BIGINT, false), c("cycle", BOOL, false),
        c("cache_size", BIGINT, false), c("last_value", BIGINT, false),
    ],
};

pub(super) const PG_MATVIEWS: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_matviews",
    oid: 12038,
    kind: 'v',
    columns: &[
        c("schemaname", TEXT, false), c("matviewname", TEXT, false), c("matviewowner", TEXT, false),
        c("tablespace", TEXT, false), c("hasindexes", BOOL, false), c("ispopulated", BOOL, false),
        c("definition", TEXT, false),
    ],
};

pub(super) const PG_EXTENSION: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_extension",
    oid: 3079,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("extname", TEXT, true), c("extowner", OID, true),
        c("extnamespace", OID, true), c("extrelocatable", BOOL, true), c("extversion", TEXT, true),
        c("extconfig", OID_ARRAY, false), c("extcondition", TEXT_ARRAY, false),
    ],
};

pub(super) const PG_SHDESCRIPTION: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_shdescription",
    oid: 2396,
    kind: 'r',
    columns: &[
        c("objoid", OID, true), c("classoid", OID, true), c("description", TEXT, true),
    ],
};

pub(super) const PG_DEPEND: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_depend",
    oid: 2608,
    kind: 'r',
    columns: &[
        c("classid", OID, true), c("objid", OID, true), c("objsubid", INT, true),
        c("refclassid", OID, true), c("refobjid", OID, true), c("refobjsubid", INT, true),
        c("deptype", TEXT, true),
    ],
};

pub(super) const PG_OPERATOR: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_operator",
    oid: 2617,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("oprname", TEXT, true), c("oprnamespace", OID, true),
        c("oprowner", OID, true), c("oprkind", TEXT, true), c("oprcanmerge", BOOL, true),
        c("oprcanhash", BOOL, true), c("oprleft", OID, true), c("oprright", OID, true),
        c("oprresult", OID, true), c("oprcom", OID, true), c("oprnegate", OID, true),
        c("oprcode", TEXT, true), c("oprrest", TEXT, true), c("oprjoin", TEXT, true),
    ],
};

pub(super) const PG_CAST: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_cast",
    oid: 2605,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("castsource", OID, true), c("casttarget", OID, true),
        c("castfunc", OID, true), c("castcontext", TEXT, true), c("castmethod", TEXT, true),
    ],
};

pub(super) const PG_LANGUAGE: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_language",
    oid: 2612,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("lanname", TEXT, true), c("lanowner", OID, true),
        c("lanispl", BOOL, true), c("lanpltrusted", BOOL, true), c("lanplcallfoid", OID, true),
        c("laninline", OID, true), c("lanvalidator", OID, true), c("lanacl", TEXT_ARRAY, false),
    ],
};

pub(super) const PG_FOREIGN_TABLE: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_foreign_table",
    oid: 3118,
    kind: 'r',
    columns: &[
        c("ftrelid", OID, true), c("ftserver", OID, true), c("ftoptions", TEXT_ARRAY, false),
    ],
};

pub(super) const PG_EVENT_TRIGGER: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_event_trigger",
    oid: 3466,
    kind: 'r',
    columns: &[
        c("oid", OID, true), c("evtname", TEXT, true), c("evtevent", TEXT, true),
        c("evtowner", OID, true), c("evtfoid", OID, true), c("evtenabled", TEXT, true),
        c("evttags", TEXT_ARRAY, false),
    ],
};

pub(super) const PG_LOCKS: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_locks",
    oid: 12073,
    kind: 'v',
    columns: &[
        c("locktype", TEXT, false), c("database", OID, false), c("relation", OID, false),
        c("page", INT, false), c("tuple", SMALLINT, false), c("virtualxid", TEXT, false),
        c("transactionid", BIGINT, false), c("classid", OID, false), c("objid", OID, false),
        c("objsubid", SMALLINT, false), c("virtualtransaction", TEXT, false), c("pid", INT, false),
        c("mode", TEXT, false), c("granted", BOOL, false), c("fastpath", BOOL, false),
        c("waitstart", TIMESTAMPTZ, false),
    ],
};

pub(super) const PG_PREPARED_STATEMENTS: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_prepared_statements",
    oid: 12095,
    kind: 'v',
    columns: &[
        c("name", TEXT, false), c("statement", TEXT, false), c("prepare_time", TIMESTAMPTZ, false),
        c("parameter_types", TEXT_ARRAY, false), c("from_sql", BOOL, false), c("generic_plans", BIGINT, false),
        c("custom_plans", BIGINT, false),
    ],
};

pub(super) const PG_STAT_USER_TABLES: RelationDef = RelationDef {
    schema: "pg_catalog",
    name: "pg_stat_user_tables",
    oid: 12161,
    kind: 'v',
    columns: &[
        c("relid", OID, false), c("schemaname", TEXT, false), c("relname", TEXT, false),
        c("seq_scan", BIGINT, false), c("seq_tup_read", BIGINT, false), c("idx_scan", BIGINT, false),
        c("idx_tup_fetch", BIGINT, false), c("n_tup_ins", BIGINT, false), c("n_tup_upd", BIGINT, false),
        c("n_tup_del", BIGINT, false), c("n_tup_hot_upd", BIGINT, false), c("n_live_tup", BIGINT, false),
        c("n_dead_tup", BIGINT, false), c("n_mod_since_analyze", BIGINT, false), c("n_ins_since_vacuum", BIGINT, false),
        c("last_vacuum", TIMESTAMPTZ, false), c("last_autovacuum", TIMESTAMPTZ, false), c("last_analyze", TIMESTAMPTZ, false),
        c("last_autoanalyze", TIMESTAMPTZ, false), c("vacuum_count", BIGINT, false), c("autovacuum_count", BIGINT, false),
        c("analyze_count", BIGINT, false), c("autoanalyze_count", BIGINT, false),
    ],
};

pub(super) const INFORMATION_SCHEMA_SCHEMATA: RelationDef = RelationDef {
    schema: "information_schema",
    name: "schemata",
    oid: 13382,
    kind: 'v',
    columns: &[
        c("catalog_name", TEXT, false), c("schema_name", TEXT, false), c("schema_owner", TEXT, false),
        c("default_character_set_catalog", TEXT, false), c("default_character_set_schema", TEXT, false), c("default_character_set_name", TEXT, false),
        c("sql_path", TEXT, false),
    ],
};

pub(super) const INFORMATION_SCHEMA_TABLES: RelationDef = RelationDef {
    schema: "information_schema",
    name: "tables",
    oid: 13425,
    kind: 'v',
    columns: &[
        c("table_catalog", TEXT, false), c("table_schema", TEXT, false), c("table_name", TEXT, false),
        c("table_type", TEXT, false), c("self_referencing_column_name", TEXT, false), c("reference_generation", TEXT, false),
        c("user_defined_type_catalog", TEXT, false), c("user_defined_type_schema", TEXT, false), c("user_defined_type_name", TEXT, false),
        c("is_insertable_into", TEXT, false), c("is_typed", TEXT, false), c("commit_action", TEXT, false),
    ],
};

pub(super) const INFORMATION_SCHEMA_COLUMNS: RelationDef = RelationDef {
    schema: "information_schema",
    name: "columns",
    oid: 13295,
    kind: 'v',
    columns: &[
        c("table_catalog", TEXT, false), c("table_schema", TEXT, false), c("table_name", TEXT, false),
        c("column_name", TEXT, false), c("ordinal_position", INT, false), c("column_default", TEXT, false),
        c("is_nullable", TEXT, false), c("data_type", TEXT, false), c("character_maximum_length", INT, false),
        c("character_octet_length", INT, false), c("numeric_precision", INT, false), c("numeric_precision_radix", INT, false),
        c("numeric_scale", INT, false), c("datetime_precision", INT, false), c("interval_type", TEXT, false),
        c("interval_precision", INT, false), c("character_set_catalog", TEXT, false), c("character_set_schema", TEXT, false),
        c("character_set_name", TEXT, false), c("collation_catalog", TEXT, false), c("collation_schema", TEXT, false),
        c("collation_name", TEXT, false), c("domain_catalog", TEXT, false), c("domain_schema", TEXT, false),
        c("domain_name", TEXT, false), c("udt_catalog", TEXT, false), c("udt_schema", TEXT, false),
        c("udt_name", TEXT, false), c("scope_catalog", TEXT, false), c("scope_schema", TEXT, false),
        c("scope_name", TEXT, false), c("maximum_cardinality", INT, false), c("dtd_identifier", TEXT, false),
        c("is_self_referencing", TEXT, false), c("is_identity", TEXT, false), c("identity_generation", TEXT, false),
        c("identity_start", TEXT, false), c("identity_increment", TEXT, false), c("identity_maximum", TEXT, false),
        c("identity_minimum", TEXT, false), c("identity_cycle", TEXT, false), c("is_generated", TEXT, false),
        c("generation_expression", TEXT, false), c("is_updatable", TEXT, false),
    ],
};

pub(super) const INFORMATION_SCHEMA_KEY_COLUMN_USAGE: RelationDef = RelationDef {
    schema: "information_schema",
    name: "key_column_usage",
    oid: 13329,
    kind: 'v',
    columns: &[
        c("constraint_catalog", TEXT, false), c("constraint_schema", TEXT, false), c("constraint_name", TEXT, false),
        c("table_catalog", TEXT, false), c("table_schema", TEXT, false), c("table_name", TEXT, false),
        c("column_name", TEXT, false), c("ordinal_position", INT, false), c("position_in_unique_constraint", INT, false),
    ],
};

pub(super) const INFORMATION_SCHEMA_TABLE_CONSTRAINTS: RelationDef = RelationDef {
    schema: "information_schema",
    name: "table_constraints",
    oid: 13411,
    kind: 'v',
    columns: &[
        c("constraint_catalog", TEXT, false), c("constraint_schema", TEXT, false), c("constraint_name", TEXT, false),
        c("table_catalog", TEXT, false), c("table_schema", TEXT, false), c("table_name", TEXT, false),
        c("constraint_type", TEXT, false), c("is_deferrable", TEXT, false), c("initially_deferred", TEXT, false),
        c("enforced", TEXT, false), c("nulls_distinct", TEXT, false),
    ],
};

pub(super) const INFORMATION_SCHEMA_REFERENTIAL_CONSTRAINTS: RelationDef = RelationDef {
    schema: "information_schema",
    name: "referential_constraints",
    oid: 13339,
    kind: 'v',
    columns: &[
        c("constraint_catalog", TEXT, false), c("constraint_schema", TEXT, false), c("constraint_name", TEXT, false),
        c("unique_constraint_catalog", TEXT, false), c("unique_constraint_schema", TEXT, false), c("unique_constraint_name", TEXT, false),
        c("match_option", TEXT, false), c("update_rule", TEXT, false), c("delete_rule", TEXT, false),
    ],
};

pub(super) const INFORMATION_SCHEMA_VIEWS: RelationDef = RelationDef {
    schema: "information_schema",
    name: "views",
    oid: 13483,
    kind: 'v',
    columns: &[
        c("table_catalog", TEXT, false), c("table_schema", TEXT, false), c("table_name", TEXT, false),
        c("view_definition", TEXT, false), c("check_option", TEXT, false), c("is_updatable", TEXT, false),
        c("is_insertable_into", TEXT, false), c("is_trigger_updatable", TEXT, false), c("is_trigger_deletable", TEXT, false),
        c("is_trigger_insertable_into", TEXT, false),
    ],
};

pub(super) const INFORMATION_SCHEMA_SEQUENCES: RelationDef = RelationDef {
    schema: "information_schema",
    name: "sequences",
    oid: 13386,
    kind: 'v',
    columns: &[
        c("sequence_catalog", TEXT, false), c("sequence_schema", TEXT, false), c("sequence_name", TEXT, false),
        c("data_type", TEXT, false), c("numeric_precision", INT, false), c("numeric_precision_radix", INT, false),
        c("numeric_scale", INT, false), c("start_value", TEXT, false), c("minimum_value", TEXT, false),
        c("maximum_value", TEXT, false), c("increment", TEXT, false), c("cycle_option", TEXT, false),
    ],
};

pub(super) const INFORMATION_SCHEMA_CONSTRAINT_COLUMN_USAGE: RelationDef = RelationDef {
    schema: "information_schema",
    name: "constraint_column_usage",
    oid: 13300,
    kind: 'v',
    columns: &[
        c("table_catalog", TEXT, false), c("table_schema", TEXT, false), c("table_name", TEXT, false),
        c("column_name", TEXT, false), c("constraint_catalog", TEXT, false), c("constraint_schema", TEXT, false),
        c("constraint_name", TEXT, false),
    ],
};

/// Every relation, in the order `pg_class` lists them.
pub(super) const RELATIONS: &[&RelationDef] = &[
    &PG_NAMESPACE,
    &PG_CLASS,
    &PG_ATTRIBUTE,
    &PG_TYPE,
    &PG_INDEX,
    &PG_CONSTRAINT,
    &PG_ATTRDEF,
    &PG_DATABASE,
    &PG_ROLES,
    &PG_AUTHID,
    &PG_USER,
    &PG_AUTH_MEMBERS,
    &PG_PROC,
    &PG_AM,
    &PG_SETTINGS,
    &PG_DESCRIPTION,
    &PG_COLLATION,
    &PG_SEQUENCE,
    &PG_TABLES,
    &PG_VIEWS,
    &PG_INDEXES,
    &PG_STAT_ACTIVITY,
    &PG_INHERITS,
    &PG_TRIGGER,
    &PG_POLICY,
    &PG_STATISTIC_EXT,
    &PG_PUBLICATION,
    &PG_PUBLICATION_REL,
    &PG_PUBLICATION_NAMESPACE,
    &PG_PARTITIONED_TABLE,
    &PG_RANGE,
    &PG_ENUM,
    &PG_REWRITE,
    &PG_OPCLASS,
    &PG_TABLESPACE,
    &PG_SEQUENCES,
    &PG_MATVIEWS,
    &PG_EXTENSION,
    &PG_SHDESCRIPTION,
    &PG_DEPEND,
    &PG_OPERATOR,
    &PG_CAST,
    &PG_LANGUAGE,
    &PG_FOREIGN_TABLE,
    &PG_EVENT_TRIGGER,
    &PG_LOCKS,
    &PG_PREPARED_STATEMENTS,
    &PG_STAT_USER_TABLES,
    &INFORMATION_SCHEMA_SCHEMATA,
    &INFORMATION_SCHEMA_TABLES,
    &INFORMATION_SCHEMA_COLUMNS,
    &INFORMATION_SCHEMA_KEY_COLUMN_USAGE,
    &INFORMATION_SCHEMA_TABLE_CONSTRAINTS,
    &INFORMATION_SCHEMA_REFERENTIAL_CONSTRAINTS,
    &INFORMATION_SCHEMA_VIEWS,
    &INFORMATION_SCHEMA_SEQUENCES,
    &INFORMATION_SCHEMA_CONSTRAINT_COLUMN_USAGE,
];

