import { scalingPackage } from '../../tsup.config';

// Two entries: the public root and `@scaling/core/internal` (helpers shared between packages). The
// internal entry holds only stateless functions, so each bundle having its own copy is harmless.
export default scalingPackage({ entry: ['src/index.ts', 'src/internal.ts'] });
