#include "support/selectors.h"

#include <algorithm>

namespace kaudit::emulator {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// Splits on commas that are not inside parentheses.
std::vector<std::string> SplitTop(const std::string& s) {
  std::vector<std::string> out;
  int depth = 0;
  std::string cur;
  for (char c : s) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(Trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!Trim(cur).empty() || !out.empty()) out.push_back(Trim(cur));
  return out;
}

std::vector<std::string> SplitValues(const std::string& inner) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : inner + ",") {
    if (c == ',') {
      out.push_back(Trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

bool ValidKey(const std::string& k) {
  if (k.empty() || k.size() > 316) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '/';
  });
}

std::string FieldValue(const nlohmann::json& obj, const std::string& path) {
  const nlohmann::json* cur = &obj;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos
                                                                   : dot - start);
    if (!cur->is_object() || !cur->contains(part)) return "";
    cur = &(*cur)[part];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_null()) return "";
  return cur->dump();
}

}  // namespace

StatusOr<LabelSelector> LabelSelector::Parse(const std::string& text) {
  LabelSelector sel;
  for (const auto& part : SplitTop(text)) {
    if (part.empty()) return Status::InvalidArgument("unable to parse requirement: empty");
    Req r;
    auto sp = part.find(' ');
    std::size_t op_pos;
    if (part[0] == '!') {
      r.key = Trim(part.substr(1));
      r.op = "!exists";
    } else if (sp != std::string::npos && (part.find(" in ", sp) == sp ||
                                           part.find(" notin ", sp) == sp)) {
      r.key = part.substr(0, sp);
      bool notin = part.find(" notin ", sp) == sp;
      r.op = notin ? "notin" : "in";
      auto open = part.find('('), close = part.rfind(')');
      if (open == std::string::npos || close == std::string::npos || close < open) {
        return Status::InvalidArgument("unable to parse requirement: " + part);
      }
      r.values = SplitValues(part.substr(open + 1, close - open - 1));
    } else if ((op_pos = part.find("!=")) != std::string::npos) {
      r.key = Trim(part.substr(0, op_pos));
      r.op = "!=";
      r.values = {Trim(part.substr(op_pos + 2))};
    } else if ((op_pos = part.find("==")) != std::string::npos) {
      r.key = Trim(part.substr(0, op_pos));
      r.op = "=";
      r.values = {Trim(part.substr(op_pos + 2))};
    } else if ((op_pos = part.find('=')) != std::string::npos) {
      r.key = Trim(part.substr(0, op_pos));
      r.op = "=";
      r.values = {Trim(part.substr(op_pos + 1))};
    } else {
      r.key = part;
      r.op = "exists";
    }
    if (!ValidKey(r.key)) return Status::InvalidArgument("invalid label key \"" + r.key + "\"");
    sel.reqs_.push_back(std::move(r));
  }
  return sel;
}

bool LabelSelector::Matches(const nlohmann::json& obj) const {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json* labels = &kEmpty;
  if (obj.contains("metadata") && obj["metadata"].contains("labels") &&
      obj["metadata"]["labels"].is_object()) {
    labels = &obj["metadata"]["labels"];
  }
  for (const auto& r : reqs_) {
    bool has = labels->contains(r.key);
    std::string v = has && (*labels)[r.key].is_string() ? (*labels)[r.key].get<std::string>() : "";
    bool in = std::find(r.values.begin(), r.values.end(), v) != r.values.end();
    bool ok = (r.op == "exists" && has) || (r.op == "!exists" && !has) ||
              (r.op == "=" && has && in) || (r.op == "!=" && (!has || !in)) ||
              (r.op == "in" && has && in) || (r.op == "notin" && (!has || !in));
    if (!ok) return false;
  }
  return true;
}

StatusOr<FieldSelector> FieldSelector::Parse(const std::string& text) {
  FieldSelector sel;
  for (const auto& part : SplitTop(text)) {
    Req r;
    std::size_t p;
    if ((p = part.find("!=")) != std::string::npos) {
      r.negate = true;
      r.path = Trim(part.substr(0, p));
      r.value = Trim(part.substr(p + 2));
    } else if ((p = part.find("==")) != std::string::npos) {
      r.path = Trim(part.substr(0, p));
      r.value = Trim(part.substr(p + 2));
    } else if ((p = part.find('=')) != std::string::npos) {
      r.path = Trim(part.substr(0, p));
      r.value = Trim(part.substr(p + 1));
    } else {
      return Status::InvalidArgument("invalid selector: '" + part +
                                     "'; can't understand '" + part + "'");
    }
    if (r.path.empty()) return Status::InvalidArgument("invalid field selector: " + part);
    sel.reqs_.push_back(std::move(r));
  }
  return sel;
}

bool FieldSelector::Matches(const nlohmann::json& obj) const {
  for (const auto& r : reqs_) {
    bool eq = FieldValue(obj, r.path) == r.value;
    if (eq == r.negate) return false;
  }
  return true;
}

}  // namespace kaudit::emulator
