// Grouping by auditID: the hash table against std::unordered_map, and request counts that do
// not depend on where chunk boundaries fall.
#include "simulate/grouping.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

namespace kaudit::simulate {
namespace {

TEST(RequestTableTest, BehavesLikeAMapUnderRandomInsertsAndErases) {
  RequestTable t;
  std::unordered_map<uint64_t, int64_t> ref;
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200000; ++i) {
    // Few distinct keys, so inserts, finds and erases collide often (probe runs get long).
    uint64_t key = (rng() % 5000) * 1024 + 1;  // same low bits: worst case for the mask
    RequestState* s = t.Find(key);
    auto it = ref.find(key);
    ASSERT_EQ(s != nullptr, it != ref.end()) << "key " << key << " at step " << i;
    if (s == nullptr) {
      s = t.Insert(key);
      s->last_us = i;
      ref[key] = i;
    } else {
      ASSERT_EQ(s->last_us, it->second);
      if (rng() % 2 == 0) {
        t.Erase(s);
        ref.erase(it);
      }
    }
    ASSERT_EQ(t.size(), ref.size());
  }
  std::size_t seen = 0;
  t.ForEach([&](const RequestState& s) {
    ++seen;
    EXPECT_EQ(ref.at(s.key), s.last_us);
  });
  EXPECT_EQ(seen, ref.size());
}

TEST(HashAuditIdTest, NeverZeroAndDistinguishesIds) {
  EXPECT_NE(HashAuditId("", 0), 0u);
  std::string a = "164d4f05-941f-46f9-9d36-c8cdb934fe88";
  std::string b = "164d4f05-941f-46f9-9d36-c8cdb934fe89";
  EXPECT_NE(HashAuditId(a.data(), a.size()), HashAuditId(b.data(), b.size()));
  EXPECT_EQ(HashAuditId(a.data(), a.size()), HashAuditId(a.data(), a.size()));
}

RequestState Line(uint64_t key, uint8_t stage_bit, int64_t us, uint8_t level = 1, uint8_t omit = 0,
                  uint32_t received_bytes = 100) {
  RequestState s;
  s.key = key;
  s.stages = stage_bit;
  s.last_us = us;
  s.level = level;
  s.omit = omit;
  s.rule = 0;
  s.received_estimate_bytes = received_bytes;
  return s;
}

// Feeds lines split into chunks at the given boundaries and returns the total tally.
RequestTally Feed(const std::vector<RequestState>& lines, const std::vector<std::size_t>& cuts) {
  RequestTally local(1);
  Merger merger(1);
  std::size_t begin = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(lines.size());
  for (std::size_t end : ends) {
    ChunkGroups groups;
    ChunkGrouper g(&local, &groups);
    for (std::size_t i = begin; i < end; ++i) {
      g.Add(lines[i]);
      groups.max_us = std::max(groups.max_us, lines[i].last_us);
    }
    g.EndChunk();
    merger.Apply(groups);
    begin = end;
  }
  merger.Finish();
  RequestTally total(1);
  total.Add(local);
  total.Add(merger.tally());
  return total;
}

TEST(GroupingTest, RequestCountsDoNotDependOnChunkBoundaries) {
  // Request 1: RR, RC. Request 2: RR, ResponseStarted, RC (a watch). Request 3: RC only (source
  // omitted RequestReceived). Request 4: RR only (log ends). Interleaved as in a real log.
  std::vector<RequestState> lines = {
      Line(1, kStageReceivedBit, 10),  Line(2, kStageReceivedBit, 11),
      Line(2, kStageStartedBit, 12),   Line(1, kStageCompleteBit, 13),
      Line(3, kStageCompleteBit, 14),  Line(4, kStageReceivedBit, 15),
      Line(2, kStageCompleteBit, 900),
  };
  for (std::size_t cut = 0; cut <= lines.size(); ++cut) {
    for (std::size_t cut2 = cut; cut2 <= lines.size(); ++cut2) {
      RequestTally t = Feed(lines, {cut, cut2});
      SCOPED_TRACE("cuts at " + std::to_string(cut) + ", " + std::to_string(cut2));
      EXPECT_EQ(t.requests, 4u);
      EXPECT_EQ(t.requests_kept, 4u);
      EXPECT_EQ(t.never_finished, 1u);         // request 4
      EXPECT_EQ(t.added_received_events, 1u);  // request 3 had no RequestReceived line
      EXPECT_EQ(t.added_received_bytes, 100u);
      EXPECT_EQ(t.rule_requests[1], 4u);  // all matched rule 0 (slot 1)
    }
  }
}

TEST(GroupingTest, CandidateOmittingEveryRecordedStageDoesNotKeepTheRequest) {
  const uint8_t omit_complete = kStageCompleteBit | kStageReceivedBit;
  std::vector<RequestState> lines = {Line(7, kStageCompleteBit, 5, 1, omit_complete)};
  RequestTally t = Feed(lines, {});
  EXPECT_EQ(t.requests, 1u);
  EXPECT_EQ(t.requests_kept, 0u);
  EXPECT_EQ(t.added_received_events, 0u);  // the candidate omits RequestReceived too
}

TEST(GroupingTest, LevelNoneKeepsNothingAndAddsNothing) {
  std::vector<RequestState> lines = {Line(8, kStageCompleteBit, 5, /*level=*/0)};
  RequestTally t = Feed(lines, {});
  EXPECT_EQ(t.requests, 1u);
  EXPECT_EQ(t.requests_kept, 0u);
  EXPECT_EQ(t.added_received_events, 0u);
}

TEST(GroupingTest, RequestsOpenLongerThanTheWindowAreCountedAsNeverFinished) {
  std::vector<RequestState> lines;
  lines.push_back(Line(1, kStageReceivedBit, 0));
  // Enough other open requests to trigger an eviction pass, all much later.
  for (uint64_t k = 100; k < 3100; ++k) {
    lines.push_back(Line(k, kStageReceivedBit, kCarryWindowMicros + 10));
  }
  // Request 1's completion after the window: it was already counted as never finished, so this
  // line is a request of its own (both are counted: what the log shows is inconsistent).
  lines.push_back(Line(1, kStageCompleteBit, kCarryWindowMicros + 20));
  RequestTally t = Feed(lines, {1, 1500, 3001});
  EXPECT_EQ(t.requests, 3002u);
  EXPECT_EQ(t.never_finished, 3001u);
}

}  // namespace
}  // namespace kaudit::simulate
