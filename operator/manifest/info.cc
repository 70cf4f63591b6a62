// Inspect(): what status and the health check read from a manifest.
#include "manifest/flags.h"
#include "manifest/patch.h"
#include "manifest/pod.h"
#include "manifest/yaml_tree.h"

namespace kaudit::manifest {
namespace {

void ReadProbe(const Node& c, ManifestInfo* info) {
  for (const char* key : {"readinessProbe", "livenessProbe", "startupProbe"}) {
    const Node* probe = c.Find(key);
    const Node* get = probe && probe->is_mapping() ? probe->Find("httpGet") : nullptr;
    if (!get || !get->is_mapping()) continue;
    if (const Node* h = get->Find("host"); h && h->is_string() && !h->text.empty()) {
      info->probe_host = h->text;
    }
    if (const Node* p = get->Find("port"); p && p->is_scalar() && p->type == ScalarType::kInt) {
      info->probe_port = std::stoi(p->text);
    }
    const Node* s = get->Find("scheme");
    info->probe_scheme = s && s->is_string() && s->text == "HTTPS" ? "https" : "http";
    return;
  }
}

}  // namespace

StatusOr<ManifestInfo> Inspect(std::string_view manifest) {
  auto doc = ParseDocument(manifest);
  if (!doc.ok()) return doc.status();
  KAUDIT_RETURN_IF_ERROR(CheckPodShape(doc->root));
  ManifestInfo info;
  const Node* md = doc->root.Find("metadata");
  const Node* ann = md ? md->Find("annotations") : nullptr;
  const Node* rev = ann && ann->is_mapping() ? ann->Find(kRevisionAnnotation) : nullptr;
  if (rev && rev->is_scalar()) info.revision = rev->text;
  const Node* c = ApiserverContainer(doc->root);
  if (const Node* img = c->Find("image"); img && img->is_string()) info.image = img->text;
  for (const char* key : {"command", "args"}) {
    auto items = StringItems(*c, key);
    if (!items.ok()) return items.status();
    for (const auto& u : ScanFlags(*items)) {
      if (u.name == "secure-port" && u.has_value) {
        try {
          info.probe_port = std::stoi(u.value);
        } catch (...) {
        }
      }
      if (u.name == "client-ca-file" && u.has_value) info.client_ca_file = u.value;
      if (IsAuditFlag(u.name)) {
        info.audit_flags.emplace_back(u.name, u.has_value ? u.value : std::string("true"));
      }
    }
  }
  ReadProbe(*c, &info);
  return info;
}

}  // namespace kaudit::manifest
