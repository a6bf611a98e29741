/**
 * The project's structure rules, read from the sources with the checkout's own TypeScript parser: no function over
 * 60 lines, and the host and the CLI take values from a destination only through its public entry points. The
 * structure tests of src/server and src/cli apply them to their own folders.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const ROOT = join(__dirname, '..', '..', '..');
export const MAX_LINES = 60;

/** The `.ts` files under `dir`, its subfolders included, parsed. */
export function sourcesUnder(dir: string): ts.SourceFile[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(path);
    if (!entry.name.endsWith('.ts')) return [];
    return [ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true)];
  });
}

const lineOf = (sf: ts.SourceFile, pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;

function functionName(node: ts.SignatureDeclaration, sf: ts.SourceFile): string {
  if (node.name) return node.name.getText(sf);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  return ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(sf) : '(anonymous)';
}

/** `file:line name (lines)` for every function whose body is longer than MAX_LINES. */
export function longFunctions(sf: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const body = node.body as ts.Node;
      const lines = lineOf(sf, body.getEnd()) - lineOf(sf, body.getStart(sf)) + 1;
      if (lines > MAX_LINES)
        found.push(
          `${relative(ROOT, sf.fileName)}:${lineOf(sf, node.getStart(sf))} ${functionName(node, sf)} (${lines})`,
        );
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

const PUBLIC_ENTRY = /\/(index|transform|networkHandler)$/;

/** Value imports from a destination module other than its public entry points. */
export function privateImports(sf: ts.SourceFile): string[] {
  return sf.statements.flatMap((st) => {
    if (!ts.isImportDeclaration(st) || st.importClause?.isTypeOnly) return [];
    const spec = (st.moduleSpecifier as ts.StringLiteral).text;
    const target = relative(ROOT, resolve(dirname(sf.fileName), spec)).replace(/\\/g, '/');
    if (!/^src\/v[01]\/destinations\//.test(target) || PUBLIC_ENTRY.test(target)) return [];
    const named = st.importClause?.namedBindings;
    if (named && ts.isNamedImports(named) && named.elements.every((e) => e.isTypeOnly)) return [];
    return [`${relative(ROOT, sf.fileName)}:${lineOf(sf, st.getStart(sf))} imports ${target}`];
  });
}
