'use strict';
// Stands in for undici/lib/llhttp/llhttp-wasm.js in the extension bundle (webpack.config.js). undici loads that
// non-SIMD HTTP parser only when WebAssembly SIMD is unavailable, which no VS Code platform lacks (x64, arm64, armhf);
// leaving it out keeps 70 KB out of the extension. Reached only on such a platform, or with UNDICI_NO_WASM_SIMD=1.
throw new Error('This build of the Flink on Mesos extension bundles only the WebAssembly SIMD HTTP parser, and this platform ' +
  'cannot use it (or UNDICI_NO_WASM_SIMD=1 is set). Unset UNDICI_NO_WASM_SIMD, or use the flink-mesos CLI, which bundles both parsers.');
