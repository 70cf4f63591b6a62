#include "simulate/body_scan.h"

#include <immintrin.h>  // SSE2 (x86-64 baseline) always; AVX2 when the CPU has it

#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

namespace kaudit::simulate {
namespace {

// What a container (object or array) at some depth is, as far as the scan cares.
enum class Ctx : uint8_t {
  kOther,     // nothing inside matters
  kTop,       // the event object
  kRequest,   // the requestObject value
  kResponse,  // the responseObject value
  kMeta,      // a body's metadata
  kItems,     // a body's items array (a list)
  kItem,      // one element of items
  kItemMeta,  // an element's metadata
  kManaged,   // a managedFields value: its end closes a span
};

enum class Key : uint8_t { kNone, kRequestObject, kResponseObject, kMetadata, kItems, kManaged };

constexpr int kMaxTracked = 64;  // deeper containers are counted, not tracked (nothing there)

struct Masks {
  uint64_t quote = 0, backslash = 0, open = 0, close = 0, colon = 0;
};

uint64_t Bits(__m128i cmp, int lane) {
  return static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(cmp))) << (16 * lane);
}

Masks ClassifySse2(const char* p) {
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i open = _mm_set1_epi8('{');
  const __m128i close = _mm_set1_epi8('}');
  const __m128i colon = _mm_set1_epi8(':');
  const __m128i case_bit = _mm_set1_epi8(0x20);  // '[' | 0x20 == '{', ']' | 0x20 == '}'
  Masks m;
  for (int lane = 0; lane < 4; ++lane) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * lane));
    __m128i folded = _mm_or_si128(v, case_bit);
    m.quote |= Bits(_mm_cmpeq_epi8(v, quote), lane);
    m.backslash |= Bits(_mm_cmpeq_epi8(v, backslash), lane);
    m.open |= Bits(_mm_cmpeq_epi8(folded, open), lane);
    m.close |= Bits(_mm_cmpeq_epi8(folded, close), lane);
    m.colon |= Bits(_mm_cmpeq_epi8(v, colon), lane);
  }
  return m;
}

uint64_t Bits256(__m256i cmp, int half) __attribute__((target("avx2")));
uint64_t Bits256(__m256i cmp, int half) {
  return static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(cmp))) << (32 * half);
}

Masks ClassifyAvx2(const char* p) __attribute__((target("avx2")));
Masks ClassifyAvx2(const char* p) {
  const __m256i quote = _mm256_set1_epi8('"');
  const __m256i backslash = _mm256_set1_epi8('\\');
  const __m256i open = _mm256_set1_epi8('{');
  const __m256i close = _mm256_set1_epi8('}');
  const __m256i colon = _mm256_set1_epi8(':');
  const __m256i case_bit = _mm256_set1_epi8(0x20);
  Masks m;
  for (int half = 0; half < 2; ++half) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * half));
    __m256i folded = _mm256_or_si256(v, case_bit);
    m.quote |= Bits256(_mm256_cmpeq_epi8(v, quote), half);
    m.backslash |= Bits256(_mm256_cmpeq_epi8(v, backslash), half);
    m.open |= Bits256(_mm256_cmpeq_epi8(folded, open), half);
    m.close |= Bits256(_mm256_cmpeq_epi8(folded, close), half);
    m.colon |= Bits256(_mm256_cmpeq_epi8(v, colon), half);
  }
  return m;
}

using ClassifyFn = Masks (*)(const char*);

// Characters escaped by a backslash. A backslash that is itself escaped escapes nothing; a
// backslash in the last position escapes the first character of the next block (*carry).
uint64_t Escaped(uint64_t backslashes, bool* carry) {
  uint64_t escaped = 0;
  if (*carry) {
    escaped = 1;
    backslashes &= ~uint64_t{1};
  }
  *carry = false;
  while (backslashes != 0) {
    int i = __builtin_ctzll(backslashes);
    if (i == 63) {
      *carry = true;
      break;
    }
    const uint64_t next = uint64_t{1} << (i + 1);
    escaped |= next;
    backslashes &= ~(next | (uint64_t{1} << i));
  }
  return escaped;
}

// Bit i set when an odd number of quotes is at or before i: inside a string (opening quote
// included, closing quote excluded).
uint64_t PrefixXor(uint64_t x) {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class Scanner {
 public:
  explicit Scanner(std::string_view line) : line_(line) {}
  // The block loop, compiled once per instruction set (see ScanBodies).
  template <ClassifyFn kClassify>
  BodySpans Run();

 private:
  bool Interesting() const {
    if (floor_ != kNoFloor || depth_ < 1 || depth_ >= kMaxTracked) return false;
    Ctx c = ctx_[static_cast<std::size_t>(depth_)];
    return c != Ctx::kOther && c != Ctx::kItems && c != Ctx::kManaged;
  }
  bool KeyIs(std::size_t close_quote, std::string_view name) const;
  void OnColon(std::size_t pos);
  void OnOpen(std::size_t pos);
  void OnClose(std::size_t pos);
  Ctx ChildOf(Ctx parent, Key key, char bracket) const;

  std::string_view line_;
  static constexpr int kNoFloor = INT32_MAX;
  int depth_ = 0;
  // Depth of the open container nothing inside of which matters (kNoFloor: none). Below it the
  // scan only counts brackets, a whole block at a time when the block cannot close it.
  int floor_ = kNoFloor;
  std::array<Ctx, kMaxTracked> ctx_{};
  std::array<Key, kMaxTracked> pending_{};
  std::size_t body_start_ = 0, managed_start_ = 0;
  Ctx body_ = Ctx::kOther;  // the body being scanned, for attributing managed fields
  BodySpans out_;
};

// The key that ends with the quote at close_quote is `name`, starting after '{' or ','.
bool Scanner::KeyIs(std::size_t close_quote, std::string_view name) const {
  if (close_quote < name.size() + 1) return false;
  std::size_t open_quote = close_quote - name.size() - 1;
  if (line_[open_quote] != '"' ||
      std::memcmp(line_.data() + open_quote + 1, name.data(), name.size()) != 0) {
    return false;
  }
  std::size_t i = open_quote;
  while (i > 0 && IsSpace(line_[i - 1])) --i;
  return i > 0 && (line_[i - 1] == ',' || line_[i - 1] == '{');
}

void Scanner::OnColon(std::size_t pos) {
  std::size_t q = pos;
  while (q > 0 && IsSpace(line_[q - 1])) --q;
  Key key = Key::kNone;
  if (q > 0 && line_[q - 1] == '"') {
    const std::size_t close_quote = q - 1;
    switch (ctx_[static_cast<std::size_t>(depth_)]) {
      case Ctx::kTop:
        key = KeyIs(close_quote, "requestObject")    ? Key::kRequestObject
              : KeyIs(close_quote, "responseObject") ? Key::kResponseObject
                                                     : Key::kNone;
        break;
      case Ctx::kRequest:
      case Ctx::kResponse:
        key = KeyIs(close_quote, "metadata") ? Key::kMetadata
              : KeyIs(close_quote, "items")  ? Key::kItems
                                             : Key::kNone;
        break;
      case Ctx::kItem:
        key = KeyIs(close_quote, "metadata") ? Key::kMetadata : Key::kNone;
        break;
      case Ctx::kMeta:
      case Ctx::kItemMeta:
        key = KeyIs(close_quote, "managedFields") ? Key::kManaged : Key::kNone;
        break;
      default:
        break;
    }
  }
  pending_[static_cast<std::size_t>(depth_)] = key;
}

Ctx Scanner::ChildOf(Ctx parent, Key key, char bracket) const {
  const bool object = bracket == '{';
  switch (parent) {
    case Ctx::kTop:
      return key == Key::kRequestObject    ? Ctx::kRequest
             : key == Key::kResponseObject ? Ctx::kResponse
                                           : Ctx::kOther;
    case Ctx::kRequest:
    case Ctx::kResponse:
      if (key == Key::kMetadata && object) return Ctx::kMeta;
      return key == Key::kItems && !object ? Ctx::kItems : Ctx::kOther;
    case Ctx::kItems:
      return object ? Ctx::kItem : Ctx::kOther;
    case Ctx::kItem:
      return key == Key::kMetadata && object ? Ctx::kItemMeta : Ctx::kOther;
    case Ctx::kMeta:
    case Ctx::kItemMeta:
      return key == Key::kManaged ? Ctx::kManaged : Ctx::kOther;
    default:
      return Ctx::kOther;
  }
}

void Scanner::OnOpen(std::size_t pos) {
  if (depth_ >= floor_) {
    ++depth_;
    return;
  }
  Ctx child = Ctx::kOther;
  if (depth_ == 0) {
    child = Ctx::kTop;
  } else if (depth_ < kMaxTracked) {
    const auto d = static_cast<std::size_t>(depth_);
    child = ChildOf(ctx_[d], pending_[d], line_[pos]);
    pending_[d] = Key::kNone;
  }
  if (child == Ctx::kRequest || child == Ctx::kResponse) {
    body_ = child;
    body_start_ = pos;
    const bool request = child == Ctx::kRequest;
    (request ? out_.request_managed_bytes : out_.response_managed_bytes) = 0;
    (request ? out_.request_start : out_.response_start) = pos;
  } else if (child == Ctx::kManaged) {
    managed_start_ = pos;
  }
  ++depth_;
  if (depth_ < kMaxTracked) {
    ctx_[static_cast<std::size_t>(depth_)] = child;
    pending_[static_cast<std::size_t>(depth_)] = Key::kNone;
  }
  if (child == Ctx::kOther || child == Ctx::kManaged || depth_ >= kMaxTracked) floor_ = depth_;
}

void Scanner::OnClose(std::size_t pos) {
  if (depth_ <= 0) return;
  if (depth_ > floor_) {
    --depth_;
    return;
  }
  if (depth_ == floor_) floor_ = kNoFloor;  // the ignored container ends here
  if (depth_ < kMaxTracked) {
    const std::size_t end = pos + 1;
    switch (ctx_[static_cast<std::size_t>(depth_)]) {
      case Ctx::kRequest:
        out_.request_bytes = end - body_start_;
        break;
      case Ctx::kResponse:
        out_.response_bytes = end - body_start_;
        break;
      case Ctx::kManaged:
        (body_ == Ctx::kRequest ? out_.request_managed_bytes : out_.response_managed_bytes) +=
            end - managed_start_;
        break;
      default:
        break;
    }
  }
  --depth_;
}

template <ClassifyFn kClassify>
__attribute__((always_inline)) inline BodySpans Scanner::Run() {
  const char* p = line_.data();
  const std::size_t n = line_.size();
  bool escape_carry = false;
  uint64_t in_string_carry = 0;  // all ones while a string continues into the next block
  for (std::size_t base = 0; base < n; base += 64) {
    Masks m = kClassify(p + base);
    const uint64_t valid = n - base >= 64 ? ~uint64_t{0} : (uint64_t{1} << (n - base)) - 1;
    const uint64_t escaped = Escaped(m.backslash & valid, &escape_carry);
    const uint64_t in_string = PrefixXor(m.quote & valid & ~escaped) ^ in_string_carry;
    in_string_carry = static_cast<uint64_t>(static_cast<int64_t>(in_string) >> 63);
    const uint64_t opens = m.open & valid & ~in_string;
    const uint64_t closes = m.close & valid & ~in_string;
    if (floor_ != kNoFloor) {
      // Deep inside something ignored (a spec, a managedFields list): when even all of this
      // block's closing brackets cannot end it, just count.
      const int n_closes = __builtin_popcountll(closes);
      if (depth_ - n_closes >= floor_) {
        depth_ += __builtin_popcountll(opens) - n_closes;
        continue;
      }
    }
    uint64_t brackets = opens | closes;
    uint64_t colons = m.colon & valid & ~in_string;
    // Visit brackets in order; between two brackets the depth is fixed, so the colons there
    // are looked at only when that container's keys matter.
    for (;;) {
      const uint64_t next = brackets & (~brackets + 1);
      const uint64_t before = next != 0 ? next - 1 : ~uint64_t{0};
      if (Interesting()) {
        for (uint64_t c = colons & before; c != 0; c &= c - 1) {
          OnColon(base + static_cast<std::size_t>(__builtin_ctzll(c)));
        }
      }
      colons &= ~before;
      if (next == 0) break;
      const std::size_t pos = base + static_cast<std::size_t>(__builtin_ctzll(next));
      if (opens & next) {
        OnOpen(pos);
      } else {
        OnClose(pos);
        if (depth_ == 0) {  // the end of the event object: only blanks may follow
          std::size_t rest = pos + 1;
          while (rest < n && IsSpace(p[rest])) ++rest;
          out_.balanced = rest == n;
          return out_;
        }
      }
      brackets &= brackets - 1;
    }
  }
  return out_;
}

// The same loop twice: for any x86-64 (SSE2; popcount from libgcc), and for CPUs with AVX2,
// POPCNT and BMI, where the classification is twice as wide and popcount/tzcnt are single
// instructions. Picked once, at the first call.
__attribute__((target("avx2,popcnt,bmi"))) BodySpans ScanAvx2(std::string_view line) {
  return Scanner(line).Run<ClassifyAvx2>();
}

BodySpans ScanBaseline(std::string_view line) { return Scanner(line).Run<ClassifySse2>(); }

bool HasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") &&
         __builtin_cpu_supports("bmi");
}

}  // namespace

BodySpans ScanBodies(std::string_view line) {
  static const bool avx2 = HasAvx2();
  return avx2 ? ScanAvx2(line) : ScanBaseline(line);
}

std::size_t CutBodies(char* line, std::size_t size, const BodySpans& spans) {
  struct Span {
    std::size_t start, bytes;
  } cuts[2] = {{spans.request_start, spans.request_bytes},
               {spans.response_start, spans.response_bytes}};
  if (cuts[0].start > cuts[1].start) std::swap(cuts[0], cuts[1]);
  std::size_t out = 0;  // write position
  std::size_t in = 0;   // read position
  for (const Span& c : cuts) {
    if (c.bytes < 2) continue;  // absent (or already as small as "{}")
    std::memmove(line + out, line + in, c.start - in);
    out += c.start - in;
    line[out++] = '{';
    line[out++] = '}';
    in = c.start + c.bytes;
  }
  std::memmove(line + out, line + in, size - in);
  return out + size - in;
}

std::string_view PeekLevel(std::string_view line) {
  static constexpr std::string_view kKey = "\"level\":\"";
  std::size_t at = line.substr(0, 128).find(kKey);
  if (at == std::string_view::npos) return {};
  std::size_t begin = at + kKey.size();
  std::size_t end = line.find('"', begin);
  return end == std::string_view::npos ? std::string_view() : line.substr(begin, end - begin);
}

}  // namespace kaudit::simulate
