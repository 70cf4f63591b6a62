// Internal to lint: an exact model of which requests a rule matches (checker.go's ruleMatches,
// audit-semantics.md §3), precise enough to decide "every request rule B matches, rule A matches
// too" soundly.
//
// The model: a request is (user or none, its groups, verb, and either a path, or API group,
// namespace, resource, subresource, name). A rule is an intersection of independent selectors,
// so its match set is a product; a selector list (verbs [get, list]) is a union. A rule's set is
// therefore the union of "cells", one value (or "any") per selector, and a cell is covered by a
// rule when each of its values is matched by that rule's selector. The only fact about real
// requests used here is that resource and subresource are single URL path segments (no '/'),
// which is how RequestInfo parses them; every other string is treated as possible, so a result
// never depends on which resources, verbs or users exist.
//
// Thread safety: pure functions and plain data.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.h"

namespace kaudit::policy::lint_internal {

// What one resource string of a GroupResources matches.
struct ResourcePattern {
  enum class Kind {
    kAll,             // "*": every resource and subresource of the group
    kExact,           // "pods" (subresource "") or "pods/log"
    kResourceAnySub,  // "pods/*": resource pods with any subresource, and plain pods
    kAnyResourceSub,  // "*/scale": any resource, subresource scale
    kOpaque,          // "*/*", "a/b/c", "pods/", ...: version-dependent or empty; only the same
                      // string is known to match the same requests
  };
  Kind kind = Kind::kOpaque;
  std::string resource;     // kExact, kResourceAnySub
  std::string subresource;  // kExact ("" for none), kAnyResourceSub
  std::string text;         // as written
};

ResourcePattern ClassifyResource(std::string_view text);
// True when every request inner matches, outer matches too.
bool PatternCovers(const ResourcePattern& outer, const ResourcePattern& inner);
// A pattern matching every request both match (never less; exact unless one is opaque, when the
// other is returned), or nullopt when no request matches both.
std::optional<ResourcePattern> IntersectPatterns(const ResourcePattern& a,
                                                 const ResourcePattern& b);

// What one nonResourceURLs entry matches.
struct UrlPattern {
  enum class Kind { kAll, kExact, kPrefix };
  Kind kind = Kind::kExact;
  std::string text;  // as written
  std::string path;  // kExact: the path; kPrefix: the text without its trailing '*'s
};

UrlPattern ClassifyUrl(std::string_view text);
bool UrlCovers(const UrlPattern& outer, const UrlPattern& inner);

// A rule's match fields, normalized. Empty lists mean "any", as upstream.
struct Selector {
  // kResource: the rule has resources or namespaces (never matches non-resource requests);
  // kNonResource: only nonResourceURLs; kAny: none of the three (matches every request).
  enum class Kind { kAny, kResource, kNonResource };
  struct Entry {
    std::string group;
    bool whole_group = false;  // no resources listed: everything in the group, names unchecked
    std::vector<ResourcePattern> patterns = {};
    std::vector<std::string> names = {};  // resourceNames; empty = any
  };
  Kind kind = Kind::kAny;
  std::vector<std::string> users;
  std::vector<std::string> groups;
  std::vector<std::string> verbs;
  std::vector<std::string> namespaces;
  std::vector<Entry> entries;  // kResource; empty = every resource of every group
  std::vector<UrlPattern> urls;
};

Selector ToSelector(const PolicyRule& rule);

// True when outer matches every request inner matches (rule against rule, no decomposition).
bool SelectorCovers(const Selector& outer, const Selector& inner);

// False only when no request can match both (used to decide whether a rule with another level
// can catch some of a rule's requests first). Groups never separate two rules.
bool MayOverlap(const Selector& a, const Selector& b);

// The target of one cell: an entry, pattern and name of a resource selector (entry -1: every
// resource of every group; pattern -1: the whole group of the entry; name nullptr: any name), or
// a URL of a non-resource selector. For a kAny selector all are unset.
struct TargetAtom {
  int entry = -1;
  int pattern = -1;
  const std::string* name = nullptr;
  int url = -1;
};

// One combination of a selector's values; nullptr stands for "any value". Points into the
// selector it was made from.
struct Cell {
  const std::string* user = nullptr;
  const std::string* group = nullptr;
  const std::string* verb = nullptr;
  const std::string* ns = nullptr;
  TargetAtom target;
};

std::vector<TargetAtom> TargetAtoms(const Selector& x);
// The list's values as cell values: {nullptr} for an empty ("any") list.
std::vector<const std::string*> ValueAtoms(const std::vector<std::string>& list);
// True when o matches every request of cell c of x.
bool CellCovered(const Selector& o, const Selector& x, const Cell& c);
// The cell as a selector of its own.
Selector CellSelector(const Selector& x, const Cell& c);

// A list element of a selector, for reporting which part of a rule is shadowed.
struct Element {
  enum class Dim { kUsers, kGroups, kVerbs, kNamespaces, kResources, kUrls };
  Dim dim = Dim::kUsers;
  int index = -1;    // into the list; for kResources the entry
  int pattern = -1;  // kResources: the pattern in the entry, -1 for a whole-group entry
  bool operator==(const Element&) const = default;
};

struct Coverage {
  bool enumerated = false;   // false: too many cells, only whole-rule comparisons were made
  bool all_covered = false;  // every request the selector matches is matched by `earlier`
  std::vector<int> by;       // indexes into `earlier` that cover some cell, ascending
  // Some covered request may be caught first by a rule whose effect differs from x's (only
  // computed when effects are given).
  bool differs = false;
  struct Part {
    Element element;
    std::vector<int> by;
    bool differs = false;
  };
  // Elements of listed (non-empty) selectors whose every cell is covered. Only when enumerated
  // and not all_covered.
  std::vector<Part> covered_parts;
};

// Which of x's requests are certainly matched by some selector in earlier (in order, as the
// rules before x). effects, when not empty, gives one id per earlier selector and x_effect x's:
// equal ids mean the same level, stages and managed-fields handling.
Coverage AnalyzeCoverage(const Selector& x, std::span<const Selector> earlier,
                         std::size_t max_cells, std::span<const int> effects = {},
                         int x_effect = 0);

// The requests x matches among those of one API group and resource pattern (any namespace, name,
// user, verb), over-approximated where a pattern is opaque; nullopt when there are none.
std::optional<Selector> RestrictToResource(const Selector& x, const std::string& group,
                                           const ResourcePattern& pattern);

}  // namespace kaudit::policy::lint_internal
