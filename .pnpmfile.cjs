// pnpm reads this file on every install (its checksum is in pnpm-lock.yaml).
//
// openapi-typescript 7 prints its types with the TypeScript compiler API (`ts.factory`), which it takes
// from a `typescript` peer. This repo's `typescript` is 7, whose package no longer exposes that API, so
// the peer would resolve to it and fail at import. Here openapi-typescript gets its own TypeScript 5 as a
// plain dependency instead. Not as an override of the peer: pnpm would then install the missing peer
// into the importing package and link its `tsc` there, so that package's `tsc` would be 5, not 7.
const ownTypeScript = { 'openapi-typescript': '5.9.3' };

module.exports = {
  hooks: {
    readPackage(pkg) {
      const version = ownTypeScript[pkg.name];
      if (version && pkg.peerDependencies?.typescript) {
        delete pkg.peerDependencies.typescript;
        pkg.dependencies = { ...pkg.dependencies, typescript: version };
      }
      return pkg;
    },
  },
};
