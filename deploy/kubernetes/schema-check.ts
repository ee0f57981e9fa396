/**
 * Checks a manifest against the Kubernetes schemas of kinds.ts: the model's own validation (types, required
 * fields, formats) and, as the API server's strict field validation does, every field's name, found by walking
 * the kind's declared type with the TypeScript checker (a misspelt field is an error, not silently dropped).
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { type KindTypes, MODELS } from './kinds.ts';

const KINDS_FILE = fileURLToPath(new URL('./kinds.ts', import.meta.url));

let program: { checker: ts.TypeChecker; kinds: ts.Type } | undefined;
function kindTypes() {
  if (!program) {
    const p = ts.createProgram([KINDS_FILE], {
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
      strict: true,
    });
    const checker = p.getTypeChecker();
    const source = p.getSourceFile(KINDS_FILE);
    const decl = source?.statements.find(
      (s): s is ts.InterfaceDeclaration =>
        ts.isInterfaceDeclaration(s) && s.name.text === 'KindTypes',
    );
    if (!decl) throw new Error(`no KindTypes in ${KINDS_FILE}`);
    program = { checker, kinds: checker.getTypeAtLocation(decl) };
  }
  return program;
}

/** Paths of the fields in `value` that `type` does not declare. */
function unknownFields(
  checker: ts.TypeChecker,
  type: ts.Type,
  value: unknown,
  at: string,
): string[] {
  if (value === null || typeof value !== 'object') return [];
  let t = type;
  if (t.isUnion()) {
    const objects = t.types.filter((m) => m.flags & ts.TypeFlags.Object);
    if (objects.length !== 1) return []; // e.g. IntOrString: nothing to walk into
    t = objects[0] as ts.Type;
  }
  if (Array.isArray(value)) {
    const item = checker.getIndexTypeOfType(t, ts.IndexKind.Number);
    return item ? value.flatMap((v, i) => unknownFields(checker, item, v, `${at}[${i}]`)) : [];
  }
  const entries = Object.entries(value);
  const mapped = checker.getIndexTypeOfType(t, ts.IndexKind.String);
  if (mapped) return entries.flatMap(([k, v]) => unknownFields(checker, mapped, v, `${at}.${k}`));
  return entries.flatMap(([k, v]) => {
    const prop = checker.getPropertyOfType(t, k);
    if (!prop) return [`${at}.${k}`];
    return unknownFields(checker, checker.getTypeOfSymbol(prop), v, `${at}.${k}`);
  });
}

/** The schema errors of one manifest (empty when it is valid for kinds.ts's Kubernetes version). */
export function schemaErrors(manifest: { apiVersion?: unknown; kind?: unknown }): string[] {
  const kind = `${String(manifest.apiVersion)} ${String(manifest.kind)}` as keyof KindTypes;
  const Model = MODELS[kind];
  if (!Model) return [`${kind}: not a kind kinds.ts checks`];
  const errors: string[] = [];
  try {
    new Model(manifest).validate();
  } catch (err) {
    errors.push((err as Error).message);
  }
  const { checker, kinds } = kindTypes();
  const root = checker.getPropertyOfType(kinds, kind);
  if (!root) return [...errors, `${kind}: missing from KindTypes`];
  for (const field of unknownFields(checker, checker.getTypeOfSymbol(root), manifest, ''))
    errors.push(`unknown field ${field.slice(1)}`);
  return errors;
}
