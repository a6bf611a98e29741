/**
 * SOQL subset: tokenizer, recursive-descent parser and evaluator.
 *
 *   SELECT f1, f2 | COUNT() FROM Obj [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...]
 *   [LIMIT n] [OFFSET n]
 *   cond := term { AND term } | term { OR term }     (mixing AND/OR needs parentheses, as in SOQL)
 *   term := NOT term | '(' cond ')' | field op literal | field [NOT] IN '(' literal, ... ')' | field LIKE 'pattern'
 *   op   := = != <> < <= > >=
 */
import { parseDateTime } from './clock';
import { noSuchColumn } from './common';
import { httpError, type HttpError } from './errors';
import { normalizeId } from './ids';
import { type FieldDef, type ObjectDef, type Schema, ID_TYPES, NUMBER_TYPES, STRING_TYPES } from './schema';
import type { FieldValue, SimRecord } from './types';

type Token =
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'string'; value: string; likeRegex: string; likeOnly: boolean; pos: number }
  | { kind: 'number'; value: number; text: string; pos: number }
  | { kind: 'datetime'; text: string; pos: number }
  | { kind: 'op'; text: string; pos: number }
  | { kind: 'punct'; text: '(' | ')' | ','; pos: number }
  | { kind: 'eof'; pos: number };

export type Literal =
  | { kind: 'string'; value: string; likeRegex: string; likeOnly: boolean }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'datetime'; text: string };

export interface FieldRef {
  name: string;
  pos: number;
}

export type Cond =
  | { kind: 'and' | 'or'; items: Cond[] }
  | { kind: 'not'; item: Cond }
  | { kind: 'cmp'; field: FieldRef; op: string; value: Literal; pos: number }
  | { kind: 'in'; field: FieldRef; negated: boolean; values: Literal[]; pos: number }
  | { kind: 'like'; field: FieldRef; value: Literal; pos: number };

export interface OrderItem {
  field: FieldRef;
  desc: boolean;
  nullsLast: boolean;
}

export interface Query {
  count: boolean;
  fields: FieldRef[];
  object: FieldRef;
  where?: Cond;
  orderBy: OrderItem[];
  limit?: number;
  offset?: number;
}

const KEYWORDS = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'IN',
  'LIKE',
  'ORDER',
  'BY',
  'ASC',
  'DESC',
  'NULLS',
  'FIRST',
  'LAST',
  'LIMIT',
  'OFFSET',
  'TRUE',
  'FALSE',
  'NULL',
]);

/** MALFORMED_QUERY / INVALID_FIELD messages point at the offending column like Salesforce does. */
function located(soql: string, pos: number, text: string): string {
  const before = soql.slice(0, pos);
  const row = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return `\n${soql}\n${' '.repeat(Math.max(0, col - 1))}^\nERROR at Row:${row}:Column:${col}\n${text}`;
}

export function malformed(soql: string, pos: number, text: string): HttpError {
  return httpError(400, 'MALFORMED_QUERY', located(soql, pos, text));
}

/** An INVALID_FIELD error pointing at the offending column. */
function invalidFieldAt(soql: string, pos: number, text: string): HttpError {
  return httpError(400, 'INVALID_FIELD', located(soql, pos, text));
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
};

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

interface StringParts {
  value: string;
  likeRegex: string;
  likeOnly: boolean;
}

/** Reads the backslash escape at `soql[i]` into `out`; returns the index after it. */
function readEscape(soql: string, i: number, out: StringParts): number {
  const e = soql.charAt(i + 1);
  if (e === 'u') {
    const hex = soql.slice(i + 2, i + 6);
    if (!/^[0-9a-fA-F]{4}$/.test(hex))
      throw malformed(soql, i, `Invalid string literal '\\${e}${hex}'. Illegal unicode escape sequence.`);
    const chr = String.fromCharCode(parseInt(hex, 16));
    out.value += chr;
    out.likeRegex += escapeRegex(chr);
    return i + 6;
  }
  if (e === '%' || e === '_') {
    out.value += e;
    out.likeRegex += escapeRegex(e);
    out.likeOnly = true;
    return i + 2;
  }
  const lower = e.toLowerCase();
  const mapped = ESCAPES[e] ?? ESCAPES[lower];
  if (mapped === undefined || (e !== lower && !'NRTBF'.includes(e))) {
    throw malformed(
      soql,
      i,
      `Invalid string literal '\\${e}'. Illegal character sequence '\\${e}' in string literal.`,
    );
  }
  out.value += mapped;
  out.likeRegex += escapeRegex(mapped);
  return i + 2;
}

/** Reads the quoted literal starting at `soql[start]`; returns the token and the index after it. */
function readString(soql: string, start: number): { token: Token; end: number } {
  const out: StringParts = { value: '', likeRegex: '', likeOnly: false };
  let i = start + 1;
  while (i < soql.length) {
    const ch = soql.charAt(i);
    if (ch === "'") return { token: { kind: 'string', ...out, pos: start }, end: i + 1 };
    if (ch === '\\') {
      if (i + 1 >= soql.length) break;
      i = readEscape(soql, i, out);
      continue;
    }
    out.value += ch;
    out.likeRegex += ch === '%' ? '.*' : ch === '_' ? '.' : escapeRegex(ch);
    i++;
  }
  throw malformed(soql, start, `unterminated string literal`);
}

type PlainToken = Extract<Token, { text: string }>;

/** Reads a date/datetime, number, identifier, operator or punctuation token at `soql[i]`. */
function readPlain(soql: string, i: number): PlainToken {
  const c = soql.charAt(i);
  const rest = soql.slice(i);
  const dt = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2}))?(?![\w.])/.exec(rest);
  if (dt) return { kind: 'datetime', text: dt[0], pos: i };
  const num = /^-?(\d+(\.\d+)?|\.\d+)(?![\w.])/.exec(rest);
  if (num && (c !== '-' || /^-[\d.]/.test(rest))) {
    return { kind: 'number', value: Number(num[0]), text: num[0], pos: i };
  }
  const id = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(rest);
  if (id) return { kind: 'ident', text: id[0], pos: i };
  const op = /^(!=|<>|<=|>=|=|<|>)/.exec(rest);
  if (op) return { kind: 'op', text: op[0], pos: i };
  if (c === '(' || c === ')' || c === ',') return { kind: 'punct', text: c, pos: i };
  throw malformed(soql, i, `unexpected token: '${c}'`);
}

export function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const c = soql.charAt(i);
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === "'") {
      const { token, end } = readString(soql, i);
      tokens.push(token);
      i = end;
    } else if (c === '"') {
      throw malformed(soql, i, `unexpected token: '"'`);
    } else {
      const token = readPlain(soql, i);
      tokens.push(token);
      i += token.text.length;
    }
  }
  tokens.push({ kind: 'eof', pos: soql.length });
  return tokens;
}

function tokenText(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return '<EOF>';
    case 'string':
      return `'${t.value}'`;
    case 'number':
    case 'ident':
    case 'op':
    case 'punct':
    case 'datetime':
      return t.text;
  }
}

class Parser {
  private i = 0;

  constructor(
    private readonly soql: string,
    private readonly tokens: Token[],
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  private isKw(t: Token, kw: string): boolean {
    return t.kind === 'ident' && t.text.toUpperCase() === kw;
  }

  private fail(t: Token, text?: string): HttpError {
    return malformed(this.soql, t.pos, text ?? `unexpected token: '${tokenText(t)}'`);
  }

  private expectKw(kw: string): void {
    const t = this.next();
    if (!this.isKw(t, kw)) throw this.fail(t);
  }

  private expectPunct(p: '(' | ')' | ','): void {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== p) throw this.fail(t);
  }

  private fieldRef(): FieldRef {
    const t = this.next();
    if (t.kind !== 'ident' || KEYWORDS.has(t.text.toUpperCase())) throw this.fail(t);
    return { name: t.text, pos: t.pos };
  }

  parse(): Query {
    this.expectKw('SELECT');
    const fields: FieldRef[] = [];
    let count = false;
    const first = this.peek();
    if (this.isKw(first, 'COUNT') && this.peek(1).kind === 'punct' && this.peek(2).kind === 'punct') {
      this.next();
      this.expectPunct('(');
      this.expectPunct(')');
      count = true;
    } else {
      fields.push(this.fieldRef());
      while (this.peek().kind === 'punct' && (this.peek() as { text: string }).text === ',') {
        this.next();
        fields.push(this.fieldRef());
      }
    }
    this.expectKw('FROM');
    const object = this.fieldRef();
    const q: Query = { count, fields, object, orderBy: [] };
    if (this.isKw(this.peek(), 'WHERE')) {
      this.next();
      q.where = this.condition();
    }
    if (this.isKw(this.peek(), 'ORDER')) {
      this.next();
      this.expectKw('BY');
      do {
        if (q.orderBy.length > 0) this.next();
        const field = this.fieldRef();
        let desc = false;
        if (this.isKw(this.peek(), 'ASC')) this.next();
        else if (this.isKw(this.peek(), 'DESC')) {
          this.next();
          desc = true;
        }
        let nullsLast = desc;
        if (this.isKw(this.peek(), 'NULLS')) {
          this.next();
          const t = this.next();
          if (this.isKw(t, 'FIRST')) nullsLast = false;
          else if (this.isKw(t, 'LAST')) nullsLast = true;
          else throw this.fail(t);
        }
        q.orderBy.push({ field, desc, nullsLast });
      } while (this.peek().kind === 'punct' && (this.peek() as { text: string }).text === ',');
    }
    if (this.isKw(this.peek(), 'LIMIT')) {
      this.next();
      q.limit = this.nonNegativeInt();
    }
    if (this.isKw(this.peek(), 'OFFSET')) {
      this.next();
      q.offset = this.nonNegativeInt();
    }
    const end = this.next();
    if (end.kind !== 'eof') throw this.fail(end);
    return q;
  }

  private nonNegativeInt(): number {
    const t = this.next();
    if (t.kind !== 'number' || !Number.isInteger(t.value) || t.value < 0) throw this.fail(t);
    return t.value;
  }

  private condition(): Cond {
    const first = this.term();
    const t = this.peek();
    const joiner = this.isKw(t, 'AND') ? 'and' : this.isKw(t, 'OR') ? 'or' : null;
    if (!joiner) return first;
    const items = [first];
    for (;;) {
      const op = this.peek();
      if (this.isKw(op, joiner.toUpperCase())) {
        this.next();
        items.push(this.term());
      } else if (this.isKw(op, 'AND') || this.isKw(op, 'OR')) {
        throw this.fail(op);
      } else break;
    }
    return { kind: joiner, items };
  }

  private term(): Cond {
    const t = this.peek();
    if (this.isKw(t, 'NOT')) {
      this.next();
      return { kind: 'not', item: this.term() };
    }
    if (t.kind === 'punct' && t.text === '(') {
      this.next();
      const c = this.condition();
      this.expectPunct(')');
      return c;
    }
    const field = this.fieldRef();
    const opTok = this.next();
    if (opTok.kind === 'op')
      return { kind: 'cmp', field, op: opTok.text, value: this.literal(), pos: opTok.pos };
    if (this.isKw(opTok, 'LIKE')) {
      const v = this.literal();
      if (v.kind !== 'string') throw this.fail(opTok, `invalid operator on non-string literal: LIKE`);
      return { kind: 'like', field, value: v, pos: opTok.pos };
    }
    let negated = false;
    let inTok: Token = opTok;
    if (this.isKw(opTok, 'NOT')) {
      negated = true;
      inTok = this.next();
    }
    if (!this.isKw(inTok, 'IN')) throw this.fail(inTok);
    this.expectPunct('(');
    const values: Literal[] = [this.literal()];
    while (this.peek().kind === 'punct' && (this.peek() as { text: string }).text === ',') {
      this.next();
      values.push(this.literal());
    }
    this.expectPunct(')');
    return { kind: 'in', field, negated, values, pos: inTok.pos };
  }

  private literal(): Literal {
    const t = this.next();
    switch (t.kind) {
      case 'string':
        return { kind: 'string', value: t.value, likeRegex: t.likeRegex, likeOnly: t.likeOnly };
      case 'number':
        return { kind: 'number', value: t.value };
      case 'datetime':
        return { kind: 'datetime', text: t.text };
      case 'ident': {
        const u = t.text.toUpperCase();
        if (u === 'TRUE' || u === 'FALSE') return { kind: 'boolean', value: u === 'TRUE' };
        if (u === 'NULL') return { kind: 'null' };
        throw this.fail(t);
      }
      default:
        throw this.fail(t);
    }
  }
}

export function parseSoql(soql: string): Query {
  return new Parser(soql, tokenize(soql)).parse();
}

// ---------------------------------------------------------------------------------------------
// Evaluation

type Pred = (r: SimRecord) => boolean;
type Cmp = string | number | boolean | null;

export interface CompiledQuery {
  def: ObjectDef;
  count: boolean;
  fields: FieldDef[];
  predicate: Pred;
  /** Candidate ids from an index (equality / IN on an indexed field), if usable. */
  candidates?: { field: string; values: FieldValue[] };
  orderBy: { field: FieldDef; desc: boolean; nullsLast: boolean }[];
  limit?: number;
  offset?: number;
}

function invalidField(soql: string, pos: number, name: string, obj: string): HttpError {
  return invalidFieldAt(soql, pos, noSuchColumn(name, obj));
}

function typeName(f: FieldDef): string {
  if (STRING_TYPES.has(f.type)) return 'string';
  if (ID_TYPES.has(f.type)) return 'id';
  if (f.type === 'int' || f.type === 'currency' || f.type === 'percent') return 'double';
  return f.type === 'datetime' ? 'dateTime' : f.type;
}

/** Normalised comparison value of a stored field value. */
function fieldCmp(f: FieldDef, v: FieldValue): Cmp {
  if (v === null || v === undefined) return null;
  if (STRING_TYPES.has(f.type)) return String(v).toLowerCase();
  if (f.type === 'datetime') return parseDateTime(String(v));
  return v;
}

/** What compiling one query needs: its text (for error positions) and its object. */
interface CompileCtx {
  soql: string;
  def: ObjectDef;
}

function resolveObject(soql: string, q: Query, schema: Schema): ObjectDef {
  const def = schema.object(q.object.name);
  if (def) return def;
  throw httpError(
    400,
    'INVALID_TYPE',
    located(
      soql,
      q.object.pos,
      `sObject type '${q.object.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
    ),
  );
}

function fieldOf(ctx: CompileCtx, ref: FieldRef): FieldDef {
  const f = ctx.def.fieldMap.get(ref.name.toLowerCase());
  if (!f) throw invalidField(ctx.soql, ref.pos, ref.name, ctx.def.name);
  return f;
}

function selectedFields(ctx: CompileCtx, refs: FieldRef[]): FieldDef[] {
  const fields: FieldDef[] = [];
  for (const ref of refs) {
    const f = fieldOf(ctx, ref);
    if (fields.includes(f)) throw malformed(ctx.soql, ref.pos, `duplicate field selected: ${f.name}`);
    fields.push(f);
  }
  return fields;
}

function wrongLiteralType(ctx: CompileCtx, f: FieldDef, pos: number): HttpError {
  const t = typeName(f);
  const quoted = t === 'string' || t === 'id';
  return invalidFieldAt(
    ctx.soql,
    pos,
    `value of filter criterion for field '${f.name}' must be of type ${t} and ${quoted ? 'should be enclosed in quotes' : 'should not be enclosed in quotes'}`,
  );
}

/** The comparison value of a non-null literal against a field of the given type; type mismatches throw. */
function typedLiteral(
  ctx: CompileCtx,
  f: FieldDef,
  lit: Exclude<Literal, { kind: 'null' }>,
  pos: number,
): Cmp {
  const wrong = (): HttpError => wrongLiteralType(ctx, f, pos);
  if (STRING_TYPES.has(f.type)) {
    if (lit.kind !== 'string') throw wrong();
    return lit.value.toLowerCase();
  }
  if (ID_TYPES.has(f.type)) {
    if (lit.kind !== 'string') throw wrong();
    const id = normalizeId(lit.value);
    if (id === null) {
      throw httpError(
        400,
        'INVALID_QUERY_FILTER_OPERATOR',
        located(ctx.soql, pos, `invalid ID field: ${lit.value}`),
      );
    }
    return id;
  }
  if (NUMBER_TYPES.has(f.type)) {
    if (lit.kind !== 'number') throw wrong();
    return lit.value;
  }
  if (f.type === 'boolean') {
    if (lit.kind !== 'boolean') throw wrong();
    return lit.value;
  }
  if (lit.kind !== 'datetime') throw wrong();
  const dateOnly = lit.text.length === 10;
  if (dateOnly !== (f.type === 'date')) throw wrong();
  return dateOnly ? lit.text : Date.parse(lit.text);
}

function literalValue(ctx: CompileCtx, f: FieldDef, lit: Literal, pos: number, op: string): Cmp {
  if (lit.kind === 'null') {
    if (op !== '=' && op !== '!=' && op !== '<>' && op !== 'IN')
      throw malformed(ctx.soql, pos, `unexpected token: 'null'`);
    return null;
  }
  if (lit.kind === 'string' && lit.likeOnly) {
    throw malformed(
      ctx.soql,
      pos,
      `Invalid string literal. Illegal character sequence '\\%' or '\\_' outside LIKE.`,
    );
  }
  return typedLiteral(ctx, f, lit, pos);
}

function compileLike(ctx: CompileCtx, c: Extract<Cond, { kind: 'like' }>): Pred {
  const f = fieldOf(ctx, c.field);
  if (!STRING_TYPES.has(f.type) && !ID_TYPES.has(f.type)) {
    throw invalidFieldAt(ctx.soql, c.pos, `invalid operator on ${f.type} field: LIKE`);
  }
  if (c.value.kind !== 'string') throw malformed(ctx.soql, c.pos, 'unexpected token');
  const re = new RegExp(`^${c.value.likeRegex}$`, 'is');
  return (r) => {
    const v = r[f.name];
    return v !== null && v !== undefined && re.test(String(v));
  };
}

function compileIn(ctx: CompileCtx, c: Extract<Cond, { kind: 'in' }>): Pred {
  const f = fieldOf(ctx, c.field);
  const set = new Set<Cmp>(c.values.map((v) => literalValue(ctx, f, v, c.pos, 'IN')));
  return c.negated ? (r) => !set.has(fieldCmp(f, r[f.name])) : (r) => set.has(fieldCmp(f, r[f.name]));
}

function compileCmp(ctx: CompileCtx, c: Extract<Cond, { kind: 'cmp' }>): Pred {
  const f = fieldOf(ctx, c.field);
  const v = literalValue(ctx, f, c.value, c.pos, c.op);
  if (c.op === '=') return (r) => fieldCmp(f, r[f.name]) === v;
  if (c.op === '!=' || c.op === '<>') return (r) => fieldCmp(f, r[f.name]) !== v;
  if (typeof v === 'boolean' || v === null)
    throw malformed(ctx.soql, c.pos, `invalid operator on boolean field: ${c.op}`);
  const op = c.op;
  return (r) => {
    const a = fieldCmp(f, r[f.name]);
    if (a === null || typeof a === 'boolean') return false;
    if (op === '<') return a < v;
    if (op === '<=') return a <= v;
    if (op === '>') return a > v;
    return a >= v;
  };
}

function compileCond(ctx: CompileCtx, c: Cond): Pred {
  switch (c.kind) {
    case 'and': {
      const ps = c.items.map((item) => compileCond(ctx, item));
      return (r) => ps.every((p) => p(r));
    }
    case 'or': {
      const ps = c.items.map((item) => compileCond(ctx, item));
      return (r) => ps.some((p) => p(r));
    }
    case 'not': {
      const p = compileCond(ctx, c.item);
      return (r) => !p(r);
    }
    case 'like':
      return compileLike(ctx, c);
    case 'in':
      return compileIn(ctx, c);
    case 'cmp':
      return compileCmp(ctx, c);
  }
}

/** The value an index holds for a literal: ids in their canonical 18-character form. */
function indexValue(f: FieldDef, literal: string): FieldValue {
  return ID_TYPES.has(f.type) ? normalizeId(literal) : literal;
}

/** Index use: a top-level (or top-level AND member) equality / IN with string literals on an indexed field. */
function indexCandidates(def: ObjectDef, c: Cond): CompiledQuery['candidates'] {
  if (c.kind === 'cmp' && c.op === '=' && c.value.kind === 'string') {
    const f = def.fieldMap.get(c.field.name.toLowerCase());
    if (f && f.indexed) return { field: f.name, values: [indexValue(f, c.value.value)] };
  }
  if (c.kind === 'in' && !c.negated) {
    const f = def.fieldMap.get(c.field.name.toLowerCase());
    const literals = c.values.flatMap((v) => (v.kind === 'string' ? [v.value] : []));
    if (f && f.indexed && literals.length === c.values.length) {
      return { field: f.name, values: literals.map((v) => indexValue(f, v)) };
    }
  }
  if (c.kind === 'and') {
    for (const item of c.items) {
      const p = indexCandidates(def, item);
      if (p) return p;
    }
  }
  return undefined;
}

export function compileQuery(soql: string, q: Query, schema: Schema): CompiledQuery {
  const ctx: CompileCtx = { soql, def: resolveObject(soql, q, schema) };
  const fields = selectedFields(ctx, q.fields);
  const predicate: Pred = q.where ? compileCond(ctx, q.where) : () => true;
  return {
    def: ctx.def,
    count: q.count,
    fields,
    predicate,
    candidates: q.where ? indexCandidates(ctx.def, q.where) : undefined,
    orderBy: q.orderBy.map((o) => ({ field: fieldOf(ctx, o.field), desc: o.desc, nullsLast: o.nullsLast })),
    limit: q.limit,
    offset: q.offset,
  };
}

/** Sorts in place by the ORDER BY list (strings case-insensitively, nulls first unless NULLS LAST). */
export function sortRecords(rows: SimRecord[], orderBy: CompiledQuery['orderBy']): void {
  if (orderBy.length === 0) return;
  rows.sort((a, b) => {
    for (const o of orderBy) {
      const x = fieldCmp(o.field, a[o.field.name]);
      const y = fieldCmp(o.field, b[o.field.name]);
      if (x === y) continue;
      if (x === null) return o.nullsLast ? 1 : -1;
      if (y === null) return o.nullsLast ? -1 : 1;
      const d = x < y ? -1 : 1;
      return o.desc ? -d : d;
    }
    return 0;
  });
}
