// Decides whether a snippet can be undone soundly by removing its names from lookup.
#ifndef WARMCC_UNDO_CHECK_H
#define WARMCC_UNDO_CHECK_H

#include <string>

namespace clang {
class TranslationUnitDecl;
}

namespace warmcc {

// Empty when the snippet only added new entities; otherwise why undoing it would leave the
// compiler's state inconsistent (redeclarations, specializations, reopened namespaces).
std::string whyNotUndoable(clang::TranslationUnitDecl *TU);

} // namespace warmcc

#endif
