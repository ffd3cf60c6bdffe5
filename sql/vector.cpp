#include "sql/vector.h"

namespace sundial::sql {

void CopyVec(const Vec& v, Vec* out) {
  out->Reset(v.type, v.n);
  if (v.no_data()) return;
  out->symtab = v.symtab;
  out->pool = v.pool;
  switch (v.phys()) {
    case Phys::kI64: {
      int64_t* p = out->AllocI(v.n);
      if (v.n) std::copy(v.i, v.i + v.n, p);
      break;
    }
    case Phys::kF64: {
      double* p = out->AllocD(v.n);
      if (v.n) std::copy(v.d, v.d + v.n, p);
      break;
    }
    case Phys::kStr: {
      std::string_view* p = out->AllocS(v.n);
      if (v.n) std::copy(v.s, v.s + v.n, p);
      break;
    }
  }
}

void GatherVec(const Vec& v, const uint32_t* rows, size_t count, Vec* out) {
  out->Reset(v.type, count);
  if (v.no_data()) return;
  out->symtab = v.symtab;
  out->pool = v.pool;
  switch (v.phys()) {
    case Phys::kI64: {
      int64_t* p = out->AllocI(count);
      for (size_t k = 0; k < count; ++k) p[k] = v.i[rows[k]];
      break;
    }
    case Phys::kF64: {
      double* p = out->AllocD(count);
      for (size_t k = 0; k < count; ++k) p[k] = v.d[rows[k]];
      break;
    }
    case Phys::kStr: {
      std::string_view* p = out->AllocS(count);
      for (size_t k = 0; k < count; ++k) p[k] = v.s[rows[k]];
      break;
    }
  }
}

void OwnVec(Vec* v) {
  Vec tmp;
  CopyVec(*v, &tmp);
  *v = std::move(tmp);
}

void AppendVec(const Vec& v, Vec* acc) {
  if (v.no_data() && v.n > 0) {
    acc->type = v.type;
    acc->n += v.n;
    return;
  }
  if (acc->n == 0 && acc->own_i.empty() && acc->own_d.empty() && acc->own_s.empty()) {
    acc->type = v.type;
    acc->symtab = v.symtab;
    acc->i = nullptr;
    acc->d = nullptr;
    acc->s = nullptr;
  }
  // Symbols from different dictionaries (or mixed with strings) are kept as strings.
  if (acc->type == ColumnType::kSymbol && acc->symtab != v.symtab) {
    if (acc->symtab) {
      std::vector<std::string_view> strs(acc->n);
      for (size_t r = 0; r < acc->n; ++r) strs[r] = acc->Str(r);
      acc->symtab = nullptr;
      acc->own_i.clear();
      acc->i = nullptr;
      acc->own_s = std::move(strs);
    }
    size_t base = acc->own_s.size();
    acc->own_s.resize(base + v.n);
    for (size_t r = 0; r < v.n; ++r) acc->own_s[base + r] = v.Str(r);
    acc->s = acc->own_s.data();
    acc->n = acc->own_s.size();
    if (v.pool && v.pool != acc->pool) {
      // Keep the other pool alive by re-homing strings into ours.
      StringPool* p = acc->Pool();
      for (size_t r = base; r < acc->n; ++r) acc->own_s[r] = p->Add(acc->own_s[r]);
    }
    return;
  }
  switch (acc->phys()) {
    case Phys::kI64:
      acc->own_i.insert(acc->own_i.end(), v.i, v.i + v.n);
      acc->i = acc->own_i.data();
      acc->n = acc->own_i.size();
      break;
    case Phys::kF64:
      acc->own_d.insert(acc->own_d.end(), v.d, v.d + v.n);
      acc->d = acc->own_d.data();
      acc->n = acc->own_d.size();
      break;
    case Phys::kStr: {
      size_t base = acc->own_s.size();
      acc->own_s.insert(acc->own_s.end(), v.s, v.s + v.n);
      acc->s = acc->own_s.data();
      acc->n = acc->own_s.size();
      if (v.pool && v.pool != acc->pool) {
        StringPool* p = acc->Pool();
        for (size_t r = base; r < acc->n; ++r) acc->own_s[r] = p->Add(acc->own_s[r]);
      }
      break;
    }
  }
}

}  // namespace sundial::sql
