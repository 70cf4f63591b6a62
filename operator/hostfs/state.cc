#include "hostfs/state.h"

#include <algorithm>
#include <chrono>
#include <ctime>

namespace kaudit::hostfs {
namespace {

constexpr std::size_t kMaxManifest = 10 << 20;  // kubelet's own limit for a static-pod file
constexpr const char* kBackupPrefix = "kube-apiserver.yaml.";

std::string Stamp(SystemTime now) {
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02d.%06ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long>(micros));
  return buf;
}

}  // namespace

StatusOr<std::unique_ptr<FileLock>> NodeState::Lock() const {
  KAUDIT_RETURN_IF_ERROR(fs_->MkdirAll(kStateDir, 0700));
  auto real = fs_->Resolve(Path("lock"));
  if (!real.ok()) return real.status();
  return fs_->env()->Lock(*real);
}

StatusOr<std::string> NodeState::Backup(std::string_view manifest, SystemTime now) const {
  KAUDIT_RETURN_IF_ERROR(fs_->MkdirAll(Path("backups"), 0700));
  std::string base = Path("backups/") + kBackupPrefix + Stamp(now);
  std::string path = base;
  for (int i = 2; fs_->Stat(path).ok(); ++i) path = base + "-" + std::to_string(i);
  KAUDIT_RETURN_IF_ERROR(fs_->AtomicWrite(path, manifest, 0600));
  return path;
}

StatusOr<std::vector<BackupInfo>> NodeState::Backups() const {
  std::vector<BackupInfo> out;
  auto names = fs_->List(Path("backups"));
  if (!names.ok()) {
    if (names.status().IsNotFound()) return out;
    return names.status();
  }
  for (const auto& n : *names) {
    if (n.rfind(kBackupPrefix, 0) != 0) continue;
    std::string p = Path("backups/") + n;
    auto st = fs_->Stat(p);
    if (!st.ok() || st->type != FileInfo::Type::kFile) continue;
    out.push_back({p, st->size, st->mtime_unix});
  }
  return out;  // names sort by time
}

Status NodeState::Prune(const std::string& keep_too) const {
  auto all = Backups();
  if (!all.ok()) return all.status();
  if (static_cast<int>(all->size()) <= keep_) return Status::Ok();
  std::size_t drop = all->size() - static_cast<std::size_t>(keep_);
  for (std::size_t i = 0; i < drop; ++i) {
    if ((*all)[i].host_path == keep_too) continue;
    KAUDIT_RETURN_IF_ERROR(fs_->Remove((*all)[i].host_path));
  }
  return Status::Ok();
}

Status NodeState::KeepOriginal(std::string_view manifest) const {
  std::string p = Path("original/kube-apiserver.yaml");
  if (fs_->Stat(p).ok()) return Status::Ok();
  KAUDIT_RETURN_IF_ERROR(fs_->MkdirAll(Path("original"), 0700));
  return fs_->AtomicWrite(p, manifest, 0600);
}

StatusOr<std::optional<std::string>> NodeState::Original() const {
  auto data = fs_->Read(Path("original/kube-apiserver.yaml"), kMaxManifest);
  if (!data.ok()) {
    if (data.status().IsNotFound()) return std::optional<std::string>();
    return data.status();
  }
  return std::optional<std::string>(std::move(*data));
}

Status NodeState::Put(std::string_view name, const nlohmann::json& value) const {
  KAUDIT_RETURN_IF_ERROR(fs_->MkdirAll(kStateDir, 0700));
  return fs_->AtomicWrite(Path(std::string(name) + ".json"), value.dump(2) + "\n", 0600);
}

StatusOr<std::optional<nlohmann::json>> NodeState::Get(std::string_view name) const {
  std::string p = Path(std::string(name) + ".json");
  auto data = fs_->Read(p, 1 << 20);
  if (!data.ok()) {
    if (data.status().IsNotFound()) return std::optional<nlohmann::json>();
    return data.status();
  }
  auto j = nlohmann::json::parse(*data, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument(p + ": not a JSON object (remove it by hand)");
  }
  return std::optional<nlohmann::json>(std::move(j));
}

Status NodeState::Drop(std::string_view name) const {
  Status s = fs_->Remove(Path(std::string(name) + ".json"));
  return s.IsNotFound() ? Status::Ok() : s;
}

Status NodeState::Forget() const {
  KAUDIT_RETURN_IF_ERROR(fs_->RemoveTree(Path("original")));
  return Drop("last-known-good");
}

}  // namespace kaudit::hostfs
