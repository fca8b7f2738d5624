// Jest transform: strips TypeScript with esbuild, without type-checking (tsc checks the whole
// project once in `npm test`; type-checking the 1.7 MB of generated imports per test file
// would cost seconds each). It also turns the ES modules of the CEL engine into CommonJS.
const { transformSync } = require('esbuild');

module.exports = {
  process(source, path) {
    const { code, map } = transformSync(source, {
      loader: path.endsWith('.ts') ? 'ts' : 'js',
      format: 'cjs',
      target: 'node20',
      sourcefile: path,
      sourcemap: 'external',
    });
    return { code, map };
  },
};
