#include "node/config/directory_xml.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "node/common/ascii_case.h"
#include "node/config/xml_preprocessor.h"

namespace sipedge {

namespace fs = std::filesystem;

namespace {

using Variables = std::vector<std::pair<std::string, std::string>>;

struct Credentials {
  std::string password;
  std::string a1_hash;
};

// What a user inherits from its domain and group.
struct Scope {
  std::string domain;
  Credentials credentials;
  Variables variables;
};

bool has_space_or_at(const std::string& text) {
  return std::any_of(text.begin(), text.end(),
                     [](unsigned char c) { return c == '@' || std::isspace(c) || std::iscntrl(c); });
}

bool is_hex_md5(const std::string& text) {
  return text.size() == 32 &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

std::string tag(const XmlElement& element) { return "<" + element.name + ">"; }

class DirectoryReader {
 public:
  explicit DirectoryReader(std::vector<std::string>& warnings) : warnings_(warnings) {}

  void read_top(const XmlElement& element) {
    if (element.name == "document") {
      for (const XmlElement& child : element.children) {
        if (child.name == "section") read_section(child);
      }
    } else if (element.name == "section") {
      read_section(element);
    } else if (element.name == "domain") {
      read_domain(element);
    } else if (element.name == "user" || element.name == "users" || element.name == "groups" ||
               element.name == "group") {
      throw ConfigError(element.where, tag(element) + " outside a <domain>");
    } else {
      warn(element.where, "ignored " + tag(element) + " (expected <domain>, <section> or <document>)");
    }
  }

  std::vector<DirectoryXmlUser> take_users() { return std::move(users_); }

 private:
  void warn(const SourceLocation& where, const std::string& message) {
    warnings_.push_back(where.str() + ": " + message);
  }

  void read_section(const XmlElement& section) {
    // A whole freeswitch.xml-style document also holds other sections
    // (configuration, dialplan): only the directory matters here.
    if (!iequals(section.attribute_or_empty("name"), "directory")) return;
    for (const XmlElement& child : section.children) {
      if (child.name == "domain") {
        read_domain(child);
      } else {
        warn(child.where, "ignored " + tag(child) + " in the directory section");
      }
    }
  }

  void read_domain(const XmlElement& domain) {
    Scope scope;
    scope.domain = to_lower(domain.attribute_or_empty("name"));
    if (scope.domain.empty()) {
      throw ConfigError(domain.where, "<domain> without a name (an undefined $${variable}?)");
    }
    if (has_space_or_at(scope.domain)) {
      throw ConfigError(domain.where, "bad domain name \"" + scope.domain + "\"");
    }
    // Params and variables apply to every user of the domain wherever they
    // are written in it, as mod_sofia reads them from the domain element.
    apply_scope(domain, scope);
    for (const XmlElement& child : domain.children) {
      if (child.name == "params" || child.name == "variables") continue;
      if (child.name == "users") {
        read_users(child, scope);
      } else if (child.name == "user") {
        read_user(child, scope);
      } else if (child.name == "groups") {
        for (const XmlElement& group : child.children) {
          if (group.name == "group") {
            read_group(group, scope);
          } else {
            warn(group.where, "ignored " + tag(group) + " in <groups>");
          }
        }
      } else {
        warn(child.where, "ignored " + tag(child) + " in <domain name=\"" + scope.domain + "\">");
      }
    }
  }

  void read_group(const XmlElement& group, const Scope& domain_scope) {
    Scope scope = domain_scope;
    apply_scope(group, scope);
    for (const XmlElement& child : group.children) {
      if (child.name == "params" || child.name == "variables") continue;
      if (child.name == "users") {
        read_users(child, scope);
      } else if (child.name == "user") {
        read_user(child, scope);
      } else {
        warn(child.where, "ignored " + tag(child) + " in <group>");
      }
    }
  }

  void read_users(const XmlElement& users, const Scope& scope) {
    for (const XmlElement& child : users.children) {
      if (child.name == "user") {
        read_user(child, scope);
      } else {
        warn(child.where, "ignored " + tag(child) + " in <users>");
      }
    }
  }

  void read_user(const XmlElement& element, const Scope& scope) {
    // A pointer only lists, in a group, a user defined elsewhere in the domain.
    if (iequals(element.attribute_or_empty("type"), "pointer")) return;
    DirectoryXmlUser user;
    user.domain = scope.domain;
    user.user_id = element.attribute_or_empty("id");
    user.where = element.where;
    if (user.user_id.empty()) {
      throw ConfigError(element.where, "<user> without an id in domain \"" + scope.domain + "\"");
    }
    if (has_space_or_at(user.user_id)) {
      throw ConfigError(element.where, "bad user id \"" + user.user_id + "\"");
    }
    Scope own = scope;
    apply_scope(element, own);
    user.password = own.credentials.password;
    user.a1_hash = own.credentials.a1_hash;
    user.variables = std::move(own.variables);
    if (user.password.empty() && user.a1_hash.empty()) {
      throw ConfigError(element.where, "user " + user.user_id + "@" + user.domain +
                                           " has neither a password nor an a1-hash param");
    }
    users_.push_back(std::move(user));
  }

  // The element's own <params> and <variables> on top of what it inherits.
  void apply_scope(const XmlElement& element, Scope& scope) {
    for (const XmlElement* params : element.children_named("params")) apply_params(*params, scope.credentials);
    for (const XmlElement* variables : element.children_named("variables")) {
      apply_variables(*variables, scope.variables);
    }
  }

  void apply_params(const XmlElement& params, Credentials& credentials) {
    for (const XmlElement* param : params.children_named("param")) {
      const std::string name = param->attribute_or_empty("name");
      const std::string value = param->attribute_or_empty("value");
      // sofia_reg.c compares param names with strcasecmp.
      if (iequals(name, "password")) {
        if (!value.empty()) credentials.password = value;
      } else if (iequals(name, "a1-hash")) {
        if (value.empty()) continue;
        if (!is_hex_md5(value)) {
          throw ConfigError(param->where, "a1-hash must be 32 hexadecimal digits (md5 of user:domain:password)");
        }
        credentials.a1_hash = to_lower(value);
      }
    }
  }

  void apply_variables(const XmlElement& variables, Variables& into) {
    for (const XmlElement* variable : variables.children_named("variable")) {
      const std::string name = variable->attribute_or_empty("name");
      if (name.empty()) {
        warn(variable->where, "ignored <variable> without a name");
        continue;
      }
      std::string value = variable->attribute_or_empty("value");
      // Channel variable names compare without case; a later definition (the
      // user's over the domain's) replaces the value in place.
      auto existing = std::find_if(into.begin(), into.end(),
                                   [&](const auto& entry) { return iequals(entry.first, name); });
      if (existing != into.end()) {
        existing->second = std::move(value);
      } else {
        into.emplace_back(name, std::move(value));
      }
    }
  }

  std::vector<std::string>& warnings_;
  std::vector<DirectoryXmlUser> users_;
};

std::string file_key(const std::string& path) {
  std::error_code error;
  fs::path canonical = fs::weakly_canonical(path, error);
  return error ? fs::path(path).lexically_normal().string() : canonical.string();
}

void collect_files(const XmlElement& element, std::set<std::string>& files) {
  if (!element.where.file.empty()) files.insert(element.where.file);
  for (const XmlElement& child : element.children) collect_files(child, files);
}

std::vector<std::string> list_xml_files(const std::string& path) {
  std::error_code error;
  const fs::path base = fs::path(path).lexically_normal();
  if (fs::is_regular_file(base, error)) return {base.string()};
  if (!fs::is_directory(base, error)) {
    throw ConfigError(SourceLocation{path, 0}, "no such file or directory");
  }
  std::vector<std::string> files;
  fs::recursive_directory_iterator it(base, error);
  if (error) throw ConfigError(SourceLocation{path, 0}, "cannot read directory: " + error.message());
  for (const fs::directory_entry& entry : it) {
    if (entry.path().extension() == ".xml" && entry.is_regular_file(error)) {
      files.push_back(entry.path().lexically_normal().string());
    }
  }
  // Bytewise, not by locale, so every machine imports in the same order.
  std::sort(files.begin(), files.end());
  if (files.empty()) throw ConfigError(SourceLocation{path, 0}, "no *.xml files");
  return files;
}

struct LoadedFile {
  std::string file;
  XmlElement root;
  std::vector<std::string> warnings;
};

}  // namespace

std::vector<DirectoryXmlUser> read_directory_users(const XmlElement& root, std::vector<std::string>& warnings) {
  DirectoryReader reader(warnings);
  if (root.name.empty()) {
    for (const XmlElement& child : root.children) reader.read_top(child);
  } else {
    reader.read_top(root);
  }
  return reader.take_users();
}

std::vector<DirectoryXmlUser> load_directory_users(const std::string& path,
                                                   const std::map<std::string, std::string>& vars,
                                                   std::vector<std::string>& warnings) {
  std::vector<LoadedFile> loaded;
  std::map<std::string, std::string> global_vars = vars;
  for (const std::string& file : list_xml_files(path)) {
    LoadedFile entry;
    entry.file = file;
    const fs::path file_path(file);
    // switch_xml.c resolves a relative include against the directory of the
    // file that holds it.
    XmlPreprocessor preprocessor(file_path.parent_path().string(), entry.warnings);
    for (const auto& [name, value] : global_vars) preprocessor.set_var(name, value);
    entry.root = preprocessor.load_file(file_path.filename().string());
    // Variables set by one file apply to the later ones, like FreeSWITCH's globals.
    global_vars = preprocessor.vars();
    loaded.push_back(std::move(entry));
  }

  // directory/default.xml includes directory/default/*.xml: those files are
  // read through the include (inside their <domain>), not once more alone.
  std::set<std::string> included;
  for (const LoadedFile& entry : loaded) {
    std::set<std::string> files;
    collect_files(entry.root, files);
    const std::string own = file_key(entry.root.where.file);
    for (const std::string& file : files) {
      if (std::string key = file_key(file); key != own) included.insert(key);
    }
  }

  std::vector<DirectoryXmlUser> users;
  std::map<std::pair<std::string, std::string>, SourceLocation> seen;
  for (LoadedFile& entry : loaded) {
    if (included.count(file_key(entry.file)) > 0) continue;
    warnings.insert(warnings.end(), entry.warnings.begin(), entry.warnings.end());
    for (DirectoryXmlUser& user : read_directory_users(entry.root, warnings)) {
      auto [previous, inserted] = seen.emplace(std::make_pair(user.domain, user.user_id), user.where);
      if (!inserted) {
        throw ConfigError(user.where, "user " + user.user_id + "@" + user.domain + " is already defined at " +
                                          previous->second.str());
      }
      users.push_back(std::move(user));
    }
  }
  return users;
}

}  // namespace sipedge
