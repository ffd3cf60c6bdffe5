// Random generators (rnd_*).
#include "sql/functions/function_util.h"

namespace sundial::sql {

void RegisterRandomFunctions(FunctionRegistry&) {}

}  // namespace sundial::sql
