// Internals of the emulator shared by its .cc files (not for use outside tests/support).
// Thread safety: mu_ guards the registry, auth tables, faults and the request log; the Store
// has its own lock. Lock order: store lock, then mu_ (never the reverse).
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include "support/emulator.h"
#include "support/http_server.h"
#include "support/rbac.h"
#include "support/store.h"

namespace kaudit::emulator {

struct ResourceInfo {
  std::string group;
  std::vector<std::string> versions;  // served versions (first = preferred)
  std::string resource;               // plural
  std::string singular;
  std::string kind;
  std::string list_kind;
  bool namespaced = true;
  bool has_status = false;
  bool crd = false;         // served because a CRD defines it
  bool generation = false;  // keeps metadata.generation
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  Json printer_columns = Json::array();  // additionalPrinterColumns of the CRD

  std::string GR() const { return group + "/" + resource; }
};

// A reply: HTTP code and JSON body.
struct Reply {
  int code = 200;
  Json body;
  std::vector<std::pair<std::string, std::string>> headers;
};

Reply ErrorReply(int code, const std::string& reason, const std::string& message,
                 Json details = Json());
std::string NowRfc3339();

// One parsed resource request.
struct Call {
  const HttpRequest* req = nullptr;
  std::string user;
  std::vector<std::string> groups;
  ResourceInfo info;
  std::string version;
  std::string ns;
  std::string name;
  std::string sub;   // subresource
  std::string verb;  // get list watch create update patch delete deletecollection
};

class Emulator::Impl {
 public:
  explicit Impl(EmulatorOptions o);

  Status Start();
  void Stop();
  void Handle(const HttpRequest& req, ResponseWriter& w);
  // Resolves a resource request and runs it (a watch only resolves: 200 with no body).
  Reply Dispatch(Call& call);

  // emulator.cc
  bool Authenticate(const HttpRequest& req, Call* call);
  bool Allowed(const Call& c);
  // RBAC mode: whether the request may go on; when not, *out is the 403 (control calls under
  // /_emulator need system:masters). Always true in AlwaysAllow mode.
  bool Authorized(const HttpRequest& req, const Call& c, Reply* out);
  // RBAC decision from the stored RBAC objects (store lock held).
  rbac::Decision AuthorizeLocked(const rbac::Attributes& a, const Call& c);
  bool rbac_mode() const { return opts_.authorization_mode == "RBAC"; }
  bool ApplyFaults(const HttpRequest& req, const std::string& user, ResponseWriter& w);
  void Record(const HttpRequest& req, const std::string& user, int code, bool watch);
  Reply Control(const HttpRequest& req);
  Status WriteDataDir();
  std::string KubeconfigYaml(const std::string& user_block) const;

  // discovery.cc
  void RegisterBuiltins();
  bool Discovery(const HttpRequest& req, Reply* out);
  Json ToTable(const ResourceInfo& info, const std::vector<Json>& objs, const HttpRequest& req,
               bool with_columns);
  bool WantsTable(const HttpRequest& req) const;
  bool Lookup(const std::string& group, const std::string& version, const std::string& resource,
              ResourceInfo* out);

  // crud.cc
  Reply Get(const Call& c);
  Reply List(const Call& c);
  Reply Create(const Call& c);
  Reply Update(const Call& c);
  Reply Delete(const Call& c);
  Reply DeleteCollection(const Call& c);
  Reply Patch(const Call& c);
  Reply ApplyLocked(const Call& c, const Json& patch, const Json* old);  // store lock held
  // Checks and completes obj for a create or an update of c's resource (store lock held).
  std::optional<Reply> Admit(const Call& c, Json* obj, const Json* old);
  Reply Commit(const Call& c, Json obj, const Json* old, int code);
  Reply FinishDelete(const Call& c, const std::string& key);

  // watch.cc
  void Watch(const Call& c, ResponseWriter& w);

  // crd.cc
  std::optional<Reply> ValidateCrd(const Json& crd);
  void CompleteCrd(Json* crd);
  void SyncCrd(const Json& crd, bool removed);  // registry follows the CRD (store lock held)

  EmulatorOptions opts_;
  std::unique_ptr<Pki> pki_;
  KeyPair server_cert_;
  HttpServer http_;
  Store store_;
  std::atomic<int> port_{0};
  std::atomic<int> active_watches_{0};

  mutable std::mutex mu_;
  std::map<std::string, ResourceInfo> registry_;  // by GR(); guarded by mu_
  struct User {
    std::string name;
    std::vector<std::string> groups;
  };
  std::map<std::string, User> tokens_;  // guarded by mu_
  struct Deny {
    std::string user, verb, resource;
  };
  std::vector<Deny> denies_;            // guarded by mu_
  std::vector<FaultRule> faults_;       // guarded by mu_
  std::vector<RequestRecord> requests_;  // guarded by mu_
  bool seeded_ = false;
};

// Helpers shared by the handlers.
void SendReply(ResponseWriter& w, const Reply& r);
Json ParseBody(const std::string& body, const std::string& content_type, bool* ok);
bool ValidName(const std::string& name, std::string* why);
std::string RandomUid();

}  // namespace kaudit::emulator
