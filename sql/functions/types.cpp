// Functions of QuestDB's IPv4, UUID and LONG128 types:
//   ipv4 << 'a.b.c.d/n'    strictly inside the subnet (n < 32 and the network bits match)
//   ipv4 <<= 'a.b.c.d/n'   inside the subnet or equal to it
//   'a.b.c.d/n' >> ipv4, 'a.b.c.d/n' >>= ipv4   the same with the operands swapped
//   netmask('a.b.c.d/n')   the mask of the subnet as IPv4 (null for invalid text or /0)
//   to_uuid(lo, hi), to_long128(lo, hi)   two LONGs into one 128-bit value (null when both are
//                                          null)
// A subnet is `a.b.c.d/n` with n in 0..32, or a plain address (/32). Text that is not a subnet
// makes the containment false, as a null address does (QuestDB's).
#include <cstring>
#include <optional>

#include "cairo/column_text.h"
#include "sql/functions/function_util.h"

namespace sundial::sql {
namespace {

using namespace fn;  // NOLINT

struct Subnet {
  uint32_t network = 0;
  int bits = 32;
  uint32_t mask() const { return bits == 0 ? 0 : ~0u << (32 - bits); }
};

std::optional<Subnet> ParseSubnet(std::string_view text) {
  Subnet s;
  const size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    std::string_view b = text.substr(slash + 1);
    if (b.empty() || b.size() > 2) return std::nullopt;
    int bits = 0;
    for (char c : b) {
      if (c < '0' || c > '9') return std::nullopt;
      bits = bits * 10 + (c - '0');
    }
    if (bits > 32) return std::nullopt;
    s.bits = bits;
    text = text.substr(0, slash);
  }
  auto a = cairo::ParseIPv4(text);
  if (!a) return std::nullopt;
  s.network = *a;
  return s;
}

bool IPv4Arg(const BoundPtr& a) { return a->type() == ColumnType::kIPv4 || IsNullArg(a); }
bool LongArg(const BoundPtr& a) { return IsIntegral(a->type()) || IsNullArg(a); }

// The containment operators: `address_first` says which operand is the address.
void AddContainment(FunctionRegistry& r, const std::string& op, bool address_first, bool strict) {
  const std::string what = strict ? "strictly inside" : "inside or equal to";
  auto& d = r.Add(op, "types", FunctionKind::kScalar,
                  address_first ? "whether an IPv4 address is " + what + " a subnet"
                                : "whether a subnet holds an IPv4 address (" + what + ")");
  const std::string sig =
      address_first ? "ipv4 " + op + " subnet VARCHAR" : "subnet VARCHAR " + op + " ipv4";
  Overload(
      d, sig,
      [address_first](const Args& a) {
        return a.size() == 2 && IPv4Arg(a[address_first ? 0 : 1]) &&
               IsStringArg(a[address_first ? 1 : 0]);
      },
      [address_first, strict](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
        return RowFn(call, std::move(args), ColumnType::kBoolean,
                     [address_first, strict](const std::vector<Value>& v) -> core::Result<Value> {
                       const Value& addr = v[address_first ? 0 : 1];
                       const Value& net = v[address_first ? 1 : 0];
                       bool in = false;
                       if (!addr.is_null && !net.is_null) {
                         auto s = ParseSubnet(net.s);
                         const uint32_t a = static_cast<uint32_t>(addr.i);
                         in = s && (a & s->mask()) == (s->network & s->mask()) &&
                              (!strict || s->bits < 32);
                       }
                       return Value::Long(ColumnType::kBoolean, in ? 1 : 0);
                     });
      });
}

void AddPair(FunctionRegistry& r, const std::string& name, ColumnType out) {
  auto& d =
      r.Add(name, "types", FunctionKind::kScalar,
            "two LONGs (low, high 64 bits) into one " + std::string(cairo::ColumnTypeName(out)));
  Overload(d, name + "(lo LONG, hi LONG)", ArgsAre({LongArg, LongArg}),
           [out](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
             return RowFn(call, std::move(args), out,
                          [out](const std::vector<Value>& v) -> core::Result<Value> {
                            if (v[0].is_null && v[1].is_null) return Value::Null(out);
                            uint64_t w[2] = {
                                static_cast<uint64_t>(v[0].is_null ? cairo::kNullLong : v[0].i),
                                static_cast<uint64_t>(v[1].is_null ? cairo::kNullLong : v[1].i)};
                            std::string text;
                            cairo::AppendStoredText(out, w, &text);
                            return Value::Str(out, std::move(text));
                          });
           });
}

}  // namespace

void RegisterTypeFunctions(FunctionRegistry& r) {
  AddContainment(r, "<<", true, true);
  AddContainment(r, "<<=", true, false);
  AddContainment(r, ">>", false, true);
  AddContainment(r, ">>=", false, false);
  auto& nm = r.Add("netmask", "types", FunctionKind::kScalar, "the mask of an IPv4 subnet");
  Overload(nm, "netmask(subnet VARCHAR)", ArgsAre({IsStringArg}),
           [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
             return RowFn(call, std::move(args), ColumnType::kIPv4,
                          [](const std::vector<Value>& v) -> core::Result<Value> {
                            auto s = v[0].is_null ? std::nullopt : ParseSubnet(v[0].s);
                            if (!s || s->mask() == 0) return Value::Null(ColumnType::kIPv4);
                            return Value::Long(ColumnType::kIPv4, s->mask());
                          });
           });
  AddPair(r, "to_uuid", ColumnType::kUuid);
  AddPair(r, "to_long128", ColumnType::kLong128);
}

}  // namespace sundial::sql
