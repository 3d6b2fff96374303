#pragma once
// FreeSWITCH-style XML pre-processing (switch_xml.c semantics), done on the DOM:
//   <X-PRE-PROCESS cmd="set" data="name=value"/>      defines a global variable
//   <X-PRE-PROCESS cmd="env-set" data="name=ENVVAR"/>  ... from the environment
//   <X-PRE-PROCESS cmd="exec-set" data="name=cmd"/>    ... from a command's stdout
//   <X-PRE-PROCESS cmd="include" data="sip_profiles/*.xml"/>
//                                 includes files (glob, relative to the conf dir, sorted)
//   $${name} in any later attribute or text is replaced by the variable's value.
// `${name}` (runtime channel variables) is left untouched.
//
// Unlike FreeSWITCH, which pre-processes raw text, directives inside XML
// comments are not executed (the comment is not part of the DOM), and a
// variable whose value holds `<` or `&` cannot break the XML.
//
// An included file is parsed as a fragment: its top-level elements are
// inserted where the directive stood; a top-level <include> element is
// replaced by its children, as FreeSWITCH does. Every element keeps the file
// and line it came from.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "node/config/node_config.h"
#include "node/config/xml_element.h"

namespace pugi {
class xml_node;
}

namespace sipedge {

class XmlPreprocessor {
 public:
  // Relative paths (files and include globs) are resolved against conf_dir.
  // Non-fatal problems (undefined variables, includes matching nothing) are
  // appended to `warnings` as "file:line: message".
  XmlPreprocessor(std::string conf_dir, std::vector<std::string>& warnings);

  // Reads and pre-processes one file; returns a root element (name "") whose
  // children are the file's top-level elements. Variables set while reading
  // stay set for later files, like FreeSWITCH's global variables.
  // Throws ConfigError for a missing file, malformed XML (file:line of the
  // error, also inside included files), a missing explicit include, or an
  // include loop.
  XmlElement load_file(const std::string& path);

  // The path as it appears in messages: conf_dir/path, or path if absolute.
  std::string resolve(const std::string& path) const;

  void set_var(const std::string& name, const std::string& value) { vars_[name] = value; }
  const std::map<std::string, std::string>& vars() const { return vars_; }

  // Replaces every `$${name}`; an undefined name becomes "" with a warning at `where`.
  std::string expand(std::string_view text, const SourceLocation& where);

 private:
  struct SourceText;

  void load_into(const std::string& display_path, XmlElement& parent,
                 const SourceLocation* included_from);
  void convert_top_level(const pugi::xml_node& container, const SourceText& source,
                         XmlElement& parent);
  XmlElement convert_element(const pugi::xml_node& node, const SourceText& source);
  void run_directive(const pugi::xml_node& node, const SourceText& source, XmlElement& parent);
  void include(const std::string& pattern, const SourceLocation& where, XmlElement& parent);
  void warn(const SourceLocation& where, const std::string& message);

  std::string conf_dir_;
  std::vector<std::string>& warnings_;
  std::map<std::string, std::string> vars_;
  std::vector<std::string> include_stack_;  // canonical paths being read, for loop detection
};

}  // namespace sipedge
