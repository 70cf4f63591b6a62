#include "support/patch.h"

#include <algorithm>
#include <map>
#include <set>

namespace kaudit::emulator {
namespace {

using Path = std::vector<std::string>;

const char* const kMergeKeys[] = {"name", "mountPath", "containerPort", "type", "devicePath",
                                  "ip", "topologyKey"};

std::string MergeKeyFor(const Json& a, const Json& b) {
  for (const char* k : kMergeKeys) {
    auto all = [k](const Json& list) {
      return std::all_of(list.begin(), list.end(),
                         [k](const Json& e) { return e.is_object() && e.contains(k); });
    };
    if (all(a) && all(b)) return k;
  }
  return "";
}

bool IsDelete(const Json& v) {
  return v.is_object() && v.contains("$patch") && v["$patch"] == "delete";
}

Json MergeList(Json target, const Json& patch, const std::string& key) {
  for (const auto& el : patch) {
    auto match = std::find_if(target.begin(), target.end(),
                              [&](const Json& t) { return t.is_object() && t[key] == el[key]; });
    if (IsDelete(el)) {
      if (match != target.end()) target.erase(match);
    } else if (match != target.end()) {
      *match = StrategicMergePatch(*match, el);
    } else {
      target.push_back(StrategicMergePatch(Json::object(), el));
    }
  }
  return target;
}

}  // namespace

Json StrategicMergePatch(Json target, const Json& patch) {
  if (!patch.is_object()) return patch;
  if (patch.contains("$patch") && patch["$patch"] == "replace") {
    Json copy = patch;
    copy.erase("$patch");
    return copy;
  }
  if (!target.is_object()) target = Json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string& k = it.key();
    const Json& v = it.value();
    if (k == "$patch" || k == "$retainKeys" || k.rfind("$setElementOrder/", 0) == 0) continue;
    if (k.rfind("$deleteFromPrimitiveList/", 0) == 0) {
      std::string field = k.substr(sizeof("$deleteFromPrimitiveList/") - 1);
      if (target.contains(field) && target[field].is_array() && v.is_array()) {
        Json kept = Json::array();
        for (const auto& e : target[field]) {
          if (std::find(v.begin(), v.end(), e) == v.end()) kept.push_back(e);
        }
        target[field] = kept;
      }
      continue;
    }
    if (v.is_null() || IsDelete(v)) {
      target.erase(k);
    } else if (v.is_object()) {
      target[k] = StrategicMergePatch(target.contains(k) ? target[k] : Json::object(), v);
    } else if (v.is_array() && target.contains(k) && target[k].is_array()) {
      std::string key = MergeKeyFor(target[k], v);
      if (!key.empty()) {
        target[k] = MergeList(target[k], v, key);
      } else if (k == "finalizers") {
        for (const auto& e : v) {
          if (std::find(target[k].begin(), target[k].end(), e) == target[k].end()) {
            target[k].push_back(e);
          }
        }
      } else {
        target[k] = v;
      }
    } else {
      target[k] = v;
    }
  }
  if (patch.contains("$retainKeys") && patch["$retainKeys"].is_array()) {
    const Json& keep = patch["$retainKeys"];
    for (auto it = target.begin(); it != target.end();) {
      if (std::find(keep.begin(), keep.end(), it.key()) == keep.end()) {
        it = target.erase(it);
      } else {
        ++it;
      }
    }
  }
  return target;
}

namespace {

void Leaves(const Json& v, Path* path, std::set<Path>* out) {
  if (v.is_object() && !v.empty()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      path->push_back(it.key());
      Leaves(it.value(), path, out);
      path->pop_back();
    }
  } else if (!path->empty()) {
    out->insert(*path);
  }
}

// The part of an applied object that apply takes ownership of.
Json Owned(const Json& applied, bool status_only, bool strip_status) {
  Json o = applied.is_object() ? applied : Json::object();
  o.erase("apiVersion");
  o.erase("kind");
  if (o.contains("metadata")) {
    Json md = Json::object();
    for (const char* k : {"labels", "annotations", "finalizers"}) {
      if (o["metadata"].contains(k)) md[k] = o["metadata"][k];
    }
    o["metadata"] = md;
    if (md.empty()) o.erase("metadata");
  }
  if (status_only) {
    Json s = Json::object();
    if (o.contains("status")) s["status"] = o["status"];
    return s;
  }
  if (strip_status) o.erase("status");
  return o;
}

const Json* At(const Json& v, const Path& p) {
  const Json* cur = &v;
  for (const auto& k : p) {
    if (!cur->is_object() || !cur->contains(k)) return nullptr;
    cur = &(*cur)[k];
  }
  return cur;
}

void SetAt(Json* v, const Path& p, const Json& value) {
  Json* cur = v;
  for (const auto& k : p) {
    if (!cur->is_object()) *cur = Json::object();
    cur = &(*cur)[k];
  }
  *cur = value;
}

void EraseAt(Json* v, const Path& p) {
  Json* cur = v;
  for (std::size_t i = 0; i + 1 < p.size(); ++i) {
    if (!cur->is_object() || !cur->contains(p[i])) return;
    cur = &(*cur)[p[i]];
  }
  if (cur->is_object()) cur->erase(p.back());
}

Json ToFieldsV1(const std::set<Path>& paths) {
  Json out = Json::object();
  for (const auto& p : paths) {
    Json* cur = &out;
    for (const auto& k : p) cur = &(*cur)["f:" + k];
    if (cur->is_null()) *cur = Json::object();
  }
  return out;
}

void FromFieldsV1(const Json& f, Path* path, std::set<Path>* out) {
  if (!f.is_object() || f.empty()) {
    if (!path->empty()) out->insert(*path);
    return;
  }
  for (auto it = f.begin(); it != f.end(); ++it) {
    if (it.key().rfind("f:", 0) != 0) continue;
    path->push_back(it.key().substr(2));
    FromFieldsV1(it.value(), path, out);
    path->pop_back();
  }
}

std::string Dotted(const Path& p) {
  std::string s;
  for (const auto& k : p) s += "." + k;
  return s;
}

std::string Str(const Json& o, const char* key) {
  if (!o.is_object() || !o.contains(key)) return "";
  const Json& v = o.at(key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

struct Manager {
  std::string name;
  std::string subresource;
  Json entry;
  std::set<Path> fields;
};

}  // namespace

ApplyOutcome ServerSideApply(const Json* current, const Json& applied, const std::string& manager,
                             bool force, bool status_only, bool strip_status,
                             const std::string& now) {
  ApplyOutcome out;
  Json base = current ? *current : Json::object();
  std::string sub = status_only ? "status" : "";
  Json want = Owned(applied, status_only, strip_status);
  std::set<Path> mine;
  Path scratch;
  Leaves(want, &scratch, &mine);
  std::vector<Manager> managers;
  if (base.contains("metadata") && base["metadata"].contains("managedFields")) {
    for (const auto& e : base["metadata"]["managedFields"]) {
      Manager m{Str(e, "manager"), Str(e, "subresource"), e, {}};
      if (e.contains("fieldsV1")) FromFieldsV1(e["fieldsV1"], &scratch, &m.fields);
      managers.push_back(std::move(m));
    }
  }
  std::set<Path> old_mine, others;
  for (auto& m : managers) {
    if (m.name == manager && m.subresource == sub) {
      old_mine = m.fields;
      continue;
    }
    for (auto it = m.fields.begin(); it != m.fields.end();) {
      const Json* have = At(base, *it);
      if (mine.count(*it) && have && *have != *At(want, *it)) {
        if (!force) out.conflicts.push_back("conflict with \"" + m.name + "\": " + Dotted(*it));
        it = force ? m.fields.erase(it) : std::next(it);
      } else {
        ++it;
      }
    }
    others.insert(m.fields.begin(), m.fields.end());
  }
  if (!out.conflicts.empty()) return out;
  for (const auto& p : old_mine) {
    if (!mine.count(p) && !others.count(p)) EraseAt(&base, p);
  }
  for (const auto& p : mine) SetAt(&base, p, *At(want, p));
  Json mf = Json::array();
  for (auto& m : managers) {
    if (m.name == manager && m.subresource == sub) continue;
    if (m.fields.empty()) continue;
    m.entry["fieldsV1"] = ToFieldsV1(m.fields);
    mf.push_back(m.entry);
  }
  Json entry = {{"manager", manager}, {"operation", "Apply"},
                {"apiVersion", Str(applied, "apiVersion")}, {"time", now},
                {"fieldsType", "FieldsV1"}, {"fieldsV1", ToFieldsV1(mine)}};
  if (!sub.empty()) entry["subresource"] = sub;
  mf.push_back(entry);
  base["metadata"]["managedFields"] = mf;
  out.object = std::move(base);
  return out;
}

}  // namespace kaudit::emulator
