#pragma once
// How the passes, Program-level transformations and staging ask about `call` (internal). These two
// functions are the only places in src/program/ and src/traces/staging*.cpp that test for the
// `call` primitive by name, so that when `call` becomes an ordinary primitive record (issue 12,
// item 1) each is redirected to the record's "this primitive has a body" rule in one line.
#include "slope/call.h"
#include "slope/program.h"

namespace slope {

// Whether instructions of this primitive call a body (even a malformed one without a body): the
// passes treat those as opaque.
bool is_call(Prim p);
// The body such an instruction calls: nullptr for every other primitive, and for a malformed call
// without a body.
const CallBody* called_body(Prim p, const Params& params);

}  // namespace slope
