#include "protocol/pattern.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cogsync::protocol {
namespace {

Pattern MustCompile(std::string_view source) {
  auto pattern = Pattern::Compile(source);
  EXPECT_TRUE(pattern.has_value()) << source;
  return pattern ? *pattern : *Pattern::Compile("");
}

struct Case {
  std::string pattern;
  std::vector<std::string> accept;
  std::vector<std::string> reject;
};

// Every pattern of the two service models, with values AWS accepts and rejects.
const std::vector<Case>& ModelCases() {
  static const auto* cases = new std::vector<Case>{
      {R"((un)?authenticated)",
       {"authenticated", "unauthenticated"},
       {"", "un", "Authenticated", "unauthenticatedx", "xauthenticated", "unun authenticated",
        "ununauthenticated"}},
      {R"([\S]+)",
       {"a", "x.y/z", "caf\u00e9", "\u00a0x" /* NBSP is not \s in Java */, "\u6f22\u5b57"},
       {"", " ", "a b", "a\tb", "a\nb", "a\x0B", "\f"}},
      {R"([\p{L}\p{M}\p{S}\p{N}\p{P}]+)",
       {"abc", "A1", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "\u00e9t\u00e9", "\u6f22\u5b57",
        "\U0001F600", "e\u0301"},
       {"", "a b", "a\tb", "\x7f", "a\u00a0b", "\u2003", "x\u0085", "\u3000"}},
      {R"([\w-]+:[0-9a-f-]+)",
       {"us-east-1:0a1b2c3d-0000-4000-8000-1234567890ab", "a:-", "_:f"},
       {"", "us-east-1", ":abc", "us-east-1:ABC", "us-east-1:xyz", "us east:1", "us-east-1:abc:def",
        "us-east-1:abc ", "arn:aws:cognito-idp:us-east-1:1:userpool/x"}},
      {R"([\w.;_/-]+)",
       {"graph.facebook.com", "a;b/c-d_e", "accounts.google.com"},
       {"", "a b", "a:b", "a,b", "caf\u00e9"}},
      {R"([\w._-]+)", {"login.mycompany.myapp", "A-b_c.d"}, {"", "a/b", "a:b", "a b"}},
      {R"([\w._:/-]+)",
       {"cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12", "a:b/c"},
       {"", "a b", "a;b", "a=b"}},
      {R"([\w\s+=,.@-]+)",
       {"My Pool", "pool+name=1,2.3@x-y", "tab\tok"},
       {"", "pool!", "pool/name", "caf\u00e9", "a:b"}},
      {R"([\w_]+)", {"abc_123", "_"}, {"", "a-b", "a.b", "a b"}},
      {R"([a-zA-Z0-9_.:-]+)",
       {"my-dataset_1.0:x", "Z", "us-east-1:abc.merged"},
       {"", "a b", "a/b", "\u00e9", "a+b"}},
      {R"(\d+)", {"0", "123456789012"}, {"", "12a", "-1", " 1", "\u0661" /* Arabic-Indic 1 */}},
      {R"(arn:aws:iam::\d+:role/.*)",
       {"arn:aws:iam::123456789012:role/Cognito_Unauth", "arn:aws:iam::1:role/",
        "arn:aws:iam::1:role/a/b c"},
       {"", "arn:aws:iam::abc:role/x", "arn:aws:iam:123:role/x", "arn:aws:iam::1:user/x",
        "arn:aws:iam::1:role/a\nb", "xarn:aws:iam::1:role/x"}},
      {R"(arn:aws:sns:[-0-9a-z]+:\d+:app/[A-Z_]+/[a-zA-Z0-9_.-]+)",
       {"arn:aws:sns:us-east-1:123456789012:app/GCM/MyApp",
        "arn:aws:sns:us-west-2:1:app/APNS_SANDBOX/my.app-1"},
       {"", "arn:aws:sns:us-east-1:123:app/gcm/MyApp", "arn:aws:sns:US-EAST-1:1:app/GCM/x",
        "arn:aws:sns:us-east-1:123:app/GCM/", "arn:aws:sns:us-east-1:123:app/GCM/a b",
        "arn:aws:sns:us-east-1:12x:app/GCM/a"}},
  };
  return *cases;
}

TEST(PatternTest, EveryModelPatternAcceptsAndRejects) {
  for (const auto& c : ModelCases()) {
    auto pattern = Pattern::Compile(c.pattern);
    ASSERT_TRUE(pattern.has_value()) << c.pattern;
    EXPECT_EQ(pattern->source(), c.pattern);
    for (const auto& value : c.accept) {
      EXPECT_TRUE(pattern->Matches(value)) << c.pattern << " should accept '" << value << "'";
    }
    for (const auto& value : c.reject) {
      EXPECT_FALSE(pattern->Matches(value)) << c.pattern << " should reject '" << value << "'";
    }
  }
}

TEST(PatternTest, MatchesWholeValueOnly) {
  Pattern p = MustCompile("abc");
  EXPECT_TRUE(p.Matches("abc"));
  EXPECT_FALSE(p.Matches("abcd"));
  EXPECT_FALSE(p.Matches("xabc"));
  EXPECT_FALSE(p.Matches("ab"));
  EXPECT_FALSE(p.Matches(""));
}

TEST(PatternTest, ExplicitAnchorsAreAccepted) {
  Pattern p = MustCompile("^[a-z]{1,3}$");
  EXPECT_TRUE(p.Matches("abc"));
  EXPECT_FALSE(p.Matches("abcd"));
  Pattern dollar = MustCompile(R"(a\$)");  // an escaped $ is a literal, not an anchor
  EXPECT_TRUE(dollar.Matches("a$"));
  EXPECT_FALSE(dollar.Matches("a"));
}

TEST(PatternTest, Quantifiers) {
  Pattern optional = MustCompile("ab?c");
  EXPECT_TRUE(optional.Matches("ac"));
  EXPECT_TRUE(optional.Matches("abc"));
  EXPECT_FALSE(optional.Matches("abbc"));

  Pattern star = MustCompile("ab*c");
  EXPECT_TRUE(star.Matches("ac"));
  EXPECT_TRUE(star.Matches("abbbbc"));
  EXPECT_FALSE(star.Matches("abxc"));

  Pattern plus = MustCompile("ab+c");
  EXPECT_FALSE(plus.Matches("ac"));
  EXPECT_TRUE(plus.Matches("abbc"));

  Pattern exact = MustCompile("a{3}");
  EXPECT_FALSE(exact.Matches("aa"));
  EXPECT_TRUE(exact.Matches("aaa"));
  EXPECT_FALSE(exact.Matches("aaaa"));

  Pattern range = MustCompile("x{2,4}");
  EXPECT_FALSE(range.Matches("x"));
  EXPECT_TRUE(range.Matches("xx"));
  EXPECT_TRUE(range.Matches("xxxx"));
  EXPECT_FALSE(range.Matches("xxxxx"));

  Pattern at_least = MustCompile("(ab){2,}");
  EXPECT_FALSE(at_least.Matches("ab"));
  EXPECT_TRUE(at_least.Matches("abab"));
  EXPECT_TRUE(at_least.Matches("ababababab"));
  EXPECT_FALSE(at_least.Matches("ababa"));

  Pattern lazy = MustCompile("a.*?b");
  EXPECT_TRUE(lazy.Matches("axxb"));
}

TEST(PatternTest, GroupsAndAlternation) {
  Pattern p = MustCompile("(?:cat|dog)s?|bird");
  EXPECT_TRUE(p.Matches("cat"));
  EXPECT_TRUE(p.Matches("dogs"));
  EXPECT_TRUE(p.Matches("bird"));
  EXPECT_FALSE(p.Matches("birds"));
  EXPECT_FALSE(p.Matches("catdog"));
  Pattern nested = MustCompile("((a|b)c)+");
  EXPECT_TRUE(nested.Matches("acbcac"));
  EXPECT_FALSE(nested.Matches("acb"));
  Pattern empty_loop = MustCompile("(a?)*b");  // an empty-matching loop must not hang
  EXPECT_TRUE(empty_loop.Matches("aab"));
  EXPECT_TRUE(empty_loop.Matches("b"));
}

TEST(PatternTest, ClassesAndEscapes) {
  Pattern negated = MustCompile("[^a-c]+");
  EXPECT_TRUE(negated.Matches("xyz\u00e9"));
  EXPECT_FALSE(negated.Matches("xbz"));
  Pattern dashes = MustCompile("[-a]+[b-]+");
  EXPECT_TRUE(dashes.Matches("-a-b-"));
  Pattern escaped = MustCompile(R"([\]\\\-]+\.)");
  EXPECT_TRUE(escaped.Matches("]\\-."));
  EXPECT_FALSE(escaped.Matches("]\\-x"));
  Pattern not_word = MustCompile(R"(\W\D)");
  EXPECT_TRUE(not_word.Matches("-x"));
  EXPECT_TRUE(not_word.Matches("\u00e9\u00e9"));  // \w and \d are ASCII-only, as in Java
  EXPECT_FALSE(not_word.Matches("a-"));
  EXPECT_FALSE(not_word.Matches("-5"));
  Pattern not_category = MustCompile(R"(\P{L}+)");
  EXPECT_TRUE(not_category.Matches("12 "));
  EXPECT_FALSE(not_category.Matches("1a"));
  Pattern dot = MustCompile("a.b");
  EXPECT_TRUE(dot.Matches("a\u00e9b"));
  EXPECT_TRUE(dot.Matches("a b"));
  EXPECT_FALSE(dot.Matches("a\nb"));
  EXPECT_FALSE(dot.Matches("a\u2028b"));
  Pattern tab = MustCompile(R"(\t)");
  EXPECT_TRUE(tab.Matches("\t"));
  Pattern unicode_literal = MustCompile("caf\u00e9");
  EXPECT_TRUE(unicode_literal.Matches("caf\u00e9"));
  EXPECT_FALSE(unicode_literal.Matches("cafe"));
}

TEST(PatternTest, CategoriesSplitAsciiByUnicodeCategory) {
  Pattern letters = MustCompile(R"(\p{L}+)");
  EXPECT_TRUE(letters.Matches("abcXYZ"));
  EXPECT_FALSE(letters.Matches("a1"));
  Pattern numbers = MustCompile(R"(\p{N}+)");
  EXPECT_TRUE(numbers.Matches("0189"));
  EXPECT_FALSE(numbers.Matches("1a"));
  Pattern symbols = MustCompile(R"(\p{S}+)");
  EXPECT_TRUE(symbols.Matches("$+<=>^`|~"));
  EXPECT_FALSE(symbols.Matches("!"));
  Pattern punctuation = MustCompile(R"(\p{P}+)");
  EXPECT_TRUE(punctuation.Matches("!\"#%&'()*,-./:;?@[\\]_{}"));
  EXPECT_FALSE(punctuation.Matches("$"));
  Pattern marks = MustCompile(R"(\p{M})");
  EXPECT_FALSE(marks.Matches("a"));
  EXPECT_TRUE(marks.Matches("\u0301"));
}

TEST(PatternTest, InvalidUtf8IsReadAsReplacementCharacter) {
  Pattern any = MustCompile(".");
  EXPECT_TRUE(any.Matches("\xff"));
  EXPECT_FALSE(any.Matches("\xe6\xbc"));  // truncated: two bad bytes, two characters
  Pattern two = MustCompile("..");
  EXPECT_TRUE(two.Matches("\xe6\xbc"));
  EXPECT_FALSE(MustCompile(R"(\w)").Matches("\xc1\x81"));  // overlong 'A'
}

TEST(PatternTest, RejectsSyntaxOutsideTheDialect) {
  for (const char* bad : {"(",      "a)",     "[abc",      "[]",       "a{2",   "a{3,1}",  "*a",
                          "a**+",   R"(\1)",  R"(\bword)", "(?=a)",    "(?i)a", "[a-\\w]", "[z-a]",
                          "[a[b]]", "[a&&b]", R"(\p{Lu})", R"(\p{X})", "a^b",   "a$b",     "a++"}) {
    EXPECT_FALSE(Pattern::Compile(bad).has_value()) << bad;
  }
}

TEST(PatternTest, ProgramsLongerThanOneWordOfState) {
  // More than 64 instructions takes the multi-word path of the matcher.
  Pattern p = MustCompile("[a-c\u00e9]{70}(x|yz)?");
  std::string value(70, 'b');
  EXPECT_TRUE(p.Matches(value));
  EXPECT_TRUE(p.Matches(value + "x"));
  EXPECT_TRUE(p.Matches(value + "yz"));
  EXPECT_FALSE(p.Matches(value + "y"));
  EXPECT_FALSE(p.Matches(std::string(69, 'b')));
  EXPECT_FALSE(p.Matches(std::string(71, 'b')));
  EXPECT_TRUE(p.Matches("\u00e9" + std::string(69, 'a')));
  EXPECT_FALSE(p.Matches("\u00e8" + std::string(69, 'a')));
}

TEST(PatternTest, RejectsProgramsThatAreTooLarge) {
  EXPECT_TRUE(Pattern::Compile("a{200}").has_value());
  EXPECT_FALSE(Pattern::Compile("a{300}").has_value());
  EXPECT_FALSE(Pattern::Compile("(a{100}){100}").has_value());
}

TEST(PatternTest, LongValuesMatchInLinearTime) {
  // A backtracking matcher takes exponential time on this; the NFA simulation does not.
  Pattern p = MustCompile("(a|a)*(a|a)*b");
  std::string value(5000, 'a');
  EXPECT_FALSE(p.Matches(value));
  value.push_back('b');
  EXPECT_TRUE(p.Matches(value));
}

TEST(PatternTest, CountCodePoints) {
  EXPECT_EQ(CountCodePoints(""), 0u);
  EXPECT_EQ(CountCodePoints("abc"), 3u);
  EXPECT_EQ(CountCodePoints("caf\u00e9"), 4u);
  EXPECT_EQ(CountCodePoints("\u6f22\u5b57"), 2u);
  EXPECT_EQ(CountCodePoints("\U0001F600x"), 2u);
  EXPECT_EQ(CountCodePoints("\xff\xfe"), 2u);
}

TEST(PatternTest, NextCodePointDecodes) {
  std::string s = "a\u00e9\u20ac\U0001F600";
  size_t pos = 0;
  EXPECT_EQ(NextCodePoint(s, &pos), U'a');
  EXPECT_EQ(NextCodePoint(s, &pos), U'\u00e9');
  EXPECT_EQ(NextCodePoint(s, &pos), U'\u20ac');
  EXPECT_EQ(NextCodePoint(s, &pos), U'\U0001F600');
  EXPECT_EQ(pos, s.size());
  std::string surrogate = "\xed\xa0\x80";
  pos = 0;
  EXPECT_EQ(NextCodePoint(surrogate, &pos), U'\uFFFD');
  EXPECT_EQ(pos, 1u);
}

}  // namespace
}  // namespace cogsync::protocol
