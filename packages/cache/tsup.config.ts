import { scalingPackage } from '../../tsup.config';

// `stripInternal`: the shared engine's `@internal` members (the slot state that LruCache's and Cache's hot
// paths read directly) stay out of the published `.d.ts`.
export default scalingPackage({ dts: { compilerOptions: { composite: false, paths: {}, stripInternal: true } } });
