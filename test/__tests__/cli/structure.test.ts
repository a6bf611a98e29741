/**
 * The CLI's code stays readable: no function in src/cli is longer than 60 lines (a long command is split into named
 * steps), and the CLI reaches the destination only through its public entry points.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = join(__dirname, '..', '..', '..');
const cliDir = join(root, 'src', 'cli');
const MAX_LINES = 60;

const sources = readdirSync(cliDir)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => {
    const path = join(cliDir, name);
    return ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  });

const lineOf = (sf: ts.SourceFile, pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;

function functionName(node: ts.SignatureDeclaration, sf: ts.SourceFile): string {
  if (node.name) return node.name.getText(sf);
  return ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(sf) : '(anonymous)';
}

/** `file:line name (lines)` for every function whose body is longer than MAX_LINES. */
function longFunctions(sf: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const body = node.body as ts.Node;
      const lines = lineOf(sf, body.getEnd()) - lineOf(sf, body.getStart(sf)) + 1;
      if (lines > MAX_LINES)
        found.push(
          `${relative(root, sf.fileName)}:${lineOf(sf, node.getStart(sf))} ${functionName(node, sf)} (${lines})`,
        );
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

const PUBLIC_ENTRY = /\/(index|transform|networkHandler)$/;

/** Value imports from a destination module other than its public entry points. */
function privateImports(sf: ts.SourceFile): string[] {
  return sf.statements.flatMap((st) => {
    if (!ts.isImportDeclaration(st) || st.importClause?.isTypeOnly) return [];
    const spec = (st.moduleSpecifier as ts.StringLiteral).text;
    const target = relative(root, resolve(dirname(sf.fileName), spec)).replace(/\\/g, '/');
    if (!/^src\/v[01]\/destinations\//.test(target) || PUBLIC_ENTRY.test(target)) return [];
    const named = st.importClause?.namedBindings;
    if (named && ts.isNamedImports(named) && named.elements.every((e) => e.isTypeOnly)) return [];
    return [`${relative(root, sf.fileName)}:${lineOf(sf, st.getStart(sf))} imports ${target}`];
  });
}

describe('src/cli structure', () => {
  it('has the command files', () => {
    expect(sources.map((s) => relative(cliDir, s.fileName)).sort()).toEqual(
      expect.arrayContaining(['deliver.ts', 'demo.ts', 'index.ts', 'preview.ts', 'transform.ts']),
    );
  });

  it(`has no function longer than ${MAX_LINES} lines`, () => {
    expect(sources.flatMap(longFunctions)).toEqual([]);
  });

  it('imports values from the destination only through index.ts, transform.ts or networkHandler.ts', () => {
    expect(sources.flatMap(privateImports)).toEqual([]);
  });
});
