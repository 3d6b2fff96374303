#include "node/config/xml_preprocessor.h"

#include <glob.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <pugixml.hpp>
#include <sstream>

namespace sipedge {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kDirective = "X-PRE-PROCESS";
// switch_xml.c gives up past 100 nested includes; so do we.
constexpr std::size_t kMaxIncludeDepth = 100;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

bool has_glob_chars(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

std::string canonical_key(const std::string& path) {
  std::error_code error;
  auto canonical = fs::weakly_canonical(path, error);
  return error ? path : canonical.string();
}

// Runs `command` with /bin/sh and returns its stdout without trailing newlines,
// like exec-set in switch_xml.c. nullopt when the command cannot be started.
std::optional<std::string> run_command(const std::string& command, int& exit_status) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  char buffer[512];
  std::size_t count = 0;
  while ((count = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, count);
  exit_status = pclose(pipe);
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  return output;
}

}  // namespace

// One file's text, for turning pugixml byte offsets into line numbers.
struct XmlPreprocessor::SourceText {
  std::string path;                     // as shown in messages
  std::vector<std::ptrdiff_t> line_starts;  // byte offset of each line's first character

  explicit SourceText(std::string display_path, const std::string& text)
      : path(std::move(display_path)) {
    line_starts.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') line_starts.push_back(static_cast<std::ptrdiff_t>(i) + 1);
    }
  }
  int line_of(std::ptrdiff_t offset) const {
    if (offset < 0) return 0;  // pugixml does not know the offset
    auto next = std::upper_bound(line_starts.begin(), line_starts.end(), offset);
    return static_cast<int>(next - line_starts.begin());
  }
  SourceLocation at(const pugi::xml_node& node) const {
    return SourceLocation{path, line_of(node.offset_debug())};
  }
};

XmlPreprocessor::XmlPreprocessor(std::string conf_dir, std::vector<std::string>& warnings)
    : conf_dir_(std::move(conf_dir)), warnings_(warnings) {}

std::string XmlPreprocessor::resolve(const std::string& path) const {
  fs::path candidate(path);
  if (candidate.is_absolute() || conf_dir_.empty()) return candidate.lexically_normal().string();
  return (fs::path(conf_dir_) / candidate).lexically_normal().string();
}

XmlElement XmlPreprocessor::load_file(const std::string& path) {
  XmlElement root;
  root.where = SourceLocation{resolve(path), 0};
  load_into(root.where.file, root, nullptr);
  return root;
}

void XmlPreprocessor::warn(const SourceLocation& where, const std::string& message) {
  warnings_.push_back(where.str() + ": " + message);
}

std::string XmlPreprocessor::expand(std::string_view text, const SourceLocation& where) {
  if (text.find("$${") == std::string_view::npos) return std::string(text);
  std::string out;
  std::size_t pos = 0;
  while (true) {
    std::size_t start = text.find("$${", pos);
    std::size_t end = start == std::string_view::npos ? start : text.find('}', start + 3);
    if (start == std::string_view::npos || end == std::string_view::npos) {
      out.append(text.substr(pos));  // an unterminated $${ stays as written
      return out;
    }
    out.append(text.substr(pos, start - pos));
    std::string name(text.substr(start + 3, end - start - 3));
    if (auto found = vars_.find(name); found != vars_.end()) {
      out += found->second;
    } else {
      // switch_xml.c expands an undefined global variable to nothing.
      warn(where, "undefined variable $${" + name + "} expanded to \"\"");
    }
    pos = end + 1;
  }
}

void XmlPreprocessor::load_into(const std::string& display_path, XmlElement& parent,
                                const SourceLocation* included_from) {
  SourceLocation file_location{display_path, 0};
  const SourceLocation& blame = included_from ? *included_from : file_location;

  std::string key = canonical_key(display_path);
  if (std::find(include_stack_.begin(), include_stack_.end(), key) != include_stack_.end()) {
    throw ConfigError(blame, "include loop: " + display_path + " is already being read");
  }
  if (include_stack_.size() >= kMaxIncludeDepth) {
    throw ConfigError(blame, "includes nested deeper than " + std::to_string(kMaxIncludeDepth));
  }

  std::ifstream in(display_path, std::ios::binary);
  if (!in) {
    throw ConfigError(blame, "cannot read " + display_path + ": " + std::strerror(errno));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  SourceText source(display_path, text);

  pugi::xml_document document;
  // parse_fragment: an included file may hold several top-level elements, as
  // FreeSWITCH's textual include allows.
  pugi::xml_parse_result result = document.load_buffer(
      text.data(), text.size(), pugi::parse_default | pugi::parse_fragment);
  if (!result) {
    throw ConfigError(SourceLocation{display_path, source.line_of(result.offset)},
                      std::string("malformed XML: ") + result.description());
  }

  include_stack_.push_back(key);
  convert_top_level(document, source, parent);
  include_stack_.pop_back();
}

void XmlPreprocessor::convert_top_level(const pugi::xml_node& container, const SourceText& source,
                                        XmlElement& parent) {
  for (pugi::xml_node node : container.children()) {
    if (node.type() != pugi::node_element) continue;  // top-level text/comments carry nothing
    if (node.name() == kDirective) {
      run_directive(node, source, parent);
    } else if (std::string_view(node.name()) == "include") {
      convert_top_level(node, source, parent);  // splice <include>'s children in place
    } else {
      parent.children.push_back(convert_element(node, source));
    }
  }
}

XmlElement XmlPreprocessor::convert_element(const pugi::xml_node& node, const SourceText& source) {
  XmlElement element;
  element.name = node.name();
  element.where = source.at(node);
  // Document order matters: a `set` later in the file does not apply to
  // attributes seen before it, exactly as with FreeSWITCH's line-by-line pass.
  for (pugi::xml_attribute attr : node.attributes()) {
    element.attributes.emplace_back(attr.name(), expand(attr.value(), element.where));
  }
  for (pugi::xml_node child : node.children()) {
    switch (child.type()) {
      case pugi::node_element:
        if (child.name() == kDirective) {
          run_directive(child, source, element);
        } else {
          element.children.push_back(convert_element(child, source));
        }
        break;
      case pugi::node_pcdata:
      case pugi::node_cdata:
        element.text += expand(child.value(), element.where);
        break;
      default:
        break;
    }
  }
  return element;
}

void XmlPreprocessor::run_directive(const pugi::xml_node& node, const SourceText& source,
                                    XmlElement& parent) {
  SourceLocation where = source.at(node);
  std::string cmd = lower(expand(node.attribute("cmd").value(), where));
  std::string data = expand(node.attribute("data").value(), where);

  if (cmd == "include") {
    include(trim(data), where, parent);
    return;
  }
  if (cmd != "set" && cmd != "env-set" && cmd != "exec-set") {
    warn(where, "X-PRE-PROCESS cmd=\"" + cmd + "\" is not supported; ignored");
    return;
  }
  auto equals = data.find('=');
  std::string name = trim(data.substr(0, equals));
  if (equals == std::string::npos || name.empty()) {
    warn(where, "X-PRE-PROCESS " + cmd + " needs data=\"name=value\"; ignored");
    return;
  }
  std::string value = data.substr(equals + 1);

  if (cmd == "env-set") {
    const char* env = std::getenv(trim(value).c_str());
    if (env == nullptr) warn(where, "env-set: environment variable " + trim(value) + " is not set");
    value = env ? env : "";
  } else if (cmd == "exec-set") {
    int status = 0;
    auto output = run_command(value, status);
    if (!output) {
      warn(where, "exec-set: cannot run \"" + value + "\"");
      output = "";
    } else if (status != 0) {
      warn(where, "exec-set: \"" + value + "\" exited with status " + std::to_string(status));
    }
    value = *output;
  }
  vars_[name] = value;
}

void XmlPreprocessor::include(const std::string& pattern, const SourceLocation& where,
                              XmlElement& parent) {
  if (pattern.empty()) {
    throw ConfigError(where, "X-PRE-PROCESS include needs data=\"file or glob\"");
  }
  std::string full = resolve(pattern);
  std::vector<std::string> files;
  if (has_glob_chars(pattern)) {
    glob_t matches{};
    int rc = glob(full.c_str(), 0, nullptr, &matches);
    if (rc == 0) {
      for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
        std::error_code error;
        if (fs::is_regular_file(matches.gl_pathv[i], error)) files.emplace_back(matches.gl_pathv[i]);
      }
    }
    globfree(&matches);
    // Sorted bytewise, not by locale, so the order is the same everywhere.
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      warn(where, "include \"" + pattern + "\" matched no files (" + full + ")");
      return;
    }
  } else {
    std::error_code error;
    if (!fs::is_regular_file(full, error)) {
      throw ConfigError(where, "cannot include \"" + pattern + "\": no such file " + full);
    }
    files.push_back(full);
  }
  for (const auto& file : files) load_into(fs::path(file).lexically_normal().string(), parent, &where);
}

}  // namespace sipedge
