// Statements: queries, CREATE/DROP/TRUNCATE/RENAME/ALTER TABLE, INSERT, UPDATE, SHOW, BACKUP,
// SNAPSHOT / CHECKPOINT.
#include "sql/parser.h"

#include "sql/parser_internal.h"

namespace sundial::sql {

core::Status Parser::ExpectKeyword(std::string_view kw) {
  if (AcceptKeyword(kw)) return core::Status::Ok();
  return Error("'" + std::string(kw) + "' expected", Peek().pos);
}

core::Status Parser::ExpectOp(std::string_view op) {
  if (AcceptOp(op)) return core::Status::Ok();
  return Error("'" + std::string(op) + "' expected", Peek().pos);
}

core::Status Parser::Unexpected(const Token& t) const {
  if (t.kind == TokenKind::kEnd) return Error("unexpected end of query", t.pos);
  return Error("unexpected token [" + t.text + "]", t.pos);
}

core::Result<std::string> Parser::Identifier(std::string_view what, int32_t* pos) {
  const Token& t = Peek();
  if (pos) *pos = t.pos;
  if (t.kind == TokenKind::kIdent || t.kind == TokenKind::kQuotedIdent) {
    return Next().text;
  }
  return Error(std::string(what), t.pos);
}

core::Result<std::string> Parser::TableName(int32_t* pos) {
  const Token& t = Peek();
  *pos = t.pos;
  if (t.kind == TokenKind::kIdent || t.kind == TokenKind::kQuotedIdent ||
      t.kind == TokenKind::kString) {
    if (t.kind == TokenKind::kIdent && IsReservedWord(t)) {
      return Error("table name expected", t.pos);
    }
    return Next().text;
  }
  return Error("table name expected", t.pos);
}

namespace {

// Skips SYMBOL/column options QuestDB accepts: CAPACITY n, CACHE, NOCACHE, INDEX [CAPACITY n].
void SkipColumnOptions(Parser* p) {
  for (;;) {
    if (p->AcceptKeyword("capacity")) {
      if (p->Peek().kind == TokenKind::kInteger) p->Next();
    } else if (p->AcceptKeyword("cache") || p->AcceptKeyword("nocache")) {
    } else if (p->AcceptKeyword("index")) {
      if (p->AcceptKeyword("capacity") && p->Peek().kind == TokenKind::kInteger) p->Next();
    } else {
      return;
    }
  }
}

core::Result<ColumnSpec> ColumnDefinition(Parser* p) {
  ColumnSpec spec;
  ASSIGN_OR_RETURN(spec.name, p->Identifier("column name expected", &spec.pos));
  ASSIGN_OR_RETURN(spec.type, p->TypeName(&spec.type_pos));
  SkipColumnOptions(p);
  return spec;
}

}  // namespace

core::Result<Statement> Parser::Statement_() {
  Statement st;
  const Token& t = Peek();
  st.pos = t.pos;
  if (t.kind == TokenKind::kEnd) return Error("empty query", t.pos);
  if (t.IsKeyword("create")) {
    Next();
    ASSIGN_OR_RETURN(st, CreateTable(t.pos));
  } else if (t.IsKeyword("drop")) {
    Next();
    RETURN_IF_ERROR(ExpectKeyword("table"));
    auto d = std::make_shared<DropTableStmt>();
    if (Peek().IsKeyword("if") && Peek(1).IsKeyword("exists")) {
      i_ += 2;
      d->if_exists = true;
    }
    ASSIGN_OR_RETURN(d->name, TableName(&d->name_pos));
    st.kind = Statement::Kind::kDropTable;
    st.drop = d;
  } else if (t.IsKeyword("truncate")) {
    Next();
    RETURN_IF_ERROR(ExpectKeyword("table"));
    auto d = std::make_shared<TruncateStmt>();
    ASSIGN_OR_RETURN(d->name, TableName(&d->name_pos));
    st.kind = Statement::Kind::kTruncate;
    st.truncate = d;
  } else if (t.IsKeyword("rename")) {
    Next();
    RETURN_IF_ERROR(ExpectKeyword("table"));
    auto r = std::make_shared<RenameTableStmt>();
    ASSIGN_OR_RETURN(r->from, TableName(&r->from_pos));
    RETURN_IF_ERROR(ExpectKeyword("to"));
    ASSIGN_OR_RETURN(r->to, TableName(&r->to_pos));
    st.kind = Statement::Kind::kRenameTable;
    st.rename = r;
  } else if (t.IsKeyword("alter")) {
    Next();
    ASSIGN_OR_RETURN(st, Alter(t.pos));
  } else if (t.IsKeyword("insert")) {
    Next();
    ASSIGN_OR_RETURN(st, Insert(t.pos));
  } else if (t.IsKeyword("update")) {
    Next();
    ASSIGN_OR_RETURN(st, Update(t.pos));
  } else if (t.IsKeyword("show")) {
    Next();
    ASSIGN_OR_RETURN(st, Show(t.pos));
  } else if (t.IsKeyword("backup")) {
    Next();
    ASSIGN_OR_RETURN(st, Backup(t.pos));
  } else if (t.IsKeyword("verify")) {
    Next();
    ASSIGN_OR_RETURN(st, VerifyBackup(t.pos));
  } else if (t.IsKeyword("restore")) {
    Next();
    ASSIGN_OR_RETURN(st, RestoreTable(t.pos));
  } else if (t.IsKeyword("explain") && Peek(1).kind != TokenKind::kEnd && !Peek(1).IsOp(";")) {
    // EXPLAIN <query>: the plan as text rows. Other statements are refused here, before
    // anything runs.
    Next();
    const Token& what = Peek();
    if (what.IsOp("(") && Peek(1).IsKeyword("format")) {
      return Error("EXPLAIN options are not supported: the plan is text", what.pos);
    }
    for (const char* kw :
         {"create", "drop", "truncate", "rename", "alter", "insert", "update", "backup", "snapshot",
          "checkpoint", "restore", "verify", "show", "explain"}) {
      if (what.IsKeyword(kw)) return Error("EXPLAIN supports queries only", what.pos);
    }
    st.kind = Statement::Kind::kExplain;
    ASSIGN_OR_RETURN(st.query, QueryExpr());
  } else if (t.IsKeyword("snapshot") || t.IsKeyword("checkpoint")) {
    const bool checkpoint = t.IsKeyword("checkpoint");
    Next();
    ASSIGN_OR_RETURN(st, Snapshot(t.pos, checkpoint));
  } else {
    st.kind = Statement::Kind::kQuery;
    ASSIGN_OR_RETURN(st.query, QueryExpr());
  }
  AcceptOp(";");
  if (!AtEnd()) return Unexpected(Peek());
  return st;
}

core::Result<Statement> Parser::CreateTable(int32_t pos) {
  RETURN_IF_ERROR(ExpectKeyword("table"));
  auto c = std::make_shared<CreateTableStmt>();
  if (Peek().IsKeyword("if")) {
    Next();
    RETURN_IF_ERROR(ExpectKeyword("not"));
    RETURN_IF_ERROR(ExpectKeyword("exists"));
    c->if_not_exists = true;
  }
  ASSIGN_OR_RETURN(c->name, TableName(&c->name_pos));
  if (AcceptKeyword("as")) {
    RETURN_IF_ERROR(ExpectOp("("));
    ASSIGN_OR_RETURN(c->as_query, QueryExpr());
    RETURN_IF_ERROR(ExpectOp(")"));
    // Optional casts/indexes: , cast(a as SYMBOL), index(b)
    while (AcceptOp(",")) {
      if (AcceptKeyword("index")) {
        RETURN_IF_ERROR(ExpectOp("("));
        while (!Peek().IsOp(")") && !AtEnd()) Next();
        RETURN_IF_ERROR(ExpectOp(")"));
      } else if (AcceptKeyword("cast")) {
        RETURN_IF_ERROR(ExpectOp("("));
        ColumnSpec spec;
        ASSIGN_OR_RETURN(spec.name, Identifier("column name expected", &spec.pos));
        RETURN_IF_ERROR(ExpectKeyword("as"));
        ASSIGN_OR_RETURN(spec.type, TypeName(&spec.type_pos));
        SkipColumnOptions(this);
        RETURN_IF_ERROR(ExpectOp(")"));
        c->columns.push_back(std::move(spec));  // casts applied to the query's columns
      } else {
        return Unexpected(Peek());
      }
    }
  } else {
    if (!Peek().IsOp("(")) return Error("'(' or 'as' expected", Peek().pos);
    Next();
    if (Peek().IsKeyword("like")) {
      return core::Status::Unsupported("CREATE TABLE LIKE is not supported", Peek().pos);
    }
    for (;;) {
      ASSIGN_OR_RETURN(ColumnSpec spec, ColumnDefinition(this));
      c->columns.push_back(std::move(spec));
      if (AcceptOp(",")) continue;
      if (AcceptOp(")")) break;
      return Error("',' or ')' expected", Peek().pos);
    }
  }
  if (Peek().IsKeyword("timestamp")) {
    Next();
    RETURN_IF_ERROR(ExpectOp("("));
    ASSIGN_OR_RETURN(c->timestamp_column, Identifier("column name expected", &c->timestamp_pos));
    RETURN_IF_ERROR(ExpectOp(")"));
  }
  if (Peek().IsKeyword("partition")) {
    Next();
    RETURN_IF_ERROR(ExpectKeyword("by"));
    const Token& p = Peek();
    auto by = cairo::ParsePartitionBy(p.text);
    if (p.kind != TokenKind::kIdent || !by) {
      return Error("'NONE', 'HOUR', 'DAY', 'WEEK', 'MONTH' or 'YEAR' expected", p.pos);
    }
    Next();
    c->partition_by = *by;
    c->has_partition_by = true;
    c->partition_pos = p.pos;
  }
  // Accepted and ignored: WAL, BYPASS WAL, WITH maxUncommittedRows=..., DEDUP UPSERT KEYS(..)
  for (;;) {
    if (AcceptKeyword("wal")) continue;
    if (Peek().IsKeyword("bypass") && Peek(1).IsKeyword("wal")) {
      i_ += 2;
      continue;
    }
    if (AcceptKeyword("with")) {
      for (;;) {
        ASSIGN_OR_RETURN(std::string param, Identifier("parameter expected"));
        RETURN_IF_ERROR(ExpectOp("="));
        const Token& v = Next();
        if (v.kind == TokenKind::kEnd) return Error("value expected", v.pos);
        if (!AcceptOp(",")) break;
      }
      continue;
    }
    if (AcceptKeyword("dedup")) {
      RETURN_IF_ERROR(ExpectKeyword("upsert"));
      RETURN_IF_ERROR(ExpectKeyword("keys"));
      RETURN_IF_ERROR(ExpectOp("("));
      while (!Peek().IsOp(")") && !AtEnd()) Next();
      RETURN_IF_ERROR(ExpectOp(")"));
      continue;
    }
    break;
  }
  Statement st;
  st.pos = pos;
  st.kind = Statement::Kind::kCreateTable;
  st.create = c;
  return st;
}

core::Result<Statement> Parser::Insert(int32_t pos) {
  AcceptKeyword("atomic");
  RETURN_IF_ERROR(ExpectKeyword("into"));
  auto ins = std::make_shared<InsertStmt>();
  ASSIGN_OR_RETURN(ins->table, TableName(&ins->table_pos));
  if (Peek().IsOp("(") && !Peek(1).IsKeyword("select") && !Peek(1).IsKeyword("with")) {
    Next();
    for (;;) {
      int32_t cpos = 0;
      ASSIGN_OR_RETURN(std::string col, Identifier("column name expected", &cpos));
      ins->columns.push_back(std::move(col));
      ins->column_positions.push_back(cpos);
      if (AcceptOp(",")) continue;
      RETURN_IF_ERROR(ExpectOp(")"));
      break;
    }
  }
  if (AcceptKeyword("values")) {
    for (;;) {
      RETURN_IF_ERROR(ExpectOp("("));
      std::vector<ExprPtr> row;
      for (;;) {
        ASSIGN_OR_RETURN(ExprPtr v, Expression());
        row.push_back(v);
        if (AcceptOp(",")) continue;
        if (AcceptOp(")")) break;
        return Error("',' or ')' expected", Peek().pos);
      }
      ins->rows.push_back(std::move(row));
      if (!AcceptOp(",")) break;
    }
  } else if (Peek().IsKeyword("select") || Peek().IsKeyword("with") || Peek().IsOp("(")) {
    ASSIGN_OR_RETURN(ins->query, QueryExpr());
  } else {
    return Error("'select' or 'values' expected", Peek().pos);
  }
  Statement st;
  st.pos = pos;
  st.kind = Statement::Kind::kInsert;
  st.insert = ins;
  return st;
}

core::Result<Statement> Parser::Update(int32_t pos) {
  auto u = std::make_shared<UpdateStmt>();
  ASSIGN_OR_RETURN(u->table, TableName(&u->table_pos));
  if (AcceptKeyword("as")) {
    ASSIGN_OR_RETURN(u->alias, Identifier("alias expected"));
  } else if ((Peek().kind == TokenKind::kIdent && !Peek().IsKeyword("set")) ||
             Peek().kind == TokenKind::kQuotedIdent) {
    ASSIGN_OR_RETURN(u->alias, Identifier("alias expected"));
  }
  RETURN_IF_ERROR(ExpectKeyword("set"));
  for (;;) {
    int32_t cpos = 0;
    ASSIGN_OR_RETURN(std::string col, Identifier("column name expected", &cpos));
    std::string qualifier;
    if (AcceptOp(".")) {  // alias.column
      qualifier = std::move(col);
      ASSIGN_OR_RETURN(col, Identifier("column name expected"));
    }
    RETURN_IF_ERROR(ExpectOp("="));
    ASSIGN_OR_RETURN(ExprPtr v, Expression());
    u->columns.push_back(std::move(col));
    u->qualifiers.push_back(std::move(qualifier));
    u->column_positions.push_back(cpos);
    u->values.push_back(std::move(v));
    if (!AcceptOp(",")) break;
  }
  if (Peek().IsKeyword("from")) {
    return Error("UPDATE ... FROM is not supported", Peek().pos);
  }
  if (AcceptKeyword("where")) {
    ASSIGN_OR_RETURN(u->where, Expression());
  }
  Statement st;
  st.pos = pos;
  st.kind = Statement::Kind::kUpdate;
  st.update = u;
  return st;
}

// LIST 'name', ... | WHERE <condition>, after DROP PARTITION and CONVERT PARTITION TO ...
core::Status Parser::PartitionSelection(AlterTableStmt* a) {
  if (AcceptKeyword("where")) {
    ASSIGN_OR_RETURN(a->partition_where, Expression());
    return core::Status::Ok();
  }
  RETURN_IF_ERROR(ExpectKeyword("list"));
  for (;;) {
    const Token& p = Peek();
    if (p.kind != TokenKind::kString) return Error("partition name expected", p.pos);
    a->partitions.push_back(p.text);
    a->partition_positions.push_back(p.pos);
    Next();
    if (!AcceptOp(",")) break;
  }
  return core::Status::Ok();
}

core::Result<Statement> Parser::Alter(int32_t pos) {
  RETURN_IF_ERROR(ExpectKeyword("table"));
  auto a = std::make_shared<AlterTableStmt>();
  ASSIGN_OR_RETURN(a->table, TableName(&a->table_pos));
  Statement st;
  st.pos = pos;
  st.kind = Statement::Kind::kAlterTable;
  st.alter = a;
  const Token& t = Peek();
  if (t.IsKeyword("add")) {
    Next();
    AcceptKeyword("column");
    a->action = AlterTableStmt::Action::kAddColumn;
    if (Peek().IsKeyword("if") && Peek(1).IsKeyword("not")) {
      i_ += 2;
      RETURN_IF_ERROR(ExpectKeyword("exists"));
    }
    for (;;) {
      ASSIGN_OR_RETURN(ColumnSpec spec, ColumnDefinition(this));
      a->columns.push_back(std::move(spec));
      if (!AcceptOp(",")) break;
      AcceptKeyword("column");
    }
    return st;
  }
  if (t.IsKeyword("drop")) {
    Next();
    if (AcceptKeyword("partition")) {
      a->action = AlterTableStmt::Action::kDropPartition;
      RETURN_IF_ERROR(PartitionSelection(a.get()));
      return st;
    }
    AcceptKeyword("column");
    a->action = AlterTableStmt::Action::kDropColumn;
    for (;;) {
      int32_t cpos = 0;
      ASSIGN_OR_RETURN(std::string name, Identifier("column name expected", &cpos));
      a->names.push_back(std::move(name));
      a->name_positions.push_back(cpos);
      if (!AcceptOp(",")) break;
    }
    return st;
  }
  if (t.IsKeyword("convert")) {
    // CONVERT PARTITION TO COMPRESSED | NATIVE, QuestDB's CONVERT PARTITION TO PARQUET grammar.
    Next();
    RETURN_IF_ERROR(ExpectKeyword("partition"));
    RETURN_IF_ERROR(ExpectKeyword("to"));
    a->action = AlterTableStmt::Action::kConvertPartition;
    const Token& format = Peek();
    if (format.IsKeyword("compressed")) {
      a->to_compressed = true;
    } else if (format.IsKeyword("parquet")) {
      return Error("CONVERT PARTITION TO PARQUET is not supported; use TO COMPRESSED", format.pos);
    } else if (!format.IsKeyword("native")) {
      return Error("'compressed' or 'native' expected", format.pos);
    }
    Next();
    RETURN_IF_ERROR(PartitionSelection(a.get()));
    return st;
  }
  if (t.IsKeyword("rename")) {
    Next();
    RETURN_IF_ERROR(ExpectKeyword("column"));
    a->action = AlterTableStmt::Action::kRenameColumn;
    int32_t p1 = 0, p2 = 0;
    ASSIGN_OR_RETURN(std::string from, Identifier("column name expected", &p1));
    RETURN_IF_ERROR(ExpectKeyword("to"));
    ASSIGN_OR_RETURN(std::string to, Identifier("column name expected", &p2));
    a->names = {from, to};
    a->name_positions = {p1, p2};
    return st;
  }
  if (t.IsKeyword("alter")) {
    // ALTER TABLE t ALTER COLUMN c ADD INDEX / DROP INDEX / CACHE / NOCACHE: accepted, no-op.
    Next();
    RETURN_IF_ERROR(ExpectKeyword("column"));
    int32_t cpos = 0;
    ASSIGN_OR_RETURN(std::string name, Identifier("column name expected", &cpos));
    while (!AtEnd() && !Peek().IsOp(";")) Next();
    a->names = {name};
    a->name_positions = {cpos};
    a->action = AlterTableStmt::Action::kAccepted;
    return st;
  }
  if (t.IsKeyword("set")) {
    Next();
    a->action = AlterTableStmt::Action::kAccepted;
    if (AcceptKeyword("type")) {  // SET TYPE [BYPASS] WAL: every table here is one kind
      AcceptKeyword("bypass");
      RETURN_IF_ERROR(ExpectKeyword("wal"));
      return st;
    }
    RETURN_IF_ERROR(ExpectKeyword("param"));
    // QuestDB's two per-table parameters, one per statement. Accepted and checked; they
    // change nothing here: every write request commits, and out-of-order rows are merged at
    // commit with no lag window.
    const Token& p = Peek();
    // commitLag: o3MaxLag's older name.
    const bool rows = p.IsKeyword("maxUncommittedRows");
    if (!rows && !p.IsKeyword("o3MaxLag") && !p.IsKeyword("commitLag")) {
      return Error("unknown parameter, expected maxUncommittedRows or o3MaxLag", p.pos);
    }
    Next();
    RETURN_IF_ERROR(ExpectOp("="));
    const Token& v = Peek();
    if (rows) {
      if (v.kind != TokenKind::kInteger) return Error("non-negative integer expected", v.pos);
    } else {
      // n us | s | m | h | d, written 10s or 10 s
      bool ok = false;
      if (v.kind == TokenKind::kDuration) {
        size_t k = 0;
        while (k < v.text.size() && std::isdigit(static_cast<unsigned char>(v.text[k]))) ++k;
        std::string unit = ToLower(v.text.substr(k));
        ok = k > 0 && k <= 12 &&
             (unit == "us" || unit == "s" || unit == "m" || unit == "h" || unit == "d");
      } else if (v.kind == TokenKind::kInteger && v.text.size() <= 12 &&
                 Peek(1).kind == TokenKind::kIdent) {
        std::string unit = ToLower(Peek(1).text);
        ok = unit == "us" || unit == "s" || unit == "m" || unit == "h" || unit == "d";
        if (ok) Next();
      }
      if (!ok) return Error("duration expected, e.g. 10s (units us, s, m, h, d)", v.pos);
    }
    Next();
    return st;
  }
  return Error("'add', 'drop', 'rename', 'alter' or 'set' expected", t.pos);
}

core::Result<Statement> Parser::Show(int32_t pos) {
  auto s = std::make_shared<ShowStmt>();
  const Token& t = Peek();
  if (AcceptKeyword("tables")) {
    s->what = ShowStmt::What::kTables;
  } else if (AcceptKeyword("columns")) {
    s->what = ShowStmt::What::kColumns;
    RETURN_IF_ERROR(ExpectKeyword("from"));
    ASSIGN_OR_RETURN(s->table, TableName(&s->table_pos));
  } else if (AcceptKeyword("partitions")) {
    s->what = ShowStmt::What::kPartitions;
    RETURN_IF_ERROR(ExpectKeyword("from"));
    ASSIGN_OR_RETURN(s->table, TableName(&s->table_pos));
  } else if (AcceptKeyword("backups")) {
    s->what = ShowStmt::What::kBackups;
  } else if (AcceptKeyword("create")) {
    RETURN_IF_ERROR(ExpectKeyword("table"));
    s->what = ShowStmt::What::kCreateTable;
    ASSIGN_OR_RETURN(s->table, TableName(&s->table_pos));
  } else {
    return Error("expected 'TABLES', 'COLUMNS FROM <tab>', 'PARTITIONS FROM <tab>'", t.pos);
  }
  Statement st;
  st.pos = pos;
  st.kind = Statement::Kind::kShow;
  st.show = s;
  return st;
}

// A table name of BACKUP TABLE: a quoted name ('x' or "x"), or a bare name written as one word
// of letters, digits, '_', '$', '-' and UTF-8, with '.'s between such characters (several
// adjacent tokens: `my-table`, `sensors.eu`). Any other character is a name by itself, so `../t` is
// the name '.' and the name check says "'.' is an invalid table name" at its position, as QuestDB
// does. The name is checked (ValidateTableName) here; whether the table exists is checked when the
// statement runs.
core::Result<std::string> Parser::BackupTableName(int32_t* pos) {
  const Token& first = Peek();
  *pos = first.pos;
  std::string name;
  if (first.kind == TokenKind::kQuotedIdent || first.kind == TokenKind::kString) {
    name = Next().text;
  } else if (first.kind == TokenKind::kEnd || first.IsOp(",") || first.IsOp(";")) {
    return Error("expected a table name", first.pos);
  } else {
    auto is_word_part = [](const Token& t) {
      return t.kind == TokenKind::kIdent || t.kind == TokenKind::kInteger ||
             t.kind == TokenKind::kDuration || t.IsOp("-");
    };
    // Tokens of these kinds are spelled exactly as written (text == source bytes).
    auto adjacent = [this](size_t a, size_t b) {
      return toks_[b].pos == toks_[a].pos + static_cast<int32_t>(toks_[a].text.size());
    };
    name = Next().text;
    if (is_word_part(first)) {
      for (;;) {
        if (is_word_part(Peek()) && adjacent(i_ - 1, i_)) {
          name += Next().text;
        } else if (Peek().IsOp(".") && adjacent(i_ - 1, i_) && is_word_part(Peek(1)) &&
                   adjacent(i_, i_ + 1)) {
          name += Next().text;  // `sensors.eu`: a '.' between word characters
        } else {
          break;
        }
      }
    }
  }
  std::string invalid = cairo::ValidateTableName(name);
  if (!invalid.empty()) return core::Status::InvalidArgument(invalid, *pos);
  return name;
}

// BACKUP DATABASE [ASYNC] | BACKUP TABLE name [, name ...] [ASYNC] | BACKUP ABORT. ASYNC is the
// word after the last name (`BACKUP TABLE async` backs up a table named async). (With no backup
// root, QuestDB answers "backup is disabled" before parsing any of this: see
// CheckBackupBeforeParsing.)
core::Result<Statement> Parser::Backup(int32_t pos) {
  auto b = std::make_shared<BackupStmt>();
  if (AcceptKeyword("abort")) {
    b->abort = true;
  } else if (AcceptKeyword("database")) {
    b->database = true;
    b->async = AcceptKeyword("async");
  } else if (AcceptKeyword("table")) {
    for (;;) {
      int32_t name_pos = 0;
      ASSIGN_OR_RETURN(std::string name, BackupTableName(&name_pos));
      b->tables.push_back(std::move(name));
      b->table_positions.push_back(name_pos);
      if (AcceptOp(",")) continue;
      b->async = AcceptKeyword("async");
      if (!AtEnd() && !Peek().IsOp(";")) return Error("expected ','", Peek().pos);
      break;
    }
  } else {
    return Error("expected 'table' or 'database'", Peek().pos);
  }
  Statement st;
  st.pos = pos;
  st.kind = Statement::Kind::kBackup;
  st.backup = b;
  return st;
}

// SNAPSHOT PREPARE | COMPLETE, CHECKPOINT CREATE | RELEASE.
core::Result<Statement> Parser::Snapshot(int32_t pos, bool checkpoint) {
  auto s = std::make_shared<SnapshotStmt>();
  s->checkpoint = checkpoint;
  if (AcceptKeyword(checkpoint ? "create" : "prepare")) {
    s->prepare = true;
  } else if (!AcceptKeyword(checkpoint ? "release" : "complete")) {
    return Error(checkpoint ? "'create' or 'release' expected" : "'prepare' or 'complete' expected",
                 Peek().pos);
  }
  Statement st;
  st.pos = pos;
  st.kind = Statement::Kind::kSnapshot;
  st.snapshot = s;
  return st;
}

// VERIFY BACKUP 'name' (or "name"): the name of a backup directory, checked when it runs.
core::Result<Statement> Parser::VerifyBackup(int32_t pos) {
  RETURN_IF_ERROR(ExpectKeyword("backup"));
  const Token& t = Peek();
  if (t.kind != TokenKind::kString && t.kind != TokenKind::kQuotedIdent) {
    return Error("expected a backup name in quotes", t.pos);
  }
  auto v = std::make_shared<VerifyBackupStmt>();
  v->name_pos = t.pos;
  v->name = Next().text;
  Statement st;
  st.pos = pos;
  st.kind = Statement::Kind::kVerifyBackup;
  st.verify_backup = v;
  return st;
}

// RESTORE TABLE t FROM BACKUP 'name' [AS t2] [OVERWRITE]: table names as in BACKUP TABLE (bare
// or quoted, checked here), the backup's name in quotes as in VERIFY BACKUP.
core::Result<Statement> Parser::RestoreTable(int32_t pos) {
  RETURN_IF_ERROR(ExpectKeyword("table"));
  auto r = std::make_shared<RestoreTableStmt>();
  ASSIGN_OR_RETURN(r->table, BackupTableName(&r->table_pos));
  r->target_pos = r->table_pos;
  RETURN_IF_ERROR(ExpectKeyword("from"));
  RETURN_IF_ERROR(ExpectKeyword("backup"));
  const Token& t = Peek();
  if (t.kind != TokenKind::kString && t.kind != TokenKind::kQuotedIdent) {
    return Error("expected a backup name in quotes", t.pos);
  }
  r->backup_pos = t.pos;
  r->backup = Next().text;
  if (AcceptKeyword("as")) {
    ASSIGN_OR_RETURN(r->target, BackupTableName(&r->target_pos));
  }
  r->overwrite = AcceptKeyword("overwrite");
  Statement st;
  st.pos = pos;
  st.kind = Statement::Kind::kRestoreTable;
  st.restore_table = r;
  return st;
}

core::Result<Statement> ParseStatement(std::string_view sql, const ParserLimits& limits) {
  if (sql.size() > limits.max_query_length) {
    return core::Status::SyntaxError("query is too long [length=" + std::to_string(sql.size()) +
                                         ", max=" + std::to_string(limits.max_query_length) + "]",
                                     0);
  }
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(sql));
  Parser parser(std::move(tokens), limits);
  return parser.Statement_();
}

core::Result<ExprPtr> ParseExpression(std::string_view sql, const ParserLimits& limits) {
  if (sql.size() > limits.max_query_length) {
    return core::Status::SyntaxError("expression is too long", 0);
  }
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(sql));
  Parser parser(std::move(tokens), limits);
  ASSIGN_OR_RETURN(ExprPtr e, parser.Expression());
  if (!parser.AtEnd()) return parser.Unexpected(parser.Peek());
  return e;
}

}  // namespace sundial::sql
