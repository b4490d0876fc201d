#pragma once
// A small regular-expression matcher for the pattern dialect of the AWS service models
// (Java regex syntax, as AWS's servers use). std::regex is too slow for the request path and
// does not know \p{..}; this compiles a pattern once into a tiny NFA program with precomputed
// transition masks and matches without allocating, in time linear in the value (no
// backtracking): tens of nanoseconds for a typical 50-character id.
//
// Supported syntax: literals (any UTF-8 code point, or `\` + punctuation), `.`, character
// classes `[...]` / `[^...]` with ranges and the escapes below, groups `(...)` and `(?:...)`,
// alternation `|`, quantifiers `? * + {m} {m,} {m,n}`, escapes `\w \W \d \D \s \S \t \n \r \f`
// and `\p{L} \p{M} \p{S} \p{N} \p{P}` (also `\P{..}` for their complements). A leading `^`
// and trailing `$` are accepted and ignored: matching is always anchored to the whole value,
// as AWS matches model patterns against whole values.
//
// Character semantics follow Java's defaults: `\w` = [a-zA-Z0-9_], `\d` = [0-9] and
// `\s` = [ \t\n\x0B\f\r] are ASCII-only; `.` matches any code point except line terminators
// (\n \r U+0085 U+2028 U+2029).
//
// Approximation for the Unicode categories: an ASCII character belongs to \p{L}, \p{N},
// \p{P} or \p{S} by its real Unicode category (no ASCII character is \p{M}). Any code point
// >= U+0080 that is not a control character (U+0080-U+009F) or a space/separator
// (U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000) matches every one
// of \p{L} \p{M} \p{S} \p{N} \p{P}. So a class such as [\p{L}\p{M}\p{S}\p{N}\p{P}] (the only
// form the models use) is exact for ASCII and for the separators and controls, and accepts a
// few non-ASCII format/private-use/unassigned code points that Java would reject.
//
// Invalid UTF-8 bytes are read as U+FFFD (one per bad byte).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cogsync::protocol {

class Pattern {
 public:
  // Compiles `pattern`; nullopt when it uses syntax outside the dialect above or is too large
  // (more than kMaxInstructions NFA instructions after expanding counted repetition).
  static std::optional<Pattern> Compile(std::string_view pattern);

  // True when the whole of `utf8` matches. Does not allocate; O(size * program size).
  bool Matches(std::string_view utf8) const;

  // The source text, as given to Compile.
  const std::string& source() const { return source_; }

  static constexpr int kMaxInstructions = 256;

  // Implementation types, public so the compiler in pattern.cc can build them.
  // Named classes a CharSet holds, as bits (for code points >= U+0080; ASCII ones are folded
  // into the bitmap when the pattern is compiled).
  enum NamedClass : uint16_t {
    kWord = 1 << 0,
    kNotWord = 1 << 1,
    kDigit = 1 << 2,
    kNotDigit = 1 << 3,
    kSpace = 1 << 4,
    kNotSpace = 1 << 5,
    kUnicodeCategory = 1 << 6,     // any of \p{L} \p{M} \p{S} \p{N} \p{P}
    kNotUnicodeCategory = 1 << 7,  // any of \P{L} ...
  };
  struct Range {
    char32_t lo;
    char32_t hi;
  };
  // A set of code points: ASCII by bitmap, the rest by ranges and named classes.
  struct CharSet {
    uint64_t ascii[2] = {0, 0};
    std::vector<Range> ranges;  // only ranges reaching >= U+0080 matter here
    uint16_t named = 0;         // NamedClass bits, for code points >= U+0080
    bool negated = false;
    bool Contains(char32_t c) const;
  };
  enum class Op : uint8_t { kChar, kSplit, kJump, kMatch };
  struct Instruction {
    Op op;
    int x = 0;  // kChar: charset index; kSplit/kJump: target
    int y = 0;  // kSplit: second target
  };

 private:
  Pattern() = default;

  // A set of program counters.
  using Mask = std::array<uint64_t, kMaxInstructions / 64>;

  // Precomputes the tables Matches runs on.
  void Prepare();

  std::string source_;
  std::vector<CharSet> sets_;
  std::vector<Instruction> program_;
  // Matching tables: the NFA states (kChar and kMatch pcs) active at the start; for each kChar
  // pc, the states active after it consumed its character; for each ASCII character, the kChar
  // pcs that accept it; and all kChar pcs (non-ASCII input is tested against each set).
  Mask start_{};
  std::vector<Mask> follow_;
  std::vector<Mask> ascii_accepts_;
  Mask char_pcs_{};
  size_t words_ = 1;  // how many words of a Mask the program uses
  int match_pc_ = 0;
};

// Reads the code point at `*pos` of `utf8` and advances `*pos` past it. Invalid or truncated
// sequences, overlong forms and surrogates yield U+FFFD and advance one byte.
// REQUIRES: *pos < utf8.size().
char32_t NextCodePoint(std::string_view utf8, size_t* pos);

// The number of code points in `utf8`, counted as NextCodePoint reads them (AWS measures
// string lengths in characters, not bytes).
size_t CountCodePoints(std::string_view utf8);

}  // namespace cogsync::protocol
