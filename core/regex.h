// core/regex.h — regular expressions that run in time linear in the text and in constant stack,
// whatever the pattern: SQL's `~` / `!~` and regexp_replace take patterns and text from users,
// and a backtracking matcher (std::regex recurses once per character, and backtracks
// exponentially on patterns such as `(a+)+b`) lets one query crash or stall the server.
//
// Syntax: Java's java.util.regex (what QuestDB's `~` and regexp_replace accept), minus what
// needs backtracking, which is refused with a clear error rather than matched differently:
// backreferences (\1, \k<name>), lookaround ((?=, (?!, (?<=, (?<!), atomic groups (?>...),
// possessive quantifiers (a*+), nested classes and class intersection ([a-z&&[^e]]).
// Supported: literals and escapes (\t \n \r \f \a \e \0ooo \xhh \x{h..} \uhhhh \cX, any escaped
// punctuation, \Q...\E), `.` (any character but a line terminator; with (?s) any), classes
// ([a-z], [^...], escapes and \d \w \s inside), \d \D \w \W \s \S \h \H \v \V (ASCII, as Java's
// defaults), \p{Name} / \P{Name} for the POSIX names (Lower, Upper, ASCII, Alpha, Digit, Alnum,
// Punct, Graph, Print, Blank, Cntrl, XDigit, Space), anchors ^ $ \A \z \Z \b \B, groups
// (...), (?:...), (?<name>...), flags (?i) (?s) (?m) and (?ims-ims:...), alternation, and the
// quantifiers * + ? {n} {n,} {n,m} with their lazy forms (*? ...). (?i) folds ASCII letters,
// as Java's CASE_INSENSITIVE does without UNICODE_CASE.
//
// Matching follows Java's leftmost-first rule (alternatives and quantifiers are tried in
// priority order, the first match in that order wins, and a loop iteration that consumes
// nothing ends the loop), so group captures and replacements are what Java gives. One
// exception, shared by every matcher that does not backtrack: inside a repeated group whose
// body can match empty through a nested quantifier or assertion (`((a*?\b)|b)*`), a match may
// end elsewhere than Java's; whether there is a match is always the same. Text is UTF-8 and matched
// by code point; a byte that does not start a valid sequence is one character that only `.`,
// negated classes and \D \W \S match.
//
// Compile() bounds the program size; matching uses one thread list per character (a Pike VM),
// so a search costs O(text × pattern) time and O(pattern) memory. Each call may take at most
// kMaxSteps steps (a step: one thread at one character, or one instruction followed without
// consuming); past that it is ResourceExhausted, so one row's match is bounded whatever the
// pattern and text (ReplaceAll's repeated searches can be quadratic: `a*b|a` over a long run
// of a's). Immutable after Compile: thread-safe (each call keeps its own state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace sundial::core {

class Regex {
 public:
  // InvalidArgument with a message naming the fault for a pattern outside the syntax above,
  // or one whose program would exceed kMaxInstructions (large counted repetitions).
  static Result<Regex> Compile(std::string_view pattern);
  static constexpr size_t kMaxInstructions = 20000;
  static constexpr uint64_t kMaxSteps = uint64_t{1} << 24;

  // True if the pattern matches anywhere in `text` (Java's Matcher.find()).
  Result<bool> Search(std::string_view text) const;

  // The leftmost-first match that starts at or after byte `from` of `text` (context before
  // `from` still counts for ^ with (?m), \b and \B). On a match fills `groups` with
  // 2 × (group_count() + 1) byte offsets, [start, end) of the match and of each group; -1 for a
  // group that did not take part.
  Result<bool> Find(std::string_view text, size_t from, std::vector<int64_t>* groups) const;

  int group_count() const { return groups_; }
  // Instructions of the compiled program: a search takes at most a small multiple of
  // program_size() × the text's length in steps.
  size_t program_size() const { return program_.size(); }

  // Java's Matcher.replaceAll: every match replaced by `replacement`, in which $n and ${name}
  // insert a group (nothing for a group that did not take part) and a backslash quotes the
  // next character. InvalidArgument for a reference to a group the pattern does not have, a `$`
  // not followed by a group, or a trailing backslash.
  Result<std::string> ReplaceAll(std::string_view text, std::string_view replacement) const;

  // The compiled program (a Pike VM's instructions) and its character classes.
  struct CharClass {
    std::vector<std::pair<uint32_t, uint32_t>> ranges;  // sorted, disjoint, inclusive
    bool negated = false;
    bool Matches(uint32_t cp) const;
  };
  struct Inst {
    enum Op : uint8_t {
      kChar,
      kClass,
      kAny,
      kAnyButNewline,
      kSplit,
      kJmp,
      kSave,
      kAssert,
      kMatch,
      kLoopCheck,  // Java's rule: an iteration that consumed nothing leaves the loop
    };
    Op op = kMatch;
    bool fold = false;  // kChar: ASCII letters match either case
    uint8_t assertion = 0;
    uint32_t cp = 0;  // kChar
    // kSplit: preferred branch; kJmp: target; kSave: slot; kClass: index; kLoopCheck: the
    // loop's split (when the iteration consumed something)
    int32_t x = 0;
    int32_t y = 0;     // kSplit: other branch; kLoopCheck: the loop's exit
    int32_t slot = 0;  // kLoopCheck: where the iteration's start position was saved
  };

 private:
  Result<bool> Run(std::string_view text, size_t from, bool want_groups,
                   std::vector<int64_t>* groups, uint64_t* steps_left) const;

  std::vector<Inst> program_;
  std::vector<CharClass> classes_;
  std::vector<std::pair<std::string, int>> names_;  // named groups
  int groups_ = 0;
  size_t slots_ = 2;  // capture slots, then one per loop whose body can match empty
  // Bytes every match starts with (searches skip to them), and whether every match starts at
  // the text's beginning (`^` without (?m), \A).
  std::string prefix_;
  bool anchored_ = false;
};

}  // namespace sundial::core
