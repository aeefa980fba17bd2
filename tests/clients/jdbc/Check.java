// pgjdbc against db001, run with Java's single-file launcher (`java -cp postgresql.jar
// Check.java`). prepareThreshold=1 makes the driver switch to named server-side statements on
// the first reuse; the checks cover DDL, parameterised DML, batches, a transaction with a
// savepoint, errors with their SQLSTATEs, NULLs, every db001 type, and DatabaseMetaData
// (getTables, getColumns), which runs pgjdbc's catalog queries. Any mismatch
// throws, so the exit status is the verdict.

import java.math.BigDecimal;
import java.sql.*;
import java.time.*;
import java.util.*;

public class Check {
    static void check(boolean condition, String what) {
        if (!condition) throw new AssertionError(what);
    }

    static void equal(Object got, Object expected, String what) {
        if (!Objects.equals(got, expected))
            throw new AssertionError(what + ": got " + got + ", expected " + expected);
    }

    static SQLException expectSqlstate(Connection conn, String code, String sql) throws SQLException {
        try (Statement statement = conn.createStatement()) {
            statement.execute(sql);
        } catch (SQLException error) {
            equal(error.getSQLState(), code, sql + " (" + error.getMessage() + ")");
            if (!conn.getAutoCommit()) conn.rollback();
            return error;
        }
        throw new AssertionError(sql + ": no error, expected " + code);
    }

    static boolean savepointSupported(Connection conn) throws SQLException {
        conn.setAutoCommit(false);
        try {
            conn.setSavepoint("probe");
            return true;
        } catch (SQLException error) {
            equal(error.getSQLState(), "0A000", error.getMessage());
            System.out.println("savepoint: not supported by this db001 build (0A000); tested plain transactions");
            return false;
        } finally {
            conn.rollback();
            conn.setAutoCommit(true);
        }
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://" + System.getenv("DB001_HOST") + ":" + System.getenv("DB001_PORT")
                + "/postgres?user=postgres&prepareThreshold=1";
        try (Connection conn = DriverManager.getConnection(url)) {
            DatabaseMetaData meta = conn.getMetaData();
            check(meta.getDatabaseMajorVersion() == 15, "server major version " + meta.getDatabaseMajorVersion());
            basics(conn);
            transactions(conn);
            types(conn);
            metadata(conn);
        }
        System.out.println("pgjdbc: all checks passed");
    }

    static void basics(Connection conn) throws SQLException {
        try (Statement statement = conn.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS orders");
            statement.execute("DROP TABLE IF EXISTS customers");
            statement.execute("CREATE TABLE customers (id integer PRIMARY KEY, name varchar(40) NOT NULL, credit numeric(10,2))");
            statement.execute("CREATE TABLE orders (customer_id integer NOT NULL, line integer NOT NULL, item text, PRIMARY KEY (customer_id, line))");
        }
        try (PreparedStatement insert = conn.prepareStatement("INSERT INTO customers VALUES (?, ?, ?)")) {
            for (int id = 1; id <= 5; id++) {
                insert.setInt(1, id);
                insert.setString(2, "customer " + id);
                if (id == 3) insert.setNull(3, Types.NUMERIC);
                else insert.setBigDecimal(3, new BigDecimal(id + ".50"));
                insert.addBatch();
            }
            int[] counts = insert.executeBatch();
            equal(counts.length, 5, "batch size");
        }
        // Repeated executions: the first is unnamed, then a named statement (prepareThreshold=1).
        try (PreparedStatement select = conn.prepareStatement("SELECT name, credit FROM customers WHERE id = ?")) {
            for (int round = 0; round < 3; round++) {
                for (int id = 1; id <= 5; id++) {
                    select.setInt(1, id);
                    try (ResultSet rs = select.executeQuery()) {
                        check(rs.next(), "row " + id);
                        equal(rs.getString(1), "customer " + id, "name");
                        BigDecimal credit = rs.getBigDecimal(2);
                        if (id == 3) check(credit == null && rs.wasNull(), "NULL credit");
                        else equal(credit, new BigDecimal(id + ".50"), "credit");
                        check(!rs.next(), "one row");
                    }
                }
            }
        }
        try (PreparedStatement update = conn.prepareStatement("UPDATE customers SET credit = coalesce(credit, 0) + ? WHERE id >= ?")) {
            update.setBigDecimal(1, new BigDecimal("1.00"));
            update.setInt(2, 3);
            equal(update.executeUpdate(), 3, "updated rows");
        }
    }

    static void transactions(Connection conn) throws SQLException {
        conn.setAutoCommit(false);
        try (Statement statement = conn.createStatement()) {
            statement.execute("INSERT INTO orders VALUES (1, 1, 'tea')");
            conn.commit();
            statement.execute("INSERT INTO orders VALUES (1, 2, 'cake')");
            conn.rollback();
            try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM orders")) {
                rs.next();
                equal(rs.getLong(1), 1L, "orders after rollback");
            }
            conn.commit();
        }
        conn.setAutoCommit(true);
        if (savepointSupported(conn)) {
            conn.setAutoCommit(false);
            try (Statement statement = conn.createStatement()) {
                statement.execute("INSERT INTO orders VALUES (2, 1, 'kept')");
                Savepoint savepoint = conn.setSavepoint();
                statement.execute("INSERT INTO orders VALUES (2, 2, 'undone')");
                conn.rollback(savepoint);
                conn.commit();
                try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM orders WHERE customer_id = 2")) {
                    rs.next();
                    equal(rs.getLong(1), 1L, "rows after rollback to savepoint");
                }
                conn.commit();
            }
            conn.setAutoCommit(true);
        }
        SQLException duplicate = expectSqlstate(conn, "23505", "INSERT INTO orders VALUES (1, 1, 'again')");
        check(duplicate.getMessage().contains("duplicate key"), duplicate.getMessage());
        expectSqlstate(conn, "42P01", "SELECT * FROM nowhere");
        expectSqlstate(conn, "22012", "SELECT 1 / 0");
        expectSqlstate(conn, "42601", "SELECT FROM WHERE");
    }

    static void types(Connection conn) throws SQLException {
        try (Statement statement = conn.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS typed");
            statement.execute("CREATE TABLE typed (id int PRIMARY KEY, b boolean, s smallint, i integer, l bigint, r real, d double precision,"
                    + " n numeric(12,3), t text, v varchar(9), c char(3), by bytea, dt date, tm time, ts timestamp, tz timestamptz,"
                    + " iv interval, u uuid, j json, jb jsonb, ia integer[], ta text[])");
        }
        UUID uuid = UUID.fromString("00112233-4455-6677-8899-aabbccddeeff");
        try (PreparedStatement insert = conn.prepareStatement(
                "INSERT INTO typed VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::interval, ?, ?::json, ?::jsonb, ?, ?)")) {
            for (int round = 1; round <= 2; round++) {
                insert.setInt(1, round);
                insert.setBoolean(2, true);
                insert.setShort(3, (short) -12);
                insert.setInt(4, Integer.MIN_VALUE);
                insert.setLong(5, Long.MAX_VALUE);
                insert.setFloat(6, 3.5f);
                insert.setDouble(7, Math.PI);
                insert.setBigDecimal(8, new BigDecimal("-987654321.125"));
                insert.setString(9, "ünïcode");
                insert.setString(10, "nine");
                insert.setString(11, "ab");
                insert.setBytes(12, new byte[] {0, 7, (byte) 255});
                insert.setObject(13, LocalDate.of(2022, 12, 31));
                insert.setObject(14, LocalTime.of(8, 30, 15));
                insert.setObject(15, LocalDateTime.of(2022, 12, 31, 23, 59, 59));
                insert.setObject(16, OffsetDateTime.of(2022, 6, 1, 12, 0, 0, 0, ZoneOffset.UTC));
                insert.setString(17, "2 hours 3 minutes");
                insert.setObject(18, uuid);
                insert.setString(19, "{\"k\": [1]}");
                insert.setString(20, "{\"k\": [1]}");
                insert.setArray(21, conn.createArrayOf("integer", new Integer[] {3, null, 4}));
                insert.setArray(22, conn.createArrayOf("text", new String[] {"p", "q r"}));
                insert.executeUpdate();
            }
        }
        try (Statement statement = conn.createStatement()) {
            statement.execute("INSERT INTO typed (id) VALUES (3)");
        }
        try (PreparedStatement select = conn.prepareStatement("SELECT * FROM typed WHERE id = ?")) {
            for (int round = 1; round <= 2; round++) {
                select.setInt(1, round);
                try (ResultSet rs = select.executeQuery()) {
                    check(rs.next(), "typed row");
                    equal(rs.getBoolean("b"), true, "boolean");
                    equal(rs.getShort("s"), (short) -12, "smallint");
                    equal(rs.getInt("i"), Integer.MIN_VALUE, "integer");
                    equal(rs.getLong("l"), Long.MAX_VALUE, "bigint");
                    equal(rs.getFloat("r"), 3.5f, "real");
                    equal(rs.getDouble("d"), Math.PI, "double");
                    equal(rs.getBigDecimal("n"), new BigDecimal("-987654321.125"), "numeric");
                    equal(rs.getString("t"), "ünïcode", "text");
                    equal(rs.getString("v"), "nine", "varchar");
                    equal(rs.getString("c"), "ab ", "char");
                    check(Arrays.equals(rs.getBytes("by"), new byte[] {0, 7, (byte) 255}), "bytea");
                    equal(rs.getObject("dt", LocalDate.class), LocalDate.of(2022, 12, 31), "date");
                    equal(rs.getObject("tm", LocalTime.class), LocalTime.of(8, 30, 15), "time");
                    equal(rs.getObject("ts", LocalDateTime.class), LocalDateTime.of(2022, 12, 31, 23, 59, 59), "timestamp");
                    equal(rs.getObject("tz", OffsetDateTime.class).toInstant(),
                            OffsetDateTime.of(2022, 6, 1, 12, 0, 0, 0, ZoneOffset.UTC).toInstant(), "timestamptz");
                    equal(rs.getString("iv"), "02:03:00", "interval");
                    equal(rs.getObject("u"), uuid, "uuid");
                    equal(rs.getString("j"), "{\"k\": [1]}", "json");
                    equal(rs.getString("jb"), "{\"k\": [1]}", "jsonb");
                    equal(Arrays.asList((Integer[]) rs.getArray("ia").getArray()), Arrays.asList(3, null, 4), "integer[]");
                    equal(Arrays.asList((String[]) rs.getArray("ta").getArray()), Arrays.asList("p", "q r"), "text[]");
                }
            }
            select.setInt(1, 3);
            try (ResultSet rs = select.executeQuery()) {
                check(rs.next(), "NULL row");
                ResultSetMetaData columns = rs.getMetaData();
                for (int column = 2; column <= columns.getColumnCount(); column++) {
                    check(rs.getObject(column) == null && rs.wasNull(), "NULL " + columns.getColumnName(column));
                }
                equal(columns.getColumnTypeName(5), "int8", "type name of bigint");
            }
        }
        System.out.println("types: 21 types round-tripped");
    }

    static void metadata(Connection conn) throws SQLException {
        DatabaseMetaData meta = conn.getMetaData();
        List<String> tables = new ArrayList<>();
        try (ResultSet rs = meta.getTables(null, "public", "%", new String[] {"TABLE"})) {
            while (rs.next()) {
                equal(rs.getString("TABLE_TYPE"), "TABLE", "table type");
                tables.add(rs.getString("TABLE_NAME"));
            }
        }
        check(tables.containsAll(List.of("customers", "orders", "typed")), "getTables: " + tables);
        List<String> columns = new ArrayList<>();
        try (ResultSet rs = meta.getColumns(null, "public", "customers", "%")) {
            while (rs.next()) {
                columns.add(rs.getString("COLUMN_NAME") + ":" + rs.getString("TYPE_NAME") + ":" + rs.getInt("NULLABLE")
                        + ":" + rs.getInt("ORDINAL_POSITION"));
            }
        }
        equal(columns, List.of("id:int4:0:1", "name:varchar:0:2", "credit:numeric:1:3"), "getColumns");
        // pgjdbc's query reads (information_schema._pg_expandarray(i.indkey)).n and a record
        // column of a subquery, (result.KEYS).x.
        List<String> keys = new ArrayList<>();
        try (ResultSet rs = meta.getPrimaryKeys(null, "public", "orders")) {
            while (rs.next()) {
                keys.add(rs.getString("COLUMN_NAME") + ":" + rs.getInt("KEY_SEQ") + ":" + rs.getString("PK_NAME"));
            }
        }
        equal(keys, List.of("customer_id:1:orders_pkey", "line:2:orders_pkey"), "getPrimaryKeys");
        System.out.println("metadata: getTables, getColumns, getPrimaryKeys");
    }
}
