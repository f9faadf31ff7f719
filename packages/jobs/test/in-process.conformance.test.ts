import { InProcessBackend } from '../src/index.js';
import { jobBackendConformance } from './_conformance.js';

jobBackendConformance('in-process', async () => ({ backend: new InProcessBackend(), cleanup: async () => {} }));
