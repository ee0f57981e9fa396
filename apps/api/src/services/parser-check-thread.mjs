// A worker thread of the parser check pool (parser-service.ts). Threads do not inherit the API's module loader:
// register tsx's (Node 20 cannot run TypeScript), then hand piscina the TypeScript task.
import { register } from 'tsx/esm/api';

register();
const { runParserCheck } = await import('./parser-check-task.ts');
export default runParserCheck;
