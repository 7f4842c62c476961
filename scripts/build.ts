import { buildPackage } from '../lib/package/package-build';

// `npm run build` (and `npm pack`, through prepack): the package's dist/ — the construct as one ES
// module, every function prebundled, the declarations rolled up. See lib/package/package-build.ts.
await buildPackage((line) => process.stdout.write(`${line}\n`));
