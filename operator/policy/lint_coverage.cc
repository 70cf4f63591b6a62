// AnalyzeCoverage: the cell-by-cell comparison behind the shadowing and sensitive checks.
#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "policy/lint_match.h"

namespace kaudit::policy::lint_internal {
namespace {

// Per-element bookkeeping while the cells are walked.
struct ElementState {
  Element element;
  bool uncovered = false;
  bool differs = false;
  std::vector<int> by = {};
};

void AddUnique(std::vector<int>* v, int i) {
  if (std::find(v->begin(), v->end(), i) == v->end()) v->push_back(i);
}

// The cell counts of each dimension, or nullopt when their product exceeds max_cells.
std::optional<std::size_t> CellCount(const std::array<std::size_t, 5>& sizes, std::size_t max) {
  std::size_t total = 1;
  for (std::size_t n : sizes) {
    if (n == 0) return 0;
    if (total > max / n) return std::nullopt;
    total *= n;
  }
  return total;
}

Coverage WholeRuleCoverage(const Selector& x, std::span<const Selector> earlier,
                           std::span<const int> effects, int x_effect) {
  Coverage out;
  for (std::size_t i = 0; i < earlier.size(); ++i) {
    if (!SelectorCovers(earlier[i], x)) continue;
    out.all_covered = true;
    out.by = {static_cast<int>(i)};
    if (!effects.empty()) {
      out.differs = effects[i] != x_effect;
      for (std::size_t h = 0; h < i && !out.differs; ++h) {
        out.differs = effects[h] != x_effect && MayOverlap(earlier[h], x);
      }
    }
    return out;
  }
  return out;
}

// Element ids for each value of each dimension of x (-1 where the dimension is not listed, as
// an empty list cannot be shortened).
struct ElementIndex {
  std::array<std::vector<int>, 5> ids;
  std::vector<ElementState> states;

  void AddDim(int dim, std::size_t count, bool listed, Element::Dim kind) {
    for (std::size_t k = 0; k < count; ++k) {
      if (!listed) {
        ids[dim].push_back(-1);
        continue;
      }
      ids[dim].push_back(static_cast<int>(states.size()));
      states.push_back({.element = {.dim = kind, .index = static_cast<int>(k)}});
    }
  }

  void AddTargets(const Selector& x, const std::vector<TargetAtom>& targets) {
    for (const TargetAtom& t : targets) {
      Element e;
      if (x.kind == Selector::Kind::kNonResource) {
        e = {.dim = Element::Dim::kUrls, .index = t.url};
      } else if (x.kind == Selector::Kind::kResource && t.entry >= 0) {
        e = {.dim = Element::Dim::kResources, .index = t.entry, .pattern = t.pattern};
      } else {
        ids[4].push_back(-1);
        continue;
      }
      auto it = std::find_if(states.begin(), states.end(),
                             [&](const ElementState& s) { return s.element == e; });
      if (it == states.end()) {
        ids[4].push_back(static_cast<int>(states.size()));
        states.push_back({.element = e});
      } else {
        ids[4].push_back(static_cast<int>(it - states.begin()));
      }
    }
  }
};

// The first earlier rule that covers cell c of x (-1: none), and whether a rule with another
// effect than x's may catch some of the cell's requests first (the covering rule included).
std::pair<int, bool> Judge(const Selector& x, const Cell& c, std::span<const Selector> earlier,
                           std::span<const int> effects, int x_effect) {
  bool differs = false;
  std::optional<Selector> cell;  // built only when a rule with another effect may overlap
  for (std::size_t i = 0; i < earlier.size(); ++i) {
    if (CellCovered(earlier[i], x, c)) {
      return {static_cast<int>(i), differs || (!effects.empty() && effects[i] != x_effect)};
    }
    if (effects.empty() || differs || effects[i] == x_effect) continue;
    if (!cell) cell = CellSelector(x, c);
    differs = MayOverlap(earlier[i], *cell);
  }
  return {-1, differs};
}

// Advances an odometer over the cells, last dimension fastest; false after the last cell.
bool Advance(std::array<std::size_t, 5>* at, const std::array<std::size_t, 5>& sizes) {
  for (std::size_t d = 5; d-- > 0;) {
    if (++(*at)[d] < sizes[d]) return true;
    (*at)[d] = 0;
  }
  return false;
}

}  // namespace

Coverage AnalyzeCoverage(const Selector& x, std::span<const Selector> earlier,
                         std::size_t max_cells, std::span<const int> effects, int x_effect) {
  const bool resource = x.kind == Selector::Kind::kResource;
  const std::vector<std::string> no_namespaces;
  std::array<std::vector<const std::string*>, 4> values = {
      ValueAtoms(x.users), ValueAtoms(x.groups), ValueAtoms(x.verbs),
      ValueAtoms(resource ? x.namespaces : no_namespaces)};
  std::vector<TargetAtom> targets = TargetAtoms(x);
  std::array<std::size_t, 5> sizes = {values[0].size(), values[1].size(), values[2].size(),
                                      values[3].size(), targets.size()};
  if (!CellCount(sizes, max_cells)) return WholeRuleCoverage(x, earlier, effects, x_effect);

  ElementIndex index;
  index.AddDim(0, sizes[0], !x.users.empty(), Element::Dim::kUsers);
  index.AddDim(1, sizes[1], !x.groups.empty(), Element::Dim::kGroups);
  index.AddDim(2, sizes[2], !x.verbs.empty(), Element::Dim::kVerbs);
  index.AddDim(3, sizes[3], resource && !x.namespaces.empty(), Element::Dim::kNamespaces);
  index.AddTargets(x, targets);

  Coverage out;
  out.enumerated = true;
  out.all_covered = true;
  std::array<std::size_t, 5> at = {0, 0, 0, 0, 0};
  for (bool more = sizes[4] > 0; more;) {
    Cell c{values[0][at[0]], values[1][at[1]], values[2][at[2]], values[3][at[3]], targets[at[4]]};
    auto [cover, differs] = Judge(x, c, earlier, effects, x_effect);
    if (cover < 0) out.all_covered = false;
    if (cover >= 0) AddUnique(&out.by, cover);
    if (cover >= 0 && differs) out.differs = true;
    for (std::size_t d = 0; d < 5; ++d) {
      int id = index.ids[d][at[d]];
      if (id < 0) continue;
      ElementState& st = index.states[static_cast<std::size_t>(id)];
      if (cover < 0) st.uncovered = true;
      if (cover >= 0) AddUnique(&st.by, cover);
      if (differs) st.differs = true;
    }
    more = Advance(&at, sizes);
  }
  std::sort(out.by.begin(), out.by.end());
  if (out.all_covered) return out;
  for (ElementState& st : index.states) {
    if (st.uncovered) continue;
    std::sort(st.by.begin(), st.by.end());
    out.covered_parts.push_back({st.element, std::move(st.by), st.differs});
  }
  return out;
}

}  // namespace kaudit::policy::lint_internal
