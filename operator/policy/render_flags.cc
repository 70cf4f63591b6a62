#include "policy/render_flags.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "common/sha256.h"
#include "kyaml/parse.h"
#include "policy/render.h"

namespace kaudit::policy {
namespace {

std::string Bool(bool b) { return b ? "true" : "false"; }

// Shortest text that reads back as the same double ("10", "0.5", "1e+20"): pflag's float32
// parser (strconv.ParseFloat) reads all of these.
std::string Float(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(d);
}

void AppendBatchAndTruncate(const std::string& prefix, bool batch_mode, const ResolvedBatch& b,
                            const ResolvedTruncate& t, FlagList* out) {
  if (batch_mode) {
    out->emplace_back(prefix + "batch-buffer-size", std::to_string(b.buffer_size));
    out->emplace_back(prefix + "batch-max-size", std::to_string(b.max_size));
    out->emplace_back(prefix + "batch-max-wait", FormatGoDuration(b.max_wait));
    out->emplace_back(prefix + "batch-throttle-enable", Bool(b.throttle_enable));
    if (b.throttle_enable) {
      out->emplace_back(prefix + "batch-throttle-qps", Float(b.throttle_qps));
      out->emplace_back(prefix + "batch-throttle-burst", std::to_string(b.throttle_burst));
    }
  }
  out->emplace_back(prefix + "truncate-enabled", Bool(t.enabled));
  if (t.enabled) {
    out->emplace_back(prefix + "truncate-max-batch-size", std::to_string(t.max_batch_size));
    out->emplace_back(prefix + "truncate-max-event-size", std::to_string(t.max_event_size));
  }
}

std::string JsonString(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

const kyaml::Value* Member(const kyaml::Value* v, std::string_view key) {
  return v != nullptr && v->is_object() ? v->Find(key) : nullptr;
}

std::string Text(const kyaml::Value* v) { return v != nullptr && v->is_string() ? v->text() : ""; }

// The item of a kubeconfig list (clusters, contexts) whose "name" is name.
const kyaml::Value* Named(const kyaml::Value* list, const std::string& name) {
  if (list == nullptr || !list->is_array()) return nullptr;
  for (const kyaml::Value& item : list->items()) {
    if (Text(Member(&item, "name")) == name) return &item;
  }
  return nullptr;
}

}  // namespace

FlagList BackendFlags(const ResolvedLog& log, const std::optional<ResolvedWebhook>& webhook) {
  FlagList out;
  out.emplace_back("audit-log-path", log.path);
  out.emplace_back("audit-log-format", log.format);
  out.emplace_back("audit-log-maxage", std::to_string(log.max_age_days));
  out.emplace_back("audit-log-maxbackup", std::to_string(log.max_backups));
  out.emplace_back("audit-log-maxsize", std::to_string(log.max_size_mb));
  out.emplace_back("audit-log-compress", Bool(log.compress));
  out.emplace_back("audit-log-mode", log.mode);
  AppendBatchAndTruncate("audit-log-", log.mode == "batch", log.batch, log.truncate, &out);
  if (webhook) {
    out.emplace_back("audit-webhook-mode", webhook->mode);
    out.emplace_back("audit-webhook-initial-backoff", FormatGoDuration(webhook->initial_backoff));
    AppendBatchAndTruncate("audit-webhook-", webhook->mode == "batch", webhook->batch,
                           webhook->truncate, &out);
  }
  return out;
}

std::string FlagsJson(const FlagList& flags) {
  std::string out = "[\n";
  for (std::size_t i = 0; i < flags.size(); ++i) {
    out += "  {\"name\": " + JsonString(flags[i].first) +
           ", \"value\": " + JsonString(flags[i].second) + "}";
    out += i + 1 < flags.size() ? ",\n" : "\n";
  }
  out += "]\n";
  return out;
}

std::string RevisionOf(const std::string& policy_yaml, const FlagList& backend_flags,
                       const std::optional<std::string>& webhook_kubeconfig) {
  // Length-prefixed sections, so no content can be mistaken for a section boundary.
  std::string canon = "kaudit-revision-v1\n";
  canon += "policy.yaml " + std::to_string(policy_yaml.size()) + "\n" + policy_yaml;
  std::string flags;
  for (const auto& [name, value] : backend_flags) flags += name + "=" + value + "\n";
  canon += "flags " + std::to_string(flags.size()) + "\n" + flags;
  if (webhook_kubeconfig) {
    canon += "webhook.kubeconfig " + std::to_string(webhook_kubeconfig->size()) + "\n" +
             *webhook_kubeconfig;
  } else {
    canon += "webhook.kubeconfig -\n";
  }
  return Sha256Hex(canon).substr(0, 10);
}

Status CheckWebhookKubeconfig(std::string_view content) {
  StatusOr<kyaml::Document> doc = kyaml::ParseFirstDocument(content);
  if (!doc.ok()) return doc.status().WithContext("webhook kubeconfig");
  auto fail = [](const std::string& why) {
    return Status::InvalidArgument("webhook kubeconfig: " + why +
                                   " (kube-apiserver would not start with it)");
  };
  const kyaml::Value* root = &doc->root;
  if (!root->is_object()) return fail("not a kubeconfig object");
  std::string current = Text(Member(root, "current-context"));
  if (current.empty()) return fail("current-context is not set");
  const kyaml::Value* ctx = Member(Named(Member(root, "contexts"), current), "context");
  if (ctx == nullptr || !ctx->is_object()) {
    return fail("current-context \"" + current + "\" names no context");
  }
  std::string cluster_name = Text(Member(ctx, "cluster"));
  const kyaml::Value* cluster = Member(Named(Member(root, "clusters"), cluster_name), "cluster");
  if (cluster == nullptr || !cluster->is_object()) {
    return fail("context \"" + current + "\" names no existing cluster");
  }
  std::string server = Text(Member(cluster, "server"));
  if (server.rfind("https://", 0) != 0 && server.rfind("http://", 0) != 0) {
    return fail("cluster \"" + cluster_name + "\" has no http(s) server URL");
  }
  return Status::Ok();
}

std::string NodePolicyPath(std::string_view revision) {
  return std::string(kNodePolicyDir) + "/" + std::string(revision) + ".yaml";
}

std::string NodeWebhookConfigPath(std::string_view revision) {
  return std::string(kNodeWebhookDir) + "/" + std::string(revision) + ".kubeconfig";
}

}  // namespace kaudit::policy
