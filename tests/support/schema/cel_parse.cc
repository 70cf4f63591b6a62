// Lexer and recursive-descent parser for the CEL subset (see cel.h). The grammar follows the
// CEL specification's precedence: ?: < || < && < relations < + - < * / % < unary < member.
#include <cctype>
#include <set>

#include "support/schema/cel.h"

namespace kaudit::schema::cel {
namespace {

struct Token {
  enum class Kind { kEnd, kIdent, kInt, kDouble, kString, kOp };
  Kind kind = Kind::kEnd;
  std::string text;  // identifier, operator, or decoded string
  std::size_t column = 0;
};

const std::set<std::string> kFunctions = {"has",      "size",     "startsWith",
                                          "endsWith", "contains", "duration"};
const std::set<std::string> kRefusedMacros = {"all", "exists", "exists_one", "map", "filter"};

class Parser {
 public:
  explicit Parser(std::string_view src) : src_(src) {}

  ParseResult Run() {
    ParseResult r;
    Advance();
    std::unique_ptr<Node> root = Expr();
    if (error_.empty() && tok_.kind != Token::Kind::kEnd) Fail("unexpected '" + tok_.text + "'");
    if (!error_.empty()) {
      r.error = error_;
      return r;
    }
    r.root = std::move(root);
    return r;
  }

 private:
  void Fail(const std::string& why) {
    if (error_.empty()) error_ = why + " at column " + std::to_string(tok_.column + 1);
  }

  bool IsOp(std::string_view op) const { return tok_.kind == Token::Kind::kOp && tok_.text == op; }

  bool Accept(std::string_view op) {
    if (!IsOp(op)) return false;
    Advance();
    return true;
  }

  void Expect(std::string_view op) {
    if (!Accept(op)) Fail("expected '" + std::string(op) + "'");
  }

  void LexString(char quote) {
    std::string out;
    ++pos_;
    while (pos_ < src_.size() && src_[pos_] != quote) {
      char c = src_[pos_++];
      if (c == '\\') {
        if (pos_ >= src_.size()) break;
        char e = src_[pos_++];
        static const std::string kSimple = "\\'\"`?";
        if (e == 'n')
          out += '\n';
        else if (e == 't')
          out += '\t';
        else if (e == 'r')
          out += '\r';
        else if (kSimple.find(e) != std::string::npos)
          out += e;
        else
          return Fail("unsupported escape in string literal");
      } else {
        out += c;
      }
    }
    if (pos_ >= src_.size()) return Fail("unterminated string literal");
    ++pos_;
    tok_.kind = Token::Kind::kString;
    tok_.text = out;
  }

  void LexNumber() {
    std::size_t start = pos_;
    bool is_double = false;
    while (pos_ < src_.size() && std::isdigit(static_cast<unsigned char>(src_[pos_]))) ++pos_;
    if (pos_ + 1 < src_.size() && src_[pos_] == '.' &&
        std::isdigit(static_cast<unsigned char>(src_[pos_ + 1]))) {
      is_double = true;
      ++pos_;
      while (pos_ < src_.size() && std::isdigit(static_cast<unsigned char>(src_[pos_]))) ++pos_;
    }
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      is_double = true;
      ++pos_;
      if (pos_ < src_.size() && (src_[pos_] == '+' || src_[pos_] == '-')) ++pos_;
      while (pos_ < src_.size() && std::isdigit(static_cast<unsigned char>(src_[pos_]))) ++pos_;
    }
    if (pos_ < src_.size() && (std::isalpha(static_cast<unsigned char>(src_[pos_])))) {
      return Fail("unsupported numeric literal (hex, unsigned)");
    }
    tok_.kind = is_double ? Token::Kind::kDouble : Token::Kind::kInt;
    tok_.text = std::string(src_.substr(start, pos_ - start));
  }

  void Advance() {
    while (pos_ < src_.size() && std::isspace(static_cast<unsigned char>(src_[pos_]))) ++pos_;
    tok_ = Token{};
    tok_.column = pos_;
    if (pos_ >= src_.size()) return;
    char c = src_[pos_];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t start = pos_;
      while (pos_ < src_.size() &&
             (std::isalnum(static_cast<unsigned char>(src_[pos_])) || src_[pos_] == '_')) {
        ++pos_;
      }
      tok_.kind = Token::Kind::kIdent;
      tok_.text = std::string(src_.substr(start, pos_ - start));
      if (pos_ < src_.size() && (src_[pos_] == '\'' || src_[pos_] == '"')) {
        Fail("unsupported string prefix '" + tok_.text + "'");
      }
      return;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) return LexNumber();
    if (c == '\'' || c == '"') {
      if (src_.substr(pos_, 3) == "'''" || src_.substr(pos_, 3) == "\"\"\"") {
        return Fail("unsupported triple-quoted string");
      }
      return LexString(c);
    }
    for (std::string_view op : {"&&", "||", "==", "!=", "<=", ">="}) {
      if (src_.substr(pos_, 2) == op) {
        tok_.kind = Token::Kind::kOp;
        tok_.text = std::string(op);
        pos_ += 2;
        return;
      }
    }
    static const std::string kSingle = "!<>+-*/%?:.,()[]{}";
    if (kSingle.find(c) == std::string::npos) {
      return Fail(std::string("unexpected character '") + c + "'");
    }
    tok_.kind = Token::Kind::kOp;
    tok_.text = std::string(1, c);
    ++pos_;
  }

  static std::unique_ptr<Node> Make(Node::Kind kind, std::string name,
                                    std::vector<std::unique_ptr<Node>> args = {}) {
    auto n = std::make_unique<Node>();
    n->kind = kind;
    n->name = std::move(name);
    n->args = std::move(args);
    return n;
  }

  static std::vector<std::unique_ptr<Node>> Two(std::unique_ptr<Node> a, std::unique_ptr<Node> b) {
    std::vector<std::unique_ptr<Node>> v;
    v.push_back(std::move(a));
    v.push_back(std::move(b));
    return v;
  }

  std::unique_ptr<Node> Expr() {
    if (++depth_ > 64) {
      Fail("expression nested too deeply");
      return nullptr;
    }
    std::unique_ptr<Node> cond = Or();
    if (Accept("?")) {
      std::unique_ptr<Node> yes = Or();
      Expect(":");
      std::unique_ptr<Node> no = Expr();
      std::vector<std::unique_ptr<Node>> args = Two(std::move(cond), std::move(yes));
      args.push_back(std::move(no));
      cond = Make(Node::Kind::kTernary, "?:", std::move(args));
    }
    --depth_;
    return cond;
  }

  std::unique_ptr<Node> Or() {
    std::unique_ptr<Node> left = And();
    while (IsOp("||")) {
      Advance();
      left = Make(Node::Kind::kBinary, "||", Two(std::move(left), And()));
    }
    return left;
  }

  std::unique_ptr<Node> And() {
    std::unique_ptr<Node> left = Relation();
    while (IsOp("&&")) {
      Advance();
      left = Make(Node::Kind::kBinary, "&&", Two(std::move(left), Relation()));
    }
    return left;
  }

  std::unique_ptr<Node> Relation() {
    std::unique_ptr<Node> left = Addition();
    while (true) {
      std::string op;
      if (tok_.kind == Token::Kind::kIdent && tok_.text == "in") {
        op = "in";
      } else if (tok_.kind == Token::Kind::kOp) {
        for (const char* o : {"<", "<=", ">", ">=", "==", "!="}) {
          if (tok_.text == o) op = o;
        }
      }
      if (op.empty()) return left;
      Advance();
      left = Make(Node::Kind::kBinary, op, Two(std::move(left), Addition()));
    }
  }

  std::unique_ptr<Node> Addition() {
    std::unique_ptr<Node> left = Multiplication();
    while (IsOp("+") || IsOp("-")) {
      std::string op = tok_.text;
      Advance();
      left = Make(Node::Kind::kBinary, op, Two(std::move(left), Multiplication()));
    }
    return left;
  }

  std::unique_ptr<Node> Multiplication() {
    std::unique_ptr<Node> left = Unary();
    while (IsOp("*") || IsOp("/") || IsOp("%")) {
      std::string op = tok_.text;
      Advance();
      left = Make(Node::Kind::kBinary, op, Two(std::move(left), Unary()));
    }
    return left;
  }

  std::unique_ptr<Node> Unary() {
    if (IsOp("!") || IsOp("-")) {
      std::string op = tok_.text;
      Advance();
      std::vector<std::unique_ptr<Node>> args;
      args.push_back(Unary());
      return Make(Node::Kind::kUnary, op, std::move(args));
    }
    return Member();
  }

  std::vector<std::unique_ptr<Node>> Arguments() {
    std::vector<std::unique_ptr<Node>> args;
    if (Accept(")")) return args;
    do {
      args.push_back(Expr());
    } while (error_.empty() && Accept(","));
    Expect(")");
    return args;
  }

  std::unique_ptr<Node> Call(const std::string& fn, std::unique_ptr<Node> target) {
    if (kRefusedMacros.count(fn)) Fail("unsupported macro '" + fn + "'");
    if (!kFunctions.count(fn)) Fail("unsupported function '" + fn + "'");
    std::vector<std::unique_ptr<Node>> args;
    bool method = target != nullptr;
    if (method) args.push_back(std::move(target));
    for (auto& a : Arguments()) args.push_back(std::move(a));
    if (fn == "has") {
      if (method || args.size() != 1 || !args[0] || args[0]->kind != Node::Kind::kSelect) {
        Fail("has() takes one field selection, e.g. has(self.field)");
        return nullptr;
      }
      std::unique_ptr<Node> sel = std::move(args[0]);
      sel->kind = Node::Kind::kHas;
      return sel;
    }
    auto n = Make(Node::Kind::kCall, fn, std::move(args));
    n->method = method;
    return n;
  }

  std::unique_ptr<Node> Member() {
    std::unique_ptr<Node> n = Primary();
    while (error_.empty()) {
      if (Accept(".")) {
        if (tok_.kind != Token::Kind::kIdent) {
          Fail("expected a field name");
          return nullptr;
        }
        std::string field = tok_.text;
        Advance();
        if (Accept("(")) {
          n = Call(field, std::move(n));
        } else {
          std::vector<std::unique_ptr<Node>> args;
          args.push_back(std::move(n));
          n = Make(Node::Kind::kSelect, field, std::move(args));
        }
      } else if (Accept("[")) {
        n = Make(Node::Kind::kIndex, "[]", Two(std::move(n), Expr()));
        Expect("]");
      } else {
        return n;
      }
    }
    return n;
  }

  std::unique_ptr<Node> Literal(Value v) {
    auto n = std::make_unique<Node>();
    n->kind = Node::Kind::kLiteral;
    n->literal = std::move(v);
    Advance();
    return n;
  }

  std::unique_ptr<Node> Primary() {
    if (tok_.kind == Token::Kind::kInt) {
      try {
        return Literal(Value::Int(std::stoll(tok_.text)));
      } catch (const std::exception&) {
        Fail("integer literal out of range");
        return nullptr;
      }
    }
    if (tok_.kind == Token::Kind::kDouble) {
      Value v;
      v.type = Value::Type::kDouble;
      v.d = std::strtod(tok_.text.c_str(), nullptr);
      return Literal(v);
    }
    if (tok_.kind == Token::Kind::kString) return Literal(Value::String(tok_.text));
    if (tok_.kind == Token::Kind::kIdent) return Identifier();
    if (Accept("(")) {
      std::unique_ptr<Node> e = Expr();
      Expect(")");
      return e;
    }
    if (Accept("[")) {
      std::vector<std::unique_ptr<Node>> items;
      if (!Accept("]")) {
        do {
          items.push_back(Expr());
        } while (error_.empty() && Accept(","));
        Expect("]");
      }
      return Make(Node::Kind::kList, "[]", std::move(items));
    }
    if (IsOp("{")) Fail("unsupported map literal");
    Fail(tok_.kind == Token::Kind::kEnd ? "unexpected end of expression"
                                        : "unexpected '" + tok_.text + "'");
    return nullptr;
  }

  std::unique_ptr<Node> Identifier() {
    std::string name = tok_.text;
    if (name == "true" || name == "false") return Literal(Value::Bool(name == "true"));
    if (name == "null") return Literal(Value{});
    Advance();
    if (Accept("(")) return Call(name, nullptr);
    if (name != "self") {
      Fail("unsupported variable '" + name + "' (only self)");
      return nullptr;
    }
    return Make(Node::Kind::kIdent, name);
  }

  std::string_view src_;
  std::size_t pos_ = 0;
  Token tok_;
  std::string error_;
  int depth_ = 0;
};

}  // namespace

ParseResult Parse(std::string_view expr) { return Parser(expr).Run(); }

}  // namespace kaudit::schema::cel
