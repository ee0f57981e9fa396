export * from './lines.ts';
export * from './values.ts';
export * from './json-line.ts';
export * from './epochs.ts';
export * from './jsonl-source.ts';
export * from './regex-source.ts';
export * from './file-source.ts';
