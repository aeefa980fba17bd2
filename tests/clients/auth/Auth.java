// pgjdbc's own SCRAM-SHA-256 and md5 clients against a server that requires scram-sha-256 for
// role `app` and md5 for role `legacy` (see tests/tests/clients.rs). Exits non-zero on failure.
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;

public class Auth {
    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://" + System.getenv("DB001_HOST") + ":" + System.getenv("DB001_PORT")
            + "/postgres";
        String[][] roles = {{"app", "app-secret"}, {"legacy", "legacy-secret"}};
        for (String[] role : roles) {
            try (Connection connection = DriverManager.getConnection(url, role[0], role[1]);
                 ResultSet rows = connection.createStatement().executeQuery("SELECT current_user")) {
                rows.next();
                if (!rows.getString(1).equals(role[0])) {
                    throw new AssertionError("current_user is " + rows.getString(1));
                }
            }
            try {
                DriverManager.getConnection(url, role[0], "wrong").close();
                throw new AssertionError(role[0] + " logged in with a wrong password");
            } catch (SQLException error) {
                if (!"28P01".equals(error.getSQLState())) {
                    throw new AssertionError("SQLSTATE " + error.getSQLState() + ": " + error.getMessage());
                }
            }
        }
        System.out.println("auth-jdbc: all checks passed");
    }
}
