#!/usr/bin/env bash
# `npm run test:backends [-- cpu tensorflow webgpu wasm]`: the parity suite (spec/parity) once per backend, each in
# its own process with TFJS_BACKEND set, then one table of the worst difference per check and backend, and the plain
# "N passed, N failed" line. webgpu runs on SwiftShader here (TFJS_CROSS_ENCODER_WEBGPU=swiftshader) unless
# XENC_WEBGPU_HARDWARE=1. A backend that cannot start fails its run, with the reason: nothing is skipped silently.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
backends=("$@")
[[ ${#backends[@]} -gt 0 ]] || backends=(wasm cpu tensorflow webgpu)
reports=$(mktemp -d)
passed=0
failed=0
for b in "${backends[@]}"; do
  echo
  echo "== parity suite on $b"
  env_extra=()
  if [[ $b == webgpu && "${XENC_WEBGPU_HARDWARE:-0}" != 1 ]]; then env_extra=(TFJS_CROSS_ENCODER_WEBGPU=swiftshader); fi
  log="$reports/$b.log"
  env TFJS_BACKEND="$b" XENC_PARITY_REPORT="$reports/$b.json" "${env_extra[@]}" \
    npx mocha 'spec/parity/**/*.spec.ts' 2>&1 | tee "$log"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
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
