// Worker bootstrap. On Node 20 a worker thread does not inherit the tsx loader from
// process.execArgv (verified: "Unknown file extension .ts"), so register tsx here, then load the
// TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
