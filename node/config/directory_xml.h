#pragma once
// FreeSWITCH directory XML (conf/directory/*.xml) read into plain structs for
// `sipedge directory import`. Nothing here knows about PostgreSQL: the
// command turns these into store rows.
//
// Accepted layouts (as mod_sofia finds users, switch_xml_locate_user):
//   <include><domain name="..."> ... </domain></include>          (directory/default.xml)
//   <document><section name="directory"><domain ...> ...           (a whole document)
// and inside a <domain>:
//   <users><user id/>...</users>, <user id/> directly, or
//   <groups><group name><users><user id/>...</users></group></groups>.
// <params> and <variables> may sit on the domain, a group and the user; the
// user inherits the domain's, then the group's, and its own override them
// (mod_sofia reads domain, group, then user params/variables in that order).
// Params used: `password` and `a1-hash` (names compare without case); other
// params (vm-password, dial-string, ...) are not imported. Users with
// type="pointer" (group members defined elsewhere) are skipped;
// number-alias and cacheable are not imported.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "node/config/node_config.h"
#include "node/config/xml_element.h"

namespace sipedge {

struct DirectoryXmlUser {
  std::string domain;    // lower-cased: FreeSWITCH matches domains without case
  std::string user_id;   // as written (case-sensitive)
  std::string password;  // "" when none
  std::string a1_hash;   // lower-case hex md5, "" when none
  std::vector<std::pair<std::string, std::string>> variables;  // inherited first, in document order
  SourceLocation where;  // the <user> element
};

// Users of one pre-processed document (XmlPreprocessor::load_file's root).
// Throws ConfigError naming file:line for: a domain without a name, a user
// without an id, a user with neither password nor a1-hash, a malformed
// a1-hash, a <user> outside any <domain>. Ignored elements are reported in
// `warnings` ("file:line: message").
std::vector<DirectoryXmlUser> read_directory_users(const XmlElement& root, std::vector<std::string>& warnings);

// Every *.xml file under `path` (recursively, sorted bytewise; `path` may also
// be a single file), pre-processed with `vars` as the global variables
// (normally the conf dir's, so $${domain} and $${default_password} from
// vars.xml apply). A relative X-PRE-PROCESS include is resolved against the
// directory of the file being read, as switch_xml.c does (so
// directory/default.xml's "default/*.xml" finds directory/default/*.xml).
// Files that another file of the set includes are not read again on their
// own. The same user@domain defined twice is an error naming both places.
// Throws ConfigError (file:line) for anything read_directory_users refuses,
// malformed XML, and a path that is missing or holds no *.xml file.
std::vector<DirectoryXmlUser> load_directory_users(const std::string& path,
                                                   const std::map<std::string, std::string>& vars,
                                                   std::vector<std::string>& warnings);

}  // namespace sipedge
