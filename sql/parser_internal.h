// sql/parser_internal.h — the Parser class shared by parser*.cpp. Not a public header.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "sql/ast.h"
#include "sql/lexer.h"
#include "sql/parser.h"

namespace sundial::sql {

class Parser {
 public:
  Parser(std::vector<Token> tokens, const ParserLimits& limits)
      : toks_(std::move(tokens)), limits_(limits) {}

  core::Result<Statement> Statement_();
  core::Result<ExprPtr> Expression();
  bool AtEnd() const { return Peek().kind == TokenKind::kEnd; }
  const Token& Peek(size_t ahead = 0) const {
    size_t k = i_ + ahead;
    return k < toks_.size() ? toks_[k] : toks_.back();
  }

  // --- token helpers ---
  const Token& Next() { return toks_[i_ < toks_.size() - 1 ? i_++ : i_]; }
  bool AcceptKeyword(std::string_view kw) {
    if (Peek().IsKeyword(kw)) {
      ++i_;
      return true;
    }
    return false;
  }
  bool AcceptOp(std::string_view op) {
    if (Peek().IsOp(op)) {
      ++i_;
      return true;
    }
    return false;
  }
  core::Status ExpectKeyword(std::string_view kw);
  core::Status ExpectOp(std::string_view op);
  core::Status Unexpected(const Token& t) const;
  core::Status Error(std::string msg, int32_t pos) const {
    return core::Status::SyntaxError(std::move(msg), pos);
  }
  // An identifier (bare or quoted); `what` names it in the error ("table name expected").
  core::Result<std::string> Identifier(std::string_view what, int32_t* pos = nullptr);
  // Table names may also be given as 'quoted strings'.
  core::Result<std::string> TableName(int32_t* pos);
  bool IsReservedWord(const Token& t) const;

  // --- queries (parser_query.cpp) ---
  core::Result<QueryPtr> QueryExpr();
  core::Result<SelectCore> SelectCoreExpr();
  core::Result<TableRef> TableReference();
  core::Status SelectList(SelectCore* core);
  core::Status SampleByClause(SelectCore* core);
  // `expr [ASC|DESC], ...` after ORDER BY (of a query or of a window).
  core::Status OrderByItems(std::vector<OrderItem>* out);

  // --- expressions (parser_expr.cpp) ---
  core::Result<ExprPtr> Or();
  core::Result<ExprPtr> And();
  core::Result<ExprPtr> Not();
  core::Result<ExprPtr> Comparison();
  core::Result<ExprPtr> Concat();
  core::Result<ExprPtr> Additive();
  core::Result<ExprPtr> Multiplicative();
  core::Result<ExprPtr> Unary();
  core::Result<ExprPtr> Postfix();
  core::Result<ExprPtr> Primary();
  core::Result<ExprPtr> FunctionCall(const Token& name);
  core::Result<ExprPtr> CaseExpr(int32_t pos);
  core::Result<cairo::ColumnType> TypeName(int32_t* pos);

  // --- window functions (parser_window.cpp) ---
  // After a call's closing parenthesis: [IGNORE NULLS | RESPECT NULLS] OVER window.
  core::Status WindowSuffix(Expr* call);
  // The inside of OVER (...) or WINDOW w AS (...), opening parenthesis already consumed.
  core::Result<WindowSpecPtr> WindowBody(int32_t pos);
  // WINDOW w AS (...) [, ...] after GROUP BY.
  core::Status WindowClause(SelectCore* core);

  // --- statements (parser.cpp) ---
  core::Result<Statement> CreateTable(int32_t pos);
  core::Result<Statement> Insert(int32_t pos);
  core::Result<Statement> Update(int32_t pos);
  core::Result<Statement> Alter(int32_t pos);
  core::Status PartitionSelection(AlterTableStmt* a);
  core::Result<Statement> Show(int32_t pos);
  core::Result<Statement> Backup(int32_t pos);
  core::Result<Statement> Snapshot(int32_t pos, bool checkpoint);
  core::Result<Statement> VerifyBackup(int32_t pos);
  core::Result<Statement> RestoreTable(int32_t pos);
  core::Result<std::string> BackupTableName(int32_t* pos);

  // Depth guard for recursion.
  class DepthGuard {
   public:
    explicit DepthGuard(Parser* p) : p_(p) { ++p_->depth_; }
    ~DepthGuard() { --p_->depth_; }
    bool exceeded() const { return p_->depth_ > p_->limits_.max_expression_depth; }

   private:
    Parser* p_;
  };
  core::Status DepthError() const {
    return Error("expression is too deeply nested [max=" +
                     std::to_string(limits_.max_expression_depth) + "]",
                 Peek().pos);
  }

  std::vector<Token> toks_;
  size_t i_ = 0;
  ParserLimits limits_;
  int depth_ = 0;
};

ExprPtr MakeCall(std::string name, int32_t pos, std::vector<ExprPtr> args, bool is_operator);

}  // namespace sundial::sql
