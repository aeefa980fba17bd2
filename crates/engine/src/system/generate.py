#!/usr/bin/env python3
"""Regenerates generated_relations.rs and generated_data.rs from a running PostgreSQL 15
(psql -h 127.0.0.1 -p 25432 -U postgres): the columns of the relations in relations.txt, the
rows of pg_type, and the pg_proc rows of the functions named in functions.txt. Run it from
this directory after adding a relation or a function; then `cargo fmt`."""
import os, subprocess, sys
HERE = os.path.dirname(os.path.abspath(__file__))
def q(sql):
    out = subprocess.run(["psql","-h","127.0.0.1","-p","25432","-U","postgres","-AtF","\x1f","-c",sql],capture_output=True,text=True,check=True).stdout
    return [l.split("\x1f") for l in out.splitlines() if l]

TYPEMAP = {
 "oid":"OID","regproc":"TEXT","regtype":"TEXT","regclass":"TEXT","xid":"BIGINT","xid8":"BIGINT","cid":"BIGINT",
 "name":"TEXT","\"char\"":"TEXT","text":"TEXT","smallint":"SMALLINT","integer":"INT","bigint":"BIGINT",
 "real":"REAL","double precision":"DOUBLE","boolean":"BOOL","numeric":"NUMERIC",
 "aclitem[]":"TEXT_ARRAY","text[]":"TEXT_ARRAY","name[]":"TEXT_ARRAY","oid[]":"OID_ARRAY","int2vector":"INT2VECTOR",
 "oidvector":"OIDVECTOR","\"char\"[]":"TEXT_ARRAY","smallint[]":"SMALLINT_ARRAY","real[]":"TEXT_ARRAY","regtype[]":"TEXT_ARRAY",
 "anyarray":"TEXT","pg_node_tree":"TEXT","timestamp with time zone":"TIMESTAMPTZ","inet":"TEXT","interval":"INTERVAL",
 "pg_lsn":"TEXT","bytea":"BYTEA","pg_ndistinct":"TEXT","pg_dependencies":"TEXT","pg_mcv_list":"TEXT","integer[]":"TEXT_ARRAY",
 "information_schema.sql_identifier":"TEXT","information_schema.cardinal_number":"INT","information_schema.character_data":"TEXT",
 "information_schema.yes_or_no":"TEXT","information_schema.time_stamp":"TIMESTAMPTZ","boolean[]":"TEXT_ARRAY","double precision[]":"TEXT_ARRAY",
}
rels=[l.split() for l in open(os.path.join(HERE, "relations.txt")) if l.strip()]
out=[]
out.append("//! Generated from PostgreSQL 15.18 by a script (see the module docs of `system`): the")
out.append("//! columns of every system relation db001 answers, as PostgreSQL 15 defines them, with")
out.append("//! db001's type for each (see `system` for the mapping), and the rows of `pg_type`.")
out.append("")
out.append("use super::relation::types::*;")
out.append("use super::relation::{RelationDef, c};")
out.append("")
names=[]
for schema, rel in rels:
    rows=q(f"select c.oid, c.relkind, a.attname, format_type(a.atttypid, null), a.attnotnull from pg_class c join pg_namespace n on n.oid=c.relnamespace join pg_attribute a on a.attrelid=c.oid and a.attnum>0 where n.nspname='{schema}' and c.relname='{rel}' order by a.attnum")
    if not rows: print("missing",schema,rel,file=sys.stderr); continue
    oid, kind = rows[0][0], rows[0][1]
    const = (schema + "_" + rel).upper() if schema=="information_schema" else rel.upper()
    cols=[]
    for _,_,att,typ,nn in rows:
        if typ not in TYPEMAP: print("unmapped",typ,file=sys.stderr); sys.exit(1)
        cols.append(f'c("{att}", {TYPEMAP[typ]}, {"true" if nn=="t" else "false"}),')
    out.append(f"pub(super) const {const}: RelationDef = RelationDef {{")
    out.append(f'    schema: "{schema}",')
    out.append(f'    name: "{rel}",')
    out.append(f"    oid: {oid},")
    out.append(f"    kind: '{kind}',")
    out.append("    columns: &[")
    for i in range(0, len(cols), 3):
        out.append("        " + " ".join(cols[i:i+3]))
    out.append("    ],")
    out.append("};")
    out.append("")
    names.append(const)
out.append("/// Every relation, in the order `pg_class` lists them.")
out.append("pub(super) const RELATIONS: &[&RelationDef] = &[")
for n in names: out.append(f"    &{n},")
out.append("];")
out.append("")
open(os.path.join(HERE, "generated_relations.rs"),"w").write("\n".join(out)+"\n")
out=[]
out.append("//! Generated from PostgreSQL 15.18 by `generate.py`: the rows of `pg_type` (base, pseudo,")
out.append("//! range and multirange types of `pg_catalog`) and of `pg_proc` for the functions db001 has.")
out.append("")
out.append("use super::relation::{ProcRow, TypeRow};")
out.append("")
# pg_type rows
rows=q("""select t.oid, typname, typlen, typbyval, typtype, typcategory, typispreferred, typdelim, typsubscript, typelem, typarray, typinput, typoutput, typreceive, typsend, typmodin, typmodout, typanalyze, typalign, typstorage, typcollation
from pg_type t join pg_namespace n on n.oid=t.typnamespace where nspname='pg_catalog' and typtype in ('b','p','r','m') order by t.oid""")
out.append("/// `pg_type`: PostgreSQL 15's base, pseudo, range and multirange types (oid, name, len, byval,")
out.append("/// type, category, preferred, delimiter, subscript, elem, array, input, output, receive, send,")
out.append("/// modin, modout, analyze, align, storage, collation).")
out.append("pub(super) const TYPES: &[TypeRow] = &[")
for r in rows:
    (oid,name,tlen,byval,tt,cat,pref,delim,sub,elem,arr,i,o,rc,sd,mi,mo,an,al,st,coll)=r
    b=lambda x: "true" if x=="t" else "false"
    def s(x): return '"'+x.replace('\\','\\\\').replace('"','\\"')+'"'
    out.append(f"    TypeRow({oid}, {s(name)}, {tlen}, {b(byval)}, '{tt}', '{cat}', {b(pref)}, '{delim}', {s(sub)}, {elem}, {arr}, [{s(i)}, {s(o)}, {s(rc)}, {s(sd)}, {s(mi)}, {s(mo)}, {s(an)}], '{al}', '{st}', {coll}),")
out.append("];")
out.append("")
names = open(os.path.join(HERE, "functions.txt")).read().split()
inlist = ",".join("'"+n+"'" for n in names)
rows=q(f"""select p.oid, proname, prokind, proretset, prorettype, array_to_string(proargtypes::oid[], ' '), provolatile, proisstrict
from pg_proc p where pronamespace = 11 and proname in ({inlist}) order by proname, p.oid""")
out.append("/// `pg_proc`: PostgreSQL 15's entries for the functions db001 implements (oid, name, kind,")
out.append("/// returns a set, result type, argument types, volatility, strict).")
out.append("pub(super) const PROCS: &[ProcRow] = &[")
for (oid,name,kind,retset,ret,args,vol,strict) in rows:
    b=lambda x: "true" if x=="t" else "false"
    argl = ", ".join(args.split()) if args else ""
    out.append(f'    ProcRow({oid}, "{name}", \'{kind}\', {b(retset)}, {ret}, &[{argl}], \'{vol}\', {b(strict)}),')
out.append("];")
open(os.path.join(HERE, "generated_data.rs"),"w").write("\n".join(out)+"\n")
