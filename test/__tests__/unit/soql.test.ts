/**
 * SOQL building (salesforce-api.md 4.3): string literals escaped against hostile input, identifiers whitelisted,
 * lookups chunked under the URI budget. The round-trip properties use a reference unescaper written from the spec,
 * independent of the code under test.
 */
import fc from 'fast-check';
import { InstrumentationError } from '../../../src/framework/errors';
import {
  MAX_ENCODED_SOQL_LENGTH,
  MAX_SOQL_LITERAL_LENGTH,
} from '../../../src/v0/destinations/salesforce/config';
import {
  assertIdentifier,
  buildLookupQueries,
  buildMatchQueries,
  isValidIdentifier,
  literal,
  quoteString,
  type SoqlValue,
} from '../../../src/v0/destinations/salesforce/soql';

/** The escape sequences Salesforce accepts in a string literal (salesforce-api.md 4.3). Any other backslash is an error. */
const UNESCAPES: Record<string, string> = {
  n: '\n',
  N: '\n',
  r: '\r',
  R: '\r',
  t: '\t',
  T: '\t',
  b: '\b',
  B: '\b',
  f: '\f',
  F: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
};

/**
 * Read one quoted literal starting at `start` (which must be a `'`). Returns the value and the index after the
 * closing quote. Throws on an unknown escape or an unterminated literal, as Salesforce would.
 */
function readLiteral(text: string, start: number): { value: string; end: number } {
  if (text[start] !== "'") throw new Error(`expected ' at ${start}`);
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "'") return { value, end: i + 1 };
    if (ch === '\\') {
      const next = text[i + 1];
      if (next === 'u') {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Error(`bad \\u escape at ${i}`);
        value += String.fromCharCode(parseInt(hex, 16));
        i += 6;
        continue;
      }
      const mapped = next === undefined ? undefined : UNESCAPES[next];
      if (mapped === undefined) throw new Error(`invalid escape \\${next ?? ''} at ${i}`);
      value += mapped;
      i += 2;
      continue;
    }
    value += ch;
    i += 1;
  }
  throw new Error('unterminated literal');
}

/** The reference unescaper: the whole text must be exactly one literal. */
function unquote(quoted: string): string {
  const { value, end } = readLiteral(quoted, 0);
  if (end !== quoted.length) throw new Error(`text after the literal: ${quoted.slice(end)}`);
  return value;
}

/** The values of `... WHERE <field> = '<v>'` or `... IN ('<a>', '<b>')`, parsed with the reference unescaper. */
function whereValues(soql: string, field: string): string[] {
  const eq = ` WHERE ${field} = `;
  const inList = ` WHERE ${field} IN (`;
  if (soql.includes(eq)) return [unquote(soql.slice(soql.indexOf(eq) + eq.length))];
  const at = soql.indexOf(inList);
  if (at < 0) throw new Error(`no WHERE on ${field}: ${soql}`);
  const values: string[] = [];
  let i = at + inList.length;
  for (;;) {
    const { value, end } = readLiteral(soql, i);
    values.push(value);
    if (soql[end] === ')') {
      if (end !== soql.length - 1) throw new Error('text after the IN list');
      return values;
    }
    if (soql.slice(end, end + 2) !== ', ') throw new Error(`bad separator at ${end}`);
    i = end + 2;
  }
}

/** Strings over every UTF-16 unit (lone surrogates included) and over full code points. */
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
  fc.string({
    unit: fc.constantFrom("'", '\\', '"', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u007f', 'a', ' ', 'u'),
    maxLength: 60,
  }),
);

describe('quoteString and literal', () => {
  it.each<[string, string, string]>([
    ['an apostrophe', "O'Brien", "'O\\'Brien'"],
    ['a backslash', 'a\\b', "'a\\\\b'"],
    ['an escaped quote in the input', "\\'", "'\\\\\\''"],
    ['a trailing backslash', 'abc\\', "'abc\\\\'"],
    ['injection by quote', "x' OR Email != null OR Email = 'y", "'x\\' OR Email != null OR Email = \\'y'"],
    ['injection by backslash-quote', "a\\' OR Id != null", "'a\\\\\\' OR Id != null'"],
    ['double quotes', 'say "hi"', '\'say \\"hi\\"\''],
    ['a newline', 'a\nb', "'a\\nb'"],
    ['a carriage return', 'a\rb', "'a\\rb'"],
    ['a tab', 'a\tb', "'a\\tb'"],
    ['a form feed', 'a\fb', "'a\\fb'"],
    ['a backspace (written \\u0008: the docs call \\b "bell")', 'a\bb', "'a\\u0008b'"],
    ['NUL', 'a\u0000b', "'a\\u0000b'"],
    ['bell', 'a\u0007b', "'a\\u0007b'"],
    ['escape', '\u001b[31m', "'\\u001b[31m'"],
    ['unit separator', '\u001f', "'\\u001f'"],
    ['DEL', '\u007f', "'\\u007f'"],
    ['an emoji', 'hi 😀 there', "'hi 😀 there'"],
    ['accents', 'Zoë Müller-Ångström', "'Zoë Müller-Ångström'"],
    ['right-to-left text', 'مرحبا שלום', "'مرحبا שלום'"],
    ['CJK', '山田太郎', "'山田太郎'"],
    ['an empty string', '', "''"],
    ['LIKE wildcards (not special in =)', '50%_off', "'50%_off'"],
  ])('%s', (_name, input, expected) => {
    expect(quoteString(input)).toBe(expected);
    expect(literal(input)).toBe(expected);
    expect(unquote(expected)).toBe(input);
  });

  it('writes numbers and booleans bare', () => {
    expect(literal(42)).toBe('42');
    expect(literal(-3.5)).toBe('-3.5');
    expect(literal(0)).toBe('0');
    expect(literal(true)).toBe('true');
    expect(literal(false)).toBe('false');
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    'rejects the number %p',
    (value) => {
      expect(() => literal(value)).toThrow(InstrumentationError);
    },
  );

  it.each(['42', '0', '-1.5', '1e3', 'true', 'null'])(
    'keeps the numeric-looking string %p quoted',
    (value) => {
      expect(literal(value)).toBe(`'${value}'`);
    },
  );

  it(`accepts a ${MAX_SOQL_LITERAL_LENGTH}-character value and rejects one more`, () => {
    expect(literal('a'.repeat(MAX_SOQL_LITERAL_LENGTH))).toHaveLength(MAX_SOQL_LITERAL_LENGTH + 2);
    let thrown: unknown;
    try {
      literal('a'.repeat(MAX_SOQL_LITERAL_LENGTH + 1));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InstrumentationError);
    expect((thrown as Error).message).toContain(`${MAX_SOQL_LITERAL_LENGTH + 1} characters`);
    expect((thrown as Error).message).toContain(`at most ${MAX_SOQL_LITERAL_LENGTH}`);
  });

  it('property: the reference unescaper reads back every string', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        expect(unquote(quoteString(s))).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: the quoted body never holds an unescaped quote, a raw control character or a stray backslash', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const body = quoteString(s).slice(1, -1);
        // Drop every valid escape pair; what remains may contain neither a quote nor a backslash.
        const rest = body.replace(/\\u[0-9a-f]{4}|\\[nrtbf"'\\]/g, '');
        expect(rest).not.toMatch(/['\\]/);
        const rawControl = [...body].filter((ch) => ch < ' ' || ch === '\u007f');
        expect(rawControl).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: a quoted value embedded in a WHERE clause keeps the query shape', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const soql = `SELECT Id FROM Lead WHERE Email = ${quoteString(s)}`;
        expect(whereValues(soql, 'Email')).toEqual([s]);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('assertIdentifier', () => {
  it.each(['Email', 'External_Id__c', 'ns__Obj__c', 'Id', 'a1', 'X'])('accepts %p', (name) => {
    expect(assertIdentifier(name, 'identifier field')).toBe(name);
    expect(isValidIdentifier(name)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['a parenthesised injection', 'Email) OR (Id'],
    ['a space', 'a b'],
    ['a leading digit', '1abc'],
    ['two quotes', "''"],
    ['a SQL comment', 'Email--'],
    ['a leading underscore', '_Email'],
    ['a dot', 'Account.Name'],
    ['a quote', "Email'"],
    ['a newline', 'Email\n'],
    ['a non-ASCII letter', 'Émail'],
    ['an empty string', ''],
    ['a 256-character name', `A${'b'.repeat(255)}`],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['an object', { name: 'Email' }],
    ['an array', ['Email']],
  ])('rejects %s', (_name, value) => {
    let thrown: unknown;
    try {
      assertIdentifier(value, 'externalId identifierType');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InstrumentationError);
    const message = (thrown as Error).message;
    expect(message).toContain('externalId identifierType');
    if (value !== undefined) expect(message).toContain(JSON.stringify(value));
  });

  it('accepts a 255-character name', () => {
    expect(isValidIdentifier(`A${'b'.repeat(254)}`)).toBe(true);
  });
});

describe('buildLookupQueries', () => {
  const LEAD_FIELDS = ['Id', 'Email', 'IsConverted', 'ConvertedContactId', 'IsDeleted'];

  it('writes one value with =', () => {
    expect(buildLookupQueries('Lead', LEAD_FIELDS, 'Email', ["o'brien@example.com"])).toEqual([
      {
        soql: "SELECT Id, Email, IsConverted, ConvertedContactId, IsDeleted FROM Lead WHERE Email = 'o\\'brien@example.com'",
        values: ["o'brien@example.com"],
      },
    ]);
  });

  it('writes several values with IN', () => {
    expect(
      buildLookupQueries('Contact', ['Id', 'External_Id__c'], 'External_Id__c', ['a', 'b', 42, true]),
    ).toEqual([
      {
        soql: "SELECT Id, External_Id__c FROM Contact WHERE External_Id__c IN ('a', 'b', 42, true)",
        values: ['a', 'b', 42, true],
      },
    ]);
  });

  it('returns no query for no values', () => {
    expect(buildLookupQueries('Lead', ['Id'], 'Email', [])).toEqual([]);
  });

  it.each<[string, string, string[], string]>([
    ['object', 'Lead WHERE Id != null', ['Id'], 'Email'],
    ['field', 'Lead', ['Id', 'Email, (SELECT Id FROM Contacts)'], 'Email'],
    ['where field', 'Lead', ['Id'], 'Email = null OR Email'],
  ])('rejects a hostile %s name before building anything', (_what, object, fields, where) => {
    expect(() => buildLookupQueries(object, fields, where, ['a@b.com'])).toThrow(InstrumentationError);
  });

  it('rejects an over-long value with an InstrumentationError', () => {
    expect(() =>
      buildLookupQueries('Lead', ['Id'], 'Email', ['x'.repeat(MAX_SOQL_LITERAL_LENGTH + 1)]),
    ).toThrow(InstrumentationError);
  });

  it('splits 2,000 long emails into several queries under the budget', () => {
    const values = Array.from(
      { length: 2000 },
      (_, i) => `someone.with.a.long.address.${i}@example-company.com`,
    );
    const queries = buildLookupQueries('Lead', LEAD_FIELDS, 'Email', values);
    expect(queries.length).toBeGreaterThan(1);
    for (const q of queries)
      expect(encodeURIComponent(q.soql).length).toBeLessThanOrEqual(MAX_ENCODED_SOQL_LENGTH);
    expect(queries.flatMap((q) => q.values)).toEqual(values);
  });

  const localPart = fc.string({
    unit: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789.+-_'.split('')) },
      { weight: 1, arbitrary: fc.constantFrom("'", '\\', '"', '%', '&', '#', ' ', 'é', '😀', '山', '\n') },
    ),
    minLength: 1,
    maxLength: 240,
  });
  const email = fc.tuple(localPart, fc.domain()).map(([local, domain]) => `${local}@${domain}`);

  it('property: every chunk fits the URI budget and every value is looked up exactly once, in order', () => {
    fc.assert(
      fc.property(fc.array(email, { maxLength: 400 }), (values) => {
        const queries = buildLookupQueries('Lead', LEAD_FIELDS, 'Email', values);
        expect(queries.flatMap((q) => q.values)).toEqual(values);
        for (const q of queries) {
          expect(q.values.length).toBeGreaterThan(0);
          expect(encodeURIComponent(q.soql).length).toBeLessThanOrEqual(MAX_ENCODED_SOQL_LENGTH);
          // The WHERE clause, read back with the reference unescaper, holds exactly the chunk's values.
          expect(whereValues(q.soql, 'Email')).toEqual(q.values);
          expect(
            q.soql.startsWith(
              'SELECT Id, Email, IsConverted, ConvertedContactId, IsDeleted FROM Lead WHERE Email ',
            ),
          ).toBe(true);
        }
        if (values.length === 0) expect(queries).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('property: mixed value types keep their literal form', () => {
    const value: fc.Arbitrary<SoqlValue> = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.boolean());
    fc.assert(
      fc.property(fc.array(value, { minLength: 2, maxLength: 50 }), (values) => {
        const [query] = buildLookupQueries('Custom__c', ['Id', 'Key__c'], 'Key__c', values);
        expect(query.values).toEqual(values);
        expect(query.soql).toBe(
          `SELECT Id, Key__c FROM Custom__c WHERE Key__c IN (${values.map(literal).join(', ')})`,
        );
      }),
    );
  });
});

describe('buildMatchQueries (one field)', () => {
  it('is the IN-list lookup, each query covering its run of the given tuples', () => {
    const tuples = Array.from({ length: 1500 }, (_, i) => [`someone.with.a.long.address.${i}@example.com`]);
    const values = tuples.map((t) => t[0]);
    const lookups = buildLookupQueries('Lead', ['Id', 'Email'], 'Email', values);
    const queries = buildMatchQueries('Lead', ['Id', 'Email'], ['Email'], 'and', tuples);
    expect(lookups.length).toBeGreaterThan(1);
    expect(queries.map((q) => q.soql)).toEqual(lookups.map((q) => q.soql));
    expect(queries.map((q) => q.tuples.map((t) => t[0]))).toEqual(lookups.map((q) => q.values));
    expect(queries.flatMap((q) => q.tuples).every((t, i) => t === tuples[i])).toBe(true);
  });
});

describe('buildMatchQueries (several fields)', () => {
  const FIELDS = ['Email', 'LastName'];
  const HEAD = 'SELECT Id, Email, LastName FROM Contact WHERE ';

  /** The condition of a chunk written out in one go, as the SOQL grammar reads it. */
  function condition(operator: 'and' | 'or', tuples: SoqlValue[][]): string {
    if (operator === 'or') {
      return FIELDS.map((field, i) => {
        const values = [...new Set(tuples.map((t) => literal(t[i])))];
        return values.length === 1 ? `${field} = ${values[0]}` : `${field} IN (${values.join(', ')})`;
      }).join(' OR ');
    }
    const one = (t: SoqlValue[]) => FIELDS.map((f, i) => `${f} = ${literal(t[i])}`).join(' AND ');
    return tuples.length === 1 ? one(tuples[0]) : tuples.map((t) => `(${one(t)})`).join(' OR ');
  }
  const encoded = (soql: string) => encodeURIComponent(soql).length;

  const text = fc.string({
    unit: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...'abcdefghij0123456789.@-'.split('')) },
      { weight: 1, arbitrary: fc.constantFrom("'", '\\', '"', '%', ' ', 'é', '😀', '\n') },
    ),
    maxLength: 120,
  });
  const value = fc.oneof(text, fc.integer(), fc.boolean(), fc.constantFrom('dup@x.com', 'Smith'));

  it('property: each query is its chunk written out, fits the budget, and takes as many tuples as fit', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('and' as const, 'or' as const),
        fc.array(fc.tuple(value, value), { maxLength: 300 }),
        (operator, tuples) => {
          const queries = buildMatchQueries('Contact', ['Id', ...FIELDS], FIELDS, operator, tuples);
          expect(queries.flatMap((q) => q.tuples)).toEqual(tuples);
          queries.forEach((q, k) => {
            expect(q.tuples.length).toBeGreaterThan(0);
            expect(q.soql).toBe(HEAD + condition(operator, q.tuples));
            if (q.tuples.length > 1) expect(encoded(q.soql)).toBeLessThanOrEqual(MAX_ENCODED_SOQL_LENGTH);
            // A chunk ends only where the next tuple would not fit.
            const next = queries[k + 1]?.tuples[0];
            if (next) {
              const grown = HEAD + condition(operator, [...q.tuples, next]);
              expect(encoded(grown)).toBeGreaterThan(MAX_ENCODED_SOQL_LENGTH);
            }
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
