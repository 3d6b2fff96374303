// Reading conf/dialplan/*.xml into the Dialplan structs (mod_dialplan_xml's
// layout). Everything FreeSWITCH would only notice while routing a call (a bad
// regex, an unknown break value, an application we do not run) is refused here
// with file:line, so a node never starts with a dialplan it cannot follow.
#include <algorithm>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "node/common/ascii_case.h"
#include "node/config/xml_preprocessor.h"
#include "node/dialplan/dialplan.h"
#include "node/dialplan/variable_expansion.h"

namespace sipedge {

namespace fs = std::filesystem;

namespace {

// switch_caller_get_field_by_name (switch_caller.c).
constexpr std::string_view kCallerProfileFields[] = {
    "dialplan",         "username",      "caller_id_name", "caller_id_number", "orig_caller_id_name",
    "orig_caller_id_number", "callee_id_name", "callee_id_number", "ani", "aniii",
    "network_addr",     "rdnis",         "destination_number", "uuid", "source",
    "transfer_source",  "context",       "chan_name",      "profile_index",
};

// Attributes that make switch_xml_std_datetime_check test the time of day.
constexpr std::string_view kTimeAttributes[] = {
    "year", "yday", "mon", "mday", "week", "mweek", "wday", "hour",
    "minute", "minute-of-day", "time-of-day", "date-time", "tod_tz_offset", "timezone",
};

std::string tag(const XmlElement& element) { return "<" + element.name + ">"; }

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// switch_true: "yes", "on", "true", "t", "enabled", "active", "allow" or a non-zero number.
bool is_true(std::string_view text) {
  for (std::string_view word : {"yes", "on", "true", "t", "enabled", "active", "allow"}) {
    if (iequals(text, word)) return true;
  }
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         text.find_first_not_of('0') != std::string_view::npos;
}

class DialplanReader {
 public:
  explicit DialplanReader(Dialplan& into) : dialplan_(into) {}

  void read_top(const XmlElement& element) {
    if (element.name == "document") {
      for (const XmlElement& child : element.children) {
        if (child.name == "section") read_section(child);
      }
    } else if (element.name == "section") {
      read_section(element);
    } else if (element.name == "context") {
      read_context(element);
    } else if (element.name == "extension") {
      throw ConfigError(element.where, "<extension> outside a <context name=...>");
    } else {
      warn(element.where, "ignored " + tag(element) + " (expected <context>, <section> or <document>)");
    }
  }

 private:
  void warn(const SourceLocation& where, const std::string& message) {
    dialplan_.warnings.push_back(where.str() + ": " + message);
  }

  void read_section(const XmlElement& section) {
    // A freeswitch.xml-style document also holds configuration/directory sections.
    if (!iequals(section.attribute_or_empty("name"), "dialplan")) return;
    for (const XmlElement& child : section.children) {
      if (child.name == "context") {
        read_context(child);
      } else {
        warn(child.where, "ignored " + tag(child) + " in the dialplan section");
      }
    }
  }

  void read_context(const XmlElement& element) {
    const std::string name = element.attribute_or_empty("name");
    if (name.empty()) throw ConfigError(element.where, "<context> without a name");
    DialplanContext& context = dialplan_.contexts[name];
    if (context.name.empty()) {
      context.name = name;
      context.where = element.where;
    }
    for (const XmlElement& child : element.children) {
      if (child.name == "extension") {
        context.extensions.push_back(read_extension(child));
      } else {
        warn(child.where, "ignored " + tag(child) + " in <context name=\"" + name + "\">");
      }
    }
  }

  DialplanExtension read_extension(const XmlElement& element) {
    DialplanExtension extension;
    extension.name = element.attribute_or_empty("name");
    extension.continue_ = is_true(element.attribute_or_empty("continue"));
    extension.where = element.where;
    for (const XmlElement& child : element.children) {
      if (child.name == "condition") {
        extension.conditions.push_back(read_condition(child));
      } else {
        warn(child.where, "ignored " + tag(child) + " in <extension>");
      }
    }
    return extension;
  }

  DialplanCondition read_condition(const XmlElement& element) {
    DialplanCondition condition;
    condition.where = element.where;
    for (std::string_view attribute : kTimeAttributes) {
      if (element.attribute(attribute) != nullptr) {
        throw ConfigError(element.where, "time-of-day conditions (" + std::string(attribute) +
                                             "=) are not supported");
      }
    }
    if (const std::string* value = element.attribute("break")) {
      condition.break_on = parse_break(*value, element.where);
    }
    if (const std::string* value = element.attribute("require-nested")) {
      condition.require_nested = is_true(*value);
    }
    if (const std::string* mode = element.attribute("regex")) {
      condition.regex_mode = parse_regex_mode(*mode, element.where);
      if (element.attribute("field") != nullptr || element.attribute("expression") != nullptr) {
        throw ConfigError(element.where, "a condition with regex=\"" + *mode +
                                             "\" takes its fields from <regex> children, not field=/expression=");
      }
    } else {
      condition.test = read_test(element);
    }

    for (const XmlElement& child : element.children) {
      if (child.name == "action") {
        add_action(child, condition.actions);
      } else if (child.name == "anti-action") {
        add_action(child, condition.anti_actions);
      } else if (child.name == "condition") {
        condition.conditions.push_back(read_condition(child));
      } else if (child.name == "regex") {
        if (condition.regex_mode == DialplanRegexMode::none) {
          throw ConfigError(child.where, "<regex> needs regex=\"any|all|xor\" on its <condition>");
        }
        condition.regexes.push_back(read_test(child));
      } else if (child.name != "expression") {
        warn(child.where, "ignored " + tag(child) + " in <condition>");
      }
    }
    if (condition.regex_mode != DialplanRegexMode::none && condition.regexes.empty()) {
      throw ConfigError(element.where, "regex= condition without <regex> children");
    }
    return condition;
  }

  // field= and expression= (or an <expression> child) of a <condition> or <regex>.
  DialplanTest read_test(const XmlElement& element) {
    DialplanTest test;
    test.where = element.where;
    const std::string* field = element.attribute("field");
    std::optional<std::string> expression;
    if (const XmlElement* child = element.child("expression")) {
      expression = trim(child->text);
    } else if (const std::string* attribute = element.attribute("expression")) {
      expression = *attribute;
    }
    if (field == nullptr) {
      // FreeSWITCH treats an expression without a field as "always true",
      // which hides a typo: refuse it.
      if (expression) throw ConfigError(element.where, "expression without a field");
      if (element.name == "regex") throw ConfigError(element.where, "<regex> without a field");
      return test;
    }
    test.field = *field;
    if (test.field.empty()) throw ConfigError(element.where, "empty field=\"\"");
    if (!expression) {
      throw ConfigError(element.where, "condition on field \"" + test.field + "\" without an expression");
    }
    test.expression = *expression;
    if (test.field.find('$') != std::string::npos) {
      check(test.field, element.where);
    } else if (!is_caller_profile_field(test.field)) {
      throw ConfigError(element.where, "unknown field \"" + test.field +
                                           "\" (a channel variable is written field=\"${" + test.field + "}\")");
    }
    check(test.expression, element.where);
    if (test.expression.find("${") == std::string::npos) {
      try {
        test.pattern = DialplanPattern::compile(test.expression);
      } catch (const std::invalid_argument& error) {
        throw ConfigError(element.where, "bad regular expression \"" + test.expression + "\": " + error.what());
      }
    }
    return test;
  }

  void add_action(const XmlElement& element, std::vector<DialplanAction>& into) {
    DialplanAction action;
    action.where = element.where;
    const std::string application = element.attribute_or_empty("application");
    if (application.empty()) throw ConfigError(element.where, tag(element) + " without an application");
    const std::optional<DialplanApp> app = dialplan_app_from_name(application);
    if (!app) {
      throw ConfigError(element.where, "application \"" + application + "\" is not supported (supported: " +
                                           supported_dialplan_apps() + ")");
    }
    action.app = *app;
    action.application = std::string(dialplan_app_name(*app));
    // switch_xml: the element's text wins over data= when not empty.
    const std::string text = trim(element.text);
    action.data = text.empty() ? element.attribute_or_empty("data") : text;
    action.inline_ = is_true(element.attribute_or_empty("inline"));
    if (action.inline_ && !dialplan_app_runs_inline(*app)) {
      throw ConfigError(element.where, "application \"" + action.application + "\" cannot run inline");
    }
    if (const std::string* loop = element.attribute("loop")) {
      action.loop = parse_loop(*loop, element.where);
    }
    check(action.data, element.where);
    validate_data(action);
    into.push_back(std::move(action));
  }

  // Data without variables or captures can be checked now rather than on a live call.
  void validate_data(const DialplanAction& action) {
    if (action.app == DialplanApp::bridge && trim(action.data).empty()) {
      throw ConfigError(action.where, "bridge needs a dial string");
    }
    if (action.data.find('$') != std::string::npos) return;
    try {
      switch (action.app) {
        case DialplanApp::set: parse_set(action.data); break;
        case DialplanApp::export_: parse_export(action.data); break;
        case DialplanApp::unset: parse_unset(action.data); break;
        case DialplanApp::hangup: parse_hangup(action.data); break;
        case DialplanApp::respond: parse_respond(action.data); break;
        case DialplanApp::bridge:
        case DialplanApp::log: break;
      }
    } catch (const DialplanDataError& error) {
      throw ConfigError(action.where, error.what());
    }
  }

  static void check(const std::string& text, const SourceLocation& where) {
    if (std::string problem = check_expansions(text); !problem.empty()) throw ConfigError(where, problem);
  }

  static DialplanBreak parse_break(const std::string& value, const SourceLocation& where) {
    if (iequals(value, "on-false")) return DialplanBreak::on_false;
    if (iequals(value, "on-true")) return DialplanBreak::on_true;
    if (iequals(value, "always")) return DialplanBreak::always;
    if (iequals(value, "never")) return DialplanBreak::never;
    // FreeSWITCH silently falls back to on-false.
    throw ConfigError(where, "break=\"" + value + "\" (expected on-false, on-true, always or never)");
  }

  static DialplanRegexMode parse_regex_mode(const std::string& value, const SourceLocation& where) {
    if (iequals(value, "any")) return DialplanRegexMode::any;
    if (iequals(value, "all")) return DialplanRegexMode::all;
    if (iequals(value, "xor")) return DialplanRegexMode::x_or;
    throw ConfigError(where, "regex=\"" + value + "\" (expected any, all or xor)");
  }

  static int parse_loop(const std::string& value, const SourceLocation& where) {
    int count = 0;
    try {
      std::size_t used = 0;
      count = std::stoi(value, &used);
      if (used != value.size()) count = 0;
    } catch (const std::exception&) {
      count = 0;
    }
    if (count < 1 || count > 100) throw ConfigError(where, "loop=\"" + value + "\" (expected 1..100)");
    return count;
  }

  Dialplan& dialplan_;
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

}  // namespace

const DialplanContext* Dialplan::context(const std::string& name) const {
  auto it = contexts.find(name);
  return it == contexts.end() ? nullptr : &it->second;
}

bool is_caller_profile_field(std::string_view name) {
  return std::find(std::begin(kCallerProfileFields), std::end(kCallerProfileFields), name) !=
         std::end(kCallerProfileFields);
}

void read_dialplan(const XmlElement& root, Dialplan& into) {
  DialplanReader reader(into);
  if (root.name.empty()) {
    for (const XmlElement& child : root.children) reader.read_top(child);
  } else {
    reader.read_top(root);
  }
}

Dialplan load_dialplan(const std::string& conf_dir, const std::map<std::string, std::string>& vars) {
  Dialplan dialplan;
  const fs::path dir = fs::path(conf_dir) / "dialplan";
  std::error_code error;
  std::vector<std::string> files;
  if (fs::is_directory(dir, error)) {
    fs::directory_iterator it(dir, error);
    if (error) throw ConfigError(SourceLocation{dir.string(), 0}, "cannot read directory: " + error.message());
    for (const fs::directory_entry& entry : it) {
      std::error_code ignored;
      if (entry.path().extension() == ".xml" && entry.is_regular_file(ignored)) {
        files.push_back(entry.path().filename().string());
      }
    }
  }
  // Bytewise, so every node reads the files (and adds extensions) in the same order.
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    dialplan.warnings.push_back(dir.lexically_normal().string() +
                                ": no dialplan (*.xml): every call will be refused (404)");
    return dialplan;
  }

  struct Loaded {
    std::string file;
    XmlElement root;
  };
  std::vector<Loaded> loaded;
  std::map<std::string, std::string> global_vars = vars;
  for (const std::string& file : files) {
    XmlPreprocessor preprocessor(dir.string(), dialplan.warnings);
    for (const auto& [name, value] : global_vars) preprocessor.set_var(name, value);
    Loaded entry{preprocessor.resolve(file), preprocessor.load_file(file)};
    // Variables set by one file apply to the later ones (FreeSWITCH globals).
    global_vars = preprocessor.vars();
    loaded.push_back(std::move(entry));
  }

  // dialplan/default.xml includes default/*.xml; a top-level file pulled in by
  // another one is read through that include only.
  std::set<std::string> included;
  for (const Loaded& entry : loaded) {
    std::set<std::string> seen;
    collect_files(entry.root, seen);
    const std::string own = file_key(entry.file);
    for (const std::string& file : seen) {
      if (std::string key = file_key(file); key != own) included.insert(key);
    }
  }
  for (const Loaded& entry : loaded) {
    if (included.count(file_key(entry.file)) == 0) read_dialplan(entry.root, dialplan);
  }
  return dialplan;
}

}  // namespace sipedge
