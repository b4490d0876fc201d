#include "protocol/pattern.h"

#include <array>
#include <memory>
#include <utility>

// Compilation: the pattern is decoded into code points, parsed by recursive descent into a
// small tree, and the tree is emitted as a Thompson NFA program (kChar / kSplit / kJump /
// kMatch). Prepare() then precomputes, as bit masks over program counters, the epsilon
// closures after each kChar and which kChar instructions accept each ASCII character.
// Matching keeps the set of active states in one fixed-size mask and steps it per code point
// with a few word operations, so it never backtracks and never allocates.

namespace cogsync::protocol {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool IsAsciiWord(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }
// Java's \s: [ \t\n\x0B\f\r].
bool IsJavaSpace(char32_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Unicode category of an ASCII character, as one letter (L, N, P, S) or 0 for controls/space.
char AsciiCategory(char32_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return 'L';
  if (c >= '0' && c <= '9') return 'N';
  if (c <= 0x20 || c == 0x7F) return 0;
  switch (c) {
    case '$':
    case '+':
    case '<':
    case '=':
    case '>':
    case '^':
    case '`':
    case '|':
    case '~':
      return 'S';
    default:
      return 'P';  // ! " # % & ' ( ) * , - . / : ; ? @ [ \ ] _ { }
  }
}

// Code points >= U+0080 that are not in any of L/M/S/N/P: C1 controls and the separators.
bool IsNonAsciiControlOrSeparator(char32_t c) {
  return (c >= 0x80 && c <= 0x9F) || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

using CharSet = Pattern::CharSet;

void AddAscii(CharSet* set, char32_t c) { set->ascii[c >> 6] |= uint64_t{1} << (c & 63); }

void AddRange(CharSet* set, char32_t lo, char32_t hi) {
  for (char32_t c = lo; c <= hi && c < 0x80; ++c) AddAscii(set, c);
  if (hi >= 0x80) set->ranges.push_back({lo < 0x80 ? char32_t{0x80} : lo, hi});
}

// Adds a named class: its ASCII members to the bitmap, its rule for the rest as a bit.
template <typename Pred>
void AddNamed(CharSet* set, Pred ascii_member, uint16_t bit) {
  for (char32_t c = 0; c < 0x80; ++c) {
    if (ascii_member(c)) AddAscii(set, c);
  }
  set->named |= bit;
}

struct Node {
  enum class Kind { kEmpty, kSet, kConcat, kAlternation, kRepeat };
  Kind kind = Kind::kEmpty;
  int set = -1;
  int min = 0;
  int max = 0;  // -1: unbounded
  std::vector<Node> children;
};

constexpr int kMaxRepeat = 1000;

class Parser {
 public:
  Parser(std::u32string text, std::vector<CharSet>* sets) : text_(std::move(text)), sets_(sets) {}

  std::optional<Node> ParseAll() {
    auto node = ParseAlternation();
    if (!node || pos_ != text_.size()) return std::nullopt;
    return node;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char32_t Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : char32_t{0};
  }

  std::optional<Node> ParseAlternation() {
    auto first = ParseConcat();
    if (!first) return std::nullopt;
    if (AtEnd() || Peek() != '|') return first;
    Node alt{.kind = Node::Kind::kAlternation};
    alt.children.push_back(std::move(*first));
    while (!AtEnd() && Peek() == '|') {
      ++pos_;
      auto next = ParseConcat();
      if (!next) return std::nullopt;
      alt.children.push_back(std::move(*next));
    }
    return alt;
  }

  std::optional<Node> ParseConcat() {
    Node concat{.kind = Node::Kind::kConcat};
    while (!AtEnd() && Peek() != '|' && Peek() != ')') {
      auto item = ParseRepeat();
      if (!item) return std::nullopt;
      concat.children.push_back(std::move(*item));
    }
    return concat;
  }

  std::optional<Node> ParseRepeat() {
    auto atom = ParseAtom();
    if (!atom) return std::nullopt;
    // One quantifier per atom: Java rejects stacked ones such as `a**`.
    if (!AtEnd()) {
      int min = 0;
      int max = 0;
      char32_t c = Peek();
      if (c == '?') {
        max = 1;
        ++pos_;
      } else if (c == '*') {
        max = -1;
        ++pos_;
      } else if (c == '+') {
        min = 1;
        max = -1;
        ++pos_;
      } else if (c == '{') {
        if (!ParseCount(&min, &max)) return std::nullopt;
      } else {
        return atom;
      }
      // A lazy quantifier accepts the same whole values; a possessive one does not.
      if (!AtEnd() && Peek() == '?') ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '*' || Peek() == '?' || Peek() == '{')) {
        return std::nullopt;
      }
      Node repeat{.kind = Node::Kind::kRepeat, .min = min, .max = max};
      repeat.children.push_back(std::move(*atom));
      atom = std::move(repeat);
    }
    return atom;
  }

  // {m}, {m,} or {m,n}; leaves pos_ after the '}'.
  bool ParseCount(int* min, int* max) {
    ++pos_;  // '{'
    auto number = [this](int* out) {
      size_t start = pos_;
      int value = 0;
      while (!AtEnd() && IsAsciiDigit(Peek())) {
        value = value * 10 + static_cast<int>(Peek() - '0');
        if (value > kMaxRepeat) return false;
        ++pos_;
      }
      *out = value;
      return pos_ > start;
    };
    if (!number(min)) return false;
    *max = *min;
    if (!AtEnd() && Peek() == ',') {
      ++pos_;
      if (!AtEnd() && Peek() == '}') {
        *max = -1;
      } else if (!number(max) || *max < *min) {
        return false;
      }
    }
    if (AtEnd() || Peek() != '}') return false;
    ++pos_;
    return true;
  }

  int NewSet(CharSet set) {
    sets_->push_back(std::move(set));
    return static_cast<int>(sets_->size()) - 1;
  }

  Node SetNode(CharSet set) {
    return Node{.kind = Node::Kind::kSet, .set = NewSet(std::move(set))};
  }

  std::optional<Node> ParseAtom() {
    char32_t c = Peek();
    ++pos_;
    switch (c) {
      case '(': {
        if (Peek() == '?') {
          if (Peek(1) != ':') return std::nullopt;  // lookaround, flags, named groups
          pos_ += 2;
        }
        auto inner = ParseAlternation();
        if (!inner || AtEnd() || Peek() != ')') return std::nullopt;
        ++pos_;
        return inner;
      }
      case '[':
        return ParseClass();
      case '.': {
        // Everything but Java's line terminators: \n \r U+0085 U+2028 U+2029.
        CharSet set;
        set.negated = true;
        AddAscii(&set, '\n');
        AddAscii(&set, '\r');
        set.ranges.push_back({0x85, 0x85});
        set.ranges.push_back({0x2028, 0x2029});
        return SetNode(std::move(set));
      }
      case '\\': {
        CharSet set;
        if (!ParseEscape(&set)) return std::nullopt;
        return SetNode(std::move(set));
      }
      case ')':
      case '*':
      case '+':
      case '?':
      case '{':
      case '^':
      case '$':
        return std::nullopt;
      default: {
        CharSet set;
        AddRange(&set, c, c);
        return SetNode(std::move(set));
      }
    }
  }

  // After '\': adds the escaped class or character to `set`. When `literal` is given and the
  // escape is a single character, stores it there instead (it may start a range in a class).
  bool ParseEscape(CharSet* set, char32_t* literal = nullptr) {
    if (AtEnd()) return false;
    char32_t c = Peek();
    ++pos_;
    switch (c) {
      case 'w':
        AddNamed(set, IsAsciiWord, Pattern::kWord);
        return true;
      case 'W':
        AddNamed(
            set, [](char32_t x) { return !IsAsciiWord(x); }, Pattern::kNotWord);
        return true;
      case 'd':
        AddNamed(set, IsAsciiDigit, Pattern::kDigit);
        return true;
      case 'D':
        AddNamed(
            set, [](char32_t x) { return !IsAsciiDigit(x); }, Pattern::kNotDigit);
        return true;
      case 's':
        AddNamed(set, IsJavaSpace, Pattern::kSpace);
        return true;
      case 'S':
        AddNamed(
            set, [](char32_t x) { return !IsJavaSpace(x); }, Pattern::kNotSpace);
        return true;
      case 'p':
      case 'P': {
        if (AtEnd() || Peek() != '{') return false;
        char32_t category = Peek(1);
        if (Peek(2) != '}') return false;
        if (category != 'L' && category != 'M' && category != 'S' && category != 'N' &&
            category != 'P') {
          return false;
        }
        pos_ += 3;
        auto member = [category](char32_t x) { return char32_t(AsciiCategory(x)) == category; };
        if (c == 'p') {
          AddNamed(set, member, Pattern::kUnicodeCategory);
        } else {
          AddNamed(
              set, [&member](char32_t x) { return !member(x); }, Pattern::kNotUnicodeCategory);
        }
        return true;
      }
      default:
        break;
    }
    char32_t value;
    switch (c) {
      case 't':
        value = '\t';
        break;
      case 'n':
        value = '\n';
        break;
      case 'r':
        value = '\r';
        break;
      case 'f':
        value = '\f';
        break;
      default:
        // Any other letter or digit is a Java construct this dialect does not have
        // (backreferences, \b, \Q, \x, \u ...); anything else escapes itself.
        if (IsAsciiWord(c)) return false;
        value = c;
    }
    if (literal != nullptr) {
      *literal = value;
    } else {
      AddRange(set, value, value);
    }
    return true;
  }

  std::optional<Node> ParseClass() {
    CharSet set;
    if (!AtEnd() && Peek() == '^') {
      set.negated = true;
      ++pos_;
    }
    bool empty = true;
    while (true) {
      if (AtEnd()) return std::nullopt;
      char32_t c = Peek();
      if (c == ']' && !empty) {
        ++pos_;
        break;
      }
      if (c == '[' || (c == '&' && Peek(1) == '&')) return std::nullopt;  // unions, intersections
      empty = false;
      char32_t lo;
      ++pos_;
      if (c == '\\') {
        lo = 0xFFFFFFFF;
        if (!ParseEscape(&set, &lo)) return std::nullopt;
        if (lo == 0xFFFFFFFF) continue;  // a named class: cannot start a range
      } else {
        lo = c;
      }
      if (Peek() == '-' && Peek(1) != ']' && pos_ + 1 < text_.size()) {
        pos_ += 1;
        char32_t hi = Peek();
        ++pos_;
        if (hi == '\\') {
          hi = 0xFFFFFFFF;
          if (!ParseEscape(&set, &hi) || hi == 0xFFFFFFFF) return std::nullopt;
        } else if (hi == '[') {
          return std::nullopt;
        }
        if (hi < lo) return std::nullopt;
        AddRange(&set, lo, hi);
      } else {
        AddRange(&set, lo, lo);
      }
    }
    return SetNode(std::move(set));
  }

  std::u32string text_;
  size_t pos_ = 0;
  std::vector<CharSet>* sets_;
};

class Emitter {
 public:
  explicit Emitter(std::vector<Pattern::Instruction>* program) : program_(program) {}

  bool Emit(const Node& node) {
    using Op = Pattern::Op;
    switch (node.kind) {
      case Node::Kind::kEmpty:
        return true;
      case Node::Kind::kSet:
        return Add({Op::kChar, node.set}) >= 0;
      case Node::Kind::kConcat:
        for (const auto& child : node.children) {
          if (!Emit(child)) return false;
        }
        return true;
      case Node::Kind::kAlternation: {
        // split L1, next; L1: a; jump end; next: split L2, next2; ... last: z; end:
        std::vector<int> jumps;
        for (size_t i = 0; i < node.children.size(); ++i) {
          bool last = i + 1 == node.children.size();
          int split = last ? -1 : Add({Op::kSplit});
          if (!last && split < 0) return false;
          if (!last) (*program_)[split].x = Here();
          if (!Emit(node.children[i])) return false;
          if (!last) {
            int jump = Add({Op::kJump});
            if (jump < 0) return false;
            jumps.push_back(jump);
            (*program_)[split].y = Here();
          }
        }
        for (int jump : jumps) (*program_)[jump].x = Here();
        return true;
      }
      case Node::Kind::kRepeat: {
        const Node& child = node.children.front();
        for (int i = 0; i < node.min; ++i) {
          if (!Emit(child)) return false;
        }
        if (node.max < 0) {
          // loop: split body, out; body; jump loop; out:
          int split = Add({Op::kSplit});
          if (split < 0) return false;
          (*program_)[split].x = Here();
          if (!Emit(child)) return false;
          if (Add({Op::kJump, split}) < 0) return false;
          (*program_)[split].y = Here();
          return true;
        }
        std::vector<int> splits;
        for (int i = node.min; i < node.max; ++i) {
          int split = Add({Op::kSplit});
          if (split < 0) return false;
          (*program_)[split].x = Here();
          splits.push_back(split);
          if (!Emit(child)) return false;
        }
        for (int split : splits) (*program_)[split].y = Here();
        return true;
      }
    }
    return false;
  }

  int Add(Pattern::Instruction instruction) {
    if (Here() >= Pattern::kMaxInstructions) return -1;
    program_->push_back(instruction);
    return Here() - 1;
  }

 private:
  int Here() const { return static_cast<int>(program_->size()); }

  std::vector<Pattern::Instruction>* program_;
};

// A set of program counters (used to compute closures).
class PcSet {
 public:
  bool Test(int pc) const { return (words_[pc >> 6] >> (pc & 63)) & 1; }
  void Set(int pc) { words_[pc >> 6] |= uint64_t{1} << (pc & 63); }
  const std::array<uint64_t, Pattern::kMaxInstructions / 64>& words() const { return words_; }

 private:
  std::array<uint64_t, Pattern::kMaxInstructions / 64> words_{};
};

// Adds `start` and everything reachable from it without consuming input to `set`.
void AddThread(const std::vector<Pattern::Instruction>& program, PcSet* set, int start) {
  // Every instruction is expanded at most once and pushes at most two successors.
  std::array<int, 2 * Pattern::kMaxInstructions + 2> stack;
  size_t top = 0;
  stack[top++] = start;
  while (top > 0) {
    int pc = stack[--top];
    if (set->Test(pc)) continue;
    set->Set(pc);
    const auto& instruction = program[static_cast<size_t>(pc)];
    if (instruction.op == Pattern::Op::kJump) {
      stack[top++] = instruction.x;
    } else if (instruction.op == Pattern::Op::kSplit) {
      stack[top++] = instruction.y;
      stack[top++] = instruction.x;
    }
  }
}

}  // namespace

char32_t NextCodePoint(std::string_view utf8, size_t* pos) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(utf8[i]); };
  unsigned char lead = byte(*pos);
  if (lead < 0x80) {
    ++*pos;
    return lead;
  }
  int extra;
  char32_t value;
  char32_t min;
  if (lead >= 0xC2 && lead <= 0xDF) {
    extra = 1, value = lead & 0x1F, min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    extra = 2, value = lead & 0x0F, min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    extra = 3, value = lead & 0x07, min = 0x10000;
  } else {
    ++*pos;
    return kReplacement;
  }
  if (utf8.size() - *pos <= static_cast<size_t>(extra)) {  // truncated
    ++*pos;
    return kReplacement;
  }
  for (int i = 1; i <= extra; ++i) {
    unsigned char next = byte(*pos + static_cast<size_t>(i));
    if ((next & 0xC0) != 0x80) {
      ++*pos;
      return kReplacement;
    }
    value = (value << 6) | (next & 0x3F);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    ++*pos;
    return kReplacement;
  }
  *pos += static_cast<size_t>(extra) + 1;
  return value;
}

size_t CountCodePoints(std::string_view utf8) {
  size_t count = 0;
  size_t pos = 0;
  while (pos < utf8.size()) {
    if (static_cast<unsigned char>(utf8[pos]) < 0x80) {
      ++pos;
    } else {
      NextCodePoint(utf8, &pos);
    }
    ++count;
  }
  return count;
}

bool Pattern::CharSet::Contains(char32_t c) const {
  bool in;
  if (c < 0x80) {
    in = (ascii[c >> 6] >> (c & 63)) & 1;
  } else {
    in = false;
    for (const Range& range : ranges) {
      if (c >= range.lo && c <= range.hi) {
        in = true;
        break;
      }
    }
    if (!in && named != 0) {
      // Outside ASCII: \w \d \s match nothing, their complements everything (Java's ASCII
      // defaults); the \p categories follow the approximation documented in pattern.h.
      bool category = !IsNonAsciiControlOrSeparator(c);
      in = (named & (kNotWord | kNotDigit | kNotSpace)) != 0 ||
           ((named & kUnicodeCategory) != 0 && category) ||
           ((named & kNotUnicodeCategory) != 0 && !category);
    }
  }
  return in != negated;
}

std::optional<Pattern> Pattern::Compile(std::string_view pattern) {
  Pattern result;
  result.source_ = std::string(pattern);

  std::u32string text;
  for (size_t pos = 0; pos < pattern.size();) text.push_back(NextCodePoint(pattern, &pos));
  // Anchors are implied: drop a leading '^' and a trailing unescaped '$'.
  if (!text.empty() && text.front() == '^') text.erase(0, 1);
  if (!text.empty() && text.back() == '$') {
    size_t backslashes = 0;
    for (size_t i = text.size() - 1; i > 0 && text[i - 1] == '\\'; --i) ++backslashes;
    if (backslashes % 2 == 0) text.pop_back();
  }

  Parser parser(std::move(text), &result.sets_);
  auto tree = parser.ParseAll();
  if (!tree) return std::nullopt;
  Emitter emitter(&result.program_);
  if (!emitter.Emit(*tree) || emitter.Add({Op::kMatch}) < 0) return std::nullopt;
  result.Prepare();
  return result;
}

void Pattern::Prepare() {
  const size_t size = program_.size();
  words_ = (size + 63) / 64;
  match_pc_ = static_cast<int>(size) - 1;
  // Only kChar and kMatch pcs are states; kSplit/kJump are followed while computing closures.
  Mask states{};
  for (size_t pc = 0; pc < size; ++pc) {
    if (program_[pc].op == Op::kChar || program_[pc].op == Op::kMatch) {
      states[pc >> 6] |= uint64_t{1} << (pc & 63);
    }
    if (program_[pc].op == Op::kChar) char_pcs_[pc >> 6] |= uint64_t{1} << (pc & 63);
  }
  auto closure = [&](int from) {
    PcSet set;
    AddThread(program_, &set, from);
    Mask mask = set.words();
    for (size_t w = 0; w < mask.size(); ++w) mask[w] &= states[w];
    return mask;
  };
  start_ = closure(0);
  follow_.assign(size, Mask{});
  for (size_t pc = 0; pc < size; ++pc) {
    if (program_[pc].op == Op::kChar) follow_[pc] = closure(static_cast<int>(pc) + 1);
  }
  ascii_accepts_.assign(0x80, Mask{});
  for (char32_t c = 0; c < 0x80; ++c) {
    for (size_t pc = 0; pc < size; ++pc) {
      if (program_[pc].op == Op::kChar && sets_[static_cast<size_t>(program_[pc].x)].Contains(c)) {
        ascii_accepts_[c][pc >> 6] |= uint64_t{1} << (pc & 63);
      }
    }
  }
}

bool Pattern::Matches(std::string_view utf8) const {
  if (words_ == 1) {
    // Programs of up to 64 instructions (every model pattern): one word of state.
    uint64_t current = start_[0];
    size_t pos = 0;
    while (pos < utf8.size()) {
      auto byte = static_cast<unsigned char>(utf8[pos]);
      uint64_t bits;
      char32_t c = byte;
      if (byte < 0x80) {
        ++pos;
        bits = current & ascii_accepts_[byte][0];
      } else {
        c = NextCodePoint(utf8, &pos);
        bits = current & char_pcs_[0];
      }
      uint64_t next = 0;
      while (bits != 0) {
        auto pc = static_cast<size_t>(__builtin_ctzll(bits));
        bits &= bits - 1;
        if (c >= 0x80 && !sets_[static_cast<size_t>(program_[pc].x)].Contains(c)) continue;
        next |= follow_[pc][0];
      }
      if (next == 0) return false;
      current = next;
    }
    return (current >> match_pc_) & 1;
  }
  Mask current = start_;
  size_t pos = 0;
  while (pos < utf8.size()) {
    auto byte = static_cast<unsigned char>(utf8[pos]);
    char32_t c;
    const Mask* accepts;
    if (byte < 0x80) {
      c = byte;
      ++pos;
      accepts = &ascii_accepts_[byte];
    } else {
      c = NextCodePoint(utf8, &pos);
      accepts = &char_pcs_;  // each set is asked below
    }
    Mask next{};
    bool any = false;
    for (size_t w = 0; w < words_; ++w) {
      uint64_t bits = current[w] & (*accepts)[w];
      while (bits != 0) {
        size_t pc = w * 64 + static_cast<size_t>(__builtin_ctzll(bits));
        bits &= bits - 1;
        if (c >= 0x80 && !sets_[static_cast<size_t>(program_[pc].x)].Contains(c)) continue;
        const Mask& follow = follow_[pc];
        for (size_t v = 0; v < words_; ++v) next[v] |= follow[v];
        any = true;
      }
    }
    if (!any) return false;
    current = next;
  }
  return (current[static_cast<size_t>(match_pc_) >> 6] >> (match_pc_ & 63)) & 1;
}

}  // namespace cogsync::protocol
