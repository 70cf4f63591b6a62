// Helpers shared by the end-to-end scenarios.
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "e2e/cluster.h"

namespace kaudit::e2e {

inline Json Profile(const std::string& name, const std::string& preset,
                    const std::string& health_timeout = "30s") {
  return {{"apiVersion", "kaudit.io/v1alpha1"},
          {"kind", "AuditProfile"},
          {"metadata", {{"name", name}}},
          {"spec", {{"preset", preset}, {"rollout", {{"healthTimeout", health_timeout}}}}}};
}

inline std::string Condition(const Json& obj, const std::string& type, std::string* reason = nullptr,
                             std::string* message = nullptr) {
  if (!obj.contains("status")) return "";
  for (const auto& c : obj["status"].value("conditions", Json::array())) {
    if (c.value("type", "") != type) continue;
    if (reason) *reason = c.value("reason", "");
    if (message) *message = c.value("message", "");
    return c.value("status", "");
  }
  return "";
}

// Whether a manifest's pod carries annotation kaudit.io/revision: rev. The emitter quotes a
// revision that YAML would read as a number (e.g. "64e9383401", a float), so accept both.
inline bool HasRevision(const std::string& manifest, const std::string& rev) {
  for (const std::string& v : {rev, "\"" + rev + "\"", "'" + rev + "'"}) {
    std::string line = "kaudit.io/revision: " + v;
    for (auto p = manifest.find(line); p != std::string::npos; p = manifest.find(line, p + 1)) {
      auto end = p + line.size();
      if (end == manifest.size() || manifest[end] == '\n' || manifest[end] == '\r') return true;
    }
  }
  return false;
}

inline std::string Phase(const Json& state) { return state.is_object() ? state.value("phase", "") : ""; }
inline std::string Rev(const Json& state) { return state.is_object() ? state.value("revision", "") : ""; }

// The profile's status.revision once Ready=True with every node done, else "".
inline std::string ReadyRevision(Cluster& c, const std::string& name, int nodes) {
  auto p = c.GetProfile(name);
  if (!p.ok() || Condition(*p, "Ready") != "True") return "";
  const Json& st = (*p)["status"];
  std::string summary = st.value("nodesSummary", "");
  if (summary != std::to_string(nodes) + "/" + std::to_string(nodes)) return "";
  return st.value("revision", "");
}

inline bool AllHealthyOn(Cluster& c, int nodes, const std::string& rev) {
  for (int i = 0; i < nodes; ++i) {
    Json s = c.NodeState(i);
    if (Phase(s) != "Healthy" || Rev(s) != rev) return false;
  }
  return true;
}

inline long long MtimeNs(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}

// The newest backup kaudit took on a node (its mtime: when that node's apply began).
inline long long NewestBackupNs(const std::string& host) {
  long long newest = -1;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(host + "/var/lib/kaudit/backups", ec)) {
    newest = std::max(newest, MtimeNs(e.path().string()));
  }
  return newest;
}

inline double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace kaudit::e2e
