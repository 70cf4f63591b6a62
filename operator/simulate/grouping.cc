#include "simulate/grouping.h"

#include <cstring>
#include <utility>

namespace kaudit::simulate {
namespace {

constexpr std::size_t kInitialSlots = 1024;

uint64_t Mix(uint64_t x) {
  // splitmix64's finaliser: a full avalanche, so linear probing sees uniform keys.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

uint64_t HashAuditId(const char* data, std::size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0xff51afd7ed558ccdULL);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, data + i, 8);
    h = Mix(h ^ w);
  }
  if (i < n) {
    uint64_t w = 0;
    std::memcpy(&w, data + i, n - i);
    h = Mix(h ^ w ^ 0x5555);
  }
  return h == 0 ? 1 : h;  // 0 marks an empty slot
}

RequestTally::RequestTally(std::size_t rules)
    : rule_requests(rules + 1),
      rule_requests_kept(rules + 1),
      rule_added_received_bytes(rules + 1) {}

void RequestTally::Finish(const RequestState& r, bool finished) {
  std::size_t slot = static_cast<std::size_t>(r.rule + 1);
  ++requests;
  ++rule_requests[slot];
  if (!finished) ++never_finished;
  if (r.level == 0) return;  // None: the candidate logs nothing of this request
  bool adds_received = !(r.stages & kStageReceivedBit) && !(r.omit & kStageReceivedBit);
  bool keeps_recorded = (r.stages & ~r.omit & 0x0F) != 0;
  if (adds_received) {
    ++added_received_events;
    added_received_bytes += r.received_estimate_bytes;
    rule_added_received_bytes[slot] += r.received_estimate_bytes;
  }
  if (adds_received || keeps_recorded) {
    ++requests_kept;
    ++rule_requests_kept[slot];
  }
}

void RequestTally::Add(const RequestTally& o) {
  requests += o.requests;
  requests_kept += o.requests_kept;
  never_finished += o.never_finished;
  added_received_events += o.added_received_events;
  added_received_bytes += o.added_received_bytes;
  if (rule_requests.size() < o.rule_requests.size()) {
    rule_requests.resize(o.rule_requests.size());
    rule_requests_kept.resize(o.rule_requests.size());
    rule_added_received_bytes.resize(o.rule_requests.size());
  }
  for (std::size_t i = 0; i < o.rule_requests.size(); ++i) {
    rule_requests[i] += o.rule_requests[i];
    rule_requests_kept[i] += o.rule_requests_kept[i];
    rule_added_received_bytes[i] += o.rule_added_received_bytes[i];
  }
}

RequestTable::RequestTable() { Rehash(kInitialSlots); }

void RequestTable::Rehash(std::size_t slots) {
  std::vector<RequestState> old = std::move(slots_);
  slots_.assign(slots, RequestState{});
  mask_ = slots - 1;
  size_ = 0;
  for (const RequestState& s : old) {
    if (s.key != 0) *Insert(s.key) = s;
  }
}

void RequestTable::Clear() {
  if (slots_.size() > kInitialSlots * 64) {
    Rehash(kInitialSlots);  // give back memory after an unusual chunk
    return;
  }
  if (size_ == 0) return;
  for (RequestState& s : slots_) s.key = 0;
  size_ = 0;
}

RequestState* RequestTable::Find(uint64_t key) {
  for (std::size_t i = key & mask_;; i = (i + 1) & mask_) {
    if (slots_[i].key == key) return &slots_[i];
    if (slots_[i].key == 0) return nullptr;
  }
}

RequestState* RequestTable::Insert(uint64_t key) {
  if ((size_ + 1) * 2 > slots_.size()) Rehash(slots_.size() * 2);
  std::size_t i = key & mask_;
  while (slots_[i].key != 0) i = (i + 1) & mask_;
  slots_[i] = RequestState{};
  slots_[i].key = key;
  ++size_;
  return &slots_[i];
}

void RequestTable::Erase(RequestState* slot) {
  std::size_t hole = static_cast<std::size_t>(slot - slots_.data());
  slots_[hole].key = 0;
  --size_;
  // Backward shift: move later entries of the probe run into the hole when that is nearer
  // their home slot, so lookups never need tombstones.
  for (std::size_t i = (hole + 1) & mask_; slots_[i].key != 0; i = (i + 1) & mask_) {
    std::size_t home = slots_[i].key & mask_;
    bool movable = (i > hole) ? (home <= hole || home > i) : (home <= hole && home > i);
    if (movable) {
      slots_[hole] = slots_[i];
      slots_[i].key = 0;
      hole = i;
    }
  }
}

void ChunkGrouper::Add(const RequestState& line) {
  RequestState* r = table_.Find(line.key);
  if (r == nullptr) {
    if (line.stages != kStageReceivedBit) {
      out_->orphans.push_back(Orphan{line});
      return;
    }
    r = table_.Insert(line.key);
    *r = line;
    return;
  }
  r->stages |= line.stages;
  r->last_us = line.last_us;
  if (line.stages & kFinalStageBits) {
    tally_->Finish(*r, true);
    table_.Erase(r);
  }
}

void ChunkGrouper::EndChunk() {
  table_.ForEach([this](const RequestState& s) { out_->leftovers.push_back(s); });
  table_.Clear();
}

Merger::Merger(std::size_t rules) : tally_(rules) {}

void Merger::Apply(const ChunkGroups& chunk) {
  for (const Orphan& o : chunk.orphans) {
    RequestState* r = carry_.Find(o.state.key);
    bool final_stage = (o.state.stages & kFinalStageBits) != 0;
    if (r == nullptr) {
      if (final_stage) {
        tally_.Finish(o.state, true);
      } else {
        *carry_.Insert(o.state.key) = o.state;
      }
      continue;
    }
    r->stages |= o.state.stages;
    r->last_us = o.state.last_us;
    if (final_stage) {
      tally_.Finish(*r, true);
      carry_.Erase(r);
    }
  }
  for (const RequestState& s : chunk.leftovers) {
    RequestState* r = carry_.Find(s.key);
    if (r == nullptr) {
      *carry_.Insert(s.key) = s;
    } else {
      r->stages |= s.stages;  // a reused Audit-ID: treat as one request
      r->last_us = s.last_us;
    }
  }
  if (chunk.max_us > max_us_) max_us_ = chunk.max_us;
  if (carry_.size() >= evict_check_at_) {
    EvictOlderThan(max_us_ - kCarryWindowMicros);
    evict_check_at_ = carry_.size() * 2 + 1024;
  }
}

void Merger::EvictOlderThan(int64_t cutoff_us) {
  std::vector<RequestState> old;
  carry_.ForEach([&](const RequestState& s) {
    if (s.last_us < cutoff_us) old.push_back(s);
  });
  for (const RequestState& s : old) {
    tally_.Finish(s, false);
    carry_.Erase(carry_.Find(s.key));
  }
}

void Merger::Finish() {
  carry_.ForEach([this](const RequestState& s) { tally_.Finish(s, false); });
  carry_.Clear();
}

}  // namespace kaudit::simulate
