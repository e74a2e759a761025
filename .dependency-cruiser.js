// The layer rule for src/ (npm run check:layers; proved in __tests__/unit/docs/layers.test.ts).
// Folders are layers that point down only:
//   doors (action, cli; src/index.ts on top) -> pipeline -> families (image, lambda, state-machine, ecs, scenarios, lock, smoke)
//   -> validate, picture -> ground (+ src/version.ts)
// A family may use another family's types (`import type`), never its runtime code.
// Cycles: a cycle made only of runtime imports always fails. A cycle that closes through a type-only import is
// allowed inside one folder (it loads nothing at run time and the folder is one unit, e.g. a step and its report
// sharing the plan type) and fails when it crosses folders, where it means two layers each know the other.
// dependency-cruiser counts `import { type A }` as type-only, but node's type stripping keeps it as `import {}`
// and loads the module: write cross-family type imports as `import type { A }`.
// ESM (the package is "type": "module"); dependency-cruiser 18 loads .js/.cjs/.mjs configs with import().

const FAMILIES = '(image|lambda|state-machine|ecs|scenarios|lock|smoke)';

/**
 * @param {string} name
 * @param {string} comment
 * @param {import('dependency-cruiser').IRegularForbiddenRuleType['from']} from
 * @param {import('dependency-cruiser').IRegularForbiddenRuleType['to']} to
 * @returns {import('dependency-cruiser').IRegularForbiddenRuleType}
 */
const forbid = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to });

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    forbid('ground-imports-nothing-above', 'src/ground/ is the floor: it may import only itself and src/version.ts.',
      { path: '^src/ground/' }, { path: '^src/', pathNot: '^src/(ground/|version\\.ts$)' }),
    forbid('validate-imports-ground-only', 'src/validate/ may import src/ground/ (and src/version.ts) only.',
      { path: '^src/validate/' }, { path: '^src/', pathNot: '^src/(ground/|validate/|version\\.ts$)' }),
    forbid('picture-imports-ground-only', 'src/picture/ (the Mermaid drawing of a definition) may import src/ground/ only.',
      { path: '^src/picture/' }, { path: '^src/', pathNot: '^src/(ground/|picture/|version\\.ts$)' }),
    forbid('family-imports-no-upper-layer', 'A step family may import ground and validate, never the pipeline or the doors.',
      { path: `^src/${FAMILIES}/` }, { path: '^src/(pipeline/|action/|cli/|index\\.ts$)' }),
    forbid('family-imports-other-family-types-only', "A family may read another family's types (import type), never its runtime code.",
      { path: `^src/${FAMILIES}/` }, { path: `^src/${FAMILIES}/`, pathNot: '^src/$1/', dependencyTypesNot: ['type-only'] }),
    forbid('pipeline-imports-no-door', 'src/pipeline/ sits below the doors.',
      { path: '^src/pipeline/' }, { path: '^src/(action/|cli/|index\\.ts$)' }),
    forbid('doors-apart', 'src/action/ and src/cli/ never import each other.',
      { path: '^src/(action|cli)/' }, { path: '^src/(action|cli)/', pathNot: '^src/$1/' }),
    forbid('entry-is-the-top', 'src/index.ts imports the doors; nothing imports it.',
      {}, { path: '^src/index\\.ts$' }),
    forbid('no-runtime-cycle', 'A cycle of runtime imports: module evaluation order decides what is undefined.',
      {}, { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } }),
    forbid('no-cross-folder-type-cycle', 'A cycle closed by a type-only import is allowed inside one folder, not across folders.',
      { path: '^src/([^/]+)/' }, { circular: true, via: { pathNot: '^src/$1/', dependencyTypes: ['type-only'] } }),
  ],
  options: {
    includeOnly: '^src/',
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts'] },
  },
};
