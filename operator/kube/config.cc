#include "kube/config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kube/util.h"

namespace kaudit::kube {
namespace {

namespace fs = std::filesystem;

// A named entry with the folder of the file that defined it (for relative paths).
struct Entry {
  YAML::Node node;
  std::string dir;
};

struct Merged {
  std::map<std::string, Entry> clusters, users, contexts;
  std::string current_context;
};

StatusOr<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Str(const YAML::Node& n, const char* key) {
  const YAML::Node v = n[key];
  if (!v || !v.IsScalar()) return "";
  return v.Scalar();
}

bool Bool(const YAML::Node& n, const char* key) {
  const YAML::Node v = n[key];
  return v && v.IsScalar() && v.Scalar() == "true";
}

std::string Resolve(const std::string& path, const std::string& dir) {
  if (path.empty() || fs::path(path).is_absolute() || dir.empty()) return path;
  return (fs::path(dir) / path).string();
}

// "<field>-data" (base64) wins over "<field>" (a file path).
StatusOr<std::string> DataOrFile(const YAML::Node& n, const std::string& field,
                                 const std::string& dir, const std::string& where) {
  std::string data = Str(n, (field + "-data").c_str());
  if (!data.empty()) {
    auto decoded = Base64Decode(data);
    if (!decoded) return Status::InvalidArgument(where + "." + field + "-data: not valid base64");
    return *decoded;
  }
  std::string file = Str(n, field.c_str());
  if (file.empty()) return std::string();
  auto text = ReadWhole(Resolve(file, dir));
  if (!text.ok()) return text.status().WithContext(where + "." + field);
  return text;
}

void MergeNamed(const YAML::Node& list, const char* inner, const std::string& dir,
                std::map<std::string, Entry>* into) {
  if (!list || !list.IsSequence()) return;
  for (const auto& item : list) {
    std::string name = Str(item, "name");
    if (name.empty() || into->count(name)) continue;  // first definition wins
    into->emplace(name, Entry{item[inner], dir});
  }
}

Status MergeFile(const std::string& text, const std::string& dir, const std::string& label,
                 Merged* m) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(label + ": " + e.what());
  }
  if (!root || root.IsNull()) return Status::Ok();
  if (!root.IsMap()) return Status::InvalidArgument(label + ": not a kubeconfig (not a map)");
  MergeNamed(root["clusters"], "cluster", dir, &m->clusters);
  MergeNamed(root["users"], "user", dir, &m->users);
  MergeNamed(root["contexts"], "context", dir, &m->contexts);
  if (m->current_context.empty()) m->current_context = Str(root, "current-context");
  return Status::Ok();
}

StatusOr<ExecConfig> ParseExec(const YAML::Node& n, const std::string& dir) {
  ExecConfig e;
  e.api_version = Str(n, "apiVersion");
  if (e.api_version != "client.authentication.k8s.io/v1") {
    return Status::InvalidArgument("user.exec.apiVersion: \"" + e.api_version +
                                   "\" is not supported (only client.authentication.k8s.io/v1)");
  }
  e.command = Str(n, "command");
  if (e.command.empty()) return Status::InvalidArgument("user.exec.command: required");
  if (e.command.find('/') != std::string::npos) e.command = Resolve(e.command, dir);
  if (n["args"] && n["args"].IsSequence()) {
    for (const auto& a : n["args"]) e.args.push_back(a.Scalar());
  }
  if (n["env"] && n["env"].IsSequence()) {
    for (const auto& kv : n["env"]) e.env.emplace_back(Str(kv, "name"), Str(kv, "value"));
  }
  e.provide_cluster_info = Bool(n, "provideClusterInfo");
  e.interactive_mode = Str(n, "interactiveMode");
  return e;
}

Status ResolveCluster(const Entry& c, const std::string& name, RestConfig* out) {
  std::string where = "clusters[" + name + "]";
  out->server = Str(c.node, "server");
  if (out->server.empty()) return Status::InvalidArgument(where + ".server: required");
  while (!out->server.empty() && out->server.back() == '/') out->server.pop_back();
  auto ca = DataOrFile(c.node, "certificate-authority", c.dir, where);
  if (!ca.ok()) return ca.status();
  out->ca_pem = *ca;
  out->insecure_skip_tls_verify = Bool(c.node, "insecure-skip-tls-verify");
  out->tls_server_name = Str(c.node, "tls-server-name");
  return Status::Ok();
}

Status ResolveUser(const Entry& u, const std::string& name, RestConfig* out) {
  std::string where = "users[" + name + "]";
  auto cert = DataOrFile(u.node, "client-certificate", u.dir, where);
  if (!cert.ok()) return cert.status();
  auto key = DataOrFile(u.node, "client-key", u.dir, where);
  if (!key.ok()) return key.status();
  out->client_cert_pem = *cert;
  out->client_key_pem = *key;
  if (out->client_cert_pem.empty() != out->client_key_pem.empty()) {
    return Status::InvalidArgument(where + ": client certificate and key must be given together");
  }
  out->token = Str(u.node, "token");
  std::string token_file = Str(u.node, "tokenFile");
  if (!token_file.empty()) out->token_file = Resolve(token_file, u.dir);
  if (u.node["exec"] && u.node["exec"].IsMap()) {
    auto exec = ParseExec(u.node["exec"], u.dir);
    if (!exec.ok()) return exec.status().WithContext(where);
    out->exec = std::move(*exec);
  }
  if (u.node["auth-provider"] && u.node["auth-provider"].IsMap()) {
    return Status::InvalidArgument(where + ".auth-provider: not supported; use exec");
  }
  return Status::Ok();
}

StatusOr<RestConfig> Resolve(const Merged& m, const std::string& context_override) {
  std::string ctx_name = context_override.empty() ? m.current_context : context_override;
  if (ctx_name.empty()) return Status::InvalidArgument("kubeconfig: no current-context");
  auto ctx = m.contexts.find(ctx_name);
  if (ctx == m.contexts.end()) {
    return Status::InvalidArgument("kubeconfig: context \"" + ctx_name + "\" not found");
  }
  std::string cluster = Str(ctx->second.node, "cluster");
  std::string user = Str(ctx->second.node, "user");
  RestConfig out;
  std::string ns = Str(ctx->second.node, "namespace");
  if (!ns.empty()) out.namespace_name = ns;
  auto c = m.clusters.find(cluster);
  if (c == m.clusters.end()) {
    return Status::InvalidArgument("kubeconfig: cluster \"" + cluster + "\" of context \"" +
                                   ctx_name + "\" not found");
  }
  KAUDIT_RETURN_IF_ERROR(ResolveCluster(c->second, cluster, &out));
  if (!user.empty()) {
    auto u = m.users.find(user);
    if (u == m.users.end()) {
      return Status::InvalidArgument("kubeconfig: user \"" + user + "\" of context \"" +
                                     ctx_name + "\" not found");
    }
    KAUDIT_RETURN_IF_ERROR(ResolveUser(u->second, user, &out));
  }
  return out;
}

std::string DirOf(const std::string& path) {
  return fs::absolute(fs::path(path)).parent_path().string();
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

StatusOr<RestConfig> ParseKubeconfig(const std::string& yaml_text, const std::string& dir,
                                     const std::string& context) {
  Merged m;
  KAUDIT_RETURN_IF_ERROR(MergeFile(yaml_text, dir, "kubeconfig", &m));
  return Resolve(m, context);
}

StatusOr<RestConfig> LoadKubeconfig(const KubeconfigOptions& opts) {
  Merged m;
  if (!opts.explicit_path.empty()) {
    auto text = ReadWhole(opts.explicit_path);
    if (!text.ok()) return text.status();
    KAUDIT_RETURN_IF_ERROR(MergeFile(*text, DirOf(opts.explicit_path), opts.explicit_path, &m));
    return Resolve(m, opts.context);
  }
  std::vector<std::string> paths;
  std::stringstream ss(opts.kubeconfig_env);
  for (std::string p; std::getline(ss, p, ':');) {
    if (!p.empty()) paths.push_back(p);
  }
  if (paths.empty()) paths.push_back(opts.home + "/.kube/config");
  bool any = false;
  for (const auto& p : paths) {
    std::error_code ec;
    if (!fs::exists(p, ec)) continue;  // clientcmd skips missing files in the list
    auto text = ReadWhole(p);
    if (!text.ok()) return text.status();
    KAUDIT_RETURN_IF_ERROR(MergeFile(*text, DirOf(p), p, &m));
    any = true;
  }
  if (!any) return Status::NotFound("no kubeconfig file found");
  return Resolve(m, opts.context);
}

InClusterOptions InClusterOptionsFromEnv() {
  InClusterOptions o;
  o.service_host = Env("KUBERNETES_SERVICE_HOST");
  o.service_port = Env("KUBERNETES_SERVICE_PORT");
  return o;
}

StatusOr<RestConfig> LoadInClusterConfig(const InClusterOptions& opts) {
  if (opts.service_host.empty() || opts.service_port.empty()) {
    return Status::FailedPrecondition(
        "not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
  }
  RestConfig out;
  std::string host = opts.service_host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";  // IPv6
  out.server = "https://" + host + ":" + opts.service_port;
  std::string token_file = opts.sa_dir + "/token";
  std::error_code ec;
  if (!fs::exists(token_file, ec)) {
    return Status::FailedPrecondition("not in a cluster: " + token_file + " does not exist");
  }
  out.token_file = token_file;
  auto ca = ReadWhole(opts.sa_dir + "/ca.crt");
  if (!ca.ok()) return ca.status().WithContext("in-cluster CA");
  out.ca_pem = *ca;
  auto ns = ReadWhole(opts.sa_dir + "/namespace");
  if (ns.ok()) {
    std::string n = *ns;
    while (!n.empty() && (n.back() == '\n' || n.back() == ' ')) n.pop_back();
    if (!n.empty()) out.namespace_name = n;
  }
  return out;
}

StatusOr<RestConfig> LoadDefaultConfig(const std::string& explicit_path,
                                       const std::string& context) {
  KubeconfigOptions k;
  k.explicit_path = explicit_path;
  k.kubeconfig_env = Env("KUBECONFIG");
  k.home = Env("HOME");
  k.context = context;
  if (!explicit_path.empty() || !k.kubeconfig_env.empty()) return LoadKubeconfig(k);
  auto in_cluster = LoadInClusterConfig(InClusterOptionsFromEnv());
  if (in_cluster.ok() || in_cluster.status().code() != StatusCode::kFailedPrecondition) {
    return in_cluster;
  }
  return LoadKubeconfig(k);
}

}  // namespace kaudit::kube
