#pragma once
// Input validation against the service models' constraints, with AWS's error format (D3):
//   "2 validation errors detected: Value 'x' at 'identityPoolId' failed to satisfy constraint:
//    Member must satisfy regular expression pattern: [\w-]+:[0-9a-f-]+; Value null at
//    'allowUnauthenticatedIdentities' failed to satisfy constraint: Member must not be null"
//
// Paths are member names in lowerCamelCase joined by '.', as AWS writes them: a list element
// is `<list>.<1-based index>.member`, a map value `<map>.<key>.member`. Lists of scalars and
// maps are reported once, at the collection, with every constraint of the element shape in
// brackets: "Member must satisfy constraint: [...]" (list elements), "Map keys must satisfy
// constraint: [...]", "Map value must satisfy constraint: [...]". Values of sensitive shapes
// (and of collections/structures holding one) are never echoed: "Value at 'logins' failed ...".
// Echoed values longer than 256 bytes are cut and end in "...". At most 20 violations are
// listed; the count in front is always the full count.
//
// Error codes: Cognito Identity reports constraint failures as ValidationException and JSON
// type mismatches (a string where a number belongs, an object where a string belongs) as
// SerializationException, which stops at the first mismatch as AWS's deserializer does.
// Cognito Sync reports both as InvalidParameterException.
//
// Patterns are compiled once per model (lazily, on first use) and matched without std::regex.

#include <boost/json/object.hpp>

#include "common/error.h"
#include "protocol/model.h"

namespace cogsync::protocol {

// Checks `input` (the operation's input members by model name, wherever on the wire they came
// from) against `op`'s input shape: required members present and not null; JSON types;
// string lengths in code points; integer ranges; list and map sizes; map keys and values;
// enums; patterns (anchored). Unknown members are ignored, as AWS ignores them. A member that
// is present with a JSON null counts as absent.
// REQUIRES: `op` belongs to `model`.
Status ValidateInput(const model::ServiceModel& model, const model::Operation& op,
                     const boost::json::object& input, Service service);

// For the Cognito Sync legacy RPC form (D5) and REST query/path values: string values whose
// modelled type is integer/long ("2"), timestamp ("1413836234.607", "1.4E9") or boolean
// ("true"/"false", any case) become JSON numbers/booleans, at any depth. Other values are left
// for ValidateInput to judge. A string that is not a valid number/boolean (or an integer out
// of range) gives InvalidParameterException in the D3 format with the constraint text
// "Member must be a number" / "Member must be a boolean".
Result<boost::json::object> CoerceLegacyInput(const model::ServiceModel& model,
                                              const model::Operation& op,
                                              boost::json::object input);

}  // namespace cogsync::protocol
