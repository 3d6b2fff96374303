// mod_dialplan_xml's hunt, condition by condition (parse_exten):
// - a condition matches when its field matches its expression (searched, not
//   anchored), or always when it has no field;
// - matched: its actions are added ($N from its own captures when the
//   expression holds a '('); failed: its anti-actions are added (no $N), and
//   an anti-action makes the condition count as "proceed";
// - break decides whether the next condition is tried: on-false (default)
//   stops after a failure, on-true after a match, always after either, never
//   goes on;
// - nested conditions are tried after the actions of a proceeding condition;
//   when they fail the extension fails too, unless break="never"
//   (require-nested="false" on the outer condition makes them optional);
// - an extension "matches" when its last evaluated condition proceeded; the
//   hunt stops at the first match unless the extension has continue="true".
// Actions added by an extension that later fails stay in the list, exactly as
// in FreeSWITCH (they were appended to the caller extension already).
#include "node/dialplan/dialplan_hunt.h"

#include <map>
#include <stdexcept>

#include "node/common/ascii_case.h"

namespace sipedge {

namespace {

bool is_true(std::string_view text) {
  for (std::string_view word : {"yes", "on", "true", "t", "enabled", "active", "allow"}) {
    if (iequals(text, word)) return true;
  }
  return false;
}

class Hunter {
 public:
  // `context` is the context the call asked for: the "context" field reads it
  // even when the hunt fell back to "global".
  Hunter(const VariableLookup& vars, std::string context, std::string hunted)
      : base_(vars), context_(std::move(context)) {
    result_.context = std::move(hunted);
  }

  void hunt(const DialplanContext& context) {
    std::size_t start = 0;
    if (auto auto_hunt = lookup("auto_hunt"); auto_hunt && is_true(*auto_hunt)) {
      const std::string destination = lookup("destination_number").value_or("");
      for (std::size_t i = 0; i < context.extensions.size(); ++i) {
        if (context.extensions[i].name == destination) {
          start = i;
          break;
        }
      }
    }
    for (std::size_t i = start; i < context.extensions.size(); ++i) {
      const DialplanExtension& extension = context.extensions[i];
      const bool proceed = run_conditions(extension.conditions, extension.name);
      if (proceed && !extension.continue_) break;
    }
  }

  std::optional<HuntResult> take_result() {
    if (!has_extension_) return std::nullopt;
    return std::move(result_);
  }

 private:
  // Channel variables as later conditions see them: inline set/unset first.
  std::optional<std::string> lookup(std::string_view name) const {
    if (auto it = overlay_.find(to_lower(name)); it != overlay_.end()) return it->second;
    if (base_) {
      if (auto value = base_(name)) return value;
    }
    if (name == "context") return context_;
    if (name == "dialplan") return std::string("XML");
    return std::nullopt;
  }

  VariableLookup view() const {
    return [this](std::string_view name) { return lookup(name); };
  }

  // parse_exten over one list of conditions (an extension's, or a condition's nested ones).
  bool run_conditions(const std::vector<DialplanCondition>& conditions, const std::string& extension) {
    bool proceed = false;
    for (const DialplanCondition& condition : conditions) {
      RegexCaptures captures;
      bool substitute = false;
      const bool matched = evaluate(condition, captures, substitute);
      proceed = matched;
      if (matched) {
        for (const DialplanAction& action : condition.actions) {
          add(action, substitute ? &captures : nullptr, extension);
        }
      } else {
        for (const DialplanAction& action : condition.anti_actions) {
          add(action, nullptr, extension);
          proceed = true;  // FreeSWITCH: an anti-action makes the condition proceed
        }
      }
      if ((matched && condition.break_on == DialplanBreak::on_true) ||
          (!matched && condition.break_on == DialplanBreak::on_false) ||
          condition.break_on == DialplanBreak::always) {
        break;
      }
      if (proceed && !condition.conditions.empty()) {
        proceed = run_conditions(condition.conditions, extension) || !condition.require_nested;
        if (!proceed) {
          if (condition.break_on == DialplanBreak::never) continue;
          return false;
        }
      }
    }
    return proceed;
  }

  bool evaluate(const DialplanCondition& condition, RegexCaptures& captures, bool& substitute) {
    if (condition.regex_mode == DialplanRegexMode::none) {
      if (condition.test.field.empty()) return true;  // "Absolute Condition"
      const bool matched = test(condition.test, captures);
      substitute = matched && current_has_parenthesis_;
      return matched;
    }
    const bool all = condition.regex_mode == DialplanRegexMode::all;
    const bool x_or = condition.regex_mode == DialplanRegexMode::x_or;
    int pass = 0;
    int fail = 0;
    for (const DialplanTest& regex : condition.regexes) {
      RegexCaptures these;
      const bool matched = test(regex, these);
      // Captures for $N come from the last <regex> with a '(' (FreeSWITCH's save_re).
      if (current_has_parenthesis_) {
        substitute = matched;
        if (matched) captures = std::move(these);
      }
      if (matched) {
        ++pass;
        if (!all && !x_or) break;
      } else {
        ++fail;
        if (all && !x_or) break;
      }
    }
    const bool matched = x_or ? pass == 1 : (all ? fail == 0 : pass > 0);
    if (!matched) substitute = false;
    return matched;
  }

  // One field against one expression; sets current_has_parenthesis_.
  bool test(const DialplanTest& test, RegexCaptures& captures) {
    current_has_parenthesis_ = false;
    std::string field_data;
    if (test.field.find('$') != std::string::npos) {
      field_data = expand_variables(test.field, view());
    } else {
      field_data = lookup(test.field).value_or("");
    }
    std::optional<DialplanPattern> compiled;
    const DialplanPattern* pattern = test.pattern ? &*test.pattern : nullptr;
    if (pattern == nullptr) {
      const std::string expression = expand_variables(test.expression, view());
      try {
        compiled = DialplanPattern::compile(expression);
        pattern = &*compiled;
      } catch (const std::invalid_argument& error) {
        // switch_regex_perform logs the compile error and does not match.
        warn(test.where, "bad regular expression \"" + expression + "\" (from \"" + test.expression +
                             "\"): " + error.what());
        return false;
      }
    }
    current_has_parenthesis_ = pattern->has_parenthesis();
    if (field_data.size() > DialplanPattern::kMaxSubject) {
      warn(test.where, "field " + test.field + " is " + std::to_string(field_data.size()) +
                           " bytes, longer than the " + std::to_string(DialplanPattern::kMaxSubject) +
                           " a regex is run on: no match");
      return false;
    }
    return pattern->search(field_data, captures);
  }

  void add(const DialplanAction& action, const RegexCaptures* captures, const std::string& extension) {
    if (!has_extension_) {
      has_extension_ = true;
      result_.extension = extension;
    }
    DialplanAction out = action;
    out.loop = 1;
    if (captures != nullptr) out.data = substitute_captures(action.data, *captures);
    for (int i = 0; i < action.loop; ++i) {
      if (action.inline_) {
        DialplanAction executed = out;
        executed.data = expand_variables(out.data, view());
        run_inline(executed);
        result_.inline_actions.push_back(std::move(executed));
      } else {
        result_.actions.push_back(out);
      }
    }
  }

  // What an inline set/unset/export changes for the rest of the hunt.
  void run_inline(const DialplanAction& action) {
    try {
      switch (action.app) {
        case DialplanApp::set: {
          SetArgs args = parse_set(action.data);
          overlay_[to_lower(args.name)] = std::move(args.value);
          break;
        }
        case DialplanApp::unset:
          overlay_[to_lower(parse_unset(action.data))] = std::nullopt;
          break;
        case DialplanApp::export_: {
          ExportArgs args = parse_export(action.data);
          if (args.local && args.value) overlay_[to_lower(args.name)] = std::move(args.value);
          break;
        }
        default:
          break;
      }
    } catch (const DialplanDataError& error) {
      warn(action.where, error.what());
    }
  }

  void warn(const SourceLocation& where, const std::string& message) {
    result_.warnings.push_back(where.str() + ": " + message);
  }

  const VariableLookup& base_;
  std::string context_;
  std::map<std::string, std::optional<std::string>> overlay_;  // lower-case names: FreeSWITCH variables ignore case
  HuntResult result_;
  bool has_extension_ = false;
  bool current_has_parenthesis_ = false;
};

}  // namespace

std::optional<HuntResult> hunt(const Dialplan& dialplan, std::string_view context, const VariableLookup& vars) {
  std::string name = context.empty() ? std::string("default") : std::string(context);
  const DialplanContext* found = dialplan.context(name);
  if (found == nullptr) found = dialplan.context("global");
  if (found == nullptr) return std::nullopt;
  Hunter hunter(vars, name, found->name);
  hunter.hunt(*found);
  return hunter.take_result();
}

}  // namespace sipedge
