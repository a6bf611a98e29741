/**
 * The host's code stays readable: no function in src/server longer than 60 lines (the project's limit), so each
 * route and each step has a name. Read with the checkout's own TypeScript parser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..', '..');
const SERVER = join(ROOT, 'src', 'server');
const MAX_LINES = 60;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `file:line name (lines)` for every function whose body is longer than the limit. */
function longFunctions(path: string): string[] {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const line = (pos: number) => file.getLineAndCharacterOfPosition(pos).line + 1;
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const body = node.body as ts.Node;
      const lines = line(body.getEnd()) - line(body.getStart(file)) + 1;
      const name = ts.isConstructorDeclaration(node)
        ? 'constructor'
        : (node.name?.getText(file) ?? '(anonymous)');
      if (lines > MAX_LINES)
        found.push(`${relative(ROOT, path)}:${line(node.getStart(file))} ${name} (${lines})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('src/server structure', () => {
  it(`has no function over ${MAX_LINES} lines`, () => {
    const files = sources(SERVER);
    expect(files.length).toBeGreaterThan(5);
    expect(files.flatMap(longFunctions)).toEqual([]);
  });
});
