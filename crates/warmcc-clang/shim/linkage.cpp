// Symbol bookkeeping across a session's objects.
#include "linkage.h"

#include "shipped_decls.h"

#include "clang/AST/Decl.h"
#include "clang/CodeGen/ModuleBuilder.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/GlobalAlias.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/Module.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/MemoryBuffer.h"

namespace warmcc {

using namespace llvm;

namespace {

// Turns a definition into a declaration so the object references the earlier object's copy.
void dropDefinition(GlobalValue &GV) {
  if (auto *F = dyn_cast<Function>(&GV)) {
    F->deleteBody();
  } else if (auto *V = dyn_cast<GlobalVariable>(&GV)) {
    V->setInitializer(nullptr);
    V->setLinkage(GlobalValue::ExternalLinkage);
  }
  if (auto *GO = dyn_cast<GlobalObject>(&GV))
    GO->setComdat(nullptr);
  // A default-visibility symbol from another object may live in another DSO.
  if (GV.hasDefaultVisibility())
    GV.setDSOLocal(false);
}

// An alias cannot be a declaration: replace it with a declaration of the aliased kind.
void dropAlias(GlobalAlias &GA) {
  Module &M = *GA.getParent();
  std::string Name = GA.getName().str();
  GlobalValue *Decl;
  if (auto *F = dyn_cast<Function>(GA.getAliaseeObject())) {
    Decl = Function::Create(F->getFunctionType(), GlobalValue::ExternalLinkage,
                            GA.getAddressSpace(), "", &M);
  } else {
    Decl = new GlobalVariable(M, GA.getValueType(), false, GlobalValue::ExternalLinkage, nullptr,
                              "", nullptr, GlobalValue::NotThreadLocal, GA.getAddressSpace());
  }
  Decl->setVisibility(GA.getVisibility());
  Decl->setDSOLocal(!GA.hasDefaultVisibility());
  GA.replaceAllUsesWith(Decl);
  GA.eraseFromParent();
  Decl->setName(Name);
}

// Collects the functions whose instructions use V, looking through constant expressions.
void usingFunctions(Value *V, SmallPtrSetImpl<Function *> &Out, unsigned Depth = 0) {
  if (Depth > 8)
    return;
  for (User *U : V->users()) {
    if (auto *I = dyn_cast<Instruction>(U))
      Out.insert(I->getFunction());
    else if (isa<ConstantExpr>(U))
      usingFunctions(U, Out, Depth + 1);
  }
}

// A variable re-emitted into a later module brings its dynamic initializer along; once the
// variable is the earlier object's, running that initializer again would construct it twice.
void removeInitializersOf(Module &M, const std::vector<GlobalVariable *> &Vars) {
  SmallPtrSet<Function *, 8> Users;
  for (GlobalVariable *V : Vars)
    usingFunctions(V, Users);
  SmallPtrSet<Function *, 8> Inits;
  for (Function *F : Users)
    if (F && F->hasLocalLinkage() && F->getName().starts_with("__cxx_global_var_init"))
      Inits.insert(F);
  if (Inits.empty())
    return;
  for (Function *F : Inits) {
    std::vector<CallInst *> Calls;
    for (User *U : F->users())
      if (auto *CI = dyn_cast<CallInst>(U); CI && CI->getCalledFunction() == F)
        Calls.push_back(CI);
    for (CallInst *CI : Calls)
      CI->eraseFromParent();
  }
  GlobalVariable *Ctors = M.getGlobalVariable("llvm.global_ctors");
  if (!Ctors || !Ctors->hasInitializer())
    return;
  auto *Array = dyn_cast<ConstantArray>(Ctors->getInitializer());
  if (!Array)
    return;
  std::vector<Constant *> Kept;
  for (Use &Op : Array->operands()) {
    auto *Entry = cast<Constant>(Op.get());
    auto *Fn = dyn_cast<Function>(Entry->getOperand(1)->stripPointerCasts());
    if (!Fn || !Inits.count(Fn))
      Kept.push_back(Entry);
  }
  if (Kept.size() == Array->getNumOperands())
    return;
  auto *Ty = ArrayType::get(Array->getType()->getElementType(), Kept.size());
  auto *NewCtors = new GlobalVariable(M, Ty, false, Ctors->getLinkage(),
                                      ConstantArray::get(Ty, Kept), "", nullptr,
                                      Ctors->getThreadLocalMode(), Ctors->getAddressSpace());
  NewCtors->takeName(Ctors);
  Ctors->eraseFromParent();
  if (Kept.empty())
    NewCtors->eraseFromParent();
}

bool isDuplicateOk(const GlobalValue &GV) {
  return GV.hasLinkOnceLinkage() || GV.hasWeakLinkage() || GV.hasCommonLinkage() ||
         GV.hasAvailableExternallyLinkage();
}

// Removes definitions nothing refers to any more, so dropped bodies do not leave their helpers.
void removeDeadLocals(Module &M) {
  bool Changed = true;
  while (Changed) {
    Changed = false;
    std::vector<GlobalValue *> Dead;
    for (GlobalValue &GV : M.global_values()) {
      if (GV.isDeclaration() || !GV.isDiscardableIfUnused())
        continue;
      GV.removeDeadConstantUsers();
      if (GV.use_empty())
        Dead.push_back(&GV);
    }
    for (GlobalValue *GV : Dead) {
      GV->eraseFromParent();
      Changed = true;
    }
  }
}

} // namespace

void SymbolLedger::prepare(Module &M, clang::CodeGenerator &Gen) {
  Pending.clear();
  // Internal definitions tied to a declaration get one external name, so every object shares the
  // first object's copy (a namespace-scope static counter keeps one value).
  std::vector<std::pair<GlobalValue *, std::string>> Renames;
  for (GlobalValue &GV : M.global_values()) {
    if (!GV.hasName())
      continue;
    StringRef Name = GV.getName();
    if (GV.hasInternalLinkage() && !GV.isDeclaration() && Gen.GetDeclForMangledName(Name)) {
      Promoted.insert(Name);
      Renames.emplace_back(&GV, (Name + Suffix).str());
    } else if (GV.isDeclaration() && Promoted.contains(Name)) {
      Renames.emplace_back(&GV, (Name + Suffix).str());
    }
  }
  for (auto &[GV, NewName] : Renames) {
    if (GV->hasInternalLinkage()) {
      GV->setLinkage(GlobalValue::ExternalLinkage);
      GV->setVisibility(GlobalValue::DefaultVisibility);
    }
    GV->setName(NewName);
  }

  std::vector<GlobalValue *> Drop;
  for (GlobalValue &GV : M.global_values()) {
    if (GV.isDeclaration() || GV.hasLocalLinkage() || !GV.hasName())
      continue;
    if (!Shipped.count(GV.getName()))
      continue;
    if (!isDuplicateOk(GV) || Dedup)
      Drop.push_back(&GV);
  }
  if (!Drop.empty())
    dropShipped(M, Drop);
  if (!Decls)
    return;
  for (Function &F : M) {
    if (F.isDeclaration() || !F.hasLinkOnceODRLinkage() || !F.hasName())
      continue;
    const auto *FD = dyn_cast_or_null<clang::FunctionDecl>(Gen.GetDeclForMangledName(F.getName()));
    if (ShippedDecls::eligible(FD))
      Pending.push_back({FD, F.getName().str()});
  }
}

void SymbolLedger::dropShipped(Module &M, const std::vector<GlobalValue *> &Drop) {
  std::vector<GlobalVariable *> Vars;
  for (GlobalValue *GV : Drop)
    if (auto *V = dyn_cast<GlobalVariable>(GV))
      Vars.push_back(V);
  removeInitializersOf(M, Vars);
  for (GlobalValue *GV : Drop) {
    if (auto *GA = dyn_cast<GlobalAlias>(GV))
      dropAlias(*GA);
    else
      dropDefinition(*GV);
  }
  removeDeadLocals(M);
}

void SymbolLedger::record(StringRef Object, char GlobalPrefix, unsigned Index) {
  if (PerObject.size() <= Index)
    PerObject.resize(Index + 1);
  auto Obj = object::ObjectFile::createObjectFile(MemoryBufferRef(Object, "object"));
  if (!Obj) {
    consumeError(Obj.takeError());
    return;
  }
  for (const object::SymbolRef &Sym : (*Obj)->symbols()) {
    Expected<uint32_t> Flags = Sym.getFlags();
    if (!Flags) {
      consumeError(Flags.takeError());
      continue;
    }
    if ((*Flags & object::SymbolRef::SF_Undefined) || !(*Flags & object::SymbolRef::SF_Global))
      continue;
    Expected<StringRef> Name = Sym.getName();
    if (!Name) {
      consumeError(Name.takeError());
      continue;
    }
    StringRef N = *Name;
    if (GlobalPrefix && N.starts_with(StringRef(&GlobalPrefix, 1)))
      N = N.drop_front();
    if (N.empty())
      continue;
    if (Shipped.try_emplace(N, Index).second)
      PerObject[Index].push_back(N.str());
  }
  for (const Candidate &C : Pending) {
    auto It = Shipped.find(C.Name);
    if (It != Shipped.end())
      Decls->add(C.FD, It->second);
  }
  Pending.clear();
}

void SymbolLedger::forgetFrom(unsigned Index) {
  for (unsigned I = Index; I < PerObject.size(); ++I)
    for (const std::string &N : PerObject[I]) {
      auto It = Shipped.find(N);
      if (It != Shipped.end() && It->second == I)
        Shipped.erase(It);
    }
  if (PerObject.size() > Index)
    PerObject.resize(Index);
}

} // namespace warmcc
