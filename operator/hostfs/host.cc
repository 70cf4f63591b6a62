#include "hostfs/host.h"

#include <algorithm>

namespace kaudit::hostfs {
namespace {

constexpr int kMaxSymlinks = 40;

std::vector<std::string> Split(std::string_view p) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    if (j > i) out.emplace_back(p.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

Status CheckHostPath(std::string_view p) {
  if (p.empty() || p[0] != '/') {
    return Status::InvalidArgument("path " + std::string(p) + ": must be absolute");
  }
  for (const auto& part : Split(p)) {
    if (part == "..") {
      return Status::InvalidArgument("path " + std::string(p) + ": '..' segments are refused");
    }
  }
  return Status::Ok();
}

}  // namespace

HostFs::HostFs(Env* env, std::string root) : env_(env) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  root_ = root == "/" ? "" : root;
}

// Resolves host_path component by component under the root; returns the host-path components.
StatusOr<std::vector<std::string>> HostFs::Walk(std::string_view host_path) const {
  KAUDIT_RETURN_IF_ERROR(CheckHostPath(host_path));
  std::vector<std::string> todo = Split(host_path);
  std::reverse(todo.begin(), todo.end());
  std::vector<std::string> done;
  int links = 0;
  while (!todo.empty()) {
    std::string c = todo.back();
    todo.pop_back();
    if (c == ".") continue;
    if (c == "..") {
      if (done.empty()) {
        return Status::PermissionDenied("path " + std::string(host_path) +
                                        ": a symlink leads outside the host root");
      }
      done.pop_back();
      continue;
    }
    done.push_back(c);
    std::string real = root_ + Join(done);
    auto st = env_->Stat(real);
    if (!st.ok()) {
      if (st.status().IsNotFound()) {
        for (auto it = todo.rbegin(); it != todo.rend(); ++it) done.push_back(*it);
        return done;
      }
      return st.status();
    }
    if (st->type != FileInfo::Type::kSymlink) continue;
    if (++links > kMaxSymlinks) {
      return Status::InvalidArgument("path " + std::string(host_path) + ": too many symlinks");
    }
    auto target = env_->ReadLink(real);
    if (!target.ok()) return target.status();
    done.pop_back();
    if (!target->empty() && (*target)[0] == '/') done.clear();
    auto parts = Split(*target);
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_back(*it);
  }
  return done;
}

StatusOr<std::string> HostFs::Resolve(std::string_view host_path) const {
  auto parts = Walk(host_path);
  if (!parts.ok()) return parts.status();
  return root_ + Join(*parts);
}

StatusOr<std::string> HostFs::Canonical(std::string_view host_path) const {
  auto parts = Walk(host_path);
  if (!parts.ok()) return parts.status();
  return Join(*parts);
}

StatusOr<std::string> HostFs::Read(std::string_view host_path, std::size_t max_bytes) const {
  auto real = Resolve(host_path);
  if (!real.ok()) return real.status();
  return env_->ReadFile(*real, max_bytes);
}

StatusOr<FileInfo> HostFs::Stat(std::string_view host_path) const {
  auto real = Resolve(host_path);
  if (!real.ok()) return real.status();
  return env_->Stat(*real);
}

StatusOr<std::vector<std::string>> HostFs::List(std::string_view host_path) const {
  auto real = Resolve(host_path);
  if (!real.ok()) return real.status();
  return env_->ListDir(*real);
}

Status HostFs::MkdirAll(std::string_view host_path, mode_t mode) const {
  KAUDIT_RETURN_IF_ERROR(CheckHostPath(host_path));
  std::string prefix;
  for (const auto& part : Split(host_path)) {
    prefix += "/" + part;
    auto real = Resolve(prefix);
    if (!real.ok()) return real.status();
    auto st = env_->Stat(*real);
    if (st.ok()) {
      if (st->type != FileInfo::Type::kDirectory) {
        return Status::FailedPrecondition(prefix + " exists and is not a directory");
      }
      continue;
    }
    if (!st.status().IsNotFound()) return st.status();
    Status s = env_->MakeDir(*real, mode);
    if (!s.ok() && s.code() != StatusCode::kAlreadyExists) return s;
  }
  return Status::Ok();
}

std::string HostFs::TempPathFor(std::string_view host_path) {
  std::size_t slash = host_path.rfind('/');
  return std::string(host_path.substr(0, slash + 1)) + "." +
         std::string(host_path.substr(slash + 1)) + ".kaudit-tmp";
}

Status HostFs::AtomicWrite(std::string_view host_path, std::string_view data, mode_t mode) const {
  auto real = Resolve(host_path);
  if (!real.ok()) return real.status();
  auto tmp = Resolve(TempPathFor(host_path));
  if (!tmp.ok()) return tmp.status();
  std::string dir = real->substr(0, real->rfind('/'));
  if (dir.empty()) dir = "/";
  Status s = env_->WriteFile(*tmp, data, mode);
  if (s.ok()) s = env_->Rename(*tmp, *real);
  if (!s.ok()) {
    (void)env_->Remove(*tmp);
    return s.WithContext("writing " + std::string(host_path));
  }
  return env_->SyncDir(dir).WithContext("writing " + std::string(host_path));
}

Status HostFs::Recreate(std::string_view host_path, std::string_view data, mode_t mode) const {
  auto real = Resolve(host_path);
  if (!real.ok()) return real.status();
  auto tmp = Resolve(TempPathFor(host_path));
  if (!tmp.ok()) return tmp.status();
  std::string dir = real->substr(0, real->rfind('/'));
  if (dir.empty()) dir = "/";
  Status s = env_->WriteFile(*tmp, data, mode);
  if (!s.ok()) {
    (void)env_->Remove(*tmp);
    return s.WithContext("restoring " + std::string(host_path));
  }
  s = env_->Remove(*real);
  if (!s.ok() && !s.IsNotFound()) return s.WithContext("restoring " + std::string(host_path));
  KAUDIT_RETURN_IF_ERROR(env_->SyncDir(dir));
  KAUDIT_RETURN_IF_ERROR(env_->Rename(*tmp, *real));
  return env_->SyncDir(dir);
}

StatusOr<bool> HostFs::RecoverTemp(std::string_view host_path, std::string_view expected) const {
  auto real = Resolve(host_path);
  if (!real.ok()) return real.status();
  auto tmp = Resolve(TempPathFor(host_path));
  if (!tmp.ok()) return tmp.status();
  auto tmp_data = env_->ReadFile(*tmp, 16 << 20);
  if (!tmp_data.ok()) return false;
  auto st = env_->Stat(*real);
  bool restore = !st.ok() && st.status().IsNotFound() && *tmp_data == expected;
  if (restore) {
    KAUDIT_RETURN_IF_ERROR(env_->Rename(*tmp, *real));
  } else {
    KAUDIT_RETURN_IF_ERROR(env_->Remove(*tmp));
  }
  std::string dir = real->substr(0, real->rfind('/'));
  KAUDIT_RETURN_IF_ERROR(env_->SyncDir(dir.empty() ? "/" : dir));
  return restore;
}

Status HostFs::Remove(std::string_view host_path) const {
  auto real = Resolve(host_path);
  if (!real.ok()) return real.status();
  return env_->Remove(*real);
}

Status HostFs::RemoveTreeReal(const std::string& real) const {
  auto st = env_->Stat(real);
  if (!st.ok()) return st.status().IsNotFound() ? Status::Ok() : st.status();
  if (st->type != FileInfo::Type::kDirectory) return env_->Remove(real);
  auto names = env_->ListDir(real);
  if (!names.ok()) return names.status();
  for (const auto& n : *names) KAUDIT_RETURN_IF_ERROR(RemoveTreeReal(real + "/" + n));
  return env_->RemoveDir(real);
}

Status HostFs::RemoveTree(std::string_view host_path) const {
  auto real = Resolve(host_path);
  if (!real.ok()) return real.status();
  Status st = RemoveTreeReal(*real);
  // The folder itself may be a mount point: the agent pod mounts /etc/kubernetes/kaudit from the
  // host, and rmdir of a mount point fails with EBUSY. Once it is empty, that is as removed as
  // it can be from inside the mount (the empty folder stays on the host).
  if (st.code() == StatusCode::kFailedPrecondition) {
    auto left = env_->ListDir(*real);
    if (left.ok() && left->empty()) return Status::Ok();
  }
  return st;
}

}  // namespace kaudit::hostfs
