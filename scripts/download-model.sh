#!/usr/bin/env bash
# Download the public llama2.c stories260K checkpoint and its tokenizer (MIT licence, Andrej Karpathy,
# huggingface.co/karpathy/tinyllamas, folder stories260K) for users without ../shared/models, then check
# the checkpoint header shape and the file sizes against ../shared/models/README.md.
#
# usage: scripts/download-model.sh [DEST_DIR]          (default: ../shared/models if writable, else ./models)
#        scripts/download-model.sh --check FILE.bin    (only check an existing checkpoint's header)
set -euo pipefail

BASE_URL="https://huggingface.co/karpathy/tinyllamas/resolve/main/stories260K"
# Expected header of stories260K.bin (llama2.c legacy version 0): dim, hidden_dim, n_layers, n_heads,
# n_kv_heads, vocab_size, seq_len.
EXPECTED_HEADER="64 172 5 8 4 512 512"
EXPECTED_MODEL_BYTES=1056540
EXPECTED_TOK_BYTES=6227

die() { echo "download-model.sh: error: $*" >&2; exit 1; }

# Print the 7 int32 header values of a llama2.c v0 checkpoint (little-endian).
read_header() {
  od -A n -t d4 -N 28 --endian=little "$1" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'
}

check_model() {
  local f="$1"
  [[ -f "$f" ]] || die "$f: not found"
  local size header
  size=$(stat -c %s "$f")
  header=$(read_header "$f")
  [[ "$header" == "$EXPECTED_HEADER" ]] ||
    die "$f: header (dim hidden layers heads kv_heads vocab seq_len) is '$header', expected '$EXPECTED_HEADER'"
  [[ "$size" == "$EXPECTED_MODEL_BYTES" ]] || die "$f: size $size bytes, expected $EXPECTED_MODEL_BYTES"
  echo "$f: header OK (dim 64, hidden 172, 5 layers, 8 heads, 4 kv heads, vocab 512, context 512), $size bytes"
}

check_tokenizer() {
  local f="$1"
  [[ -f "$f" ]] || die "$f: not found"
  local size
  size=$(stat -c %s "$f")
  [[ "$size" == "$EXPECTED_TOK_BYTES" ]] || die "$f: size $size bytes, expected $EXPECTED_TOK_BYTES"
  echo "$f: size OK ($size bytes)"
}

if [[ "${1:-}" == "--check" ]]; then
  [[ $# -eq 2 ]] || die "usage: $0 --check FILE.bin"
  check_model "$2"
  exit 0
fi

dest="${1:-}"
if [[ -z "$dest" ]]; then
  if [[ -w ../shared/models ]]; then dest=../shared/models; else dest=models; fi
fi
mkdir -p "$dest"
command -v curl >/dev/null || die "curl is required"
for name in stories260K.bin tok512.bin; do
  if [[ -f "$dest/$name" ]]; then
    echo "$dest/$name exists, not downloading"
    continue
  fi
  echo "downloading $BASE_URL/$name -> $dest/$name"
  # Download to a temporary name so an interrupted transfer never leaves a partial file in place.
  curl -fL --retry 3 -o "$dest/$name.part" "$BASE_URL/$name" || die "download of $name failed"
  mv "$dest/$name.part" "$dest/$name"
done
check_model "$dest/stories260K.bin"
check_tokenizer "$dest/tok512.bin"
if command -v sha256sum >/dev/null; then
  sha256sum "$dest/stories260K.bin" "$dest/tok512.bin"
  echo "(../shared/models/README.md lists the sha256 of its copies; the published stories260K.bin may differ"
  echo " from that float32-from-Q8_0 copy, so compare perplexity rather than hashes)"
fi
