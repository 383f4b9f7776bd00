#!/usr/bin/env bash
# `npm run test:backends [-- [--jobs N] cpu tensorflow webgpu wasm]`: the parity suite (spec/parity) once per backend,
# each in its own process with TFJS_BACKEND set, then one table of the worst difference per check and backend, and
# the plain "N passed, N failed" line. webgpu runs on SwiftShader here (TFJS_CROSS_ENCODER_WEBGPU=swiftshader) unless
# XENC_WEBGPU_HARDWARE=1. A backend that cannot start fails its run, with the reason: nothing is skipped silently.
# --jobs N runs up to N backends at once (each backend's log is printed whole, in order, when all are done): the cpu
# backend is plain JavaScript on one core, so beside it another backend has the other core to itself.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
max_jobs=1
if [[ ${1:-} == --jobs ]]; then
  max_jobs=${2:?--jobs needs a number}
  shift 2
fi
[[ $max_jobs =~ ^[1-9][0-9]*$ ]] || { echo "--jobs must be a positive integer, got $max_jobs"; exit 2; }
backends=("$@")
[[ ${#backends[@]} -gt 0 ]] || backends=(wasm cpu tensorflow webgpu)
reports=$(mktemp -d)

run_backend() {
  local b=$1
  echo
  echo "== parity suite on $b"
  local env_extra=()
  if [[ $b == webgpu && "${XENC_WEBGPU_HARDWARE:-0}" != 1 ]]; then env_extra=(TFJS_CROSS_ENCODER_WEBGPU=swiftshader); fi
  local start=$SECONDS
  env TFJS_BACKEND="$b" XENC_PARITY_REPORT="$reports/$b.json" "${env_extra[@]}" \
    npx mocha 'spec/parity/**/*.spec.ts' 2>&1
  echo "(parity suite on $b: $((SECONDS - start)) s)"
}

if [[ $max_jobs == 1 ]]; then
  for b in "${backends[@]}"; do run_backend "$b" | tee "$reports/$b.log"; done
else
  for b in "${backends[@]}"; do
    while [[ $(jobs -rp | wc -l) -ge $max_jobs ]]; do wait -n; done
    run_backend "$b" > "$reports/$b.log" 2>&1 &
  done
  wait
  for b in "${backends[@]}"; do cat "$reports/$b.log"; done
fi

passed=0
failed=0
for b in "${backends[@]}"; do
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$reports/$b.log" | tail -n 1)
  if [[ -z $line ]]; then
    echo "parity suite on $b did not run to the end"
    failed=$((failed + 1))
    continue
  fi
  passed=$((passed + $(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")))
  failed=$((failed + $(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")))
done
echo
npx tsx scripts/parity-report.ts "$reports"/*.json
rm -rf "$reports"
echo
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
