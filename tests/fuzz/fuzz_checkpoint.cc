// Verifier keys, signed notes and checkpoint bodies (C2SP signed-note, tlog-checkpoint).
// Input: a verifier key line, then a note. Invariants: a parsed checkpoint body starts with
// the body CheckpointBody writes for it; a note that opens yields text it contains.
#include "ledger/checkpoint.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using credledger::fuzz::Check;
  const auto [vkey, note] = credledger::fuzz::SplitFirstLine(credledger::fuzz::AsText(data, size));
  auto body = credledger::ParseCheckpointBody(note);
  if (body.ok()) {
    Check(note.starts_with(credledger::CheckpointBody(*body)),
          "a parsed checkpoint re-serializes to its first three lines");
  }
  auto verifier = credledger::NoteVerifier::FromVerifierKey(vkey);
  if (!verifier.ok()) return 0;
  auto text = verifier->Open(note);
  if (!text.ok()) return 0;
  Check(note.starts_with(*text), "an opened note's text is its signed part");
  auto checkpoint = credledger::VerifyCheckpoint(note, *verifier, verifier->name());
  if (checkpoint.ok()) Check(checkpoint->origin == verifier->name(), "origin is the key name");
  return 0;
}
