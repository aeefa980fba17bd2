//! Roles (`CREATE ROLE`, `CREATE USER`): who may connect and with which password.
//!
//! Roles live in the catalog value like tables do, so role DDL is transactional and reaches
//! the WAL and checkpoints through the same paths (`codec` has their byte layout). The
//! bootstrap superuser `postgres` (oid 10, as in PostgreSQL) always exists.

/// The bootstrap superuser's oid and name.
pub const BOOTSTRAP_ROLE_OID: u32 = 10;
pub const BOOTSTRAP_ROLE_NAME: &str = "postgres";

/// A role and its attributes, as `pg_authid` shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub oid: u32,
    pub name: String,
    pub superuser: bool,
    pub inherit: bool,
    pub create_role: bool,
    pub create_db: bool,
    pub login: bool,
    pub replication: bool,
    pub bypass_rls: bool,
    /// -1: no limit.
    pub connection_limit: i32,
    /// The stored verifier: `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` or
    /// `md5<hex>`, never the password itself. `None`: no password (only `trust` rules let
    /// the role in).
    pub password: Option<String>,
    /// `VALID UNTIL`, as written.
    pub valid_until: Option<String>,
}

impl Role {
    /// A role with PostgreSQL's defaults for `CREATE ROLE` (`CREATE USER` adds LOGIN).
    pub fn new(oid: u32, name: &str) -> Role {
        Role {
            oid,
            name: name.to_string(),
            superuser: false,
            inherit: true,
            create_role: false,
            create_db: false,
            login: false,
            replication: false,
            bypass_rls: false,
            connection_limit: -1,
            password: None,
            valid_until: None,
        }
    }

    /// The bootstrap superuser.
    pub fn bootstrap() -> Role {
        Role {
            superuser: true,
            create_role: true,
            create_db: true,
            login: true,
            replication: true,
            bypass_rls: true,
            ..Role::new(BOOTSTRAP_ROLE_OID, BOOTSTRAP_ROLE_NAME)
        }
    }
}

/// The byte layout of a role in WAL records and checkpoints (our own, versioned):
///
/// ```text
/// role  := version:u8(=1) oid:u32 name:str flags:u8 connection_limit:i32
///          has_password:u8 [password:str] has_valid_until:u8 [valid_until:str]
/// flags := bit 0 superuser, 1 inherit, 2 createrole, 3 createdb, 4 login, 5 replication,
///          6 bypassrls
/// str   := length:u32 bytes (UTF-8)
/// ```
///
/// Integers are little-endian. Decoding never panics: malformed input is `XX001`.
pub fn encode_role(role: &Role, out: &mut Vec<u8>) {
    out.push(ROLE_FORMAT_VERSION);
    out.extend_from_slice(&role.oid.to_le_bytes());
    put_str(out, &role.name);
    let flags = [
        role.superuser,
        role.inherit,
        role.create_role,
        role.create_db,
        role.login,
        role.replication,
        role.bypass_rls,
    ]
    .iter()
    .enumerate()
    .fold(0u8, |flags, (bit, set)| flags | (u8::from(*set) << bit));
    out.push(flags);
    out.extend_from_slice(&role.connection_limit.to_le_bytes());
    for optional in [&role.password, &role.valid_until] {
        match optional {
            Some(text) => {
                out.push(1);
                put_str(out, text);
            }
            None => out.push(0),
        }
    }
}

/// Decodes [`encode_role`]'s bytes.
pub fn decode_role(bytes: &[u8]) -> db001_common::Result<Role> {
    let mut reader = Reader { bytes, at: 0 };
    let version = reader.u8()?;
    if version != ROLE_FORMAT_VERSION {
        return Err(corrupt(&format!("unknown role format version {version}")));
    }
    let oid = reader.u32()?;
    let name = reader.string()?;
    let flags = reader.u8()?;
    let connection_limit = reader.u32()? as i32;
    let password = if reader.u8()? != 0 {
        Some(reader.string()?)
    } else {
        None
    };
    let valid_until = if reader.u8()? != 0 {
        Some(reader.string()?)
    } else {
        None
    };
    if reader.at != bytes.len() {
        return Err(corrupt("trailing bytes"));
    }
    let flag = |bit: u8| flags & (1 << bit) != 0;
    Ok(Role {
        oid,
        name,
        superuser: flag(0),
        inherit: flag(1),
        create_role: flag(2),
        create_db: flag(3),
        login: flag(4),
        replication: flag(5),
        bypass_rls: flag(6),
        connection_limit,
        password,
        valid_until,
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, length: usize) -> db001_common::Result<&[u8]> {
        let end = self
            .at
            .checked_add(length)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| corrupt("truncated"))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u8(&mut self) -> db001_common::Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> db001_common::Result<u32> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn string(&mut self) -> db001_common::Result<String> {
        let length = self.u32()? as usize;
        let text = self.take(length)?;
        String::from_utf8(text.to_vec()).map_err(|_| corrupt("text is not UTF-8"))
    }
}

const ROLE_FORMAT_VERSION: u8 = 1;

fn put_str(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
}

fn corrupt(what: &str) -> db001_common::Error {
    db001_common::Error::new(
        db001_common::SqlState::DATA_CORRUPTED,
        format!("corrupt role record: {what}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_truncation_is_an_error() {
        let mut role = Role::new(16400, "alice");
        role.login = true;
        role.create_db = true;
        role.connection_limit = 3;
        role.password = Some("SCRAM-SHA-256$4096:c2FsdA==$a:b".into());
        let mut bytes = Vec::new();
        encode_role(&role, &mut bytes);
        assert_eq!(decode_role(&bytes).expect("decodes"), role);
        for cut in 0..bytes.len() {
            assert!(decode_role(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut bootstrap = Vec::new();
        encode_role(&Role::bootstrap(), &mut bootstrap);
        assert_eq!(decode_role(&bootstrap).expect("decodes"), Role::bootstrap());
    }
}
