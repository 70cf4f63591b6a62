#include "hostfs/fault_env.h"

namespace kaudit::hostfs {

Status FaultEnv::Mutate(const std::string& path, bool* crash_now) {
  *crash_now = false;
  if (crashed_) return Dead();
  ++mutations_;
  if (crash_at_ > 0 && mutations_ == crash_at_) {
    crashed_ = true;
    *crash_now = true;
    return Dead();
  }
  if (fail_at_ > 0 && mutations_ == fail_at_) return ErrnoStatus(fail_errno_, "injected", path);
  if (!fail_path_.empty() && path.find(fail_path_) != std::string::npos) {
    return ErrnoStatus(fail_path_errno_, "injected", path);
  }
  return Status::Ok();
}

StatusOr<std::string> FaultEnv::ReadFile(const std::string& path, std::size_t max_bytes) {
  if (crashed_) return Dead();
  return base_->ReadFile(path, max_bytes);
}

Status FaultEnv::WriteFile(const std::string& path, std::string_view data, mode_t mode) {
  bool crash = false;
  Status s = Mutate(path, &crash);
  if (crash) {
    // Killed in the middle of writing: half the bytes reached the file.
    (void)base_->WriteFile(path, data.substr(0, data.size() / 2), mode);
    return s;
  }
  if (!s.ok()) return s;
  return base_->WriteFile(path, data, mode);
}

Status FaultEnv::Rename(const std::string& from, const std::string& to) {
  bool crash = false;
  KAUDIT_RETURN_IF_ERROR(Mutate(to, &crash));
  return base_->Rename(from, to);
}

Status FaultEnv::Remove(const std::string& path) {
  bool crash = false;
  KAUDIT_RETURN_IF_ERROR(Mutate(path, &crash));
  return base_->Remove(path);
}

Status FaultEnv::RemoveDir(const std::string& path) {
  bool crash = false;
  KAUDIT_RETURN_IF_ERROR(Mutate(path, &crash));
  return base_->RemoveDir(path);
}

Status FaultEnv::SyncDir(const std::string& path) {
  bool crash = false;
  KAUDIT_RETURN_IF_ERROR(Mutate(path, &crash));
  return base_->SyncDir(path);
}

Status FaultEnv::MakeDir(const std::string& path, mode_t mode) {
  bool crash = false;
  KAUDIT_RETURN_IF_ERROR(Mutate(path, &crash));
  return base_->MakeDir(path, mode);
}

StatusOr<FileInfo> FaultEnv::Stat(const std::string& path) {
  if (crashed_) return Dead();
  return base_->Stat(path);
}

StatusOr<std::string> FaultEnv::ReadLink(const std::string& path) {
  if (crashed_) return Dead();
  return base_->ReadLink(path);
}

StatusOr<std::vector<std::string>> FaultEnv::ListDir(const std::string& path) {
  if (crashed_) return Dead();
  return base_->ListDir(path);
}

StatusOr<std::unique_ptr<FileLock>> FaultEnv::Lock(const std::string& path) {
  if (crashed_) return Dead();
  return base_->Lock(path);
}

}  // namespace kaudit::hostfs
