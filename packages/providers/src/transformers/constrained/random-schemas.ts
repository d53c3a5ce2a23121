/**
 * Random JSON Schemas of the enforced subset, for property tests and the structured-output
 * benchmark. Test-only: not exported from the package.
 */
import fc from 'fast-check';

type Schema = Record<string, unknown>;

const propertyName = fc.constantFrom(
  'name',
  'age',
  'city',
  'id',
  'tags',
  'value',
  'unit',
  'items',
  'note',
  'ok',
  'score',
  'kind',
  'a b',
  'quote"d',
  'émoji',
);

const scalarValue = fc.oneof(
  fc.constantFrom('km', 'mi', 'red', 'green', 'x"y', 'é', ''),
  fc.integer({ min: -50, max: 500 }),
  fc.boolean(),
  fc.constant(null),
);

const leaf: fc.Arbitrary<Schema> = fc.oneof(
  fc.record(
    {
      type: fc.constant('string'),
      minLength: fc.integer({ min: 0, max: 3 }),
      maxLength: fc.integer({ min: 3, max: 12 }),
    },
    { requiredKeys: ['type'] },
  ),
  fc
    .record(
      {
        type: fc.constantFrom('integer', 'number'),
        minimum: fc.integer({ min: -100, max: 50 }),
        span: fc.integer({ min: 0, max: 500 }),
      },
      { requiredKeys: ['type'] },
    )
    .map(({ span, ...schema }) =>
      schema.minimum !== undefined && span !== undefined
        ? { ...schema, maximum: schema.minimum + span }
        : schema,
    ),
  fc.constant({ type: 'boolean' }),
  fc.constant({ type: 'null' }),
  fc
    .uniqueArray(scalarValue, {
      minLength: 1,
      maxLength: 4,
      selector: (value) => JSON.stringify(value),
    })
    .map((values) => ({ enum: values })),
  scalarValue.map((value) => ({ const: value })),
);

/** Random schemas: objects, arrays, unions and nested combinations of the enforced subset. */
export const schemaArbitrary: fc.Arbitrary<Schema> = fc.letrec<{ node: Schema }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc
      .record({
        properties: fc.dictionary(propertyName, tie('node'), { minKeys: 1, maxKeys: 4 }),
        requiredMask: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        closed: fc.boolean(),
      })
      .map(({ properties, requiredMask, closed }) => ({
        type: 'object',
        properties,
        required: Object.keys(properties).filter((_, index) => requiredMask[index]),
        ...(closed ? { additionalProperties: false } : {}),
      })),
    fc
      .record({
        items: tie('node'),
        minItems: fc.integer({ min: 0, max: 2 }),
        extra: fc.integer({ min: 0, max: 3 }),
      })
      .map(({ items, minItems, extra }) => ({
        type: 'array',
        items,
        minItems,
        maxItems: minItems + extra,
      })),
    fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((anyOf) => ({ anyOf })),
    tie('node').map((node) => ({ anyOf: [node, { type: 'null' }] })),
  ),
})).node;

/** Random top-level object schemas (what `generateObject` asks for), sometimes through `$defs`. */
export const objectSchemaArbitrary: fc.Arbitrary<Schema> = fc
  .record({
    properties: fc.dictionary(propertyName, schemaArbitrary, { minKeys: 1, maxKeys: 4 }),
    requiredMask: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    closed: fc.boolean(),
    viaDefs: fc.boolean(),
  })
  .map(({ properties, requiredMask, closed, viaDefs }) => {
    const object = {
      type: 'object',
      properties,
      required: Object.keys(properties).filter((_, index) => requiredMask[index]),
      ...(closed ? { additionalProperties: false } : {}),
    };
    return viaDefs ? { $defs: { Root: object }, $ref: '#/$defs/Root' } : object;
  });
