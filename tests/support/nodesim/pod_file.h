// The kubelet side of the node simulator: the static-pod file source as kubelet implements it
// (reference/audit-semantics.md §7), written independently of kaudit's own manifest code.
//   - every file in the folder whose name does not start with '.' is read, whatever its
//     extension; subfolders are skipped; each file must decode to one valid Pod;
//   - on a relist the last file in name order wins for one namespace/name;
//   - on a create/modify event the file just written wins (until the next relist); a remove or
//     rename removes the pod that file last defined;
//   - config hash = md5 of the decoded pod + "host:<node>" + "file:<full path>".
//
// Thread safety: PodSource is used by one thread (the simulator's kubelet loop).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace kaudit::nodesim {

using Json = nlohmann::json;

struct StaticPod {
  std::string key;   // namespace/name (before the node suffix)
  std::string path;  // the file it came from
  Json pod;          // decoded
  std::string hash;  // kubernetes.io/config.hash
};

// YAML or JSON text -> JSON value (scalars typed as YAML 1.2 core would: int, bool, null).
StatusOr<Json> DecodeYaml(const std::string& text);
// The subset of ValidatePodCreate the simulator applies: one Pod, names, containers, images,
// unique volume names with one source, mounts naming volumes, unique mount paths.
Status ValidatePod(const Json& pod);
std::string ConfigHash(const Json& pod, const std::string& node, const std::string& path);

class PodSource {
 public:
  PodSource(std::string dir, std::string node) : dir_(std::move(dir)), node_(std::move(node)) {}
  // Full relist (the 20 s timer and the start).
  void Relist();
  // An inotify event for one file name (not starting with '.').
  void FileChanged(const std::string& name);
  std::optional<StaticPod> Get(const std::string& key) const;
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  StatusOr<StaticPod> Load(const std::string& path) const;

  std::string dir_, node_;
  std::map<std::string, StaticPod> pods_;          // by key
  std::map<std::string, std::string> file_keys_;  // file path -> key it last defined
  std::vector<std::string> errors_;                // from the last pass
};

}  // namespace kaudit::nodesim
