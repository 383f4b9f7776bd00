/**
 * What kind of WebGPU adapter we were given. Automatic backend selection takes WebGPU only on real GPU hardware:
 * a software adapter (SwiftShader, llvmpipe/lavapipe, WARP) runs every shader on the CPU, far slower than wasm or
 * TensorFlow's CPU kernels (matmul 512×768×768 takes ~2 s on SwiftShader against ~10 ms natively). Platform-neutral:
 * the browser entry uses the same test.
 */

/** The fields of GPUAdapterInfo we read (dawn.node and Chromium both fill them; isFallbackAdapter is newer). */
export interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

export function isSoftwareAdapter(info: AdapterInfoLike, isFallbackAdapter = false): boolean {
  if (isFallbackAdapter || info.isFallbackAdapter) return true;
  return SOFTWARE.test([info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' '));
}

/** "nvidia hopper (NVIDIA H200)", "google swiftshader (SwiftShader driver 5.0.0)". */
export function describeAdapter(info: AdapterInfoLike): string {
  const name = [info.vendor, info.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  return info.description ? `${name} (${info.description})` : name;
}
