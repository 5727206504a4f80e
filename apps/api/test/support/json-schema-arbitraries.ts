import fc from 'fast-check';

/** The part of JSON Schema (as OpenAPI 3.0 writes it) that the API's documents use. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  nullable?: boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

export interface ValueOptions {
  /** Values the running API knows (ids, cursors): offered for every string the schema accepts them for. */
  knownStrings: readonly string[];
  /** Generators that replace the schema's for a parameter or field of this name. */
  overrides: Readonly<Record<string, fc.Arbitrary<unknown>>>;
}

const extremeDates = [
  '0000-01-01T00:00:00Z',
  '0000-01-01T00:00:00.000Z',
  '+300000-01-01T00:00:00Z',
  '300000-01-01T00:00:00.000Z',
  '-000001-01-01T00:00:00Z',
  '275760-09-13T00:00:00.001Z',
  '9999-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00Z',
  '2024-02-30T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T00:00:00+25:00',
  '2026-01-01',
];

const junkConstants = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'x'.repeat(201),
  'x'.repeat(4000),
  '-1',
  '0',
  '-0',
  '1.5',
  '1e309',
  '-1e309',
  '99999999999999999999999',
  '9007199254740993',
  'NaN',
  'Infinity',
  '0x10',
  'true',
  'null',
  '[]',
  '{}',
  '%00',
  '\u202e\u2028',
  '😀',
  'ä',
  "' OR 1=1 --",
  '../x',
  ...extremeDates,
];

/** A base64url cursor of `<date>|<id>` whose date or id is out of the ordinary. */
const junkCursor = fc.oneof(
  fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
  fc
    .tuple(fc.constantFrom(...extremeDates, 'not a date', ''), fc.constantFrom('id\u0000', '\u0000', '', 'a|b', 'x'))
    .map(([date, id]) => Buffer.from(`${date}|${id}`, 'utf8').toString('base64url')),
);

/** Strings any parameter may be sent instead of a valid value. */
export const junkString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...junkConstants) },
  { weight: 2, arbitrary: junkCursor },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String) },
);

/** JSON values a body field may be sent instead of a valid value: wrong types, extremes, junk strings. */
export const junkJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: junkString },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(-1, 0, 1.5, 2 ** 53 + 2, 1e308, -1e308, true, false, null, [], {}, [null], {
      nested: { deeper: ['\u0000'] },
    }),
  },
  { weight: 1, arbitrary: fc.array(junkString, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), junkString, { maxKeys: 3 }) },
);

function patternString(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 200;
  const fits = (text: string) => text.length >= min && text.length <= max;
  if (!schema.pattern) return fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max, 40) });
  const pattern = new RegExp(schema.pattern);
  return fc.stringMatching(pattern).filter(fits);
}

function isoDateTime(): fc.Arbitrary<string> {
  const instant = fc.date({
    min: new Date('1971-01-01T00:00:00Z'),
    max: new Date('2099-12-31T00:00:00Z'),
    noInvalidDate: true,
  });
  return fc.oneof(
    instant.map((date) => date.toISOString()),
    instant.map((date) => date.toISOString().replace('.000Z', 'Z')),
    instant.map((date) => date.toISOString().replace('Z', '+02:00')),
  );
}

function email(schema: JsonSchema): fc.Arbitrary<string> {
  const word = fc.stringMatching(/^[a-z0-9]{1,12}$/);
  return fc
    .tuple(word, word)
    .map(([name, host]) => `${name}@${host}.example`)
    .filter((text) => text.length <= (schema.maxLength ?? 320));
}

function stringValue(schema: JsonSchema, options: ValueOptions): fc.Arbitrary<string> {
  const generated =
    schema.format === 'date-time' ? isoDateTime() : schema.format === 'email' ? email(schema) : patternString(schema);
  const pattern = schema.pattern ? new RegExp(schema.pattern) : undefined;
  const known = options.knownStrings.filter(
    (text) =>
      text.length >= (schema.minLength ?? 0) &&
      text.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY) &&
      (!pattern || pattern.test(text)),
  );
  if (known.length === 0 || schema.format) return generated;
  return fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: generated });
}

function objectValue(schema: JsonSchema, options: ValueOptions): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const fields = Object.fromEntries(
    Object.entries(properties).map(([name, property]) => [name, validValue(property, options, name)]),
  );
  return fc.record(fields, { requiredKeys: schema.required ?? [] });
}

/** A value the schema accepts (as far as the document says: semantic checks may still refuse it). */
export function validValue(schema: JsonSchema, options: ValueOptions, name?: string): fc.Arbitrary<unknown> {
  const override = name === undefined ? undefined : options.overrides[name];
  if (override) return override;
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return fc.oneof(...variants.map((variant) => validValue(variant, options, name)));
  const plain = plainValue(schema, options);
  return schema.nullable
    ? fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: fc.constant(null) })
    : plain;
}

function plainValue(schema: JsonSchema, options: ValueOptions): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string':
      return stringValue(schema, options);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(validValue(schema.items ?? {}, options), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 5, 5)),
      });
    case 'object':
      return objectValue(schema, options);
    default:
      return junkJson;
  }
}

/** An object the schema accepts, with one field changed to junk, a field it does not know, or a required one left out. */
export function brokenObject(schema: JsonSchema, options: ValueOptions): fc.Arbitrary<unknown> {
  const valid = objectValue(schema, options);
  const names = Object.keys(schema.properties ?? {});
  const required = schema.required ?? [];
  const unknownField = fc
    .tuple(valid, fc.constantFrom('unknownField', '__proto__', 'constructor', ''), junkJson)
    .map(([value, name, junk]) => ({ ...value, [name]: junk }));
  const variants: fc.Arbitrary<unknown>[] = [unknownField];
  if (names.length > 0) {
    variants.push(
      fc.tuple(valid, fc.constantFrom(...names), junkJson).map(([value, name, junk]) => ({ ...value, [name]: junk })),
    );
  }
  if (required.length > 0) {
    variants.push(
      fc.tuple(valid, fc.constantFrom(...required)).map(([value, name]) => {
        const { [name]: _left, ...rest } = value;
        return rest;
      }),
    );
  }
  return fc.oneof(...variants);
}
