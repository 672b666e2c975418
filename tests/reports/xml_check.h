// A minimal well-formedness check for the SVG writers' tests: tags balance and nest, attributes are quoted,
// no bare '&' or '<' in text. Enough to catch a broken writer without an XML library.
#pragma once
#include <string>

namespace trainsim::reports {

// The first problem found, or "" when the document passes.
std::string xml_problem(const std::string& xml);

}  // namespace trainsim::reports
