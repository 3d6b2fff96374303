// The user directory against a real PostgreSQL: `sipedge directory
// add|del|list|import` (run_directory_command in-process, and the sipedge
// binary), and DirectoryStore::find / find_in through a Database worker.
//
// Each test owns a fresh database (TestDatabase), so `sipedge directory`
// also proves it migrates an empty database itself.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "node/app/directory_command.h"
#include "store/database.h"
#include "store/directory_store.h"
#include "tests/support/child_process.h"
#include "tests/support/free_port.h"
#include "tests/support/node_process.h"
#include "tests/support/test_database.h"
#include "tests/support/test_env.h"

namespace sipedge {
namespace {

using namespace std::chrono_literals;
using Variables = std::vector<std::pair<std::string, std::string>>;

constexpr auto kWait = 15s;

std::string migrations_dir() { return std::string(SIPEDGE_SOURCE_DIR) + "/migrations"; }

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

struct CommandResult {
  int code = -1;
  std::string out;
  std::string err;
};

std::ostream& operator<<(std::ostream& os, const CommandResult& r) {
  return os << "exit " << r.code << "\nstdout:\n" << r.out << "stderr:\n" << r.err;
}

// conf/directory/default.xml of a stock FreeSWITCH, trimmed.
constexpr const char* kDefaultXml = R"(<include>
  <domain name="$${domain}">
    <params>
      <param name="dial-string" value="{presence_id=${dialed_user}@${dialed_domain}}${sofia_contact(*/${dialed_user}@${dialed_domain})}"/>
    </params>
    <variables>
      <variable name="record_stereo" value="true"/>
      <variable name="transfer_fallback_extension" value="operator"/>
    </variables>
    <groups>
      <group name="default">
        <users>
          <X-PRE-PROCESS cmd="include" data="default/*.xml"/>
        </users>
      </group>
      <group name="sales">
        <users>
          <user id="1000" type="pointer"/>
        </users>
      </group>
    </groups>
  </domain>
</include>
)";

std::string user_xml(const std::string& id) {
  return R"(<include>
  <user id=")" + id + R"(">
    <params>
      <param name="password" value="$${default_password}"/>
      <param name="vm-password" value=")" + id + R"("/>
    </params>
    <variables>
      <variable name="accountcode" value=")" + id + R"("/>
      <variable name="user_context" value="default"/>
    </variables>
  </user>
</include>
)";
}

class DirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    try {
      database_ = std::make_unique<test::TestDatabase>(std::string("dir_") + info->name());
    } catch (const std::exception& e) {
      FAIL() << "cannot create the test database: " << e.what();
    }
    test::NodeOptions options;
    options.db_dsn = database_->dsn();
    // As a stock vars.xml: the directory files use both.
    options.vars_xml =
        "  <X-PRE-PROCESS cmd=\"set\" data=\"domain=PBX.Example.COM\"/>\n"
        "  <X-PRE-PROCESS cmd=\"set\" data=\"default_password=1234\"/>\n";
    options.files["directory/default.xml"] = kDefaultXml;
    options.files["directory/default/1000.xml"] = user_xml("1000");
    options.files["directory/default/1001.xml"] = user_xml("1001");
    options.files["directory/other.xml"] = R"(<include>
  <domain name="other.example">
    <users>
      <user id="alice">
        <params><param name="a1-hash" value="C6440E5DE50B403206989679159DE89A"/></params>
      </user>
    </users>
  </domain>
</include>
)";
    conf_ = std::make_unique<test::NodeProcess>(std::move(options));  // writes the conf dir only
  }

  const std::string& dsn() const { return database_->dsn(); }
  const std::string& conf_dir() const { return conf_->conf_dir(); }

  CommandResult directory(const std::vector<std::string>& args, const std::string& dsn_override = "") {
    std::ostringstream out;
    std::ostringstream err;
    CommandResult result;
    result.code = run_directory_command(args, dsn_override.empty() ? dsn() : dsn_override, migrations_dir(),
                                        conf_dir(), out, err);
    result.out = out.str();
    result.err = err.str();
    return result;
  }

  void exec_sql(const std::string& sql) {
    pqxx::connection conn(dsn());
    pqxx::work txn(conn);
    txn.exec(sql);
    txn.commit();
  }

  bool table_exists(const std::string& table) {
    pqxx::connection conn(dsn());
    pqxx::read_transaction txn(conn);
    return !txn.exec_params1("select to_regclass($1)", table)[0].is_null();
  }

  std::unique_ptr<test::TestDatabase> database_;
  std::unique_ptr<test::NodeProcess> conf_;
};

TEST_F(DirectoryTest, AddListDelOnAFreshDatabase) {
  CommandResult r = directory({"add", "1000@Example.COM", "--password", "secret", "--var", "accountcode=1000",
                               "--var", "user_context=default"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, "saved 1000@example.com\n");
  EXPECT_TRUE(contains(r.err, "applied migration 0002_directory.sql")) << r;

  r = directory({"add", "Bob@example.com", "--a1-hash", "C6440E5DE50B403206989679159DE89A", "--disabled"});
  ASSERT_EQ(r.code, 0) << r;
  r = directory({"add", "1000@example.net", "--password", "x", "--a1-hash", "c6440e5de50b403206989679159de89a"});
  ASSERT_EQ(r.code, 0) << r;

  r = directory({"list"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out,
            "1000@example.com enabled password vars: accountcode=1000,user_context=default\n"
            "Bob@example.com disabled a1-hash vars: -\n"
            "1000@example.net enabled password+a1-hash vars: -\n");
  EXPECT_EQ(r.err, "") << "migrations are applied once";

  r = directory({"list", "EXAMPLE.net"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, "1000@example.net enabled password+a1-hash vars: -\n");

  // add replaces the user whole, variables included.
  r = directory({"add", "1000@example.com", "--password", "new", "--var", "b=2", "--var", "a=1", "--var", "B=3"});
  ASSERT_EQ(r.code, 0) << r;
  r = directory({"list", "example.com"});
  EXPECT_EQ(r.out,
            "1000@example.com enabled password vars: b=3,a=1\n"
            "Bob@example.com disabled a1-hash vars: -\n");

  r = directory({"del", "1000@EXAMPLE.com"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, "deleted 1000@example.com\n");
  r = directory({"del", "1000@example.com"});
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_TRUE(contains(r.err, "no such user 1000@example.com")) << r;
  r = directory({"del", "bob@example.com"});
  EXPECT_EQ(r.code, 1) << "user ids are case-sensitive\n" << r;

  r = directory({"list"});
  EXPECT_EQ(r.out,
            "Bob@example.com disabled a1-hash vars: -\n"
            "1000@example.net enabled password+a1-hash vars: -\n");
}

TEST_F(DirectoryTest, UsageErrorsExit2BeforeTouchingTheDatabase) {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"frobnicate"},
      {"add", "1000", "--password", "x"},
      {"add", "1000@", "--password", "x"},
      {"add", "@example.com", "--password", "x"},
      {"add", "a b@example.com", "--password", "x"},
      {"add", "1000@example.com"},
      {"add", "1000@example.com", "--password"},
      {"add", "1000@example.com", "--a1-hash", "xyz"},
      {"add", "1000@example.com", "--password", "x", "--var", "novalue"},
      {"add", "1000@example.com", "--password", "x", "--bogus"},
      {"add", "1000@example.com", "2000@example.com", "--password", "x"},
      {"del"},
      {"del", "nodomain"},
      {"list", "a", "b"},
      {"import"},
  };
  for (const auto& args : bad) {
    CommandResult r = directory(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.code, 2) << joined << "\n" << r;
    EXPECT_TRUE(contains(r.err, "usage: sipedge directory")) << joined << "\n" << r;
    EXPECT_EQ(r.out, "") << joined;
  }
  EXPECT_FALSE(table_exists("directory_users")) << "a usage error must not migrate or write";
}

TEST_F(DirectoryTest, ImportsAFreeswitchDirectoryWithVarsFromTheConfDir) {
  CommandResult r = directory({"import", conf_dir() + "/directory"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, "imported 3 users (domains: other.example, pbx.example.com)\n");

  r = directory({"list"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out,
            "alice@other.example enabled a1-hash vars: -\n"
            "1000@pbx.example.com enabled password vars: record_stereo=true,transfer_fallback_extension=operator,"
            "accountcode=1000,user_context=default\n"
            "1001@pbx.example.com enabled password vars: record_stereo=true,transfer_fallback_extension=operator,"
            "accountcode=1001,user_context=default\n");

  // $${default_password} came from the conf dir's vars.xml.
  pqxx::connection conn(dsn());
  pqxx::read_transaction txn(conn);
  EXPECT_EQ(txn.exec1("select password from directory_users where user_id = '1001'")[0].as<std::string>(), "1234");
  EXPECT_EQ(txn.exec1("select a1_hash from directory_users where user_id = 'alice'")[0].as<std::string>(),
            "c6440e5de50b403206989679159de89a");
}

TEST_F(DirectoryTest, ImportErrorNamesFileAndLineAndWritesNothing) {
  test::write_file(conf_dir() + "/directory/default/1002.xml",
                   "<include>\n  <user id=\"1002\">\n    <params/>\n  </user>\n</include>\n");
  CommandResult r = directory({"import", conf_dir() + "/directory"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_TRUE(contains(r.err, conf_dir() + "/directory/default/1002.xml:2: user 1002@pbx.example.com has neither"))
      << r;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(table_exists("directory_users"));

  r = directory({"import", conf_dir() + "/no-such-dir"});
  EXPECT_EQ(r.code, 2) << r;
  EXPECT_TRUE(contains(r.err, "no such file or directory")) << r;
}

TEST_F(DirectoryTest, ImportIsOneTransaction) {
  ASSERT_EQ(directory({"add", "keep@pbx.example.com", "--password", "k"}).code, 0);
  // Make the database refuse one row in the middle of the import.
  exec_sql(R"sql(
create function refuse_1001() returns trigger language plpgsql as $$
begin
  if new.user_id = '1001' then raise exception 'refusing 1001'; end if;
  return new;
end $$;
create trigger refuse_1001 before insert on directory_users for each row execute function refuse_1001();
)sql");
  CommandResult r = directory({"import", conf_dir() + "/directory"});
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_TRUE(contains(r.err, "refusing 1001")) << r;
  r = directory({"list"});
  EXPECT_EQ(r.out, "keep@pbx.example.com enabled password vars: -\n") << "nothing of the import may remain";
}

TEST_F(DirectoryTest, UnreachableDatabaseExits1) {
  const std::string nowhere = "host=127.0.0.1 port=" + std::to_string(test::free_port(false)) + " dbname=x user=x";
  CommandResult r = directory({"list"}, nowhere);
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_TRUE(contains(r.err, "cannot connect to the database")) << r;
}

// Runs fn on the worker and waits for the value it produces.
template <typename T>
T on_worker(Database& db, std::function<T(pqxx::connection&)> fn) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  db.submit([fn = std::move(fn), promise](pqxx::connection& conn) { promise->set_value(fn(conn)); },
            [promise](const std::string& error) {
              promise->set_exception(std::make_exception_ptr(std::runtime_error(error)));
            });
  if (future.wait_for(kWait) != std::future_status::ready) throw std::runtime_error("timed out");
  return future.get();
}

std::optional<DirectoryUser> find(DirectoryStore& store, const std::string& domain, const std::string& user_id) {
  auto promise = std::make_shared<std::promise<std::optional<DirectoryUser>>>();
  auto future = promise->get_future();
  store.find(
      domain, user_id, [promise](std::optional<DirectoryUser> user) { promise->set_value(std::move(user)); },
      [promise](const std::string& error) {
        promise->set_exception(std::make_exception_ptr(std::runtime_error(error)));
      });
  if (future.wait_for(kWait) != std::future_status::ready) throw std::runtime_error("timed out");
  return future.get();
}

TEST_F(DirectoryTest, StoreFindsUsersThroughTheDatabaseWorker) {
  // Values that a naive array/JSON encoding would break.
  ASSERT_EQ(directory({"add", "1000@example.com", "--password", "p\"w\\d", "--var", "zeta=1", "--var",
                       "alpha=a,b", "--var", "quote=say \"hi\" \\o/", "--var", "braces={x,y}", "--var", "null=NULL",
                       "--var", "empty="})
                .code,
            0);
  ASSERT_EQ(directory({"add", "off@example.com", "--a1-hash", "c6440e5de50b403206989679159de89a", "--disabled"}).code,
            0);

  Database db(dsn(), "directory-test");
  DirectoryStore store(db);
  db.start();
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!db.status().connected && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(db.status().connected) << db.status().last_error;

  std::optional<DirectoryUser> user = find(store, "EXAMPLE.com", "1000");
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->domain, "example.com");
  EXPECT_EQ(user->user_id, "1000");
  EXPECT_EQ(user->password, "p\"w\\d");
  EXPECT_EQ(user->a1_hash, "");
  EXPECT_TRUE(user->enabled);
  const Variables expected = {{"zeta", "1"},       {"alpha", "a,b"}, {"quote", "say \"hi\" \\o/"},
                              {"braces", "{x,y}"}, {"null", "NULL"}, {"empty", ""}};
  EXPECT_EQ(user->variables, expected);

  std::optional<DirectoryUser> off = find(store, "example.com", "off");
  ASSERT_TRUE(off.has_value()) << "disabled users are returned";
  EXPECT_FALSE(off->enabled);
  EXPECT_EQ(off->a1_hash, "c6440e5de50b403206989679159de89a");
  EXPECT_EQ(off->password, "");

  EXPECT_FALSE(find(store, "example.com", "OFF").has_value()) << "user ids are case-sensitive";
  EXPECT_FALSE(find(store, "example.org", "1000").has_value());

  // find_in inside a job that runs its own transaction (as the registration batcher does).
  std::string seen = on_worker<std::string>(db, [](pqxx::connection& conn) {
    pqxx::work txn(conn);
    auto found = DirectoryStore::find_in(txn, "Example.Com", "off");
    auto missing = DirectoryStore::find_in(txn, "example.com", "nobody");
    txn.commit();
    return (found ? found->user_id + (found->enabled ? " on" : " off") : "none") + (missing ? " +?" : " +none");
  });
  EXPECT_EQ(seen, "off off +none");
  db.stop();
}

// Every byte that an array literal or libpqxx 6.4's array_parser treats
// specially (';' included: array_parser splits unquoted elements at it),
// newlines and multi-byte UTF-8, in names and values, through every read:
// DirectoryAdmin::list, DirectoryStore::find, find_in and find_many_in.
TEST_F(DirectoryTest, VariablesWithSeparatorsAndUtf8RoundTrip) {
  const Variables variables = {
      {"sip_route", "<sip:p1.example.com;lr>;q=0.5"},
      {"semicolon", ";"},
      {"all", "a;b,c\"d{e}f\\g\nh \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\x9e"},
      {"name;with,{odd}\"chars\\", "v"},
      {"\xc3\xbcml\xc3\xa4ut", "multi\nline\n"},
      {"colon_digits", "12:34:"},
      {"null", "NULL"},
      {"empty", ""},
      {"spaces", "  padded  "},
  };
  DirectoryUser user;
  user.domain = "Example.COM";
  user.user_id = "1000";
  user.password = "p;w\"d";
  user.variables = variables;
  DirectoryUser other;
  other.domain = "example.com";
  other.user_id = "1001";
  other.password = "x";
  other.variables = {{"semi", "x;y"}};
  {
    pqxx::connection conn(dsn());
    // The directory subcommand migrates the fresh database; list is read-only.
    ASSERT_EQ(directory({"list"}).code, 0);
    DirectoryAdmin admin(conn);
    admin.upsert(user);
    admin.upsert(other);
    const std::vector<DirectoryUser> listed = admin.list("example.com");
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed[0].user_id, "1000");
    EXPECT_EQ(listed[0].password, "p;w\"d");
    EXPECT_EQ(listed[0].variables, variables);
    EXPECT_EQ(listed[1].variables, other.variables);
  }

  Database db(dsn(), "directory-test");
  DirectoryStore store(db);
  db.start();
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!db.status().connected && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(db.status().connected) << db.status().last_error;

  std::optional<DirectoryUser> found = find(store, "example.com", "1000");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->variables, variables);

  const auto many = on_worker<std::vector<Variables>>(db, [](pqxx::connection& conn) {
    pqxx::work txn(conn);
    auto one = DirectoryStore::find_in(txn, "example.com", "1001");
    auto both = DirectoryStore::find_many_in(txn, {{"EXAMPLE.com", "1000"}, {"example.com", "1001"}});
    txn.commit();
    std::vector<Variables> out;
    out.push_back(one ? one->variables : Variables{{"missing", ""}});
    for (const auto& [key, u] : both) out.push_back(u.variables);
    return out;
  });
  ASSERT_EQ(many.size(), 3u);
  EXPECT_EQ(many[0], other.variables);
  EXPECT_EQ(many[1], variables) << "find_many_in, EXAMPLE.com/1000";
  EXPECT_EQ(many[2], other.variables) << "find_many_in, example.com/1001";
  db.stop();
}

// A jsonb null, number or missing entry in a stored pair reads back as text,
// "" for null/missing, as before (the table is also written by hand).
TEST_F(DirectoryTest, VariablesStoredByHandReadBack) {
  ASSERT_EQ(directory({"add", "1000@example.com", "--password", "x"}).code, 0);
  exec_sql(R"sql(update directory_users set variables = '[["n", null], ["num", 42], ["only"], ["s", "a;b"]]'::jsonb)sql");
  pqxx::connection conn(dsn());
  DirectoryAdmin admin(conn);
  const std::vector<DirectoryUser> listed = admin.list();
  ASSERT_EQ(listed.size(), 1u);
  const Variables expected = {{"n", ""}, {"num", "42"}, {"only", ""}, {"s", "a;b"}};
  EXPECT_EQ(listed[0].variables, expected);
}

// The netstring lengths count the bytes the client receives: with a client
// encoding other than the database's (UTF8 here), PostgreSQL converts every
// value and the UTF-8 octet counts would be wrong.
TEST_F(DirectoryTest, VariablesReadBackInTheClientEncoding) {
  ASSERT_EQ(directory({"add", "1000@example.com", "--password", "x", "--var", "v=\xc3\xa9t\xc3\xa9;\xc3\xbc",
                       "--var", "\xc3\xa4=1"})
                .code,
            0);
  pqxx::connection conn(dsn());
  conn.set_client_encoding("LATIN1");
  DirectoryAdmin admin(conn);
  const std::vector<DirectoryUser> listed = admin.list();
  ASSERT_EQ(listed.size(), 1u);
  const Variables expected = {{"v", "\xe9t\xe9;\xfc"}, {"\xe4", "1"}};
  EXPECT_EQ(listed[0].variables, expected);
}

TEST_F(DirectoryTest, StoreFindFailsWithAnErrorWhenTheDatabaseIsDown) {
  const std::string nowhere = "host=127.0.0.1 port=" + std::to_string(test::free_port(false)) + " dbname=x user=x";
  Database db(nowhere, "directory-down");
  DirectoryStore store(db);
  db.start();
  try {
    find(store, "example.com", "1000");
    ADD_FAILURE() << "find succeeded without a database";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), "database unavailable")) << e.what();
  }
  db.stop();
}

// The sipedge binary: `sipedge directory ... --conf DIR` (DSN from switch.conf.xml).
test::RunResult sipedge(const std::vector<std::string>& args, const std::string& conf_dir) {
  test::ChildOptions o;
  o.argv = {test::bin_dir() + "/sipedge", "directory"};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.argv.insert(o.argv.end(), {"--conf", conf_dir});
  o.unset_env = {"SIPEDGE_DB_DSN"};
  return test::run_program(o, 30s);
}

TEST_F(DirectoryTest, SipedgeBinaryRunsTheSubcommands) {
  test::RunResult r = sipedge({"add", "1000@example.com", "--password", "secret", "--var", "accountcode=1000"}, conf_dir());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "saved 1000@example.com")) << r.output;
  r = sipedge({"import", conf_dir() + "/directory"}, conf_dir());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "imported 3 users (domains: other.example, pbx.example.com)")) << r.output;
  r = sipedge({"list", "example.com"}, conf_dir());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "1000@example.com enabled password vars: accountcode=1000\n");
  r = sipedge({"del", "1000@example.com"}, conf_dir());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = sipedge({"del", "1000@example.com"}, conf_dir());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  r = sipedge({"bogus"}, conf_dir());
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

}  // namespace
}  // namespace sipedge
