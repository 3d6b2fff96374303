#include "node/config/directory_xml.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace sipedge {
namespace {

namespace fs = std::filesystem;
using Variables = std::vector<std::pair<std::string, std::string>>;

// A throw-away directory tree per test.
class TreeDir {
 public:
  TreeDir() {
    std::string pattern = (fs::temp_directory_path() / "sipedge-directory-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TreeDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TreeDir(const TreeDir&) = delete;
  TreeDir& operator=(const TreeDir&) = delete;

  // The path as errors print it.
  std::string file(const std::string& relative) const { return (fs::path(path_) / relative).lexically_normal().string(); }
  void write(const std::string& relative, const std::string& text) const {
    fs::path target = fs::path(path_) / relative;
    fs::create_directories(target.parent_path());
    std::ofstream(target, std::ios::binary) << text;
  }

 private:
  std::string path_;
};

// What conf/vars.xml defines in a stock FreeSWITCH (domain=$${local_ip_v4}).
const std::map<std::string, std::string> kConfVars = {{"domain", "PBX.Example.com"}, {"default_password", "1234"}};

// conf/directory/default.xml as shipped by FreeSWITCH, trimmed.
constexpr const char* kDefaultXml = R"(<include>
  <!--the domain or ip (the right hand side of the @ in the addr-->
  <domain name="$${domain}">
    <params>
      <param name="dial-string" value="{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}${sofia_contact(*/${dialed_user}@${dialed_domain})}"/>
      <param name="jsonrpc-allowed-methods" value="verto"/>
    </params>

    <variables>
      <variable name="record_stereo" value="true"/>
      <variable name="default_gateway" value="$${default_provider}"/>
      <variable name="default_areacode" value="$${default_areacode}"/>
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
          <user id="1001" type="pointer"/>
        </users>
      </group>
    </groups>
  </domain>
</include>
)";

// conf/directory/default/1000.xml as shipped.
constexpr const char* kUser1000 = R"(<include>
  <user id="1000">
    <params>
      <param name="password" value="$${default_password}"/>
      <param name="vm-password" value="1000"/>
    </params>
    <variables>
      <variable name="toll_allow" value="domestic,international,local"/>
      <variable name="accountcode" value="1000"/>
      <variable name="user_context" value="default"/>
      <variable name="effective_caller_id_name" value="Extension 1000"/>
      <variable name="effective_caller_id_number" value="1000"/>
      <variable name="record_stereo" value="false"/>
    </variables>
  </user>
</include>
)";

constexpr const char* kUserBrian = R"(<include>
  <user id="Brian" number-alias="1001" cacheable="60000">
    <params>
      <param name="A1-Hash" value="C6440E5DE50B403206989679159DE89A"/>
    </params>
    <variables>
      <variable name="user_context" value="default"/>
    </variables>
  </user>
</include>
)";

std::vector<DirectoryXmlUser> load(const TreeDir& dir, const std::string& relative,
                                   std::vector<std::string>& warnings,
                                   const std::map<std::string, std::string>& vars = kConfVars) {
  return load_directory_users(dir.file(relative), vars, warnings);
}

// Runs fn, expecting a ConfigError whose message starts with `where` and contains `text`.
template <typename Fn>
void expect_error(Fn fn, const std::string& where, const std::string& text) {
  try {
    fn();
    ADD_FAILURE() << "expected a ConfigError at " << where << " containing \"" << text << "\"";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(where + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(text), std::string::npos) << message;
  }
}

TEST(DirectoryXml, VanillaFreeswitchLayoutWithGroupsIncludesAndVars) {
  TreeDir dir;
  dir.write("directory/default.xml", kDefaultXml);
  dir.write("directory/default/1000.xml", kUser1000);
  dir.write("directory/default/brian.xml", kUserBrian);
  std::vector<std::string> warnings;
  auto users = load(dir, "directory", warnings);

  // The files under default/ come in through default.xml's include only;
  // the sales group's pointers add nobody.
  ASSERT_EQ(users.size(), 2u);
  const DirectoryXmlUser& u1000 = users[0];
  EXPECT_EQ(u1000.domain, "pbx.example.com");
  EXPECT_EQ(u1000.user_id, "1000");
  EXPECT_EQ(u1000.password, "1234");
  EXPECT_EQ(u1000.a1_hash, "");
  EXPECT_EQ(u1000.where.file, dir.file("directory/default/1000.xml"));
  EXPECT_EQ(u1000.where.line, 2);
  // Domain variables first (the user's record_stereo overrides in place),
  // then the user's own, in document order.
  const Variables expected = {
      {"record_stereo", "false"},
      {"default_gateway", ""},
      {"default_areacode", ""},
      {"transfer_fallback_extension", "operator"},
      {"toll_allow", "domestic,international,local"},
      {"accountcode", "1000"},
      {"user_context", "default"},
      {"effective_caller_id_name", "Extension 1000"},
      {"effective_caller_id_number", "1000"},
  };
  EXPECT_EQ(u1000.variables, expected);

  const DirectoryXmlUser& brian = users[1];
  EXPECT_EQ(brian.user_id, "Brian") << "user ids keep their case";
  EXPECT_EQ(brian.domain, "pbx.example.com");
  EXPECT_EQ(brian.password, "");
  EXPECT_EQ(brian.a1_hash, "c6440e5de50b403206989679159de89a");
  ASSERT_EQ(brian.variables.size(), 5u);
  EXPECT_EQ(brian.variables[0], (std::pair<std::string, std::string>{"record_stereo", "true"}));
  EXPECT_EQ(brian.variables[4], (std::pair<std::string, std::string>{"user_context", "default"}));

  // $${default_provider} and $${default_areacode} are not in the vars given.
  bool warned = false;
  for (const auto& warning : warnings) {
    if (warning.find("$${default_provider}") != std::string::npos) warned = true;
  }
  EXPECT_TRUE(warned);
}

TEST(DirectoryXml, MissingPasswordNamesTheIncludedFileAndLine) {
  TreeDir dir;
  dir.write("directory/default.xml", kDefaultXml);
  dir.write("directory/default/1000.xml", kUser1000);
  dir.write("directory/default/1002.xml", R"(<include>

  <user id="1002">
    <params>
      <param name="vm-password" value="1002"/>
      <param name="password" value=""/>
    </params>
  </user>
</include>
)");
  std::vector<std::string> warnings;
  expect_error([&] { load(dir, "directory", warnings); }, dir.file("directory/default/1002.xml") + ":3",
               "user 1002@pbx.example.com has neither a password nor an a1-hash param");
}

TEST(DirectoryXml, DomainParamsAndVariablesAreInheritedAndUserOnesWin) {
  TreeDir dir;
  dir.write("d.xml", R"(<include>
  <domain name="Example.COM">
    <params><param name="password" value="domain-secret"/></params>
    <variables>
      <variable name="user_context" value="public"/>
      <variable name="callgroup" value="all"/>
    </variables>
    <users>
      <user id="alice"/>
      <user id="bob">
        <params><param name="Password" value="bob-secret"/></params>
        <variables><variable name="USER_CONTEXT" value="default"/></variables>
      </user>
    </users>
    <user id="carol">
      <params><param name="a1-hash" value="0123456789abcdef0123456789ABCDEF"/></params>
    </user>
  </domain>
</include>
)");
  std::vector<std::string> warnings;
  auto users = load(dir, "d.xml", warnings, {});
  ASSERT_EQ(users.size(), 3u);
  EXPECT_EQ(users[0].user_id, "alice");
  EXPECT_EQ(users[0].domain, "example.com");
  EXPECT_EQ(users[0].password, "domain-secret");
  EXPECT_EQ(users[0].variables, (Variables{{"user_context", "public"}, {"callgroup", "all"}}));
  EXPECT_EQ(users[1].user_id, "bob");
  EXPECT_EQ(users[1].password, "bob-secret");
  EXPECT_EQ(users[1].variables, (Variables{{"user_context", "default"}, {"callgroup", "all"}}));
  EXPECT_EQ(users[2].user_id, "carol");
  EXPECT_EQ(users[2].password, "domain-secret");
  EXPECT_EQ(users[2].a1_hash, "0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(warnings.empty()) << warnings.front();
}

TEST(DirectoryXml, GroupParamsAndVariablesApplyToTheGroupsUsers) {
  TreeDir dir;
  dir.write("d.xml", R"(<include>
  <domain name="example.com">
    <groups>
      <group name="lab">
        <params><param name="password" value="lab"/></params>
        <variables><variable name="user_context" value="lab"/></variables>
        <users>
          <user id="200"/>
        </users>
      </group>
      <group name="other">
        <users>
          <user id="200" type="POINTER"/>
          <user id="300"><params><param name="password" value="p"/></params></user>
        </users>
      </group>
    </groups>
  </domain>
</include>
)");
  std::vector<std::string> warnings;
  auto users = load(dir, "d.xml", warnings, {});
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].user_id, "200");
  EXPECT_EQ(users[0].password, "lab");
  EXPECT_EQ(users[0].variables, (Variables{{"user_context", "lab"}}));
  EXPECT_EQ(users[1].user_id, "300");
  EXPECT_TRUE(users[1].variables.empty()) << "another group's variables do not leak";
}

TEST(DirectoryXml, WholeDocumentWithDirectorySection) {
  TreeDir dir;
  dir.write("freeswitch.xml", R"(<?xml version="1.0"?>
<document type="freeswitch/xml">
  <section name="configuration">
    <configuration name="switch.conf"/>
  </section>
  <section name="directory">
    <domain name="a.example">
      <users><user id="1"><params><param name="password" value="x"/></params></user></users>
    </domain>
    <domain name="b.example">
      <user id="2"><params><param name="password" value="y"/></params></user>
    </domain>
  </section>
</document>
)");
  std::vector<std::string> warnings;
  auto users = load(dir, "freeswitch.xml", warnings, {});
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].domain, "a.example");
  EXPECT_EQ(users[1].domain, "b.example");
  EXPECT_EQ(users[1].user_id, "2");
}

TEST(DirectoryXml, VariablesSetByAnEarlierFileApplyToLaterOnes) {
  TreeDir dir;
  dir.write("dir/00-vars.xml", R"(<include>
  <X-PRE-PROCESS cmd="set" data="default_password=from-file"/>
</include>
)");
  dir.write("dir/10-domain.xml", R"(<include>
  <domain name="$${domain}">
    <users><user id="1"><params><param name="password" value="$${default_password}"/></params></user></users>
  </domain>
</include>
)");
  std::vector<std::string> warnings;
  auto users = load(dir, "dir", warnings);
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0].password, "from-file");
  EXPECT_EQ(users[0].domain, "pbx.example.com");
}

TEST(DirectoryXml, UndefinedDomainVariableIsAnError) {
  TreeDir dir;
  dir.write("d.xml", "<include>\n  <domain name=\"$${domain}\">\n  </domain>\n</include>\n");
  std::vector<std::string> warnings;
  expect_error([&] { load(dir, "d.xml", warnings, {}); }, dir.file("d.xml") + ":2", "<domain> without a name");
}

TEST(DirectoryXml, BadA1HashNamesTheParam) {
  TreeDir dir;
  dir.write("d.xml", R"(<include>
  <domain name="example.com">
    <user id="1">
      <params>
        <param name="a1-hash" value="not-a-hash"/>
      </params>
    </user>
  </domain>
</include>
)");
  std::vector<std::string> warnings;
  expect_error([&] { load(dir, "d.xml", warnings, {}); }, dir.file("d.xml") + ":5", "a1-hash must be 32 hexadecimal");
}

TEST(DirectoryXml, UserWithoutIdIsAnError) {
  TreeDir dir;
  dir.write("d.xml", "<include>\n<domain name=\"x\">\n<users>\n<user>\n</user></users></domain></include>\n");
  std::vector<std::string> warnings;
  expect_error([&] { load(dir, "d.xml", warnings, {}); }, dir.file("d.xml") + ":4", "<user> without an id");
}

TEST(DirectoryXml, SameUserTwiceNamesBothPlaces) {
  TreeDir dir;
  dir.write("d/a.xml", R"(<include><domain name="example.com">
  <user id="1"><params><param name="password" value="x"/></params></user>
</domain></include>
)");
  dir.write("d/b.xml", R"(<include><domain name="EXAMPLE.com">

  <user id="1"><params><param name="password" value="y"/></params></user>
</domain></include>
)");
  std::vector<std::string> warnings;
  expect_error([&] { load(dir, "d", warnings, {}); }, dir.file("d/b.xml") + ":3",
               "user 1@example.com is already defined at " + dir.file("d/a.xml") + ":2");
}

TEST(DirectoryXml, UserOutsideADomainIsAnError) {
  TreeDir dir;
  dir.write("d/1000.xml", kUser1000);
  std::vector<std::string> warnings;
  expect_error([&] { load(dir, "d", warnings); }, dir.file("d/1000.xml") + ":2", "<user> outside a <domain>");
}

TEST(DirectoryXml, MalformedXmlNamesFileAndLine) {
  TreeDir dir;
  dir.write("d.xml", "<include>\n<domain name=\"x\">\n<users>\n</domain>\n</include>\n");
  std::vector<std::string> warnings;
  expect_error([&] { load(dir, "d.xml", warnings, {}); }, dir.file("d.xml") + ":4", "malformed XML");
}

TEST(DirectoryXml, MissingPathAndEmptyDirectoryAreErrors) {
  TreeDir dir;
  dir.write("empty/readme.txt", "not xml");
  std::vector<std::string> warnings;
  expect_error([&] { load(dir, "nope", warnings); }, dir.file("nope"), "no such file or directory");
  expect_error([&] { load(dir, "empty", warnings); }, dir.file("empty"), "no *.xml files");
}

TEST(DirectoryXml, ReadsAPreprocessedElementTree) {
  // read_directory_users works on any XmlElement tree (not only files).
  XmlElement root;
  XmlElement domain;
  domain.name = "domain";
  domain.attributes = {{"name", "Example.org"}};
  domain.where = SourceLocation{"mem.xml", 1};
  XmlElement user;
  user.name = "user";
  user.attributes = {{"id", "7"}};
  XmlElement params;
  params.name = "params";
  XmlElement param;
  param.name = "param";
  param.attributes = {{"name", "password"}, {"value", "s"}};
  params.children.push_back(param);
  user.children.push_back(params);
  domain.children.push_back(user);
  root.children.push_back(domain);
  std::vector<std::string> warnings;
  auto users = read_directory_users(root, warnings);
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0].domain, "example.org");
  EXPECT_EQ(users[0].user_id, "7");
  EXPECT_EQ(users[0].password, "s");
}

}  // namespace
}  // namespace sipedge
