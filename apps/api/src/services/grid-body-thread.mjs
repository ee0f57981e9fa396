// A body thread (body-threads.ts): makes a grid's JSON bytes and gzip off the API's event loop. Threads do not
// inherit the API's module loader: register tsx's (Node 20 cannot run TypeScript), then hand piscina the task.
import { register } from 'tsx/esm/api';

register();
const { gridBytes } = await import('./grid-body.ts');
export default gridBytes;
