#pragma once
// The narrow interface under the one SQL layer (sql/sql_txn.h): what an engine (sqlite/,
// postgres/) provides so that every statement, column list and row mapper of the store is
// written once. A Session runs statements inside one transaction the engine has opened (or opens
// lazily); a Row is the current row of a result; a Dialect says how the engine spells the few
// things SQL dialects disagree on (sql/dialect.h).
//
// Statements are written in the neutral form of sql/dialect.h (SQLite's syntax, ?N parameters,
// {{hooks}}). An engine renders a statement for its dialect when it first prepares it on a
// connection and caches the prepared statement by its neutral text, so a statement costs a
// rendering once per connection and a hash look-up per use.
//
// Thread safety: a Session belongs to the one transaction (and thread) that uses it.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/error.h"
#include "store/sql/dialect.h"

namespace cogsync::store::sql {

// One statement parameter (?1 is the first). Text and blobs are borrowed: the Arg must not
// outlive the bytes it names (a call such as session.Query(sql, {Arg::Text(s)}, ...) is fine).
struct Arg {
  enum class Kind : uint8_t { kNull, kInt, kBool, kText, kBlob, kTextList };
  Kind kind = Kind::kNull;
  int64_t number = 0;
  std::string_view text;
  const std::vector<std::string>* list = nullptr;

  static Arg Null() { return Arg{}; }
  static Arg Int(int64_t value) { return Arg{Kind::kInt, value, {}, nullptr}; }
  static Arg Bool(bool value) { return Arg{Kind::kBool, value ? 1 : 0, {}, nullptr}; }
  static Arg Text(std::string_view value) { return Arg{Kind::kText, 0, value, nullptr}; }
  static Arg Blob(std::string_view value) { return Arg{Kind::kBlob, 0, value, nullptr}; }
  static Arg OptionalText(const std::optional<std::string>& value) {
    return value ? Text(*value) : Null();
  }
  static Arg OptionalInt(const std::optional<int64_t>& value) {
    return value ? Int(*value) : Null();
  }
  // Only where Dialect::text_list_args: a text[] bound as one parameter, for `= ANY(?N)`.
  static Arg TextList(const std::vector<std::string>& values) {
    return Arg{Kind::kTextList, 0, {}, &values};
  }
};

// The current row of a result. Columns are 0-based, in the order of the SELECT list.
class Row {
 public:
  virtual bool IsNull(int column) const = 0;
  virtual int64_t Int(int column) const = 0;  // NULL reads as 0
  virtual bool Bool(int column) const = 0;
  virtual std::string Text(int column) const = 0;  // NULL reads as ""
  // A blob column (Arg::Blob); an error if the engine's encoding of it is damaged.
  virtual Result<std::string> Bytes(int column) const = 0;

  std::optional<std::string> OptionalText(int column) const {
    if (IsNull(column)) return std::nullopt;
    return Text(column);
  }
  std::optional<int64_t> OptionalInt(int column) const {
    if (IsNull(column)) return std::nullopt;
    return Int(column);
  }

 protected:
  ~Row() = default;
};

// A borrowed callable (never stored past the call it is passed to): what a Session calls for
// each row, without the allocation a std::function may need.
class RowFn {
 public:
  template <typename F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, RowFn>)
      RowFn(F&& fn)  // NOLINT(google-explicit-constructor,bugprone-forwarding-reference-overload)
      : object_(const_cast<void*>(static_cast<const void*>(&fn))),
        call_([](void* object, const Row& row) {
          return (*static_cast<std::remove_reference_t<F>*>(object))(row);
        }) {}
  Status operator()(const Row& row) const { return call_(object_, row); }

 private:
  void* object_;
  Status (*call_)(void*, const Row&);
};

class Session {
 public:
  virtual ~Session() = default;
  virtual const Dialect& dialect() const = 0;
  // Runs one neutral statement with `args` bound to ?1..?n and calls `on_row` for each row it
  // returns, in order; an error from on_row stops the statement and is returned.
  virtual Status Query(std::string_view sql, std::span<const Arg> args, RowFn on_row) = 0;

  // A statement whose rows, if any, are not needed (the writes). An engine may send it without
  // waiting for its answer (PostgreSQL queues it with the statements that follow, down to the
  // COMMIT, saving a round trip each): then OK means only "sent", and a failure surfaces at a
  // later statement of the transaction or at its commit, which it fails. So no code may act on
  // a Run's OK as proof that the row was written, other than by committing.
  virtual Status Execute(std::string_view sql, std::span<const Arg> args) {
    auto ignore = [](const Row&) { return OkStatus(); };
    return Query(sql, args, ignore);
  }
  Status Run(std::string_view sql, std::span<const Arg> args) { return Execute(sql, args); }
  Status Run(std::string_view sql, std::initializer_list<Arg> args) {
    return Execute(sql, std::span<const Arg>(args.begin(), args.size()));
  }

  // Every row mapped with `read` (T(const Row&) or Result<T>(const Row&)).
  template <typename T, typename Read>
  Result<std::vector<T>> Collect(std::string_view sql, std::initializer_list<Arg> args, Read read) {
    std::vector<T> rows;
    auto add = [&](const Row& row) -> Status {
      if constexpr (std::is_same_v<decltype(read(row)), T>) {
        rows.push_back(read(row));
      } else {
        COGSYNC_ASSIGN_OR_RETURN(T value, read(row));
        rows.push_back(std::move(value));
      }
      return OkStatus();
    };
    COGSYNC_RETURN_IF_ERROR(Query(sql, std::span<const Arg>(args.begin(), args.size()), add));
    return rows;
  }

  // The first row mapped with `read`, or nullopt when there is none (later rows are skipped).
  template <typename T, typename Read>
  Result<std::optional<T>> First(std::string_view sql, std::initializer_list<Arg> args, Read read) {
    std::optional<T> first;
    auto keep = [&](const Row& row) -> Status {
      if (first.has_value()) return OkStatus();
      if constexpr (std::is_same_v<decltype(read(row)), T>) {
        first.emplace(read(row));
      } else {
        COGSYNC_ASSIGN_OR_RETURN(T value, read(row));
        first.emplace(std::move(value));
      }
      return OkStatus();
    };
    COGSYNC_RETURN_IF_ERROR(Query(sql, std::span<const Arg>(args.begin(), args.size()), keep));
    return first;
  }

  // The one integer of a statement such as SELECT COUNT(*); 0 when it returns no row.
  Result<int64_t> Scalar(std::string_view sql, std::initializer_list<Arg> args) {
    COGSYNC_ASSIGN_OR_RETURN(auto value,
                             First<int64_t>(sql, args, [](const Row& row) { return row.Int(0); }));
    return value.value_or(0);
  }
};

}  // namespace cogsync::store::sql
