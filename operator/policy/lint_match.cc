#include "policy/lint_match.h"

#include <algorithm>

namespace kaudit::policy::lint_internal {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// A selector list covers a single value (nullptr: "any value") when it is empty (matches
// everything) or lists that value.
bool CoversValue(const std::vector<std::string>& list, const std::string* value) {
  return list.empty() || (value != nullptr && Contains(list, *value));
}

bool Intersects(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() || b.empty()) return true;
  return std::any_of(a.begin(), a.end(), [&](const std::string& s) { return Contains(b, s); });
}

ResourcePattern Make(ResourcePattern::Kind kind, std::string_view text, std::string resource = "",
                     std::string subresource = "") {
  return {kind, std::move(resource), std::move(subresource), std::string(text)};
}

const ResourcePattern& AllPattern() {
  static const auto* const kAll = new ResourcePattern{ResourcePattern::Kind::kAll, "", "", "*"};
  return *kAll;
}

bool UrlsOverlap(const UrlPattern& a, const UrlPattern& b) {
  using K = UrlPattern::Kind;
  if (a.kind == K::kAll || b.kind == K::kAll) return true;
  if (a.kind == K::kExact && b.kind == K::kExact) return a.path == b.path;
  if (a.kind == K::kExact) return a.path.starts_with(b.path);
  if (b.kind == K::kExact) return b.path.starts_with(a.path);
  return a.path.starts_with(b.path) || b.path.starts_with(a.path);
}

bool EntriesOverlap(const Selector::Entry& a, const Selector::Entry& b) {
  if (a.group != b.group) return false;
  if (a.whole_group || b.whole_group) return true;
  if (!Intersects(a.names, b.names)) return false;
  for (const ResourcePattern& pa : a.patterns) {
    for (const ResourcePattern& pb : b.patterns) {
      if (IntersectPatterns(pa, pb)) return true;
    }
  }
  return false;
}

}  // namespace

ResourcePattern ClassifyResource(std::string_view text) {
  using K = ResourcePattern::Kind;
  if (text == "*") return Make(K::kAll, text);
  auto slashes = std::count(text.begin(), text.end(), '/');
  if (slashes == 0) return Make(K::kExact, text, std::string(text), "");
  if (slashes > 1) return Make(K::kOpaque, text);
  std::size_t cut = text.find('/');
  std::string_view res = text.substr(0, cut);
  std::string_view sub = text.substr(cut + 1);
  if (res.empty() || sub.empty() || (res == "*" && sub == "*")) return Make(K::kOpaque, text);
  // Upstream used TrimLeft/TrimRight (cut sets) before it used TrimPrefix/TrimSuffix; the two
  // agree unless the kept part starts (or ends) with '*', so those spellings stay opaque.
  if (res == "*") {
    if (sub.front() == '*') return Make(K::kOpaque, text);
    return Make(K::kAnyResourceSub, text, "", std::string(sub));
  }
  if (sub == "*") {
    if (res.back() == '*') return Make(K::kOpaque, text);
    return Make(K::kResourceAnySub, text, std::string(res), "");
  }
  return Make(K::kExact, text, std::string(res), std::string(sub));
}

bool PatternCovers(const ResourcePattern& outer, const ResourcePattern& inner) {
  using K = ResourcePattern::Kind;
  if (outer.text == inner.text) return true;
  switch (outer.kind) {
    case K::kAll:
      return true;
    case K::kOpaque:
      return false;
    case K::kResourceAnySub:
      return (inner.kind == K::kExact || inner.kind == K::kResourceAnySub) &&
             inner.resource == outer.resource;
    case K::kAnyResourceSub:
      return (inner.kind == K::kExact || inner.kind == K::kAnyResourceSub) &&
             inner.subresource == outer.subresource;
    case K::kExact:
      return inner.kind == K::kExact && inner.resource == outer.resource &&
             inner.subresource == outer.subresource;
  }
  return false;
}

std::optional<ResourcePattern> IntersectPatterns(const ResourcePattern& a,
                                                 const ResourcePattern& b) {
  using K = ResourcePattern::Kind;
  if (a.kind == K::kOpaque) return b;
  if (b.kind == K::kOpaque || b.kind == K::kAll) return a;
  if (a.kind == K::kAll) return b;
  // Order the pair so that a.kind <= b.kind among kExact < kResourceAnySub < kAnyResourceSub.
  if (static_cast<int>(a.kind) > static_cast<int>(b.kind)) return IntersectPatterns(b, a);
  switch (a.kind) {
    case K::kExact:
      if (b.kind == K::kExact) {
        if (a.resource == b.resource && a.subresource == b.subresource) return a;
        return std::nullopt;
      }
      if (b.kind == K::kResourceAnySub) {
        if (a.resource == b.resource) return a;
        return std::nullopt;
      }
      if (a.subresource == b.subresource) return a;  // b is kAnyResourceSub
      return std::nullopt;
    case K::kResourceAnySub:
      if (b.kind == K::kResourceAnySub) {
        if (a.resource == b.resource) return a;
        return std::nullopt;
      }
      return Make(K::kExact, a.resource + "/" + b.subresource, a.resource, b.subresource);
    default:  // both kAnyResourceSub
      if (a.subresource == b.subresource) return a;
      return std::nullopt;
  }
}

UrlPattern ClassifyUrl(std::string_view text) {
  std::string s(text);
  if (s.empty() || s.back() != '*') return {UrlPattern::Kind::kExact, s, s};
  // pathMatches trims every trailing '*' (strings.TrimRight); "*" and "**" match every path.
  std::size_t last = s.find_last_not_of('*');
  if (last == std::string::npos) return {UrlPattern::Kind::kAll, s, ""};
  std::string prefix = s.substr(0, last + 1);
  return {UrlPattern::Kind::kPrefix, s, prefix};
}

bool UrlCovers(const UrlPattern& outer, const UrlPattern& inner) {
  using K = UrlPattern::Kind;
  switch (outer.kind) {
    case K::kAll:
      return true;
    case K::kExact:
      return inner.kind == K::kExact && inner.path == outer.path;
    case K::kPrefix:
      return inner.kind != K::kAll && inner.path.starts_with(outer.path);
  }
  return false;
}

Selector ToSelector(const PolicyRule& rule) {
  Selector s;
  s.users = rule.users;
  s.groups = rule.user_groups;
  s.verbs = rule.verbs;
  if (!rule.namespaces.empty() || !rule.resources.empty()) {
    s.kind = Selector::Kind::kResource;
    s.namespaces = rule.namespaces;
    for (const GroupResources& gr : rule.resources) {
      Selector::Entry e{.group = gr.group, .whole_group = gr.resources.empty()};
      for (const std::string& r : gr.resources) e.patterns.push_back(ClassifyResource(r));
      e.names = gr.resource_names;
      s.entries.push_back(std::move(e));
    }
  } else if (!rule.non_resource_urls.empty()) {
    s.kind = Selector::Kind::kNonResource;
    for (const std::string& u : rule.non_resource_urls) s.urls.push_back(ClassifyUrl(u));
  }
  return s;
}

bool MayOverlap(const Selector& a, const Selector& b) {
  // Groups never separate two rules: one user can be in both rules' groups.
  if (!Intersects(a.users, b.users) || !Intersects(a.verbs, b.verbs)) return false;
  using K = Selector::Kind;
  if (a.kind == K::kAny || b.kind == K::kAny) return true;
  if (a.kind != b.kind) return false;
  if (a.kind == K::kNonResource) {
    for (const UrlPattern& ua : a.urls) {
      for (const UrlPattern& ub : b.urls) {
        if (UrlsOverlap(ua, ub)) return true;
      }
    }
    return false;
  }
  if (!Intersects(a.namespaces, b.namespaces)) return false;
  if (a.entries.empty() || b.entries.empty()) return true;
  for (const Selector::Entry& ea : a.entries) {
    for (const Selector::Entry& eb : b.entries) {
      if (EntriesOverlap(ea, eb)) return true;
    }
  }
  return false;
}

// The target part of a cell: which entry/pattern/name (resource rules) or URL it stands for.
bool CoversTarget(const Selector& o, const Selector& x, const std::string* ns,
                  const TargetAtom& t) {
  using K = Selector::Kind;
  if (o.kind == K::kAny) return true;
  if (o.kind != x.kind) return false;
  if (o.kind == K::kNonResource) {
    return std::any_of(o.urls.begin(), o.urls.end(),
                       [&](const UrlPattern& u) { return UrlCovers(u, x.urls[t.url]); });
  }
  if (!CoversValue(o.namespaces, ns)) return false;
  if (o.entries.empty()) return true;
  if (t.entry < 0) return false;  // every resource of every group: no list of groups covers it
  const Selector::Entry& xe = x.entries[t.entry];
  const ResourcePattern& xp = t.pattern < 0 ? AllPattern() : xe.patterns[t.pattern];
  for (const Selector::Entry& oe : o.entries) {
    if (oe.group != xe.group) continue;
    if (oe.whole_group) return true;
    if (!CoversValue(oe.names, t.name)) continue;
    for (const ResourcePattern& op : oe.patterns) {
      if (PatternCovers(op, xp)) return true;
    }
  }
  return false;
}

std::vector<TargetAtom> TargetAtoms(const Selector& x) {
  std::vector<TargetAtom> out;
  switch (x.kind) {
    case Selector::Kind::kAny:
      out.push_back({});
      break;
    case Selector::Kind::kNonResource:
      for (std::size_t u = 0; u < x.urls.size(); ++u) out.push_back({.url = static_cast<int>(u)});
      break;
    case Selector::Kind::kResource:
      if (x.entries.empty()) out.push_back({});
      for (std::size_t e = 0; e < x.entries.size(); ++e) {
        const Selector::Entry& en = x.entries[e];
        int ei = static_cast<int>(e);
        if (en.whole_group) {
          out.push_back({.entry = ei});
          continue;
        }
        for (std::size_t p = 0; p < en.patterns.size(); ++p) {
          int pi = static_cast<int>(p);
          if (en.names.empty()) out.push_back({.entry = ei, .pattern = pi});
          for (const std::string& n : en.names) {
            out.push_back({.entry = ei, .pattern = pi, .name = &n});
          }
        }
      }
      break;
  }
  return out;
}

std::vector<const std::string*> ValueAtoms(const std::vector<std::string>& list) {
  if (list.empty()) return {nullptr};
  std::vector<const std::string*> out;
  for (const std::string& s : list) out.push_back(&s);
  return out;
}

bool SelectorCovers(const Selector& outer, const Selector& inner) {
  for (const std::string* u : ValueAtoms(inner.users)) {
    if (!CoversValue(outer.users, u)) return false;
  }
  for (const std::string* g : ValueAtoms(inner.groups)) {
    if (!CoversValue(outer.groups, g)) return false;
  }
  for (const std::string* v : ValueAtoms(inner.verbs)) {
    if (!CoversValue(outer.verbs, v)) return false;
  }
  std::vector<TargetAtom> targets = TargetAtoms(inner);
  for (const std::string* ns : ValueAtoms(inner.namespaces)) {
    for (const TargetAtom& t : targets) {
      if (!CoversTarget(outer, inner, ns, t)) return false;
    }
  }
  return true;
}

Selector CellSelector(const Selector& x, const Cell& c) {
  Selector s;
  s.kind = x.kind;
  if (c.user) s.users = {*c.user};
  if (c.group) s.groups = {*c.group};
  if (c.verb) s.verbs = {*c.verb};
  if (c.ns) s.namespaces = {*c.ns};
  if (x.kind == Selector::Kind::kNonResource) s.urls = {x.urls[c.target.url]};
  if (x.kind == Selector::Kind::kResource && c.target.entry >= 0) {
    const Selector::Entry& e = x.entries[c.target.entry];
    Selector::Entry one{.group = e.group, .whole_group = c.target.pattern < 0};
    if (c.target.pattern >= 0) one.patterns = {e.patterns[c.target.pattern]};
    if (c.target.name) one.names = {*c.target.name};
    s.entries.push_back(std::move(one));
  }
  return s;
}

bool CellCovered(const Selector& o, const Selector& x, const Cell& c) {
  return CoversValue(o.users, c.user) && CoversValue(o.groups, c.group) &&
         CoversValue(o.verbs, c.verb) && CoversTarget(o, x, c.ns, c.target);
}

std::optional<Selector> RestrictToResource(const Selector& x, const std::string& group,
                                           const ResourcePattern& pattern) {
  if (x.kind == Selector::Kind::kNonResource) return std::nullopt;
  Selector r = x;
  r.kind = Selector::Kind::kResource;
  r.urls.clear();
  r.entries.clear();
  Selector::Entry whole{.group = group, .patterns = {pattern}};
  if (x.kind == Selector::Kind::kAny || x.entries.empty()) {
    r.entries.push_back(std::move(whole));
    return r;
  }
  for (const Selector::Entry& e : x.entries) {
    if (e.group != group) continue;
    if (e.whole_group) {
      r.entries.push_back(whole);
      continue;
    }
    for (const ResourcePattern& p : e.patterns) {
      if (auto q = IntersectPatterns(p, pattern)) {
        r.entries.push_back({.group = group, .patterns = {*q}, .names = e.names});
      }
    }
  }
  if (r.entries.empty()) return std::nullopt;
  return r;
}

}  // namespace kaudit::policy::lint_internal
