#include "nodesim/pod_file.h"

#include <dirent.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace kaudit::nodesim {
namespace {

Json ToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      Json o = Json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = ToJson(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      Json a = Json::array();
      for (const auto& e : n) a.push_back(ToJson(e));
      return a;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted
      if (s == "true" || s == "false") return s == "true";
      if (s == "null" || s == "~") return nullptr;
      if (!s.empty() && s.find_first_not_of("-0123456789") == std::string::npos &&
          s.size() < 18 && s != "-") {
        return std::stoll(s);
      }
      return s;
    }
    default:
      return nullptr;
  }
}

bool Has(const Json& o, const char* key) { return o.is_object() && o.contains(key); }

Status CheckContainers(const Json& spec, const std::set<std::string>& volumes) {
  if (!Has(spec, "containers") || !spec["containers"].is_array() || spec["containers"].empty()) {
    return Status::InvalidArgument("spec.containers: Required value");
  }
  std::set<std::string> names;
  for (const auto& c : spec["containers"]) {
    std::string name = c.value("name", "");
    if (name.empty()) return Status::InvalidArgument("spec.containers[].name: Required value");
    if (!names.insert(name).second) return Status::InvalidArgument("spec.containers[].name: Duplicate value: " + name);
    if (c.value("image", "").empty()) return Status::InvalidArgument("spec.containers[].image: Required value");
    std::set<std::string> paths;
    for (const auto& m : c.value("volumeMounts", Json::array())) {
      std::string v = m.value("name", ""), p = m.value("mountPath", "");
      if (!volumes.count(v)) return Status::InvalidArgument("volumeMounts[].name: Not found: " + v);
      if (p.empty()) return Status::InvalidArgument("volumeMounts[].mountPath: Required value");
      if (!paths.insert(p).second) return Status::InvalidArgument("volumeMounts[].mountPath: must be unique: " + p);
    }
  }
  return Status::Ok();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

StatusOr<Json> DecodeYaml(const std::string& text) {
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(text);
    if (docs.size() != 1) return Status::InvalidArgument("want exactly one document");
    return ToJson(docs[0]);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("cannot decode: ") + e.what());
  }
}

Status ValidatePod(const Json& pod) {
  if (!pod.is_object() || pod.value("kind", "") != "Pod" || pod.value("apiVersion", "") != "v1") {
    return Status::InvalidArgument("not a v1 Pod");
  }
  if (!Has(pod, "metadata") || pod["metadata"].value("name", "").empty()) {
    return Status::InvalidArgument("metadata.name: Required value");
  }
  if (!Has(pod, "spec") || !pod["spec"].is_object()) return Status::InvalidArgument("spec: Required value");
  std::set<std::string> volumes;
  for (const auto& v : pod["spec"].value("volumes", Json::array())) {
    std::string name = v.value("name", "");
    if (name.empty()) return Status::InvalidArgument("spec.volumes[].name: Required value");
    if (!volumes.insert(name).second) return Status::InvalidArgument("spec.volumes[].name: Duplicate value: " + name);
    int sources = 0;
    for (const auto& [k, val] : v.items()) sources += k != "name" ? 1 : 0;
    if (sources != 1) return Status::InvalidArgument("spec.volumes[" + name + "]: must specify exactly 1 volume type");
  }
  return CheckContainers(pod["spec"], volumes);
}

std::string ConfigHash(const Json& pod, const std::string& node, const std::string& path) {
  std::string data = pod.dump() + "host:" + node + "file:" + path;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

StatusOr<StaticPod> PodSource::Load(const std::string& path) const {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(path + ": not a regular file");
  }
  if (st.st_size > (10 << 20)) return Status::InvalidArgument(path + ": larger than 10 MB");
  auto pod = DecodeYaml(ReadFile(path));
  if (!pod.ok()) return pod.status().WithContext(path);
  Status v = ValidatePod(*pod);
  if (!v.ok()) return v.WithContext(path);
  std::string ns = (*pod)["metadata"].value("namespace", "");
  StaticPod p;
  p.key = (ns.empty() ? "default" : ns) + "/" + (*pod)["metadata"].value("name", "");
  p.path = path;
  p.hash = ConfigHash(*pod, node_, path);
  p.pod = std::move(*pod);
  return p;
}

void PodSource::Relist() {
  errors_.clear();
  std::vector<std::string> names;
  if (DIR* d = opendir(dir_.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (!n.empty() && n[0] != '.') names.push_back(n);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  std::map<std::string, StaticPod> fresh;
  file_keys_.clear();
  for (const auto& n : names) {
    auto p = Load(dir_ + "/" + n);
    if (!p.ok()) {
      errors_.push_back("Could not process manifest file: " + p.status().message());
      continue;
    }
    file_keys_[p->path] = p->key;
    fresh[p->key] = std::move(*p);  // the last file in name order wins
  }
  pods_ = std::move(fresh);
}

void PodSource::FileChanged(const std::string& name) {
  std::string path = dir_ + "/" + name;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {  // removed or renamed away
    auto it = file_keys_.find(path);
    if (it != file_keys_.end()) {
      pods_.erase(it->second);
      file_keys_.erase(it);
    }
    return;
  }
  auto p = Load(path);
  if (!p.ok()) {
    errors_.push_back("Could not process manifest file: " + p.status().message());
    return;
  }
  file_keys_[path] = p->key;
  pods_[p->key] = std::move(*p);
}

std::optional<StaticPod> PodSource::Get(const std::string& key) const {
  auto it = pods_.find(key);
  if (it == pods_.end()) return std::nullopt;
  return it->second;
}

}  // namespace kaudit::nodesim
